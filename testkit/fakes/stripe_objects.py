"""Stripe-shaped objects for the fake Stripe API and for signed webhook events.

Every object starts from Stripe's published fixture for its type (stripe_fixtures.json,
`resources`: `openapi/fixtures3.json` of Stripe's public stripe/openapi repository at
commit f6c2a48f, kept here as published) and only ids and the fields a test
cares about are overridden, so the app is tested against the real shapes. `StripeStore` is
the "Stripe side": the objects Stripe would hold, which tests seed and change; the HTTP
server in stripe_api.py serves it. `make_event` / `sign_event` build webhook deliveries
exactly as Stripe does (HMAC-SHA256 of "timestamp.payload" with the endpoint secret).
"""
from __future__ import annotations

import copy
import functools
import hashlib
import hmac
import json
import secrets
import threading
import time
from pathlib import Path

import stripe

FIXTURES = Path(__file__).resolve().parent / "stripe_fixtures.json"
PREFIX = {"checkout.session": "cs_test", "payment_intent": "pi", "charge": "ch", "refund": "re",
          "dispute": "dp", "event": "evt"}
AMOUNT = 989
# Fixture fields reset so a fresh object looks like one Stripe just made in test mode.
DEFAULTS = {
    "checkout.session": dict(status="open", payment_status="unpaid", payment_intent=None,
                             metadata={}, amount_total=AMOUNT, amount_subtotal=AMOUNT, currency="usd",
                             customer_details=None, mode="payment", client_reference_id=None),
    "payment_intent": dict(status="succeeded", amount=AMOUNT, amount_received=AMOUNT, currency="usd",
                           metadata={}, last_payment_error=None, canceled_at=None, latest_charge=None,
                           next_action=None, processing=None, cancellation_reason=None),
    "charge": dict(status="succeeded", amount=AMOUNT, amount_captured=AMOUNT, amount_refunded=0,
                   refunded=False, captured=True, paid=True, currency="usd", payment_intent=None,
                   metadata={}, disputed=False),
    "refund": dict(status="succeeded", amount=AMOUNT, currency="usd", metadata={}, reason=None),
    "dispute": dict(status="needs_response", amount=AMOUNT, currency="usd", metadata={}),
}


@functools.lru_cache(maxsize=1)
def _resources() -> dict:
    return json.loads(FIXTURES.read_text())["resources"]


def fixture(kind: str) -> dict:
    """A fresh copy of Stripe's published example object of this type."""
    return copy.deepcopy(_resources()[kind])


def new_id(kind_or_prefix: str) -> str:
    return f"{PREFIX.get(kind_or_prefix, kind_or_prefix)}_{secrets.token_hex(12)}"


def make_event(event_type: str, obj: dict, event_id: str | None = None,
               created: int | None = None, previous_attributes: dict | None = None) -> dict:
    """A Stripe event carrying `obj`, in the shape of the published `event` fixture."""
    event = fixture("event")
    data = {"object": copy.deepcopy(obj)}
    if previous_attributes is not None:
        data["previous_attributes"] = previous_attributes
    event.update(id=event_id or new_id("event"), type=event_type, data=data,
                 created=int(time.time()) if created is None else created,
                 api_version=stripe.api_version, livemode=False)
    return event


