"""A small local Stripe API server for the webhook and payments tests.

A real HTTP server on a loopback port, spoken to by the real `stripe` SDK through
STRIPE_API_BASE, answering with objects shaped like Stripe's published fixtures
(tests/fakes/stripe_fixtures.json, through tests/fakes/stripe_objects.py). It can fail on demand
(mode "error": every request 500; mode "hang": answers late; `fail_next(n)`: the next n
requests 500) and be stopped
and started again on the same port.

`make_event` / `sign_event` build genuinely signed webhook deliveries.
"""
from __future__ import annotations

import copy
import itertools
import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl

from tests.fakes.stripe_objects import fixture, make_event, sign_event  # noqa: F401 (re-exported)

_counter = itertools.count(1)


def new_id(prefix: str) -> str:
    return f"{prefix}_test_{next(_counter):06d}{secrets.token_hex(6)}"


def _nested(form: list[tuple[str, str]]) -> dict:
    """Stripe's form encoding (`a[b][0][c]=v`) back into nested dicts (lists as dicts)."""
    out: dict = {}
    for key, value in form:
        parts = key.replace("]", "").split("[")
        node = out
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return out


class FakeStripe:
    def __init__(self):
        self.objects: dict[str, dict] = {}
        self.requests: list[dict] = []
        self.mode = "ok"  # ok, error (every request 500), hang (answer after hang_s)
        self.hang_s = 2.0
        self._fail_next = 0
        self._idempotent: dict[str, dict] = {}
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self.port = 0

    # -- server -----------------------------------------------------------------
    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "FakeStripe":
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                fake._handle(self, "GET")

            def do_POST(self):
                fake._handle(self, "POST")

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def fail_next(self, n: int) -> None:
        with self._lock:
            self._fail_next = n

    def _handle(self, h: BaseHTTPRequestHandler, method: str) -> None:
        length = int(h.headers.get("Content-Length") or 0)
        body = h.rfile.read(length).decode() if length else ""
        with self._lock:
            self.requests.append({"method": method, "path": h.path, "body": body,
                                  "headers": dict(h.headers)})
            failing = self.mode == "error" or self._fail_next > 0
            if self._fail_next > 0:
                self._fail_next -= 1
            hang = self.hang_s if self.mode == "hang" else 0
        if hang:
            time.sleep(hang)
        if failing:
            return self._send(h, 500, {"error": {"type": "api_error",
                                                 "message": "An unknown error occurred"}})
        status, payload = self._route(method, h.path.split("?")[0], body,
                                      h.headers.get("Idempotency-Key"))
        self._send(h, status, payload)

    @staticmethod
    def _send(h: BaseHTTPRequestHandler, status: int, payload: dict) -> None:
        data = json.dumps(payload).encode()
        try:
            h.send_response(status)
            h.send_header("Content-Type", "application/json")
            h.send_header("Content-Length", str(len(data)))
            h.send_header("Request-Id", new_id("req"))
            h.end_headers()
            h.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client timed out first (mode "hang")

    def _route(self, method: str, path: str, body: str, idem: str | None) -> tuple[int, dict]:
        if method == "POST" and path == "/v1/checkout/sessions":
            with self._lock:
                if idem and idem in self._idempotent:
                    return 200, self._idempotent[idem]
                session = self._create_session(_nested(parse_qsl(body)))
                if idem:
                    self._idempotent[idem] = session
            return 200, session
        kinds = {"/v1/checkout/sessions/": "checkout.session", "/v1/payment_intents/": "payment_intent",
                 "/v1/charges/": "charge"}
        for prefix, kind in kinds.items():
            if method == "GET" and path.startswith(prefix):
                object_id = path[len(prefix):]
                with self._lock:
                    obj = self.objects.get(object_id)
                if obj is None or obj["object"] != kind:
                    return 404, {"error": {"type": "invalid_request_error", "code": "resource_missing",
                                           "message": f"No such {kind}: '{object_id}'"}}
                return 200, copy.deepcopy(obj)
        return 404, {"error": {"type": "invalid_request_error", "message": "Unrecognized request URL"}}

    # -- the "Stripe side" of the objects ------------------------------------------
    def _create_session(self, params: dict) -> dict:
        item = params["line_items"]["0"]["price_data"]
        session = self.add_session(
            metadata=params.get("metadata", {}), amount_total=int(item["unit_amount"]),
            currency=item["currency"], success_url=params.get("success_url"),
            cancel_url=params.get("cancel_url"))
        session["client_reference_id"] = params.get("client_reference_id")
        intent_data = params.get("payment_intent_data") or {}
        session["_payment_intent_metadata"] = intent_data.get("metadata", {})
        return session

    def add_session(self, *, metadata: dict, amount_total: int = 989, currency: str = "usd",
                    success_url: str | None = None, cancel_url: str | None = None) -> dict:
        session = fixture("checkout.session")
        sid = new_id("cs")
        session.update(id=sid, metadata=dict(metadata), amount_total=amount_total,
                       amount_subtotal=amount_total, currency=currency, payment_intent=None,
                       payment_status="unpaid", status="open", customer_details=None,
                       success_url=success_url or session["success_url"],
                       cancel_url=cancel_url or session["cancel_url"],
                       url=f"https://checkout.stripe.com/c/pay/{sid}")
        self.objects[sid] = session
        return session

    def pay_session(self, session_id: str) -> tuple[str, str]:
        """The driver paid: session complete, a succeeded PaymentIntent and Charge."""
        with self._lock:
            session = self.objects[session_id]
            intent = fixture("payment_intent")
            intent.update(id=new_id("pi"), amount=session["amount_total"],
                          amount_received=session["amount_total"], currency=session["currency"],
                          status="succeeded", metadata=dict(session["metadata"]),
                          last_payment_error=None, canceled_at=None)
            charge = fixture("charge")
            charge.update(id=new_id("ch"), amount=session["amount_total"],
                          amount_captured=session["amount_total"], currency=session["currency"],
                          payment_intent=intent["id"], captured=True, paid=True, status="succeeded",
                          metadata={}, billing_details=None)
            intent["latest_charge"] = charge["id"]
            session.update(status="complete", payment_status="paid", payment_intent=intent["id"])
            self.objects[intent["id"]] = intent
            self.objects[charge["id"]] = charge
        return intent["id"], charge["id"]

    def refund_charge(self, charge_id: str, amount: int | None = None) -> dict:
        with self._lock:
            charge = self.objects[charge_id]
            charge["amount_refunded"] = charge["amount"] if amount is None else amount
            charge["refunded"] = charge["amount_refunded"] >= charge["amount"]
            return copy.deepcopy(charge)

    def fail_intent(self, session_id: str) -> str:
        """A declined card: a PaymentIntent needing a new payment method."""
        with self._lock:
            session = self.objects[session_id]
            intent = fixture("payment_intent")
            intent.update(id=new_id("pi"), amount=session["amount_total"], currency=session["currency"],
                          status="requires_payment_method", metadata=dict(session["metadata"]),
                          canceled_at=None)
            session["payment_intent"] = intent["id"]
            self.objects[intent["id"]] = intent
            return intent["id"]

    def expire_session(self, session_id: str) -> dict:
        with self._lock:
            self.objects[session_id].update(status="expired")
            return copy.deepcopy(self.objects[session_id])

    def edit(self, object_id: str, **fields) -> dict:
        """Change an object on the Stripe side (what a later GET will answer)."""
        with self._lock:
            self.objects[object_id].update(copy.deepcopy(fields))
            return copy.deepcopy(self.objects[object_id])

    def get(self, object_id: str) -> dict:
        with self._lock:
            return copy.deepcopy(self.objects[object_id])

    def count(self, method: str, path_prefix: str) -> int:
        with self._lock:
            return sum(1 for r in self.requests
                       if r["method"] == method and r["path"].startswith(path_prefix))
