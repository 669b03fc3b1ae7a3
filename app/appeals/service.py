"""The driver's appeal: create it, save each step, prepare checkout.

Services never touch `request`: the routes pass in what they read from it (form values,
client IP, user agent). Each function commits its own change.
"""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from app.appeals.forms import MARKETING_WORDING_VERSION
from app.cities import registry
from app.email.consent import record_consent
from app.extensions import db
from app.models import Appeal, AppealStatus, ConsentAction

# After payment the letter is what was paid for; nothing the driver sends may change it.
LOCKED = frozenset({AppealStatus.PAID, AppealStatus.MAILED, AppealStatus.REFUNDED,
                    AppealStatus.CANCELLED})
MAIL_CLASSES = ("standard", "certified")


class AppealLocked(Exception):
    def __init__(self):
        super().__init__("This appeal has been paid for, so it can no longer be changed. "
                         "Your appeal page shows where it is.")


class FieldProblem(Exception):
    """A value the driver entered is not acceptable; `field` is the form field it belongs to."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field, self.message = field, message


def is_locked(appeal: Appeal) -> bool:
    return appeal.status in LOCKED


def ensure_editable(appeal: Appeal) -> None:
    if is_locked(appeal):
        raise AppealLocked()


def city_today(city) -> date:
    try:
        return datetime.now(ZoneInfo(city.timezone)).date()
    except (KeyError, ValueError):
        return date.today()


def citation_check(appeal: Appeal):
    """The deadline facts for an appeal, as the start page computed them."""
    city = registry.get(appeal.city_slug)
    return registry.check_citation(appeal.city_slug, appeal.citation_number,
                                   appeal.violation_date, today=city_today(city))


def start_appeal(city_slug: str, citation_number: str, violation_date: date) -> tuple[Appeal, object]:
    """Check the citation and create the appeal; FieldProblem when the driver must fix something."""
    city = registry.get(city_slug)
    today = city_today(city)
    if violation_date > today:
        raise FieldProblem("violation_date", "The date on the ticket can't be in the future.")
    check = registry.check_citation(city_slug, citation_number, violation_date, today=today)
    if not check.ok:
        if check.expired:
            message = check.error or "The appeal deadline has passed."
            if check.deadline and check.deadline.isoformat() not in message and \
                    long_date(check.deadline) not in message:
                message += f" The deadline was {long_date(check.deadline)}."
            raise FieldProblem("violation_date", message)
        raise FieldProblem("citation_number", check.error or "That citation number doesn't look right.")
    appeal = Appeal(city_slug=city.slug, citation_number=check.normalized, violation_date=violation_date,
                    status=AppealStatus.STARTED)
    db.session.add(appeal)
    db.session.commit()
    return appeal, check


def save_story(appeal: Appeal, data: dict, *, ip: str | None, user_agent: str | None) -> None:
    ensure_editable(appeal)
    appeal.story = data["story"]
    appeal.driver_name = data["driver_name"]
    appeal.email = data["email"].lower()
    appeal.plate = (data.get("plate") or "").upper() or None
    if data.get("marketing"):
        # Only a ticked box is recorded; an unticked one never withdraws an earlier consent.
        record_consent(appeal.email, ConsentAction.GIVEN, "web_form", ip=ip,
                       user_agent=user_agent, wording_version=MARKETING_WORDING_VERSION)
    db.session.commit()


def save_letter(appeal: Appeal, text: str) -> None:
    """The driver's own edit: source "driver", a new version, and back to letter_ready.

    Leaving awaiting_payment matters: a checkout started for the old text must not be
    paid for the new one (the payment idempotency key includes the letter version).
    """
    ensure_editable(appeal)
    if text == (appeal.letter_text or "") and appeal.status == AppealStatus.LETTER_READY:
        return
    appeal.move_to(AppealStatus.LETTER_READY)
    appeal.letter_text = text
    appeal.letter_source = "driver"
    appeal.letter_version = (appeal.letter_version or 0) + 1
    db.session.commit()


def prepare_checkout(appeal: Appeal, mail_class: str, return_address: str, settings) -> int:
    """Record the choice and move to awaiting_payment; returns the amount in cents.

    Committed before any call to Stripe, so no transaction is held open during it and the
    choice survives Stripe being down. IllegalTransition propagates (409).
    """
    ensure_editable(appeal)
    amount = price_cents(mail_class, settings)
    appeal.mail_class = mail_class
    appeal.price_cents = amount
    appeal.currency = settings.appeal_currency
    appeal.return_address = return_address
    if appeal.status != AppealStatus.AWAITING_PAYMENT:  # a retry after Stripe was down is already there
        appeal.move_to(AppealStatus.AWAITING_PAYMENT)
    db.session.commit()
    return amount


def record_checkout_session(appeal: Appeal, session_id: str | None) -> None:
    if session_id and appeal.stripe_checkout_session_id != session_id:
        appeal.stripe_checkout_session_id = session_id
        db.session.commit()


def price_cents(mail_class: str, settings) -> int:
    if mail_class == "certified":
        return settings.price_certified_cents
    if mail_class == "standard":
        return settings.price_standard_cents
    raise FieldProblem("mail_class", "Please choose standard or certified mail.")


def format_price(cents: int, currency: str) -> str:
    symbols = {"usd": "$", "cad": "CA$", "eur": "€", "gbp": "£"}
    amount = f"{cents // 100:,}.{cents % 100:02d}"
    symbol = symbols.get(currency.lower())
    return f"{symbol}{amount}" if symbol else f"{amount} {currency.upper()}"


def long_date(value: date) -> str:
    return f"{value:%B} {value.day}, {value.year}"
