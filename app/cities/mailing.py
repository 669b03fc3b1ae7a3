"""Which mail classes can still contest a ticket in a city, and why none can (§17).

The one place that decides whether we may sell and mail a letter: the checkout offers
`offered`, refuses anything else, and the mailing job reads the same `last_day` and plans.
A letter is mailed only where the city takes a letter by mail (`mail`, not the paper ticket
itself, not after a hearing request), to an address its data confirms, and only in a class
whose arrival (or postmark, per the city's rule) falls on or before the last day to contest.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from app.cities.deadlines import DEFAULT_SAFETY_DAYS, TRANSIT, MailPlan, plan_mailing
from app.cities.model import MAIL, City, long_date

# Planned against a city with no fixed deadline: nothing a class could miss.
NO_DEADLINE = date.max


class NoMail(StrEnum):
    """Why no mail class is sold, in the order they are checked."""

    ORIGINAL_TICKET = "original_ticket"  # the city wants the paper ticket itself
    HEARING_FIRST = "hearing_request_first"  # a hearing is requested first; no letter decided on paper
    NOT_BY_MAIL = "not_by_mail"  # online or in person only
    ADDRESS_UNCONFIRMED = "address_unconfirmed"  # no official, unconflicting address to mail to
    NO_TICKET_DATE = "no_ticket_date"  # the deadline cannot be counted
    TOO_LATE = "too_late"  # no class arrives (or is postmarked) by the last day


@dataclass(frozen=True)
class MailOptions:
    last_day: date | None  # the last day to contest, in the city's timezone; None: no fixed deadline
    rule: str  # "postmark" or "receipt": which date of the letter must fall on or before last_day
    plans: dict[str, MailPlan]  # every class, planned (empty when the city cannot be mailed)
    reason: NoMail | None  # set exactly when nothing is offered

    @property
    def offered(self) -> tuple[MailPlan, ...]:
        """The classes that make it, in the order they are shown (standard first)."""
        return tuple(plan for plan in self.plans.values() if plan.can_make_it)

    @property
    def missed(self) -> tuple[MailPlan, ...]:
        return tuple(plan for plan in self.plans.values() if not plan.can_make_it)

    @property
    def can_mail(self) -> bool:
        return self.reason is None

    def offers(self, mail_class: str | None) -> bool:
        plan = self.plans.get(mail_class or "")
        return plan is not None and plan.can_make_it


def mail_options(city: City, *, ticket_date: date | None, notice_date: date | None = None,
                 now: datetime, safety_days: int = DEFAULT_SAFETY_DAYS) -> MailOptions:
    """What can be mailed for a ticket of `ticket_date`, handed to the printer at `now` (aware)."""
    last_day = city.last_day(ticket_date, notice_date) if ticket_date is not None else None
    reason = structural_reason(city)
    if reason is None and ticket_date is None and city.deadline_days is not None:
        reason = NoMail.NO_TICKET_DATE
    if reason is not None:
        return MailOptions(last_day=last_day, rule=city.deadline_rule, plans={}, reason=reason)
    plans = {mail_class: plan_mailing(last_day=last_day or NO_DEADLINE, rule=city.deadline_rule,
                                      now=now, timezone=city.timezone, mail_class=mail_class,
                                      safety_days=safety_days)
             for mail_class in TRANSIT}
    reason = None if any(plan.can_make_it for plan in plans.values()) else NoMail.TOO_LATE
    return MailOptions(last_day=last_day, rule=city.deadline_rule, plans=plans, reason=reason)


def structural_reason(city: City) -> NoMail | None:
    """Why this city is never mailed, whatever the dates (None: it can be)."""
    if city.needs_original_ticket:
        return NoMail.ORIGINAL_TICKET
    if city.hearing_request_first:
        return NoMail.HEARING_FIRST
    if MAIL not in city.contest_methods:
        return NoMail.NOT_BY_MAIL
    if city.mail_address is None:
        return NoMail.ADDRESS_UNCONFIRMED
    return None


def counted_as(rule: str) -> str:
    """How a plan's counted date reads to the driver: "arrives by" or "postmarked by"."""
    return "postmarked by" if rule == "postmark" else "arrives by"


def why_not(city: City, options: MailOptions) -> str | None:
    """One plain sentence for the driver saying why we do not mail this letter; None if we do."""
    name = city.name
    if options.reason is None:
        return None
    if options.reason is NoMail.ORIGINAL_TICKET:
        return (f"{name} decides an appeal by mail only with the original paper ticket enclosed. "
                "We can't send your paper ticket for you, so we don't mail appeals to "
                f"{name}: you can send your letter with the ticket yourself, or use the city's "
                "own way below.")
    if options.reason is NoMail.HEARING_FIRST:
        return (f"{name} does not decide a letter on paper: a hearing has to be requested "
                "first, so there is nothing for us to mail. Use the city's own way below.")
    if options.reason is NoMail.NOT_BY_MAIL:
        return f"{name} does not accept appeals by mail. Use the city's own way below."
    if options.reason is NoMail.ADDRESS_UNCONFIRMED:
        return (f"We could not confirm {name}'s mailing address for appeals from an official "
                "source, so we won't mail your letter to an address that may be wrong. Use the "
                "city's own way below.")
    if options.reason is NoMail.NO_TICKET_DATE:
        return ("We need the date on your ticket to know whether a letter can still reach the "
                "city in time.")
    when = "postmarked" if options.rule == "postmark" else "received"
    return (f"A letter we mail now could not be {when} by {long_date(options.last_day)}, the last "
            f"day to contest this ticket ({name} counts the day a letter is {when}), so we won't "
            "charge you for mailing it. Use the city's own way below.")
