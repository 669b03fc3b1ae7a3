"""What a synthetic parking ticket says: the ground truth, and the words printed around it.

Each city style is modelled on that city's paper ticket (header, the numbering of its
citations, its violation codes, how its labels read). The generator is deliberately
varied: labels are drawn from several wordings, dates and times from several formats, and
every ticket carries distractors a reader must not take for the real field (a due date,
a meter number, a fine, an officer's badge, small print with numbers in it).
"""
from __future__ import annotations

import string
from dataclasses import dataclass
from datetime import date, time, timedelta
from random import Random

from bench.ticket_cities import CityStyle

LETTERS = "".join(c for c in string.ascii_uppercase if c not in "IOQ")  # as most states do
PLATE_SHAPES = {  # L = letter, D = digit
    "CA": ("DLLLDDD",), "NY": ("LLLDDDD",), "IL": ("LLDDDDD", "LDDDDDD"), "OR": ("DDDLLL", "LLLDDD"),
    "MA": ("DLLLDD", "DLLDDD"), "WA": ("LLLDDDD",), "TX": ("LLLDDDD", "LLDLDDD"), "NJ": ("LDDLLL",),
    "AZ": ("LLLDDDD",), "NV": ("DLLDDD",), "FL": ("LLLLDD", "DDDLLL"), "PA": ("LLLDDDD",),
}
DATE_FORMATS = ("{m:02d}/{d:02d}/{y}", "{m:02d}/{d:02d}/{yy:02d}", "{y}-{m:02d}-{d:02d}",
                "{mon} {d:02d} {y}", "{d:02d} {mon} {y}", "{m:02d}-{d:02d}-{y}", "{m}/{d}/{y}")
MONTHS = "JAN FEB MAR APR MAY JUN JUL AUG SEP OCT NOV DEC".split()


@dataclass(frozen=True)
class TicketTruth:
    citation_number: str
    issue_date: date
    issue_time: time | None
    plate: str
    plate_state: str
    violation: str
    location: str
    city: str | None  # None when the ticket does not name its city (a torn-off header)


@dataclass(frozen=True)
class TicketText:
    """Everything printed, in the order a layout places it: (label, value) pairs."""

    header: tuple[str, ...]
    fields: tuple[tuple[str, str], ...]
    small_print: tuple[str, ...]


def plate(rng: Random, state: str) -> str:
    shape = rng.choice(PLATE_SHAPES[state])
    return "".join(rng.choice(LETTERS) if c == "L" else rng.choice(string.digits) for c in shape)


def format_date(value: date, rng: Random) -> str:
    return rng.choice(DATE_FORMATS).format(m=value.month, d=value.day, y=value.year,
                                           yy=value.year % 100, mon=MONTHS[value.month - 1])


def format_time(value: time, rng: Random) -> str:
    if rng.random() < 0.5:
        hour = value.hour % 12 or 12
        return f"{hour}:{value.minute:02d} {'AM' if value.hour < 12 else 'PM'}"
    return f"{value.hour:02d}:{value.minute:02d}"


def _label(rng: Random, style: CityStyle, name: str) -> str:
    return rng.choice(style.labels.get(name) or COMMON_LABELS[name])


COMMON_LABELS = {
    "citation": ("CITATION NO.", "CITATION #", "CITATION NUMBER", "NOTICE NO.", "NOTICE #"),
    "date": ("DATE", "ISSUE DATE", "DATE ISSUED", "DATE OF VIOLATION"),
    "time": ("TIME", "TIME ISSUED"),
    "plate": ("LICENSE PLATE", "PLATE", "LIC. NO.", "LIC #", "PLATE NO.", "LICENSE NO."),
    "state": ("STATE", "ST.", "LIC. STATE"),
    "violation": ("VIOLATION", "VIOLATION CODE", "VIOL."),
    "location": ("LOCATION", "LOCATION OF VIOLATION", "ADDRESS"),
}
MAKES = ("TOYT", "HOND", "FORD", "CHEV", "NISS", "BMW", "SUBA", "TESL", "VOLK", "HYUN")
COLORS = ("BLK", "WHI", "GRY", "SIL", "BLU", "RED", "GRN", "TAN")


def random_ticket(rng: Random, style: CityStyle) -> tuple[TicketTruth, TicketText]:
    issued = date(2025, 1, 1) + timedelta(days=rng.randrange(600))
    at = time(rng.randrange(6, 23), rng.randrange(60)) if rng.random() < 0.85 else None
    state = style.home_state if rng.random() < 0.8 else rng.choice(sorted(PLATE_SHAPES))
    # The rest lost their header and footer (torn, folded, out of frame): nothing on them
    # names the city, except what a citation number's format may say.
    named = rng.random() < 0.88
    truth = TicketTruth(
        citation_number=style.number(rng), issue_date=issued, issue_time=at,
        plate=plate(rng, state), plate_state=state, violation=rng.choice(style.violations),
        location=f"{rng.randrange(1, 40) * 100 + rng.randrange(99)} {rng.choice(style.streets)}",
        city=style.slug if named else None)
    printed_number = style.printed_number(truth.citation_number, rng)
    fields = [("citation", printed_number), ("date", format_date(issued, rng))]
    if at is not None:
        fields.append(("time", format_time(at, rng)))
    fields += [("plate", truth.plate), ("state", state),
               ("make", rng.choice(MAKES)), ("color", rng.choice(COLORS)),
               ("violation", truth.violation), ("location", truth.location),
               ("fine", f"${rng.choice((45, 65, 73, 85, 96, 110, 121))}.00"),
               ("due", format_date(issued + timedelta(days=rng.choice((21, 28, 30))), rng)),
               ("officer", str(rng.randrange(100, 99999)))]
    if rng.random() < 0.5:
        fields.append(("meter", f"{rng.randrange(100, 999)}-{rng.randrange(10000, 99999)}"))
    labelled = tuple((_label(rng, style, name) if name in COMMON_LABELS
                      else rng.choice(EXTRA_LABELS[name]), value) for name, value in fields)
    header = rng.choice(style.headers) if named else ()
    return truth, TicketText(header=header + (rng.choice(style.titles),), fields=labelled,
                             small_print=style.small_print if named else style.small_print[:1])


EXTRA_LABELS = {"make": ("MAKE", "VEH MAKE"), "color": ("COLOR", "CLR"),
                "fine": ("FINE AMOUNT", "AMOUNT DUE", "PENALTY"),
                "due": ("PAY BY", "DUE DATE", "RESPOND BY", "PENALTY DATE"),
                "officer": ("OFFICER ID", "BADGE #", "ISSUED BY"), "meter": ("METER NO.", "METER #")}
