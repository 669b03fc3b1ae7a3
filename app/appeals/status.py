"""The driver's appeal page, as a plain snapshot that can outlive the database.

Every successful view of `GET /appeals/<id>` stores a snapshot (plain values, no ORM
objects) in an in-process TTL cache. When the database is down the page is rendered from
that snapshot with a "may be out of date" note: it is the page every degraded message
points to, so it is the one page that keeps answering.
"""
from __future__ import annotations

from flask import current_app

from app.appeals.mailing_timeline import mailing_facts
from app.appeals.service import citation_check, long_date
from app.cities import registry
from app.models import Appeal, AppealStatus
from app.models.appeal import PAID_STATES
from app.models.base import as_utc, utcnow
from app.resilience.cache import TTLCache, get_cache

CACHE_NAME = "appeal_status"
CACHE_TTL_S = 15 * 60

STATUS_WORDS = {
    AppealStatus.STARTED: "Started: your letter isn't written yet",
    AppealStatus.LETTER_READY: "Your letter is ready for you to review",
    AppealStatus.WRITING_NEEDED: "Your letter needs your words",
    AppealStatus.AWAITING_PAYMENT: "Waiting for payment",
    AppealStatus.PAID: "Paid: we're preparing your letter for the post",
    AppealStatus.MAILING: "Paid: your letter is being printed for the post",
    AppealStatus.PRINT_QUEUE: "Paid: our team is printing and posting your letter",
    AppealStatus.MAILED: "Mailed to the city",
    AppealStatus.DELIVERED: "Delivered to the city",
    AppealStatus.RETURNED: "Returned by the post office: we're on it",
    AppealStatus.PAYMENT_FAILED: "The payment didn't go through",
    AppealStatus.REFUNDED: "Refunded",
    AppealStatus.CANCELLED: "Cancelled",
}


def cache() -> TTLCache:
    return get_cache(current_app.extensions, CACHE_NAME, CACHE_TTL_S, maxsize=4096)


def next_step(appeal: Appeal) -> tuple[str, str] | None:
    """(endpoint, label) of what the driver does next, or None when nothing is left to do."""
    status = appeal.status
    if status == AppealStatus.STARTED:
        if not appeal.story:
            return "appeals.story", "Tell us what happened"
        return "appeals.story", "Write my letter"
    if status == AppealStatus.LETTER_READY:
        return "appeals.review", "Review your letter"
    if status == AppealStatus.WRITING_NEEDED:
        return "appeals.review", "Write your letter"
    if status in (AppealStatus.AWAITING_PAYMENT, AppealStatus.PAYMENT_FAILED):
        if not (appeal.signature_key or appeal.signature_name):
            return "appeals.sign", "Sign your letter"
        return "appeals.checkout", "Pay and mail my letter"
    return None


def snapshot(appeal: Appeal) -> dict:
    city = registry.get(appeal.city_slug)
    check = citation_check(appeal)
    step = next_step(appeal)
    paid_at, mailed_at = as_utc(appeal.paid_at), as_utc(appeal.mailed_at)
    # The deadline still matters until the letter is on its way: before payment, and while
    # paid but not yet mailed (the driver sees it will go in time).
    open_case = appeal.status not in (AppealStatus.MAILED, AppealStatus.DELIVERED,
                                      AppealStatus.RETURNED, AppealStatus.REFUNDED,
                                      AppealStatus.CANCELLED)
    paid = appeal.status in PAID_STATES
    return {
        "public_id": appeal.public_id,
        "status": appeal.status,
        "status_words": STATUS_WORDS.get(appeal.status, appeal.status),
        "city_name": city.name,
        "citation_number": appeal.citation_number,
        "violation_date": long_date(appeal.violation_date) if appeal.violation_date else None,
        "deadline": long_date(check.deadline) if check.deadline else None,
        "days_left": check.days_left if open_case else None,
        "urgent": bool(check.urgent) and open_case,
        "expired": bool(check.expired) and open_case,
        "letter_text": appeal.letter_text,
        "letter_source": appeal.letter_source,
        "photo_count": len(appeal.photos),
        "mail_class": appeal.mail_class,
        "paid_on": long_date(paid_at.date()) if paid_at else None,
        "mailed_on": long_date(mailed_at.date()) if mailed_at else None,
        "next_endpoint": step[0] if step else None,
        "next_label": step[1] if step else None,
        "paid": paid,
        # The driver's own copy (fulfilment.letter_copy) exists once the letter is signed.
        "has_copy": bool((appeal.letter_text or "").strip()
                         and (appeal.signature_key or (appeal.signature_name or "").strip())),
        "mailing": mailing_facts(appeal) if paid else {"timeline": []},
        "taken_at": utcnow().strftime("%H:%M UTC"),
    }


def remember(snap: dict) -> None:
    cache().set(snap["public_id"], snap)


def recall(public_id: str) -> dict | None:
    return cache().get(public_id)
