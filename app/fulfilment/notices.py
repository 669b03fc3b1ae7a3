"""The driver's emails about the mailed letter (§17): mailed, delivered, returned.

Each goes through the outbox in the caller's transaction, once per letter (the idempotency
key names the letter), under the same consent rules as the other driver emails. Certified
mail carries USPS's tracking link.
"""
from __future__ import annotations

from datetime import date
from urllib.parse import quote

from app.appeals.driver_notifications import email_context, notify
from app.cities import registry
from app.cities.model import long_date
from app.config import current_settings
from app.extensions import db
from app.models import Appeal, Letter

USPS_TRACKING = "https://tools.usps.com/go/TrackConfirmAction?tLabels={number}"


def tracking_url(tracking_number: str | None) -> str | None:
    return USPS_TRACKING.format(number=quote(tracking_number, safe="")) if tracking_number else None


def notify_mailed(letter: Letter) -> None:
    extra = {"mailed_on": _day(letter.mailed_on), "mail_class": letter.mail_class,
             "expected_delivery": _day(letter.expected_delivery_date),
             "tracking_number": letter.tracking_number,
             "tracking_url": tracking_url(letter.tracking_number)}
    _send(letter, "letter_mailed", extra)


def notify_delivered(letter: Letter, delivered_on: date | None = None) -> None:
    _send(letter, "letter_delivered", {"delivered_on": _day(delivered_on)})


def notify_returned(letter: Letter) -> None:
    _send(letter, "letter_returned", {})


def _send(letter: Letter, template: str, extra: dict) -> None:
    appeal = db.session.get(Appeal, letter.appeal_id)
    context = email_context(appeal)
    context.update(city_name=_city_name(appeal.city_slug),
                   support_email=current_settings().support_email, **extra)
    notify(appeal, template, context, f"{template}:{letter.id}")


def _city_name(slug: str) -> str:
    city, stand_in = registry.lookup(slug)
    return slug.upper() if stand_in else city.name


def _day(value: date | None) -> str | None:
    return long_date(value) if value else None
