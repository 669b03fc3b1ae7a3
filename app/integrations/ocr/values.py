"""Parsing what a field's words say: dates, times, plates, states, numbers, free text.

Each parser returns (value, certainty) or None; certainty below 1 means the text had to
be repaired (a letter O read in a date where only digits can be, say).
"""
from __future__ import annotations

import re
from datetime import date, time

from app.integrations.ocr.citation import normalise
from app.integrations.ocr.labels import OTHER

STATES = frozenset(
    "AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH "
    "NJ NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY PR GU VI".split())
MONTHS = {name: i + 1 for i, name in enumerate(
    "JAN FEB MAR APR MAY JUN JUL AUG SEP OCT NOV DEC".split())}
# Letters OCR gives for digits, in places only a digit can be.
AS_DIGIT = str.maketrans({"O": "0", "D": "0", "Q": "0", "I": "1", "L": "1", "|": "1",
                          "S": "5", "B": "8", "Z": "2", "G": "6", "T": "7"})
NUMERIC_DATE = re.compile(r"(\d{1,4})[/.\-](\d{1,2})[/.\-](\d{2,4})")
WORDY_DATE = re.compile(r"(?:(\d{1,2})\s*([A-Z]{3})[A-Z]*\.?,?\s*(\d{4}))|"
                        r"(?:([A-Z]{3})[A-Z]*\.?\s*(\d{1,2}),?\s*(\d{4}))")
TIME = re.compile(r"(\d{1,2})[:.](\d{2})\s*([AP])?\.?M?\.?")
UNUSUAL = re.compile(r"[^A-Z0-9 .,/#&'()\-]")
UNUSUAL_TEXT = 0.8
PLATE_DIGITS = str.maketrans("IOQ", "100")
PLATE = re.compile(r"[A-Z0-9]{4,8}")  # shorter ones are vanity plates, rare next to misreads


def _year(text: str) -> int:
    year = int(text)
    return 2000 + year if year < 100 else year


def _valid(year: int, month: int, day: int) -> date | None:
    if not 2000 <= year <= 2099:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


def parse_date(text: str) -> tuple[date, float] | None:
    """US tickets write month before day; ISO (year first) is recognised by its 4 digits."""
    text = text.upper().replace("()", "0")
    match = NUMERIC_DATE.search(text)
    repaired = False
    if match is None:
        digits_only = re.sub(r"[A-Z|]", lambda m: m.group().translate(AS_DIGIT), text)
        match = NUMERIC_DATE.search(digits_only)
        repaired = match is not None
    if match:
        first, second, third = match.groups()
        if len(first) == 4:
            value = _valid(int(first), int(second), int(third))
        elif len(first) <= 2:
            value = _valid(_year(third), int(first), int(second))
        else:
            value = None
        return (value, 0.8 if repaired else 1.0) if value else None
    match = WORDY_DATE.search(text)
    if match:
        day, month, year = (match.group(1), match.group(2), match.group(3)) if match.group(1) else (
            match.group(5), match.group(4), match.group(6))
        value = _valid(int(year), MONTHS.get(month, 0), int(day)) if month in MONTHS else None
        return (value, 1.0) if value else None
    return None


def parse_time(text: str) -> tuple[time, float] | None:
    match = TIME.search(text.upper())
    if not match:
        return None
    hour, minute, half = int(match.group(1)), int(match.group(2)), match.group(3)
    if half and 1 <= hour <= 12:
        hour = hour % 12 + (12 if half == "P" else 0)
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute), 1.0


def parse_plate(text: str) -> tuple[str, float] | None:
    """One word of letters and digits, at least one digit (MAKE or STATE is no plate).

    Most states leave I, O and Q off their standard plates because they read as 1 and 0,
    while OCR reads a 0 as O often: those letters are taken as the digits."""
    read = text.upper().replace("-", "")  # one word: "18 FEB" is part of a date
    if not PLATE.fullmatch(read) or not any(c.isdigit() for c in read):  # "NISS" is a make
        return None
    return read.translate(PLATE_DIGITS), 1.0


def parse_state(text: str) -> tuple[str, float] | None:
    state = re.sub(r"[^A-Z]", "", text.upper())
    return (state, 1.0) if state in STATES else None


def parse_free_text(text: str) -> tuple[str, float] | None:
    """A violation or a location, in capitals as tickets print them. A first word or two
    ending in a colon are the end of a misread label ("Cope: 21 NO PARKING" under VIOL.),
    and characters an address or a violation never holds make the text less certain."""
    words = text.upper().split()
    for count in range(min(3, len(words) - 1), 0, -1):
        if words[count - 1].endswith(":"):
            words = words[count:]
            break
    text = " ".join(words).strip(" :.-|")
    if len(text) < 3 or not any(c.isalnum() for c in text):
        return None
    return text, UNUSUAL_TEXT if UNUSUAL.search(text) else 1.0


def parse_number(text: str) -> tuple[str, float] | None:
    """Something a citation number could be: four characters or more, three digits."""
    number = normalise(text)
    return (number, 1.0) if len(number) >= 4 and sum(c.isdigit() for c in number) >= 3 else None


PARSERS = {"citation": parse_number, "date": parse_date, "time": parse_time,
           "plate": parse_plate, "state": parse_state, "violation": parse_free_text,
           "location": parse_free_text, OTHER: parse_free_text}
