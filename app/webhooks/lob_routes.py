"""Lob webhook endpoint (§17): verify, record each event once, move the letter forward only.

The same durable-inbox rules as the Stripe endpoint: the per-IP webhook limit, a size cap,
problem+json refusals, and the database being down answers 503 (through the app's error
handler) so Lob redelivers. What could not be verified is never recorded. An event for a
letter we do not know is acknowledged (200) so Lob does not retry it forever.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from datetime import datetime, timezone

from flask import jsonify, request

from app.config import current_settings
from app.errors import error_response
from app.extensions import csrf
from app.fulfilment.tracking import apply_tracking_event
from app.resilience.limits import limited
from app.webhooks.blueprint import bp
from app.webhooks.processing import count

log = logging.getLogger("fct.webhooks")
MAX_BODY_BYTES = 256 * 1024  # a Lob event (the letter and its tracking events) is a few KB
TOLERANCE_S = 300  # as Stripe's: an older (or further future) delivery is a replay
MS_THRESHOLD = 10**11  # Lob sends milliseconds; a value below this is in seconds


class InvalidLobEvent(ValueError):
    """Not a genuine, well-formed Lob delivery: 400, nothing recorded."""


@bp.post("/lob")
@csrf.exempt
@limited("webhook")
def lob_webhook():
    if (request.content_length or 0) > MAX_BODY_BYTES:
        return _rejected(413, "The body is too large to be a Lob event.")
    payload = request.get_data(cache=False)
    if len(payload) > MAX_BODY_BYTES:
        return _rejected(413, "The body is too large to be a Lob event.")
    try:
        event = verify(payload, request.headers.get("Lob-Signature-Timestamp"),
                       request.headers.get("Lob-Signature"), current_settings().lob_webhook_secret)
    except InvalidLobEvent as exc:
        return _rejected(400, str(exc))
    event_type, letter = event["event_type"]["id"], event["body"]
    applied = apply_tracking_event(
        provider_letter_id=letter["id"], event_id=event["id"], event_type=event_type,
        occurred_at=_occurred_at(event), detail=_detail(letter),
        tracking_number=letter.get("tracking_number") if isinstance(
            letter.get("tracking_number"), str) else None)
    count(event_type, applied.outcome)
    log.info("lob event %s", applied.outcome, extra={
        "event_id": event["id"], "event_type": event_type, "outcome": applied.outcome,
        "moved_to": applied.moved_to})
    return jsonify(received=True, event_id=event["id"], outcome=applied.outcome)


def verify(payload: bytes, timestamp: str | None, signature: str | None, secret: str) -> dict:
    """The verified event as a plain dict; raises InvalidLobEvent with a plain reason."""
    if not secret:
        raise InvalidLobEvent("Lob webhooks are not configured here.")
    if not payload:
        raise InvalidLobEvent("The request has no body.")
    if not timestamp or not signature:
        raise InvalidLobEvent("The Lob-Signature and Lob-Signature-Timestamp headers are required.")
    try:
        sent = int(timestamp)
    except ValueError:
        raise InvalidLobEvent("The Lob-Signature-Timestamp header is not a timestamp.") from None
    expected = hmac.new(secret.encode(), timestamp.encode() + b"." + payload,
                        hashlib.sha256).hexdigest()
    # As bytes: compare_digest refuses str with non-ASCII characters (a 500 for a junk header).
    if not hmac.compare_digest(expected.encode(), signature.strip().lower().encode()):
        raise InvalidLobEvent("The Lob signature is not valid for this body.")
    sent_s = sent / 1000 if sent >= MS_THRESHOLD else sent
    if abs(time.time() - sent_s) > TOLERANCE_S:
        raise InvalidLobEvent("The Lob signature timestamp is too old or in the future.")
    try:
        event = json.loads(payload)
    except (ValueError, RecursionError):
        raise InvalidLobEvent("The body is not a Lob event.") from None
    return _checked(event)


def _checked(event) -> dict:
    if not isinstance(event, dict):
        raise InvalidLobEvent("The body is not a Lob event.")
    event_id, event_type, body = event.get("id"), event.get("event_type"), event.get("body")
    if not (isinstance(event_id, str) and event_id.startswith("evt_") and len(event_id) <= 64):
        raise InvalidLobEvent("The event has no valid id.")
    type_id = event_type.get("id") if isinstance(event_type, dict) else None
    if not (isinstance(type_id, str) and 0 < len(type_id) <= 64):
        raise InvalidLobEvent("The event has no valid type.")
    if not (isinstance(body, dict) and isinstance(body.get("id"), str)
            and 0 < len(body["id"]) <= 64):
        raise InvalidLobEvent("The event carries no letter.")
    return event


def _occurred_at(event: dict) -> datetime:
    """When it happened: the event's date_created, else now (a bad date is not worth a retry)."""
    created = event.get("date_created")
    if isinstance(created, str):
        try:
            moment = datetime.fromisoformat(created.replace("Z", "+00:00"))
            return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
        except ValueError:
            pass
    return datetime.now(timezone.utc)


def _detail(letter: dict) -> str | None:
    """The newest tracking event's location and description, for the timeline."""
    events = letter.get("tracking_events")
    last = events[-1] if isinstance(events, list) and events and isinstance(events[-1], dict) else {}
    details = last.get("details") if isinstance(last.get("details"), dict) else {}
    parts = [str(p) for p in (details.get("description"), last.get("location")) if p]
    return " · ".join(parts) or None


def _rejected(status: int, detail: str):
    count("lob", "invalid_signature")
    log.warning("lob webhook rejected", extra={"status": status, "reason": detail})
    return error_response(status, detail)
