"""A city as frozen data, and the template letter built from the city's template.

Instances come only from `app.cities.schema.parse_city`, which validates the data file, so
everything here may assume complete, well-formed values.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

# The placeholders a letter template may use; render_template_letter fills every one.
LETTER_FIELDS = frozenset({
    "today", "agency", "agency_address", "city_name", "citation_number", "violation_date",
    "plate_sentence", "story", "driver_name", "return_address",
})


def long_date(value: date) -> str:
    return f"{value:%B} {value.day}, {value.year}"


@dataclass(frozen=True)
class Address:
    department: str
    attention: str | None
    street: str
    city: str
    state: str
    zip: str

    def lines(self) -> list[str]:
        lines = [self.department]
        if self.attention:
            lines.append(f"Attn: {self.attention}")
        return lines + [self.street, f"{self.city}, {self.state} {self.zip}"]


@dataclass(frozen=True)
class Agency:
    """One section of a city (the office that handles a kind of citation)."""

    name: str
    patterns: tuple[str, ...]
    examples: tuple[str, ...]
    # False when the number format is not known: the patterns then only catch typos, and
    # a number they accept is never refused because it looks like another city's.
    known_format: bool = True
    compiled: tuple[re.Pattern, ...] = field(default=(), repr=False, compare=False)

    def matches(self, number: str) -> bool:
        return any(pattern.fullmatch(number) for pattern in self.compiled)


# How a city can be contested (a data file lists the ones its sources give):
MAIL = "mail"  # a letter we can print and mail for the driver
MAIL_WITH_ORIGINAL_TICKET = "mail_with_original_ticket"  # the city wants the paper ticket itself
ONLINE, IN_PERSON = "online", "in_person"
HEARING_REQUEST_FIRST = "hearing_request_first"  # a hearing is requested first; no decision on paper
CONTEST_METHODS = (MAIL, MAIL_WITH_ORIGINAL_TICKET, ONLINE, IN_PERSON, HEARING_REQUEST_FIRST)
# When a mailed letter counts: its postmark, or the day the office receives it.
DEADLINE_RULES = ("postmark", "receipt")


@dataclass(frozen=True)
class City:
    slug: str
    name: str
    timezone: str
    # Days from the violation to contest it; None where no fixed deadline was found.
    deadline_days: int | None
    agencies: tuple[Agency, ...]
    # The confirmed mailing address only: an unconfirmed one is described in address_note.
    appeal_address: Address | None
    address_note: str | None
    phone: str | None
    online_appeal_url: str | None
    letter_template: str
    theme: dict
    sources: tuple[dict, ...]
    checked_on: date
    unverified: tuple[str, ...] = ()
    process_notes: tuple[str, ...] = ()
    contest_methods: tuple[str, ...] = (MAIL,)
    deadline_rule: str = "receipt"
    # A second window counted from a notice the city mails later (e.g. a delinquency notice).
    notice_deadline_days: int | None = None
    notice_name: str | None = None
    in_person_place: str | None = None

    @property
    def mail_address(self) -> Address | None:
        return self.appeal_address

    @property
    def can_mail(self) -> bool:
        """True when a letter we mail is a way to contest here and the address is confirmed."""
        return MAIL in self.contest_methods and self.appeal_address is not None

    @property
    def needs_original_ticket(self) -> bool:
        return MAIL_WITH_ORIGINAL_TICKET in self.contest_methods

    @property
    def hearing_request_first(self) -> bool:
        return HEARING_REQUEST_FIRST in self.contest_methods

    @property
    def online_url(self) -> str | None:
        return self.online_appeal_url if ONLINE in self.contest_methods else None

    @property
    def in_person(self) -> bool:
        return IN_PERSON in self.contest_methods

    @property
    def example_citation(self) -> str:
        """The number shown to this city's drivers as an example (never another city's)."""
        return self.agencies[0].examples[0]

    def is_verified(self, fact: str) -> bool:
        return fact not in self.unverified

    def today(self) -> date:
        return datetime.now(ZoneInfo(self.timezone)).date()

    def last_day(self, ticket_date: date, notice_date: date | None = None) -> date | None:
        """The last day to contest (a date in the city's timezone); None without a fixed deadline.

        The violation date plus the city's days; where the city also accepts an appeal within
        a number of days of a later notice, a driver who gives that notice's date has until
        whichever window ends last. The start page's check and the mail planning both use it.
        """
        if self.deadline_days is None:
            return None
        last = ticket_date + timedelta(days=self.deadline_days)
        if notice_date is not None and self.notice_deadline_days is not None and notice_date >= ticket_date:
            last = max(last, notice_date + timedelta(days=self.notice_deadline_days))
        return last

    def address_lines(self, agency: str | None = None) -> list[str]:
        if self.appeal_address is not None:
            return self.appeal_address.lines()
        return [agency or self.agencies[0].name, self.name]

    def render_template_letter(self, facts: dict) -> str:
        """The formal letter from the driver's own facts (used whenever the AI is not).

        `facts` keys: driver_name, return_address, citation_number, violation_date, plate,
        story, today (dates as `date` or already formatted text); optional agency.
        """
        agency = _text(facts.get("agency")) or self.agencies[0].name
        plate = _text(facts.get("plate")).upper()
        values = {
            "today": _date_text(facts.get("today")) or long_date(self.today()),
            "agency": agency,
            "agency_address": "\n".join(self.address_lines(agency)),
            "city_name": self.name,
            "citation_number": _text(facts.get("citation_number")),
            "violation_date": _date_text(facts.get("violation_date")),
            "plate_sentence": f" to the vehicle with license plate {plate}" if plate else "",
            "story": _text(facts.get("story")),
            "driver_name": _text(facts.get("driver_name")),
            "return_address": _text(facts.get("return_address")),
        }
        letter = self.letter_template.format_map(values)
        letter = "\n".join(line.rstrip() for line in letter.splitlines())
        return re.sub(r"\n{3,}", "\n\n", letter).strip()


def _text(value) -> str:
    return str(value).strip() if value is not None else ""


def _date_text(value) -> str:
    if isinstance(value, date):
        return long_date(value)
    return _text(value)
