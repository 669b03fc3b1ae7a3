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


def start_appeal(city_slug: str, citation_number: str, violation_date: date,
                 facts: dict | None = None) -> tuple[Appeal, object]:
    """Check the citation and create the appeal; FieldProblem when the driver must fix something.

    `facts`: the ticket's other facts from the start form (plate, plate_state, vehicle_make,
    violation, location, notice_date). A notice date counts only where the city has a
    window counted from a notice; the deadline is then whichever window ends last.
    """
    facts = facts or {}
    city = registry.get(city_slug)
    today = city_today(city)
    if violation_date > today:
        raise FieldProblem("violation_date", "The date on the ticket can't be in the future.")
    notice_date = facts.get("notice_date") if city.notice_deadline_days is not None else None
    if notice_date is not None and notice_date > today:
        raise FieldProblem("notice_date", "The date on the notice can't be in the future.")
    if notice_date is not None and notice_date < violation_date:
        raise FieldProblem("notice_date", "The notice is dated before the ticket. Please check "
                                          "both dates.")
    check = registry.check_citation(city_slug, citation_number, violation_date, today=today,
                                    notice_date=notice_date)
    if not check.ok:
        if check.expired:
            message = check.error or "The appeal deadline has passed."
            if check.deadline and check.deadline.isoformat() not in message and \
                    long_date(check.deadline) not in message:
                message += f" The deadline was {long_date(check.deadline)}."
            raise FieldProblem("notice_date" if notice_date else "violation_date", message)
        raise FieldProblem("citation_number", check.error or "That citation number doesn't look right.")
    appeal = Appeal(city_slug=city.slug, citation_number=check.normalized, violation_date=violation_date,
                    status=AppealStatus.STARTED, notice_date=notice_date,
                    plate=_plate(facts.get("plate")), plate_state=facts.get("plate_state") or None,
                    vehicle_make=facts.get("vehicle_make") or None,
                    violation=facts.get("violation") or None, location=facts.get("location") or None)
    db.session.add(appeal)
    db.session.commit()
    return appeal, check


def _plate(value: str | None) -> str | None:
    """As printed, in capitals, without spaces or dashes (plates are compared this way)."""
    return "".join(ch for ch in (value or "").upper() if ch.isalnum()) or None


def save_story(appeal: Appeal, data: dict, *, ip: str | None, user_agent: str | None) -> None:
    ensure_editable(appeal)
    appeal.story = data["story"]
    appeal.driver_name = data["driver_name"]
    appeal.email = data["email"].lower()
    if data.get("plate"):  # given at the start; an empty field here does not erase it
        appeal.plate = _plate(data["plate"])
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
