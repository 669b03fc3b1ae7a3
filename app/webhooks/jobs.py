"""Webhook jobs: retry failed Stripe events (§8, §12)."""
from __future__ import annotations

from app.webhooks import failures


def retry_failed_webhooks() -> str:
    """Retry due failed_webhooks rows; returns a short summary for the run record."""
    return failures.retry_due()
