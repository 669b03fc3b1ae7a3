"""Emails to the driver: payment news, and what they ask for (the appeal link, the receipt again).

The routes answer the same way whatever these find, and put the `email_user` (see
`app.email.limits.per_email`) and `email_ip` limits in front. Within a 10-minute window a
repeated request queues nothing new: the idempotency key carries the window.
"""
from __future__ import annotations

import logging
import time

from sqlalchemy import func, select

from app.appeals.service import format_price
from app.cities.citations import normalise
from app.email.outbox import enqueue
from app.extensions import db
from app.models import Appeal, AppealStatus
from app.urls import absolute_url

log = logging.getLogger(__name__)
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
                {"appeal_url": appeal_url(appeal.public_id),
                 "citation_number": appeal.citation_number, "driver_name": appeal.driver_name},
                idempotency_key=f"appeal-link:{appeal.id}:{_window()}", appeal_id=appeal.id)
    db.session.commit()
    return len(appeals)


def resend_receipt(appeal: Appeal) -> bool:
    """Queue the receipt again for a paid appeal and commit; False when there is none to send."""
    if appeal.status not in RECEIPT_STATUSES or not appeal.email:
        return False
    # The same receipt the payment webhook queues.
    enqueue(appeal.email, "receipt", email_context(appeal),
            idempotency_key=f"receipt-resend:{appeal.id}:{_window()}", appeal_id=appeal.id)
    db.session.commit()
    return True


def notify(appeal: Appeal, template: str, context: dict, key: str) -> None:
    """Queued in this transaction, once per key. An appeal reaches payment with an email;
    should one not have it, the state change still stands and operators see the log."""
    if not appeal.email:
        log.warning("no email address for appeal", extra={"appeal": appeal.public_id,
                                                          "template": template})
        return
    enqueue(appeal.email, template, context, idempotency_key=key, appeal_id=appeal.id)


def email_context(appeal: Appeal) -> dict:
    cents, currency = appeal.price_cents or 0, appeal.currency or "usd"
    return {
        "appeal": appeal, "appeal_id": appeal.public_id, "appeal_url": appeal_url(appeal.public_id),
        "citation_number": appeal.citation_number, "city_slug": appeal.city_slug,
        "driver_name": appeal.driver_name, "mail_class": appeal.mail_class,
        "amount_cents": cents, "currency": currency, "amount": format_price(cents, currency),
    }


def appeal_url(public_id: str) -> str:
    """The appeal page on PUBLIC_BASE_URL, never on the host a request came with."""
    return absolute_url("appeals.status", public_id=public_id)
