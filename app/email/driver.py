"""Emails a driver asks for: the appeal link ("find my appeal") and the receipt again.

The routes answer the same way whatever these find, and put the `email_user` (see
`app.email.limits.per_email`) and `email_ip` limits in front. Within a 10-minute window a
repeated request queues nothing new: the idempotency key carries the window.
"""
from __future__ import annotations

import time

from sqlalchemy import func, select

from app.cities.citations import normalise
from app.email.outbox import enqueue
from app.extensions import db
from app.models import Appeal, AppealStatus
from app.urls import absolute_url
from app.webhooks.handlers.appeal_payments import email_context

WINDOW_S = 600
MAX_MATCHES = 3  # one citation and one address: more would be someone starting over
RECEIPT_STATUSES = (AppealStatus.PAID, AppealStatus.MAILED)


def _window() -> int:
    return int(time.time() // WINDOW_S)


def send_appeal_link(citation_number: str, email: str) -> int:
    """Queue the link of each appeal matching the citation and address, and commit.

    Returns how many matched; the caller must not show it (nobody may probe for appeals).
    """
    number, address = normalise(citation_number), (email or "").strip().lower()
    if not number or not address:
        return 0
    appeals = db.session.execute(
        select(Appeal).where(Appeal.citation_number == number,
                             func.lower(Appeal.email) == address)
        .order_by(Appeal.created_at.desc()).limit(MAX_MATCHES)).scalars().all()
    for appeal in appeals:
        enqueue(appeal.email, "appeal_link",
                {"appeal_url": absolute_url("appeals.status", public_id=appeal.public_id),
                 "citation_number": appeal.citation_number, "driver_name": appeal.driver_name},
                idempotency_key=f"appeal-link:{appeal.id}:{_window()}", appeal_id=appeal.id)
    db.session.commit()
    return len(appeals)


def resend_receipt(appeal: Appeal) -> bool:
    """Queue the receipt again for a paid appeal and commit; False when there is none to send."""
    if appeal.status not in RECEIPT_STATUSES or not appeal.email:
        return False
    context = email_context(appeal)  # the same receipt the payment webhook queues
    context["appeal_url"] = absolute_url("appeals.status", public_id=appeal.public_id)
    enqueue(appeal.email, "receipt", context,
            idempotency_key=f"receipt-resend:{appeal.id}:{_window()}", appeal_id=appeal.id)
    db.session.commit()
    return True
