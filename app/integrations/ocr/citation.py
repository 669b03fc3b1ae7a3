"""Citation numbers checked against the cities' patterns, and the city a ticket names.

A number that matches no pattern may hold a classic OCR slip (O/0, I/1, S/5, B/8, Z/2,
Q/0, D/0).
Every way of flipping those characters is tried, and the number is corrected only when
exactly one spelling matches a pattern: two would be a guess.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import product
from typing import Sequence

from app.integrations.ocr.base import KnownCity
from app.integrations.ocr.layout import Word, similar

IGNORED = re.compile(r"[\s.\-\u2010-\u2015\u2212]+")  # as app/cities/citations.py normalises
LOOKALIKES = {"O": "0", "0": "O", "I": "1", "1": "I", "S": "5", "5": "S", "B": "8", "8": "B",
              "Z": "2", "2": "Z", "Q": "0", "D": "0"}  # Q and D: a blurred or bold 0
NEAR = 0.85  # a city named with a slip in its spelling
MAX_FLIPS = 10  # 2**10 spellings at most
# Words that name no city in a city's or agency's name ("City of Chicago", "New York City").
FILLER = frozenset("CITY OF THE AND COUNTY DEPARTMENT".split())


def normalise(raw: str) -> str:
    return IGNORED.sub("", raw).upper()


def matches(number: str, patterns: Sequence[re.Pattern]) -> bool:
    return any(pattern.fullmatch(number) for pattern in patterns)


def correct(number: str, patterns: Sequence[re.Pattern]) -> tuple[str, bool] | None:
    """(number, corrected) when it, or exactly one of its lookalike spellings, matches."""
    if matches(number, patterns):
        return number, False
    positions = [i for i, c in enumerate(number) if c in LOOKALIKES]
    if not positions or len(positions) > MAX_FLIPS:
        return None
    fits = set()
    for flips in product((False, True), repeat=len(positions)):
        if not any(flips):
            continue
        chars = list(number)
        for position, flip in zip(positions, flips):
            if flip:
                chars[position] = LOOKALIKES[chars[position]]
        spelling = "".join(chars)
        if matches(spelling, patterns):
            fits.add(spelling)
            if len(fits) > 1:
                return None
    return (fits.pop(), True) if fits else None


@dataclass(frozen=True)
class NamedCity:
    slug: str
    row: int  # where the name was seen: a header is near the top
    confidence: float


def _spellings(name: str) -> list[list[str]]:
    """The name as written, and without its filler words ("New York City" -> "NEW YORK")."""
    words = re.sub(r"[^A-Z0-9]+", " ", name.upper()).split()
    core = [w for w in words if w not in FILLER]
    return [words, core] if core and core != words else [words]


def named_city(rows: Sequence[Sequence[Word]], cities: Sequence[KnownCity]) -> NamedCity | None:
    """The city whose name appears highest on the ticket (headers come first); on one row,
    an exact spelling beats a near one ("HOUSTON" is not "BOSTON" misread)."""
    found = []
    for city in cities:
        for wanted in (s for name in city.names for s in _spellings(name)):
            for r, row in enumerate(rows):
                keys = [w.key for w in row]
                for start in range(len(keys) - len(wanted) + 1):
                    if all(similar(k, part) for k, part in zip(keys[start:], wanted)):
                        exact = keys[start:start + len(wanted)] == wanted
                        window = row[start:start + len(wanted)]
                        found.append((r, not exact, NamedCity(city.slug, r, min(
                            w.confidence for w in window) * (1.0 if exact else NEAR))))
    return min(found, key=lambda item: item[:2])[2] if found else None
