"""The operators' print queue (§17): letters a person must print and post, most urgent first.

It lists the letters the mailing job handed to people (status print_queue) and, so nothing
paid is ever invisible, paid appeals the job has not taken yet (no letter row). Recording
"mailed" needs the day it was posted, goes through the ledger like the mailing job (the
driver gets the same email) and applies once: a second submit of the form changes nothing.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError

from app.appeals.service import citation_check
from app.cities import registry
from app.extensions import db
from app.fulfilment.appeal_letter import has_signed_letter
from app.fulfilment.ledger import record_mailed
from app.integrations.mail.base import idempotency_key
from app.models import Appeal, AppealStatus, Letter, LetterStatus, appeal_by_public_id
from app.models.base import as_utc

# USPS tracking numbers: 20-22 digits (domestic), or 2 letters, 9 digits and "US" (S10).
TRACKING_NUMBER = re.compile(r"^(\d{20,22}|[A-Z]{2}\d{9}US)$")
RECORDABLE = (LetterStatus.QUEUED, LetterStatus.PRINT_QUEUE)


class NotRecorded(ValueError):
    """The operator's "mailed" could not be recorded; the message says why, plainly."""


@dataclass(frozen=True)
class Waiting:
    public_id: str
    citation_number: str
    city_name: str
    driver_name: str | None
    mail_class: str
    due: date | None  # the last day it may arrive (or the appeal's deadline)
    days_left: int | None
    reason: str | None
    paid_on: date | None
    today: date  # where the city is: the form's default day and its latest
    printable: bool  # signed, so its PDF can be made


def waiting() -> list[Waiting]:
    """Everything an operator may have to post, the nearest deadline first (unknown last)."""
    in_queue = db.session.execute(
        select(Letter, Appeal).join(Appeal, Appeal.id == Letter.appeal_id)
        .where(Letter.status == LetterStatus.PRINT_QUEUE)).all()
    untaken = db.session.execute(select(Appeal).where(
        Appeal.status == AppealStatus.PAID,
        ~exists().where(Letter.appeal_id == Appeal.id,
                        Letter.letter_version == Appeal.letter_version))).scalars().all()
    rows = [_entry(appeal, letter.deliver_by, letter.mail_class, letter.print_reason)
            for letter, appeal in in_queue]
    rows += [_entry(appeal, None, appeal.mail_class, "Paid; not taken by the mailing job yet.")
             for appeal in untaken]
    return sorted(rows, key=lambda w: (w.due is None, w.due or date.max, w.public_id))


def _entry(appeal: Appeal, deliver_by: date | None, mail_class: str | None,
           reason: str | None) -> Waiting:
    city = registry.get(appeal.city_slug)
    due = deliver_by or citation_check(appeal).deadline
    return Waiting(public_id=appeal.public_id, citation_number=appeal.citation_number,
                   city_name=city.name, driver_name=appeal.driver_name,
                   mail_class=mail_class or "standard", due=due,
                   days_left=(due - city.today()).days if due else None, reason=reason,
                   paid_on=_local_day(appeal.paid_at, city.timezone) if appeal.paid_at else None,
                   today=city.today(), printable=has_signed_letter(appeal))


def tracking_number(text: str | None) -> str | None:
    """The USPS tracking number as typed (spaces and dashes dropped), None when left empty."""
    cleaned = re.sub(r"[\s-]", "", text or "").upper()
    if not cleaned:
        return None
    if not TRACKING_NUMBER.match(cleaned):
        raise NotRecorded("That doesn't look like a USPS tracking number (20 to 22 digits, "
                          "or 2 letters, 9 digits and US).")
    return cleaned


def record_posted(public_id: str, *, mailed_on: date | None, tracking: str | None) -> bool:
    """Record that an operator posted the appeal's letter on `mailed_on`; commits.

    True when recorded now, False when it was already recorded (a repeated submit).
    """
    number = tracking_number(tracking)
    try:
        return _record(public_id, mailed_on, number)
    except NotRecorded:
        db.session.rollback()  # release the appeal's lock
        raise


def _record(public_id: str, mailed_on: date | None, number: str | None) -> bool:
    appeal = appeal_by_public_id(public_id, for_update=True)
    if appeal is None:
        raise NotRecorded("There is no appeal with that id.")
    city = registry.get(appeal.city_slug)
    if mailed_on is None:
        raise NotRecorded("Enter the day the letter was posted: nothing is marked mailed without a date.")
    if mailed_on > city.today():
        raise NotRecorded("The day it was posted can't be in the future.")
    if appeal.paid_at is not None and mailed_on < _local_day(appeal.paid_at, city.timezone):
        raise NotRecorded("The day it was posted can't be before the appeal was paid.")
    letter = _letter_of(appeal)
    if letter.status == LetterStatus.MAILED:
        db.session.rollback()
        return False
    if letter.status not in RECORDABLE:
        raise NotRecorded(f"This letter can't be recorded as mailed: it is {letter.status}.")
    record_mailed(letter, mailed_on=mailed_on, tracking_number=number)
    db.session.commit()
    return True


def _letter_of(appeal: Appeal) -> Letter:
    """The appeal's current letter row; made (for people to post) when the job has none yet."""
    letter = db.session.execute(select(Letter).filter_by(
        appeal_id=appeal.id, letter_version=appeal.letter_version).with_for_update()).scalar_one_or_none()
    if letter is not None:
        return letter
    if appeal.status != AppealStatus.PAID:
        raise NotRecorded(f"This appeal can't be recorded as mailed: it is {appeal.status}.")
    letter = Letter(appeal_id=appeal.id, letter_version=appeal.letter_version,
                    mail_class=appeal.mail_class or "standard", backend="manual",
                    status=LetterStatus.PRINT_QUEUE, deliver_by=citation_check(appeal).deadline,
                    idempotency_key=idempotency_key(appeal.public_id, appeal.letter_version),
                    print_reason="Recorded by an operator before the mailing job took it.")
    db.session.add(letter)
    try:
        db.session.flush()
    except IntegrityError:  # the mailing job made it meanwhile: the operator tries again
        db.session.rollback()
        raise NotRecorded("The mailing job just took this letter; reload the page and check it.") from None
    return letter


def _local_day(moment: datetime, timezone: str) -> date:
    return as_utc(moment).astimezone(ZoneInfo(timezone)).date()
