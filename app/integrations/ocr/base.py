"""The ticket reader's interface: a photo's bytes in, a TicketReading out (spec §18).

The caller passes the cities it knows (names and citation patterns) with each photo, so
this package never depends on app/cities. Every failure is an OcrError subclass with a
plain message; the caller shows "type it in" and counts it against the `ocr` breaker,
except ImageRejected, which is the driver's file and not the reader's fault.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, time
from typing import Generic, Protocol, Sequence, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class KnownCity:
    slug: str
    names: tuple[str, ...]  # how a ticket may name it: "San Francisco", "SFMTA", ...
    citation_patterns: tuple[re.Pattern, ...]  # matched in full against a normalised number


@dataclass(frozen=True)
class Field(Generic[T]):
    """One field as read. `value` is None when it was not found or not trusted enough;
    `confidence` (0-1) is then how sure the reader was of what it saw, if anything."""

    value: T | None = None
    confidence: float = 0.0


@dataclass(frozen=True)
class TicketReading:
    citation_number: Field[str]  # normalised: capitals and digits only
    issue_date: Field[date]
    issue_time: Field[time]
    plate: Field[str]
    plate_state: Field[str]  # two-letter postal code
    violation: Field[str]
    location: Field[str]
    city: Field[str]  # a KnownCity slug
    seconds: float = 0.0  # time spent reading, in the worker

    def as_dict(self) -> dict:
        """JSON-ready, in the shape of POST /api/tickets/read (spec §18)."""
        fields = {"citation_number": self.citation_number, "issue_date": self.issue_date,
                  "issue_time": self.issue_time, "plate": self.plate,
                  "plate_state": self.plate_state, "violation": self.violation,
                  "location": self.location, "city": self.city}
        out = {name: _json(f.value) for name, f in fields.items()}
        out["confidence"] = {name: round(f.confidence, 2) for name, f in fields.items()}
        return out


def _json(value):
    return value.isoformat(timespec="minutes") if isinstance(value, time) else (
        value.isoformat() if isinstance(value, date) else value)


class OcrError(Exception):
    """The photo could not be read; the message is a plain sentence for the driver."""


class ImageRejected(OcrError):
    """Not a usable image: not an image at all, truncated, or too large to decode."""


class OcrBusy(OcrError):
    """Every worker is busy and the waiting queue is full: refused at once."""


class OcrTimeout(OcrError):
    """The photo took longer than its time budget; the worker was recycled."""


class OcrFailed(OcrError):
    """The reader itself failed (a worker died, Tesseract is missing or broke)."""


class TicketReader(Protocol):
    def read(self, photo: bytes, cities: Sequence[KnownCity]) -> TicketReading: ...
