"""The outbox rows' life cycle in the database: claim, then record each outcome.

A claim marks due rows `sending` with a lease and commits before any SMTP traffic. On
PostgreSQL the rows are picked with FOR UPDATE SKIP LOCKED, so concurrent runners take
disjoint batches; SQLite has no row locks but serializes writers, and the claim is one
conditional UPDATE, so there too a row goes to one runner. A runner that dies leaves its
rows `sending`; when the lease runs out they are due again (same Message-ID).

The claim increments `attempts`, and every later update is conditional on that value: a
runner whose lease ran out and whose rows were claimed again cannot overwrite the result.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select, update

from app.email.consent import may_receive
from app.email.composition import Outgoing
from app.extensions import db
from app.models import EmailOutbox, OutboxStatus
from app.models.base import utcnow

LEASE_S = 300
BACKOFF_S = (60, 300, 1800, 7200, 21600)  # 1 min, 5 min, 30 min, 2 h, 6 h
MAX_ATTEMPTS = 5


def due(now: datetime):
    return or_(and_(EmailOutbox.status == OutboxStatus.PENDING, EmailOutbox.next_attempt_at <= now),
               and_(EmailOutbox.status == OutboxStatus.SENDING, EmailOutbox.lease_until < now))


def claim(limit: int) -> tuple[list[Outgoing], int]:
    """Claim up to `limit` due messages and commit; returns (to send, suppressed count)."""
    now = utcnow()
    try:
        # Two statements, not UPDATE ... WHERE id IN (SELECT ... LIMIT): PostgreSQL may run
        # such a subquery once per row and claim far more than `limit`. The picked rows stay
        # locked until the commit; the UPDATE re-checks `due` for SQLite, which has no locks.
        picked = db.session.execute(
            select(EmailOutbox.id).where(due(now))
            .order_by(EmailOutbox.next_attempt_at, EmailOutbox.id).limit(limit)
            .with_for_update(skip_locked=True)).scalars().all()  # rendered on PostgreSQL only
        ids = db.session.execute(
            update(EmailOutbox)
            .where(EmailOutbox.id.in_(picked), due(now))
            .values(status=OutboxStatus.SENDING, lease_until=now + timedelta(seconds=LEASE_S),
                    attempts=EmailOutbox.attempts + 1, updated_at=now)
            .returning(EmailOutbox.id)
            .execution_options(synchronize_session=False)).scalars().all()
        rows = db.session.execute(select(EmailOutbox).where(EmailOutbox.id.in_(ids))
                                  .order_by(EmailOutbox.id)).scalars().all() if ids else []
        batch, suppressed = [], 0
        for row in rows:
            if may_receive(row.recipient, row.category):
                batch.append(Outgoing.of(row))
            else:  # consent missing or withdrawn: never sent, kept for the record
                row.status, row.lease_until = OutboxStatus.SUPPRESSED, None
                row.attempts -= 1
                row.last_error = "no marketing consent for this address"
                suppressed += 1
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return batch, suppressed


def _finish(item: Outgoing, **values) -> bool:
    """Apply the outcome if the claim is still ours; commit at once (one short transaction)."""
    try:
        result = db.session.execute(
            update(EmailOutbox)
            .where(EmailOutbox.id == item.id, EmailOutbox.status == OutboxStatus.SENDING,
                   EmailOutbox.attempts == item.attempts)
            .values(lease_until=None, updated_at=utcnow(), **values)
            .execution_options(synchronize_session=False))
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return result.rowcount == 1


def mark_sent(item: Outgoing, provider_message_id: str) -> bool:
    return _finish(item, status=OutboxStatus.SENT, sent_at=utcnow(), last_error=None,
                   provider_message_id=provider_message_id)


def mark_failed(item: Outgoing, error: str, *, permanent: bool) -> str:
    """Back off, or dead-letter; returns the outcome: retry, dead or rejected."""
    now = utcnow()
    if permanent:
        _finish(item, status=OutboxStatus.DEAD, dead_at=now, permanent_failure=True,
                last_error=error[:2000])
        return "rejected"
    if item.attempts >= MAX_ATTEMPTS:
        _finish(item, status=OutboxStatus.DEAD, dead_at=now, permanent_failure=False,
                last_error=error[:2000])
        return "dead"
    delay = BACKOFF_S[min(item.attempts, len(BACKOFF_S)) - 1]
    _finish(item, status=OutboxStatus.PENDING, next_attempt_at=now + timedelta(seconds=delay),
            last_error=error[:2000])
    return "retry"


def release(item: Outgoing) -> bool:
    """Hand an untried message back (the batch ran out of lease time): no attempt used."""
    return _finish(item, status=OutboxStatus.PENDING, attempts=item.attempts - 1,
                   next_attempt_at=utcnow())
