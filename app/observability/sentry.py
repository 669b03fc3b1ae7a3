"""sentry-sdk set-up when SENTRY_DSN is set; personal data and credentials are stripped
before sending (an appeal id or an unsubscribe token in a URL is the key to it)."""
from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

import sentry_sdk
from sentry_sdk.integrations.flask import FlaskIntegration

from app.config import Settings
from app.observability.logging import MASK, SECRET_FIELDS, mask_email, mask_path


def _mask_url(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=mask_path(parts.path), query=""))


def _scrub(event, hint):
    request = event.get("request") or {}
    request.pop("data", None)  # form bodies hold letters, addresses and emails
    request.pop("cookies", None)
    request.pop("query_string", None)  # the unsubscribe status API takes its token there
    if isinstance(request.get("url"), str):
        request["url"] = _mask_url(request["url"])
    headers = request.get("headers") or {}
    for name, value in list(headers.items()):
        if name.lower() == "referer" and isinstance(value, str):
            headers[name] = _mask_url(value)  # the page before was often an appeal's
    crumbs = event.get("breadcrumbs") or {}
    for crumb in crumbs.get("values", []) if isinstance(crumbs, dict) else crumbs:
        data = crumb.get("data") or {}
        for key in SECRET_FIELDS & data.keys():
            data[key] = MASK
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
