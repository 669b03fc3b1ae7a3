"""Lob webhook events, signed and delivered as Lob delivers them.

An event has the published `events` shape: `{id: evt_…, body: <the letter>, reference_id:
<letter id>, event_type: {id: "letter.mailed", resource: "letters", …}, date_created,
object: "event"}`. Tracking events (letter.mailed … letter.returned_to_sender and
letter.certified.*) carry the letter with the new tracking event appended to
`body.tracking_events` (type "normal", or "certified" with `details`).

Lob signs each delivery: header `Lob-Signature-Timestamp` (milliseconds since the epoch)
and `Lob-Signature` = hex HMAC-SHA256 of "<timestamp>.<raw body>" with the webhook secret.
Deliveries can be shuffled and duplicated, as at-least-once delivery allows.
"""
from __future__ import annotations

import copy
import datetime as dt
import hashlib
import hmac
import json
import random
import time

import httpx

from testkit.fakes.lob_objects import enum, example, iso, new_id

NORMAL = {"letter.mailed": "Mailed", "letter.in_transit": "In Transit",
          "letter.in_local_area": "In Local Area",
          "letter.processed_for_delivery": "Processed for Delivery",
          "letter.delivered": "Delivered", "letter.re-routed": "Re-Routed",
          "letter.returned_to_sender": "Returned to Sender",
          "letter.international_exit": "International Exit"}
# certified event -> (tracking event name, details.event, details.description as published)
CERTIFIED = {
    "letter.certified.mailed": ("Mailed", "package_accepted",
                                "Package has been accepted into the carrier network for delivery."),
    "letter.certified.in_transit": (
        "In Transit", "package_departed",
        "Package has departed from an intermediate location in the carrier network."),
    "letter.certified.in_local_area": ("In Local Area", "package_in_local_area",
                                       "Package is at a location near the end destination."),
    "letter.certified.processed_for_delivery": ("Processed for Delivery", "out_for_delivery",
                                                "Package is out for delivery."),
    "letter.certified.pickup_available": ("Pickup Available", "pickup_available",
                                          "Package is available for pickup at carrier location."),
    "letter.certified.delivered": ("Delivered", "delivered", "Package has been delivered."),
    "letter.certified.re-routed": ("Re-Routed", "package_forwarded", "Package has been forwarded."),
    "letter.certified.returned_to_sender": ("Returned to Sender", "returned_to_sender",
                                            "Package is to be returned to sender."),
    "letter.certified.issue": ("Issue", "delivery_attempted",
                               "Delivery of package has been attempted. Contact carrier to ensure delivery."),
}
ACTION_REQUIRED = {"delivery_attempted"}


def tracking_event(event_type: str, at: dt.datetime, location: str = "94107") -> dict | None:
    """The tracking event a tracking webhook appends to the letter; None for other types."""
    if event_type in NORMAL:
        shaped = example("tracking_event_normal")
        shaped.update(name=NORMAL[event_type], details=None)
    elif event_type in CERTIFIED:
        name, detail, description = CERTIFIED[event_type]
        shaped = example("tracking_event_certified")
        shaped.update(name=name, details={"event": detail, "description": description, "notes": "",
                                          "action_required": detail in ACTION_REQUIRED})
    else:
        return None
    shaped.update(id=new_id("evnt", 15), location=location, time=iso(at),
                  date_created=iso(at), date_modified=iso(at))
    return shaped


def make_lob_event(event_type: str, letter: dict, *, event_id: str | None = None,
                   at: dt.datetime | None = None) -> dict:
    """A Lob event of `event_type` carrying (a copy of) `letter` as its body."""
    if event_type not in enum("letter_types"):
        raise ValueError(f"not a published letter event type: {event_type!r}")
    at = at or dt.datetime.now(dt.timezone.utc)
    event = example("event")
    event.update(id=event_id or new_id("evt"), body=copy.deepcopy(letter), reference_id=letter["id"],
                 event_type={"resource": "letters", "enabled_for_test": True, "id": event_type,
                             "object": "event_type"},
                 date_created=iso(at), object="event")
    return event


def sign_lob_event(secret: str, timestamp: str | int, body: bytes | str) -> str:
    """The `Lob-Signature` Lob sends: hex HMAC-SHA256 of "<timestamp>.<raw body>"."""
    raw = body if isinstance(body, bytes) else body.encode()
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + raw, hashlib.sha256).hexdigest()


def event_body(event: dict) -> bytes:
    return json.dumps(event, separators=(",", ":")).encode()


def lob_webhook_headers(body: bytes, secret: str, timestamp: str | int | None = None) -> dict[str, str]:
    """The headers of one signed delivery of `body` (timestamp in milliseconds, as Lob sends it)."""
    timestamp = str(int(time.time() * 1000)) if timestamp is None else str(timestamp)
    return {"Content-Type": "application/json", "Lob-Signature-Timestamp": timestamp,
            "Lob-Signature": sign_lob_event(secret, timestamp, body)}


def deliver_lob_events(url: str, events: list[dict], secret: str, *, shuffle_seed: int | None = None,
                       duplicates: int = 0, timeout: float = 10.0) -> list[tuple[str, int]]:
    """POST each event to `url`, signed; `shuffle_seed` shuffles the order (reproducibly),
    `duplicates` sends each event that many extra times. Returns (event id, status) per POST."""
    deliveries = [event for event in events for _ in range(1 + duplicates)]
    if shuffle_seed is not None:
        random.Random(shuffle_seed).shuffle(deliveries)
    answers = []
    with httpx.Client(timeout=timeout) as client:
        for event in deliveries:
            body = event_body(event)  # signed per delivery, like Lob's retries
            answers.append((event["id"], client.post(url, content=body,
                                                     headers=lob_webhook_headers(body, secret)).status_code))
    return answers
