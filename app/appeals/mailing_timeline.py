"""What the driver sees of the letter's journey once paid (§17): plain words and dates.

Read from the letters ledger (app.models), not from app.fulfilment, which sits above the
appeal pages: the appeal page only shows what the mailing job and the webhooks recorded.
The result is plain values, so it can live in the appeal page's snapshot cache.
"""
from __future__ import annotations

from sqlalchemy import select

from app.cities.model import long_date
from app.extensions import db
from app.models import Appeal, Letter, LetterEvent
from app.models.base import as_utc

# The same USPS page the mailed email links to, for certified mail's tracking number.
USPS_TRACKING = "https://tools.usps.com/go/TrackConfirmAction?tLabels={number}"

# Provider event type (without "letter." / "letter.certified.") -> what the driver reads.
EVENT_WORDS = {
    "mailed": "Handed to USPS",
    "in_transit": "In transit with USPS",
    "in_local_area": "At a post office near the city's office",
    "processed_for_delivery": "Out for delivery",
    "pickup_available": "Waiting for pickup at the post office",
    "issue": "USPS attempted delivery",
    "re-routed": "Re-routed by USPS",
    "delivered": "Delivered to the city's office",
    "returned_to_sender": "Returned to us by USPS",
}


def _words(event_type: str) -> str | None:
    name = event_type.removeprefix("letter.").removeprefix("certified.")
    return EVENT_WORDS.get(name)


def current_letter(appeal: Appeal) -> Letter | None:
    return db.session.execute(select(Letter).filter_by(
        appeal_id=appeal.id, letter_version=appeal.letter_version)).scalar_one_or_none()


def mailing_facts(appeal: Appeal) -> dict:
    """The letter's mailing facts and timeline for the appeal page ({} before a letter exists)."""
    letter = current_letter(appeal)
    if letter is None:
        return {"timeline": []}
    events = db.session.execute(select(LetterEvent).filter_by(letter_id=letter.id)
                                .order_by(LetterEvent.occurred_at, LetterEvent.id)).scalars()
    timeline, seen = [], set()
    if letter.mailed_on:
        timeline.append({"day": long_date(letter.mailed_on), "words": "Mailed to the city"})
        seen.add("Handed to USPS")
    for event in events:
        words = _words(event.event_type)
        if words is None or (words in seen and words != "Re-routed by USPS"):
            continue  # a repeat (normal and certified events report the same step)
        seen.add(words)
        timeline.append({"day": long_date(as_utc(event.occurred_at).date()), "words": words})
    number = letter.tracking_number
    return {
        "timeline": timeline,
        "letter_status": letter.status,
        "tracking_status": letter.tracking_status,
        "expected_delivery": long_date(letter.expected_delivery_date)
        if letter.expected_delivery_date else None,
        "tracking_number": number,
        "tracking_url": USPS_TRACKING.format(number=number) if number and number.isalnum() else None,
    }
