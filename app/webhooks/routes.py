"""Stripe webhook endpoint (§8): verify, record once, acknowledge.

Routes stay thin: verification is in events.py, the exactly-once recording in ingest.py.
"""
from __future__ import annotations

import logging

from flask import jsonify, request

from app.config import current_settings
from app.errors import error_response
from app.extensions import csrf
from app.resilience.limits import limited
from app.webhooks import demo_checkout_routes  # noqa: F401  (attaches the demo checkout views to bp)
from app.webhooks import lob_routes  # noqa: F401  (attaches the Lob webhook to bp)
from app.webhooks.blueprint import bp
from app.webhooks.events import MAX_BODY_BYTES, InvalidEvent, verify
from app.webhooks.handlers import Outcome
from app.webhooks.ingest import ingest
from app.webhooks.processing import count

__all__ = ["bp"]
log = logging.getLogger("fct.webhooks")


@bp.post("/stripe")
@csrf.exempt
@limited("webhook")
def stripe_webhook():
    if (request.content_length or 0) > MAX_BODY_BYTES:
        return _rejected(413, "The body is too large to be a Stripe event.")
    payload = request.get_data(cache=False)
    if len(payload) > MAX_BODY_BYTES:
        return _rejected(413, "The body is too large to be a Stripe event.")
    secret = current_settings().stripe_webhook_secret
    try:
        event = verify(payload, request.headers.get("Stripe-Signature"), secret)
    except InvalidEvent as exc:
        return _rejected(400, str(exc))
    outcome = ingest(event)
    return jsonify(received=True, event_id=event["id"], outcome=outcome)


def _rejected(status: int, detail: str):
    # Counted as "invalid_signature": nothing that could not be verified is recorded.
    count("unknown", Outcome.INVALID_SIGNATURE)
    log.warning("stripe webhook rejected", extra={"status": status, "reason": detail})
    return error_response(status, detail)
