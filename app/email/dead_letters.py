"""The dead-letter queue: one operator alert per new batch, automatic requeues of transient
failures once the mail server is back, and every row kept for audit (§10)."""
from __future__ import annotations

import logging

from sqlalchemy import select, update

from app.email.sender import breaker_waiting
from app.extensions import db
from app.models import EmailOutbox, OutboxStatus
from app.models.base import utcnow
from app.observability.alerts import raise_alert
from app.urls import base_url

log = logging.getLogger(__name__)
MAX_REQUEUES = 2
# The admin pages' dead-letter list (admin.email.index); a path, so the alert can be built
# whether or not the admin blueprint is mounted in this process.
ADMIN_DEAD_LETTERS = "/admin/email/?status=dead"


def alert_new() -> int:
    """Alert once for the dead letters nobody was told about yet; returns how many."""
    rows = db.session.execute(
        select(EmailOutbox.id, EmailOutbox.template, EmailOutbox.permanent_failure)
        .where(EmailOutbox.status == OutboxStatus.DEAD, EmailOutbox.alerted_at.is_(None))
        .order_by(EmailOutbox.id)).all()
    if not rows:
        db.session.rollback()
        return 0
    ids = [row.id for row in rows]
    rejected = sum(1 for row in rows if row.permanent_failure)
    if any(row.template != "operator_alert" for row in rows):
        # The key names the batch, so the alert's de-duplication lets each batch through once.
        raise_alert(f"email-dead:{ids[0]}-{ids[-1]}:{len(ids)}",
                    f"{len(ids)} email(s) could not be delivered ({rejected} refused by the "
                    "mail server); they are in the dead-letter queue in the admin pages",
                    severity="warning",
                    details={"count": len(ids), "refused": rejected, "first_id": ids[0],
                             "last_id": ids[-1],
                             "admin_url": base_url() + ADMIN_DEAD_LETTERS})
    else:
        # Alerts about undeliverable alert emails would go the same failing way, and their
        # own death would alert again: a loop. Logs and Sentry already carry the originals.
        log.warning("operator alert emails dead-lettered", extra={"count": len(ids)})
    db.session.execute(update(EmailOutbox).where(EmailOutbox.id.in_(ids))
                       .values(alerted_at=utcnow()).execution_options(synchronize_session=False))
    db.session.commit()
    return len(ids)


def requeue_transient() -> int:
    """Give transiently failed dead letters another round, at most MAX_REQUEUES times, once
    the email breaker is closed again.

    An open breaker whose reset timeout has passed counts too: only a send can close it, and
    with every failed message dead nothing else would ever try, so the requeued messages
    are the trial (the breaker lets one through and closes or re-opens on its outcome).
    """
    if breaker_waiting():
        return 0
    now = utcnow()
    result = db.session.execute(
        update(EmailOutbox)
        .where(EmailOutbox.status == OutboxStatus.DEAD, EmailOutbox.permanent_failure.is_(False),
               EmailOutbox.requeues < MAX_REQUEUES)
        .values(status=OutboxStatus.PENDING, attempts=0, requeues=EmailOutbox.requeues + 1,
                next_attempt_at=now, lease_until=None, dead_at=None, alerted_at=None,
                updated_at=now)
        .execution_options(synchronize_session=False))
    db.session.commit()
    return result.rowcount or 0
