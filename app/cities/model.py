"""A city as frozen data, and the template letter built from the city's template.

Instances come only from `app.cities.schema.parse_city`, which validates the data file, so
everything here may assume complete, well-formed values.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
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


@dataclass(frozen=True)
class City:
    slug: str
    name: str
    timezone: str
    deadline_days: int
    agencies: tuple[Agency, ...]
    appeal_address: Address | None
    address_note: str | None
    phone: str | None
    online_appeal_url: str | None
    letter_template: str
    theme: dict
    sources: tuple[dict, ...]
    checked_on: date
    unverified: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    def today(self) -> date:
        return datetime.now(ZoneInfo(self.timezone)).date()

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
