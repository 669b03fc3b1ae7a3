"""Email jobs: outbox sending, dead letters and follow-ups (§10, §12)."""
from __future__ import annotations


def send_outbox() -> str:
    return "outbox sender not built yet"


def dead_letters() -> str:
    return "dead-letter handling not built yet"


def followups() -> str:
    return "follow-ups not built yet"
