"""Citation number checks and appeal deadlines (spec §5, "Citation checks").

The chosen city's patterns are tried first. A number that matches none of them but does
match another city's *known* format is refused with "this looks like a <city> citation"
rather than silently switching city. Only agencies whose format is known (`known_format`)
can claim a number for their city: a loose pattern kept for a city whose format is
unconfirmed would otherwise make that message meaningless.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Iterable

from app.cities.model import City, long_date

# Spaces (any Unicode space), dots and dashes (ASCII and typographic) are ignored.
IGNORED = re.compile(r"[\s.\-\u2010-\u2015\u2212]+")
PLAUSIBLE = re.compile(r"^[A-Z0-9]{4,20}$")
URGENT_DAYS = 3
SHAPE_LETTERS, SHAPE_DIGITS = re.compile(r"[A-Z]"), re.compile(r"[0-9]")


def normalise(raw: str | None) -> str:
    return IGNORED.sub("", raw or "").upper()


@dataclass(frozen=True)
class CitationCheck:
    ok: bool
    normalized: str
    error: str | None = None
    other_city: City | None = None
    agency: str | None = None
    deadline: date | None = None
    days_left: int | None = None
    urgent: bool = False
    expired: bool = False
    # A plain sentence worth showing even when ok (e.g. the number also looks like another
    # city's, but the chosen city's format is not known well enough to refuse it).
    note: str | None = None


def check(city: City, others: Iterable[City], raw_number: str | None,
          violation_date: date | None, today: date, notice_date: date | None = None) -> CitationCheck:
    """The number and the deadline (`City.last_day`); `notice_date` is the date on a notice
    the city mailed later. A city without a fixed deadline has none."""
    number = normalise(raw_number)
    agency, other, error, note = _match(city, others, number)
    deadline = days_left = None
    expired = urgent = False
    if violation_date is not None and violation_date > today:
        error = "The violation date can't be in the future."
    elif violation_date is not None and city.deadline_days is not None:
        deadline = city.last_day(violation_date, notice_date)
        days_left = (deadline - today).days
        expired = days_left < 0
        urgent = 0 <= days_left <= URGENT_DAYS
        # A date problem decides on its own: a number is moot once the deadline has passed.
        if expired:
            error = _expired_sentence(city, deadline, notice_date)
    return CitationCheck(ok=error is None, normalized=number, error=error, other_city=other,
                         agency=agency, deadline=deadline, days_left=days_left, urgent=urgent,
                         expired=expired, note=note)


def _expired_sentence(city: City, deadline: date, notice_date: date | None) -> str:
    from_notice = notice_date is not None and city.notice_deadline_days is not None and \
        deadline == notice_date + timedelta(days=city.notice_deadline_days)
    counted_from = f"{city.notice_deadline_days} days after the {city.notice_name}" if from_notice \
        else f"{city.deadline_days} days after the violation"
    if city.notice_deadline_days is None or notice_date is not None:
        return (f"The deadline to appeal this {city.name} citation was {long_date(deadline)} "
                f"({counted_from}), so we can't prepare an appeal for it any more.")
    # The later window is real, but counted from a date we were not given.
    return (f"The deadline to appeal this {city.name} citation from the day it was issued was "
            f"{long_date(deadline)} ({counted_from}). {city.name} also accepts an appeal within "
            f"{city.notice_deadline_days} days of the date on the {city.notice_name}: if you have "
            "received one, you can still contest the ticket with the city.")


def _match(city: City, others: Iterable[City], number: str):
    """(agency, other_city, error, note) for a normalised number."""
    if not number:
        return None, None, "Enter the citation number printed on your ticket.", None
    if not PLAUSIBLE.match(number):
        return None, None, ("A citation number has 4 to 20 letters and digits. Please copy it "
                            "exactly as it is printed on your ticket."), None
    known = next((a for a in city.agencies if a.known_format and a.matches(number)), None)
    if known is not None:
        return known.name, None, None, None
    loose = next((a for a in city.agencies if not a.known_format and a.matches(number)), None)
    other = next((c for c in others if c.slug != city.slug and
                  any(a.known_format and a.matches(number) for a in c.agencies)), None)
    if loose is not None and _shape(number) in {_shape(e) for e in loose.examples}:
        # Shaped just like this city's own example (Chicago's and New York's are both ten
        # digits): calling it another city's would be a guess.
        other = None
    looks_like = (f"This looks like {_article(other.name)} {other.name} citation — did you pick "
                  "the right city?") if other else None
    if loose is not None:
        return loose.name, other, None, looks_like
    if other is not None:
        return None, other, looks_like, None
    examples = [e for a in city.agencies for e in a.examples][:2]
    return None, None, (f"That doesn't look like {_article(city.name)} {city.name} citation number. "
                        f"They look like {' or '.join(examples)}. Please check it against your ticket."), None


def _shape(number: str) -> str:
    return SHAPE_DIGITS.sub("9", SHAPE_LETTERS.sub("A", number))


def _article(name: str) -> str:
    return "an" if name[:1].upper() in "AEIOU" else "a"
