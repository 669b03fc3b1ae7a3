"""What the provider is asked to mail, or why a person has to post the letter instead.

`prepare` checks everything the provider cannot fix for us before it is called: the city's
data names a confirmed mailing address and takes letters by mail, the chosen class still
arrives in time, the driver's return address is complete, the letter prints. Anything
missing is a reason for the print queue, stated plainly for the operator.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from app.cities import registry
from app.cities.mailing import MailOptions, NoMail, mail_options
from app.cities.model import City
from app.fulfilment.appeal_letter import letter_pdf_for
from app.fulfilment.letter_document import LetterNotPrintable
from app.integrations.mail.base import MailRequest, PostalAddress
from app.models import Appeal, Letter

REASONS = {
    NoMail.ORIGINAL_TICKET: "the city wants the original paper ticket enclosed",
    NoMail.HEARING_FIRST: "the city needs a hearing request first",
    NoMail.NOT_BY_MAIL: "the city does not take appeals by mail",
    NoMail.ADDRESS_UNCONFIRMED: "no confirmed city mailing address",
    NoMail.TOO_LATE: "too late for any mail class to arrive by the last day",
}


@dataclass(frozen=True)
class Prepared:
    request: MailRequest | None  # None: the print queue, for `reason`
    reason: str | None
    urgent: bool  # within the safety days of the last day: no waiting for the provider


def mail_plan(appeal: Appeal, now: datetime, safety_days: int) -> tuple[City | None, MailOptions | None]:
    """The appeal's city (None when its data could not be read) and its mail options."""
    city, stand_in = registry.lookup(appeal.city_slug)
    if stand_in:
        return None, None
    return city, mail_options(city, ticket_date=appeal.violation_date,
                              notice_date=appeal.notice_date, now=now, safety_days=safety_days)


def last_day(appeal: Appeal, now: datetime, safety_days: int) -> date | None:
    _, options = mail_plan(appeal, now, safety_days)
    return options.last_day if options is not None else None


def prepare(letter: Letter, appeal: Appeal, now: datetime, safety_days: int, *,
            with_pdf: bool = True) -> Prepared:
    city, options = mail_plan(appeal, now, safety_days)
    if city is None:
        return Prepared(None, f"the data of city {appeal.city_slug!r} could not be read", True)
    plan = options.plans.get(letter.mail_class)
    urgent = plan is not None and plan.urgent
    if options.reason is not None and options.reason is not NoMail.NO_TICKET_DATE:
        return Prepared(None, REASONS[options.reason], True)
    if plan is not None and not plan.can_make_it:
        return Prepared(None, f"too late for {letter.mail_class} mail to arrive by the last day",
                        True)
    sender = return_address(appeal)
    if sender is None:
        return Prepared(None, "the driver's return address is incomplete", urgent)
    if not with_pdf:
        return Prepared(None, None, urgent)
    try:
        pdf = letter_pdf_for(appeal, city.today())
    except LetterNotPrintable as exc:
        return Prepared(None, f"the letter cannot be printed: {exc}", urgent)
    request = MailRequest(appeal_public_id=appeal.public_id, letter_version=letter.letter_version,
                          mail_class=letter.mail_class, to=office_address(city), sender=sender,
                          pdf=pdf, return_receipt=wants_return_receipt(city, letter.mail_class))
    return Prepared(request, None, urgent)


def office_address(city: City) -> PostalAddress:
    office = city.mail_address
    return PostalAddress(name=office.attention or office.department,
                         company=office.department if office.attention else "",
                         line1=office.street, city=office.city, state=office.state, zip=office.zip)


def return_address(appeal: Appeal) -> PostalAddress | None:
    parts = (appeal.driver_name, appeal.return_line1, appeal.return_city, appeal.return_state,
             appeal.return_zip)
    if not all((part or "").strip() for part in parts):
        return None
    return PostalAddress(name=appeal.driver_name.strip(), line1=appeal.return_line1.strip(),
                         line2=(appeal.return_line2 or "").strip(), city=appeal.return_city.strip(),
                         state=appeal.return_state.strip(), zip=appeal.return_zip.strip())


def wants_return_receipt(city: City, mail_class: str) -> bool:
    """Certified mail with USPS's return receipt where the city counts the day it receives
    the letter: there the proof of receipt is what shows the appeal was on time."""
    return mail_class == "certified" and city.deadline_rule == "receipt"
