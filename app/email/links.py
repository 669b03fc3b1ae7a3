"""Absolute links in email: our public address, and the unsubscribe headers (RFC 8058)."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from email.utils import parseaddr
from urllib.parse import quote

from flask import current_app, has_request_context, request

from app.unsubscribe.tokens import make_token

log = logging.getLogger(__name__)
DEV_BASE_URL = "http://127.0.0.1:5000"  # jobs outside a request, with PUBLIC_BASE_URL unset


def base_url() -> str:
    """PUBLIC_BASE_URL; else the host of the request being served; else the dev server."""
    configured = current_app.extensions["settings"].public_base_url
    if configured:
        return configured.rstrip("/")
    if has_request_context():
        return request.host_url.rstrip("/")
    if current_app.extensions["settings"].is_production:
        log.warning("PUBLIC_BASE_URL is not set: links in email point to the dev server")
    return DEV_BASE_URL


def absolute(endpoint: str, base: str | None = None, **values) -> str:
    """An endpoint's URL on `base` (default `base_url()`), built without a request."""
    path = current_app.url_map.bind("localhost").build(endpoint, values)
    return (base or base_url()).rstrip("/") + path


def mail_domain() -> str:
    address = parseaddr(current_app.extensions["settings"].mail_from)[1]
    return address.rpartition("@")[2] or "fightcitytickets.com"


@dataclass(frozen=True)
class UnsubscribeLink:
    url: str
    headers: dict[str, str]


def unsubscribe_link(email: str) -> UnsubscribeLink:
    """The signed one-click URL and the List-Unsubscribe / List-Unsubscribe-Post headers."""
    token = make_token(email)
    url = absolute("unsubscribe.link", token=token)
    mailto = f"mailto:unsubscribe@{mail_domain()}?subject={quote(token)}"
    return UnsubscribeLink(url, {
        "List-Unsubscribe": f"<{url}>, <{mailto}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    })
