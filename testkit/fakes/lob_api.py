"""A local Lob print-and-mail API to sit behind LOB_API_BASE, driven by the official SDK.

    server = LobAPIServer(api_key="test_key").start()
    config = lob_python.Configuration(host=server.api_base, username="test_key")
    server.letters_created          # every letter made, oldest first (a retry is not a new one)
    server.send_events(url, letter_id, ["letter.mailed", "letter.delivered"], secret="...")

Endpoints (under /v1): POST /letters (JSON, form or multipart with the PDF as `file`),
GET and DELETE /letters/{id}, POST /us_verifications; HTTP basic auth with the API key as
user name (401 without). `Idempotency-Key` (header) or `idempotency_key` (query) works as
Lob's does: a key already used answers the letter it created, whatever the body; both at
once is a 422. Shapes and checks come from lob_objects / lob_requests.

Failure modes: those of FakeHTTPServer ("error" 500, "rate_limit" 429 with Retry-After,
"hang", fail_next, stop/start) plus `drop_after_create(n)`: the next n letter creations are
carried out and then the connection is closed with no answer, the lost-answer case a retry
with the same idempotency key must survive. A request held by "hang" and released by a
change of mode is carried out late (a slow Lob: the letter exists, the client had given
up); stop() drops it unanswered instead. An undeliverable `to` address gets Lob's 422
(see lob_requests). Letters persist across a restart, like Lob's.
"""
from __future__ import annotations

import base64
import copy
import datetime as dt
import threading
from urllib.parse import parse_qsl, urlsplit

from testkit.fakes.http_base import FakeHTTPServer, Request
from testkit.fakes.lob_events import deliver_lob_events, make_lob_event, tracking_event
from testkit.fakes.lob_objects import LobError, address, letter, new_id, us_verification
from testkit.fakes.lob_requests import decode_body, letter_params, verification_params

IDEMPOTENCY_KEY_MAX = 256
DROP = object()  # an answer that is never sent: the connection is closed instead


