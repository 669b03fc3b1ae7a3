"""Agent-aware health (§6): a short "current system status" for the prompt and the draft page.

Only what a driver would notice is mentioned (payments, email, our records, the writer);
the Redis fallback is invisible to drivers, so its breaker is left out.
"""
from __future__ import annotations

from flask import current_app

from app.resilience.breakers import breaker_registry

BUSY_FRACTION = 0.8
BREAKER_NOTES = {
    "stripe": "Payments are temporarily unavailable; appeals are saved and can be paid for later.",
    "email": "Emails from Fight City Tickets may be delayed; the appeal page always shows the latest.",
    "database": "Some pages may be slow or briefly out of date.",
    "deepseek": "The AI writing assistant is unavailable; letters are built from the city's template.",
}
BUSY_NOTE = "The letter writer is very busy, so drafts may take a little longer than usual."


def system_status_notes() -> list[str]:
    """Plain sentences, empty when everything is working."""
    notes = [BREAKER_NOTES[name] for name in breaker_registry().any_open() if name in BREAKER_NOTES]
    pool = current_app.extensions.get("ai_pool")
    if pool is not None and pool.over(BUSY_FRACTION):
        notes.append(BUSY_NOTE)
    return notes
