"""sentry-sdk set-up when SENTRY_DSN is set; personal data is stripped before sending."""
from __future__ import annotations

import sentry_sdk
from sentry_sdk.integrations.flask import FlaskIntegration

from app.config import Settings
from app.observability.logging import mask_email


def _scrub(event, hint):
    request = event.get("request") or {}
    request.pop("data", None)  # form bodies hold letters, addresses and emails
    request.pop("cookies", None)
    if "message" in event and isinstance(event["message"], str):
        event["message"] = mask_email(event["message"])
    return event


def init_sentry(settings: Settings) -> None:
    if not settings.sentry_dsn:
        return
    sentry_sdk.init(
        dsn=settings.sentry_dsn,
        environment=settings.sentry_environment,
        traces_sample_rate=settings.sentry_traces_sample_rate,
        integrations=[FlaskIntegration()],
        send_default_pii=False,
        include_local_variables=False,  # frames would carry drivers' names and letters
        before_send=_scrub,
        shutdown_timeout=2,
    )
