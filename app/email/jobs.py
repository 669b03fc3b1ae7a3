"""Email jobs: outbox sending, dead letters and follow-ups (§10, §12).

Each returns a short summary for the job run record.
"""
from __future__ import annotations

from app.email import dead_letters as dead
from app.email import followups as follow
from app.email.sender import send_due


def send_outbox() -> str:
    outcomes = send_due()
    if outcomes.pop("breaker_open", 0):
        return "email breaker open: messages wait in the outbox"
    parts = [f"{name} {count}" for name, count in sorted(outcomes.items()) if count]
    return ", ".join(parts) or "nothing due"


def dead_letters() -> str:
    alerted = dead.alert_new()
    requeued = dead.requeue_transient()
    return f"alerted {alerted}, requeued {requeued}"


def followups() -> str:
    created = follow.schedule()
    queued = follow.queue_due()
    return f"created {created}, queued {queued}"
