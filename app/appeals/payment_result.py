"""What a payment move decided (the Stripe event's outcome), and the operator alerts to raise
once its transaction commits."""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Outcome(StrEnum):
    PROCESSED = "processed"
    DUPLICATE = "duplicate"
    IGNORED = "ignored"
    FAILED = "failed"
    REFUSED = "refused"
    INVALID_SIGNATURE = "invalid_signature"


@dataclass(frozen=True)
class Alert:
    key: str
    message: str
    severity: str = "error"


@dataclass(frozen=True)
class Result:
    outcome: str
    note: str = ""
    alerts: tuple[Alert, ...] = field(default_factory=tuple)


def processed(note: str = "", *alerts: Alert) -> Result:
    return Result(Outcome.PROCESSED, note, alerts)


def ignored(note: str) -> Result:
    return Result(Outcome.IGNORED, note)


def refused(note: str, *alerts: Alert) -> Result:
    return Result(Outcome.REFUSED, note, alerts)
