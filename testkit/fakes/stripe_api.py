"""A local Stripe API server to sit behind STRIPE_API_BASE, driven by the real `stripe` SDK.

    server = StripeAPIServer().start()
    client = stripe.StripeClient("sk_test_x", base_addresses={"api": server.url})
    server.put_session("cs_test_1", status="complete", payment_status="paid", ...)

Endpoints: POST /v1/checkout/sessions (form-encoded as the SDK sends it), POST /v1/refunds,
GET /v1/{checkout/sessions,payment_intents,charges,refunds,disputes,events}/{id} with
`expand[]` honoured one id deep per path segment. `Idempotency-Key` is honoured on every
POST as Stripe does: the same key and body replays the first answer (header
`Idempotent-Replayed: true`); the same key with a different body is a 400
`idempotency_error`. Unknown objects get Stripe's 404 `resource_missing` error. Modes and
stop/start come from FakeHTTPServer; objects persist across a restart, like Stripe's do.
"""
from __future__ import annotations

import threading
from urllib.parse import parse_qsl

import stripe

from testkit.fakes.http_base import FakeHTTPServer, Request
from testkit.fakes.stripe_objects import (StripeError, StripeStore, decode_form, fixture,  # noqa: F401
                                        make_event, new_id, sign_event)

COLLECTIONS = {"/v1/checkout/sessions/": "checkout.session", "/v1/payment_intents/": "payment_intent",
               "/v1/charges/": "charge", "/v1/refunds/": "refund", "/v1/disputes/": "dispute",
               "/v1/events/": "event"}


class StripeAPIServer(FakeHTTPServer, StripeStore):
    """`api_key`: when set, requests must carry it (401 otherwise); any key is fine if None."""

    def __init__(self, port: int = 0, api_key: str | None = None):
        FakeHTTPServer.__init__(self, port)
        StripeStore.__init__(self)
        self.api_key = api_key
        self._idempotency_lock = threading.Lock()
        self._idempotent: dict[str, tuple[tuple, int, dict]] = {}

    @property
    def api_base(self) -> str:
        """What to give `stripe.api_base` or `base_addresses={"api": ...}` (no /v1)."""
        return self.url

    def extra_headers(self) -> dict[str, str]:
        return {"Request-Id": new_id("req"), "Stripe-Version": stripe.api_version}

    def error_payload(self, status: int) -> dict:
        if status == 429:
            return StripeError(429, "Request rate limit exceeded.", code="rate_limit").payload
        return StripeError(status, "An unknown error occurred", type_="api_error").payload

    def respond(self, request: Request) -> tuple:
        auth = request.headers.get("authorization", "")
        if not auth.startswith("Bearer ") or (self.api_key and auth != f"Bearer {self.api_key}"):
            return 401, StripeError(401, "Invalid API Key provided").payload
        key = request.headers.get("idempotency-key") if request.method == "POST" else None
        if not key:
            return self._answer(request)
        with self._idempotency_lock:  # concurrent retries with one key act once
            fingerprint = (request.route, request.body)
            if key in self._idempotent:
                seen, status, payload = self._idempotent[key]
                if seen != fingerprint:
                    return 400, StripeError(400, "Keys for idempotent requests can only be used with "
                                                 "the same parameters they were first used with.",
                                            type_="idempotency_error").payload
                return status, payload, {"Idempotent-Replayed": "true"}
            status, payload = self._answer(request)
            if status < 500:
                self._idempotent[key] = (fingerprint, status, payload)
            return status, payload

    def _answer(self, request: Request) -> tuple[int, dict]:
        try:
            return 200, self._route(request)
        except StripeError as exc:
            return exc.status, exc.payload

    def _route(self, request: Request) -> dict:
        route = request.route
        if request.method == "POST" and route == "/v1/checkout/sessions":
            return self.create_session(self._params(request))
        if request.method == "POST" and route == "/v1/refunds":
            return self.create_refund(self._params(request))
        for prefix, kind in COLLECTIONS.items():
            object_id = route[len(prefix):]
            if request.method == "GET" and route.startswith(prefix) and object_id and "/" not in object_id:
                return self._expand(self.find(kind, object_id), decode_form(request.query).get("expand", []))
        raise StripeError(404, f"Unrecognized request URL ({request.method}: {route}).")

    @staticmethod
    def _params(request: Request) -> dict:
        return decode_form(parse_qsl(request.body.decode(), keep_blank_values=True))

    def _expand(self, obj: dict, paths: list[str]) -> dict:
        """Replace ids by the objects they name, along each dotted `expand` path."""
        for path in paths:
            node = obj
            for field in path.split("."):
                value = node.get(field) if isinstance(node, dict) else None
                if isinstance(value, str) and value in self.objects:
                    node[field] = self.get(value)
                node = node.get(field) if isinstance(node, dict) else None
        return obj

    def create_session(self, params: dict) -> dict:
        """POST /v1/checkout/sessions as Stripe does it, from the decoded form parameters."""
        items = [item.get("price_data") for item in params.get("line_items", [])]
        amount = sum(int(p["unit_amount"]) * int(i.get("quantity", 1))
                     for p, i in zip(items, params.get("line_items", [])) if p)
        session = self.put_session(
            mode=params.get("mode", "payment"), metadata=params.get("metadata", {}),
            amount_total=amount, amount_subtotal=amount,
            currency=next((p["currency"] for p in items if p), "usd"),
            client_reference_id=params.get("client_reference_id"),
            customer_email=params.get("customer_email"),
            success_url=params.get("success_url"), cancel_url=params.get("cancel_url"))
        intent_data = params.get("payment_intent_data") or {}
        with self._store_lock:
            self._intent_metadata[session["id"]] = intent_data.get("metadata", session["metadata"])
        return session

    def create_refund(self, params: dict) -> dict:
        """POST /v1/refunds: by charge or by payment_intent, whole or partial."""
        with self._store_lock:
            charge_id = params.get("charge")
            if not charge_id and params.get("payment_intent"):
                charge_id = self.find("payment_intent", params["payment_intent"])["latest_charge"]
            if not charge_id:
                raise StripeError(400, "One of the following params should be provided for this "
                                       "request: payment_intent or charge.")
            charge = self.find("charge", charge_id)
            left = charge["amount"] - charge["amount_refunded"]
            amount = int(params.get("amount") or left)
            if left <= 0:
                raise StripeError(400, f"Charge {charge_id} has already been refunded.",
                                  code="charge_already_refunded")
            if amount > left:
                raise StripeError(400, "Refund amount is greater than unrefunded amount on charge",
                                  param="amount")
            self.put_charge(charge_id, amount_refunded=charge["amount_refunded"] + amount,
                            refunded=charge["amount_refunded"] + amount >= charge["amount"])
            return self.put_refund(amount=amount, charge=charge_id, currency=charge["currency"],
                                   payment_intent=charge["payment_intent"],
                                   reason=params.get("reason"), metadata=params.get("metadata", {}))