def sign_event(payload: bytes | str, secret: str, timestamp: int | None = None) -> str:
    """The `Stripe-Signature` header Stripe would send with this exact payload."""
    body = payload if isinstance(payload, bytes) else payload.encode()
    ts = int(time.time()) if timestamp is None else int(timestamp)
    mac = hmac.new(secret.encode(), f"{ts}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={ts},v1={mac}"


def decode_form(pairs: list[tuple[str, str]]) -> dict:
    """The SDK's form encoding (`a[b][0][c]=v`, `expand[]=x`) back into dicts and lists."""
    root: dict = {}
    for key, value in pairs:
        parts = key.replace("]", "").split("[")
        node = root
        for i, part in enumerate(parts):
            part = part or str(len(node))  # `[]` appends
            if i == len(parts) - 1:
                node[part] = value
            else:
                node = node.setdefault(part, {})
    return _listify(root)


def _listify(node):
    if not isinstance(node, dict):
        return node
    if node and all(key.isdigit() for key in node):
        return [_listify(node[key]) for key in sorted(node, key=int)]
    return {key: _listify(value) for key, value in node.items()}


class StripeError(Exception):
    """An answer Stripe gives as an error object (`{"error": {...}}`) with an HTTP status."""

    def __init__(self, status: int, message: str, *, type_: str = "invalid_request_error",
                 code: str | None = None, param: str | None = None):
        super().__init__(message)
        self.status = status
        self.payload = {"error": {"type": type_, "code": code, "param": param, "message": message,
                                  "doc_url": f"https://stripe.com/docs/error-codes/{code}" if code else None}}


class StripeStore:
    """The objects Stripe holds. put_* create an object (from the fixture) or update one."""

    checkout_url_base = "https://checkout.stripe.com/c/pay"

    def __init__(self):
        self.objects: dict[str, dict] = {}
        self._store_lock = threading.RLock()
        self._intent_metadata: dict[str, dict] = {}  # session id -> payment_intent_data[metadata]

    def put(self, kind: str, id: str | None = None, **fields) -> dict:
        with self._store_lock:
            obj = self.objects.get(id) if id else None
            if obj is None:
                obj = fixture(kind)
                obj.update(copy.deepcopy(DEFAULTS.get(kind, {})), id=id or new_id(kind),
                           created=int(time.time()), livemode=False)
                if kind == "checkout.session":
                    obj.update(url=f"{self.checkout_url_base}/{obj['id']}",
                               expires_at=obj["created"] + 24 * 3600)
                self.objects[obj["id"]] = obj
            obj.update(copy.deepcopy(fields))
            return copy.deepcopy(obj)

    def put_session(self, id: str | None = None, **fields) -> dict:
        return self.put("checkout.session", id, **fields)

    def put_payment_intent(self, id: str | None = None, **fields) -> dict:
        return self.put("payment_intent", id, **fields)

    def put_charge(self, id: str | None = None, **fields) -> dict:
        return self.put("charge", id, **fields)

    def put_refund(self, id: str | None = None, **fields) -> dict:
        return self.put("refund", id, **fields)

    def put_dispute(self, id: str | None = None, **fields) -> dict:
        return self.put("dispute", id, **fields)

    def get(self, object_id: str) -> dict:
        with self._store_lock:
            return copy.deepcopy(self.objects[object_id])

    def find(self, kind: str, object_id: str) -> dict:
        with self._store_lock:
            obj = self.objects.get(object_id)
            if obj is None or obj.get("object") != kind:
                raise StripeError(404, f"No such {kind}: '{object_id}'", code="resource_missing", param="id")
            return copy.deepcopy(obj)

    def pay_session(self, session_id: str, **charge_fields) -> tuple[str, str]:
        """The driver paid: the session completes with a succeeded PaymentIntent and Charge."""
        with self._store_lock:
            session = self.objects[session_id]
            amount, currency = session["amount_total"], session["currency"]
            metadata = self._intent_metadata.get(session_id, session["metadata"])
            intent = self.put_payment_intent(amount=amount, amount_received=amount, currency=currency,
                                             metadata=metadata)
            charge = self.put_charge(amount=amount, amount_captured=amount, currency=currency,
                                     payment_intent=intent["id"], **charge_fields)
            self.put_payment_intent(intent["id"], latest_charge=charge["id"])
            self.put_session(session_id, status="complete", payment_status="paid",
                             payment_intent=intent["id"])
            return intent["id"], charge["id"]

    def expire_session(self, session_id: str) -> dict:
        return self.put_session(session_id, status="expired")

    def add_session(self, *, metadata: dict, amount_total: int = AMOUNT, currency: str = "usd",
                    success_url: str | None = None, cancel_url: str | None = None) -> dict:
        """An open, unpaid session made outside the app (as if by an older checkout)."""
        fields = dict(metadata=dict(metadata), amount_total=amount_total,
                      amount_subtotal=amount_total, currency=currency)
        fields.update({k: v for k, v in (("success_url", success_url), ("cancel_url", cancel_url)) if v})
        return self.put_session(**fields)

    def intent_metadata(self, session_id: str) -> dict:
        """The metadata the session's PaymentIntent will carry (`payment_intent_data`)."""
        with self._store_lock:
            return copy.deepcopy(self._intent_metadata.get(session_id, self.objects[session_id]["metadata"]))

    def fail_intent(self, session_id: str) -> str:
        """A declined card: the session's PaymentIntent needs a new payment method."""
        with self._store_lock:
            session = self.objects[session_id]
            intent = self.put_payment_intent(
                amount=session["amount_total"], amount_received=0, currency=session["currency"],
                status="requires_payment_method", metadata=self.intent_metadata(session_id))
            self.put_session(session_id, payment_intent=intent["id"])
            return intent["id"]

    def refund_charge(self, charge_id: str, amount: int | None = None) -> dict:
        """An operator refunded in the dashboard: the charge as Stripe shows it afterwards."""
        with self._store_lock:
            charge = self.objects[charge_id]
            refunded = charge["amount"] if amount is None else amount
            return self.put_charge(charge_id, amount_refunded=refunded,
                                   refunded=refunded >= charge["amount"])

    def edit(self, object_id: str, **fields) -> dict:
        """Change an object on the Stripe side (what a later GET answers)."""
        return self.put(self.objects[object_id]["object"], object_id, **fields)
