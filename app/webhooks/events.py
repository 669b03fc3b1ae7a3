"""Verifying a Stripe webhook delivery and checking it is an event we can record."""
from __future__ import annotations

import json

import stripe

MAX_BODY_BYTES = 512 * 1024  # Stripe events are a few kilobytes; anything near this is not one


class InvalidEvent(ValueError):
    """The delivery is not a genuine, well-formed Stripe event; answered 400, nothing stored."""


def verify(payload: bytes, signature: str | None, secret: str) -> dict:
    """The verified event as a plain dict; raises InvalidEvent with a plain reason."""
    if not secret:
        raise InvalidEvent("Stripe webhooks are not configured here.")
    if not payload:
        raise InvalidEvent("The request has no body.")
    if not signature:
        raise InvalidEvent("The Stripe-Signature header is missing.")
    try:
        # Default tolerance (300 s): stale timestamps are refused, so an old delivery cannot
        # be replayed, and a signature only matches the exact body it was made for. Only the
        # signature check: construct_event would also build an Event StripeObject (with an
        # API requestor) that nothing here uses — the handlers read plain JSON.
        stripe.WebhookSignature.verify_header(payload, signature, secret,
                                              tolerance=stripe.Webhook.DEFAULT_TOLERANCE)
        event = json.loads(payload)
    except stripe.SignatureVerificationError:
        raise InvalidEvent("The Stripe signature is not valid for this body.") from None
    except (ValueError, TypeError, AttributeError, KeyError, IndexError, RecursionError):
        raise InvalidEvent("The body is not a Stripe event.") from None
    return _checked(event)


def _checked(event) -> dict:
    if not isinstance(event, dict):
        raise InvalidEvent("The body is not a Stripe event.")
    event_id, event_type = event.get("id"), event.get("type")
    obj = (event.get("data") or {}).get("object") if isinstance(event.get("data"), dict) else None
    if not (isinstance(event_id, str) and event_id.startswith("evt_") and len(event_id) <= 255):
        raise InvalidEvent("The event has no valid id.")
    if not (isinstance(event_type, str) and 0 < len(event_type) <= 100):
        raise InvalidEvent("The event has no valid type.")
    if not (isinstance(obj, dict) and isinstance(obj.get("id"), str)):
        raise InvalidEvent("The event carries no object.")
    return event
