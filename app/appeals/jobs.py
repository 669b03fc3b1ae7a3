"""Appeal jobs: queued AI requests and data retention (§6, §12)."""
from __future__ import annotations


def run_ai_queue() -> str:
    return "AI queue not built yet"


def retention() -> str:
    return "retention not built yet"
