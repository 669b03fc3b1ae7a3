"""Operator actions on the outbox and its dead letters (no `request` here)."""
from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models import EmailOutbox, OutboxStatus
from app.models.base import utcnow

REQUEUEABLE = (OutboxStatus.DEAD, OutboxStatus.SUPPRESSED, OutboxStatus.DISCARDED)
DISCARDABLE = (OutboxStatus.DEAD, OutboxStatus.PENDING)


def list_outbox(status: str | None = None, limit: int = 100) -> list[EmailOutbox]:
    stmt = select(EmailOutbox).order_by(EmailOutbox.created_at.desc(), EmailOutbox.id.desc())
    if status:
        stmt = stmt.where(EmailOutbox.status == status)
    return list(db.session.execute(stmt.limit(limit)).scalars())


def requeue(message_id: int) -> bool:
    """Send a dead, suppressed or discarded message again from a fresh start (a suppressed
    one is checked against consent again). False if there is no such message to requeue."""
    row = db.session.get(EmailOutbox, message_id)
    if row is None or row.status not in REQUEUEABLE:
        return False
    row.status, row.attempts, row.next_attempt_at = OutboxStatus.PENDING, 0, utcnow()
    row.lease_until = row.dead_at = row.alerted_at = None
    row.permanent_failure = False
    db.session.commit()
    return True


def discard(message_id: int) -> bool:
    """Never send it; the row stays for audit. A message being sent cannot be discarded."""
    row = db.session.get(EmailOutbox, message_id)
    if row is None or row.status not in DISCARDABLE:
        return False
    row.status, row.lease_until = OutboxStatus.DISCARDED, None
    db.session.commit()
    return True
