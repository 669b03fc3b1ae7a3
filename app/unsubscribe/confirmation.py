"""Consent changes asked for without a signed link change nothing: the address is mailed a
link that proves the asker reads its mail, and only following it changes anything. So every
row of the consent audit log is the owner's own act, not anyone's claim about them.

One confirmation per address and action per CONFIRM_WINDOW_S (the outbox's idempotency
key), so the endpoint cannot be used to flood someone's inbox. The caller commits.
"""
from __future__ import annotations

import hashlib
import time

from app.email.outbox import enqueue
from app.email.unsubscribe_tokens import make_token
from app.models import ConsentAction
from app.urls import absolute_url

CONFIRM_WINDOW_S = 600
PAGES = {ConsentAction.UNSUBSCRIBE: "unsubscribe.link", ConsentAction.REVOKE: "unsubscribe.revoke_page"}


def send_confirmation(email: str, action: str) -> None:
    """Queue the mail with the signed link to the page that makes the change."""
    url = absolute_url(PAGES[action], token=make_token(email))
    address = hashlib.sha256(email.encode()).hexdigest()[:32]
    window = int(time.time() // CONFIRM_WINDOW_S)
    enqueue(email, "consent_confirm", {"revoke": action == ConsentAction.REVOKE, "confirm_url": url},
            idempotency_key=f"consent-confirm:{action}:{address}:{window}")
