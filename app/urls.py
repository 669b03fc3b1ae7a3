"""Absolute URLs of our own pages, for links that leave the site (emails, Stripe's return).

They are built from PUBLIC_BASE_URL alone, never from the request: Host and
X-Forwarded-Host are whatever the client sent, and a link to an appeal carries the only
credential of that appeal. Paths come from the URL map without a request, so a job, the CLI
and a view build the same link.
"""
from __future__ import annotations

from flask import current_app

from app.config import current_settings


def base_url() -> str:
    """PUBLIC_BASE_URL, without a trailing slash (validated and defaulted in app.config)."""
    return current_settings().public_base_url


def absolute_url(endpoint: str, **values) -> str:
    """`endpoint`'s URL on PUBLIC_BASE_URL; extra values become the query string."""
    path = current_app.url_map.bind("localhost").build(endpoint, values)  # a path only
    return base_url() + path