class LobAPIServer(FakeHTTPServer):
    """`api_key`: the key requests must carry as basic-auth user name."""

    def __init__(self, port: int = 0, api_key: str = "test_fake_lob_key"):
        super().__init__(port)
        self.api_key = api_key
        self._lock = threading.Lock()  # letters, keys and the drop counter
        self.letters: dict[str, dict] = {}  # id -> the letter as Lob holds it now
        self.letters_created: list[dict] = []  # a record per letter made: id, key, params, pdf
        self._by_key: dict[str, str] = {}
        self._drop = 0

    @property
    def api_base(self) -> str:
        """What to give lob_python.Configuration(host=...) or LOB_API_BASE (with /v1)."""
        return self.url + "/v1"

    def drop_after_create(self, n: int = 1) -> None:
        with self._lock:
            self._drop = n

    def letter_count(self) -> int:
        with self._lock:
            return len(self.letters_created)

    def mark_mailed(self, letter_id: str) -> None:
        """The letter has left for the post office: it can no longer be cancelled."""
        self.emit(letter_id, "letter.mailed")

    # -- answering -------------------------------------------------------------------------
    def extra_headers(self) -> dict[str, str]:
        reset = int(dt.datetime.now(dt.timezone.utc).timestamp()) + 5
        return {"ratelimit-limit": "150", "ratelimit-remaining": "149", "ratelimit-reset": str(reset)}

    def error_payload(self, status: int) -> dict:
        if status == 429:
            return LobError(429, "Rate limit exceeded. Please wait 5 seconds and try your request again.",
                            "rate_limit_exceeded").payload
        return LobError(status, "Internal server error", "internal_server_error").payload

    def _send(self, handler, status: int, payload, headers: dict | None = None) -> None:
        if payload is DROP:
            handler.close_connection = True  # the request was acted on; its answer is lost
            return
        super()._send(handler, status, payload, headers)

    def respond(self, request: Request) -> tuple:
        try:
            self._authenticate(request.headers.get("authorization", ""))
            return self._route(request)
        except LobError as exc:
            return exc.status, exc.payload

    def _authenticate(self, header: str) -> None:
        scheme, _, encoded = header.partition(" ")
        if scheme.lower() != "basic" or not encoded:
            raise LobError(401, "Missing authentication", "unauthorized")
        try:
            user = base64.b64decode(encoded).decode().partition(":")[0]
        except ValueError:
            user = None
        if user != self.api_key:
            raise LobError(401, "Your API key is not valid. Please sign up on lob.com to get a valid "
                                "api key.", "invalid_api_key")

    def _route(self, request: Request) -> tuple:
        route, method = request.route, request.method
        letter_id = route.removeprefix("/v1/letters/")
        if method == "POST" and route == "/v1/letters":
            return self._create_letter(request)
        if method == "POST" and route == "/v1/us_verifications":
            params, _ = decode_body(request.headers.get("content-type", ""), request.body)
            return 200, us_verification(verification_params(params))
        if route.startswith("/v1/letters/") and letter_id and "/" not in letter_id:
            if method == "GET":
                return 200, self._find(letter_id)
            if method == "DELETE":
                return 200, self._cancel(letter_id)
        raise LobError(404, f"{method} {route} is not a recognized endpoint", "unrecognized_endpoint")

    def _create_letter(self, request: Request) -> tuple:
        key = self._idempotency_key(request)
        params, uploads = decode_body(request.headers.get("content-type", ""), request.body)
        with self._lock:  # concurrent retries with one key create one letter
            if key and key in self._by_key:
                answer = copy.deepcopy(self.letters[self._by_key[key]])
            else:
                params, pdf = letter_params(params, uploads)
                now = dt.datetime.now(dt.timezone.utc)
                answer = letter(params, address(params["to"], now), address(params["from"], now), now)
                self.letters[answer["id"]] = copy.deepcopy(answer)
                self.letters_created.append({"id": answer["id"], "idempotency_key": key,
                                             "params": params, "pdf": pdf})
                if key:
                    self._by_key[key] = answer["id"]
            dropped, self._drop = self._drop > 0, max(self._drop - 1, 0)
        return 200, DROP if dropped else answer

    @staticmethod
    def _idempotency_key(request: Request) -> str | None:
        header = request.headers.get("idempotency-key")
        query = dict(parse_qsl(urlsplit(request.path).query)).get("idempotency_key")
        if header and query:
            raise LobError(422, "Only one idempotency key may be provided", "bad_request")
        key = header or query
        if key is not None and not 0 < len(key) <= IDEMPOTENCY_KEY_MAX:
            raise LobError(422, f"idempotency key must be 1 to {IDEMPOTENCY_KEY_MAX} characters")
        return key

    def _find(self, letter_id: str) -> dict:
        with self._lock:
            if letter_id not in self.letters:
                raise LobError(404, "letter not found", "not_found")
            return copy.deepcopy(self.letters[letter_id])

    def _cancel(self, letter_id: str) -> dict:
        with self._lock:
            held = self.letters.get(letter_id)
            if held is None:
                raise LobError(404, "letter not found", "not_found")
            if held.get("deleted") or held["tracking_events"]:
                raise LobError(422, "This letter has already been mailed or canceled and cannot be "
                                    "canceled", "not_deletable")
            held["deleted"] = True
            return {"id": letter_id, "deleted": True}

    # -- webhooks --------------------------------------------------------------------------
    def emit(self, letter_id: str, event_type: str) -> dict:
        """Move the letter on as `event_type` says (tracking events appended); the event."""
        now = dt.datetime.now(dt.timezone.utc)
        with self._lock:
            held = self.letters[letter_id]
            step = tracking_event(event_type, now, held["to"]["address_zip"][:5])
            if step is not None:
                held["tracking_events"].append(step)
            if event_type == "letter.rendered_pdf":
                held["status"] = "rendered"
            return make_lob_event(event_type, held, event_id=new_id("evt"), at=now)

    def send_events(self, url: str, letter_id: str, event_types: list[str], *, secret: str,
                    shuffle_seed: int | None = None, duplicates: int = 0) -> list[tuple[str, int]]:
        """Emit the events in order, then deliver them signed to `url` (shuffled/duplicated)."""
        events = [self.emit(letter_id, event_type) for event_type in event_types]
        return deliver_lob_events(url, events, secret, shuffle_seed=shuffle_seed, duplicates=duplicates)
