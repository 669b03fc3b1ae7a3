"""Links in email beyond a page address: the unsubscribe headers (RFC 8058) and our mail domain.

Page addresses come from app.urls, built from PUBLIC_BASE_URL only.
"""
from __future__ import annotations

from dataclasses import dataclass
from email.utils import parseaddr
from urllib.parse import quote

from app.config import current_settings
from app.email.unsubscribe_tokens import make_token
from app.urls import absolute_url


def mail_domain() -> str:
    address = parseaddr(current_settings().mail_from)[1]
    return address.rpartition("@")[2] or "fightcitytickets.com"


@dataclass(frozen=True)
class UnsubscribeLink:
    url: str
    headers: dict[str, str]


def unsubscribe_link(email: str) -> UnsubscribeLink:
    """The signed one-click URL and the List-Unsubscribe / List-Unsubscribe-Post headers."""
    token = make_token(email)
    url = absolute_url("unsubscribe.link", token=token)
    mailto = f"mailto:unsubscribe@{mail_domain()}?subject={quote(token)}"
    return UnsubscribeLink(url, {
        "List-Unsubscribe": f"<{url}>, <{mailto}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    })
