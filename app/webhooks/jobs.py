"""Webhook jobs: retry failed Stripe events (§8, §12)."""
from __future__ import annotations


def retry_failed_webhooks() -> str:
    return "webhook retry not built yet"
