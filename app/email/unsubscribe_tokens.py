"""Signed unsubscribe tokens: the address, signed with SECRET_KEY, valid for 90 days.

Older keys in SECRET_KEY_FALLBACKS still verify, so a key rotation does not break the links
in mail already delivered. itsdangerous signs with the LAST key of its list and tries them
all when verifying, so the list is the fallbacks followed by the current key (as Flask does
for its session cookie).
"""
from __future__ import annotations

from itsdangerous import BadData, SignatureExpired, URLSafeTimedSerializer

from app.config import current_settings

SALT = "fct-unsubscribe-v1"
MAX_AGE_S = 90 * 24 * 3600


class TokenInvalid(ValueError):
    """Tampered, truncated or signed with an unknown key."""


class TokenExpired(TokenInvalid):
    """Genuine, but older than MAX_AGE_S."""


def _serializer() -> URLSafeTimedSerializer:
    settings = current_settings()
    keys = [*settings.secret_key_fallbacks, settings.secret_key]
    return URLSafeTimedSerializer(keys, salt=SALT)


def make_token(email: str) -> str:
    return _serializer().dumps({"e": email.strip().lower()})


def read_token(token: str, max_age_s: int = MAX_AGE_S) -> str:
    """The address the token was made for; raises TokenExpired or TokenInvalid."""
    try:
        payload = _serializer().loads(token, max_age=max_age_s)
    except SignatureExpired as exc:
        raise TokenExpired("this unsubscribe link has expired") from exc
    except BadData as exc:
        raise TokenInvalid("this unsubscribe link is not valid") from exc
    if not isinstance(payload, dict) or not isinstance(payload.get("e"), str):
        raise TokenInvalid("this unsubscribe link is not valid")
    return payload["e"]
