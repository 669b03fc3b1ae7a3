"""A small threaded HTTP server that the HTTP fakes (Stripe, OpenAI, Sentry) build on.

What it gives every fake, so failure tests can take a service away for real:
  * start() / stop() / restart() on the same 127.0.0.1 port; while stopped the port
    refuses connections, exactly like a service that is down;
  * `mode`: "ok" (the subclass answers), "error" (HTTP 500), "rate_limit" (HTTP 429 with
    Retry-After) or "hang" (the request is held until release(), a mode change, stop(),
    or `hang_limit` seconds; a request still in "hang" then gets its connection closed
    with no answer, or, with `hang_answers = True`, a normal late answer: a slow service).
    stop() never waits on a hung request;
  * `fail_next(n)`: only the next n requests answer 500, then the mode applies again;
  * every request recorded (method, path, headers, body), thread-safely.
Subclasses implement `respond(request)` and may shape errors with `error_payload`.
"""
from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

MODES = ("ok", "error", "rate_limit", "hang")


@dataclass
class Request:
    method: str
    path: str  # with the query string, as sent
    headers: dict[str, str] = field(default_factory=dict)  # names lower-cased
    body: bytes = b""

    @property
    def route(self) -> str:
        return urlsplit(self.path).path

    @property
    def query(self) -> list[tuple[str, str]]:
        return parse_qsl(urlsplit(self.path).query, keep_blank_values=True)

    def json(self):
        return json.loads(self.body or b"null")


class _Handler(BaseHTTPRequestHandler):
    timeout = 30  # a client that never sends its request cannot pin a thread forever

    def log_message(self, *args):
        pass

    def handle(self):
        fake = self.server.fake
        with fake._cond:
            fake._active += 1
        try:
            super().handle()
        finally:
            with fake._cond:
                fake._active -= 1
                fake._cond.notify_all()

    def _dispatch(self):
        length = int(self.headers.get("Content-Length") or 0)
        headers = {k.lower(): v for k, v in self.headers.items()}
        body = self.rfile.read(length) if length else b""
        self.server.fake._serve(self, Request(self.command, self.path, headers, body))

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _dispatch


class FakeHTTPServer:
    hang_limit = 120.0
    hang_answers = False
    retry_after = 1

    def __init__(self, port: int = 0):
        self.port, self._mode, self._fail_next, self._active = port, "ok", 0, 0
        self._requests: list[Request] = []
        self._cond = threading.Condition()  # guards everything below and the fields above
        self._release = threading.Event()  # replaced on each release: one per "hang" episode
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self):
        if self._server is None:
            server = ThreadingHTTPServer(("127.0.0.1", self.port), _Handler)
            server.fake = self
            self.port = server.server_address[1]
            self._server = server
            self._thread = threading.Thread(target=server.serve_forever, args=(0.05,),
                                            name=f"{type(self).__name__}:{self.port}", daemon=True)
            self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        self.release()  # hung requests see the server gone and drop their connection
        server.shutdown()
        server.server_close()
        self._thread.join(timeout)
        with self._cond:  # let in-flight handlers finish, so no thread outlives stop()
            self._cond.wait_for(lambda: self._active == 0, timeout)

    def restart(self):
        self.stop()
        return self.start()

    def is_running(self) -> bool:
        return self._server is not None

    @property
    def mode(self) -> str:
        return self._mode

    @mode.setter
    def mode(self, mode: str) -> None:
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}; one of {MODES}")
        with self._cond:
            self._mode = mode
        if mode != "hang":
            self.release()  # leaving "hang" lets the held requests be answered

    set_mode = mode.fset  # set_mode("hang") is the same as assigning `mode`

    def release(self) -> None:
        """Wake every request held by "hang" (new ones are held again while in "hang")."""
        with self._cond:
            self._release.set()
            self._release = threading.Event()

    def fail_next(self, n: int) -> None:
        with self._cond:
            self._fail_next = n

    @property
    def requests(self) -> list[Request]:
        with self._cond:
            return list(self._requests)

    def count(self, method: str | None = None, path_prefix: str = "") -> int:
        return sum(1 for r in self.requests
                   if (method is None or r.method == method) and r.route.startswith(path_prefix))

    def _serve(self, handler: BaseHTTPRequestHandler, request: Request) -> None:
        with self._cond:
            self._requests.append(request)
            self._cond.notify_all()
            failing = self._fail_next > 0
            self._fail_next -= failing
            mode, released = self._mode, self._release
        if mode == "hang" and not failing:
            released.wait(self.hang_limit)
            mode = "ok" if self._mode == "hang" and self.hang_answers else self._mode
            if mode == "hang" or not self.is_running():
                handler.close_connection = True
                return  # no answer at all: the client sees the connection close
        if failing or mode == "error":
            self._send(handler, 500, self.error_payload(500))
        elif mode == "rate_limit":
            self._send(handler, 429, self.error_payload(429), {"Retry-After": str(self.retry_after)})
        else:
            self._send(handler, *self.respond(request))

    def _send(self, handler, status: int, payload, headers: dict | None = None) -> None:
        data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        try:
            handler.send_response(status)
            headers = {"Content-Type": "application/json", **self.extra_headers(), **(headers or {})}
            handler.send_header("Content-Length", str(len(data)))
            for name, value in headers.items():
                handler.send_header(name, value)
            handler.end_headers()
            handler.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up first (its timeout during "hang")

    def respond(self, request: Request) -> tuple:
        """Return (status, payload) or (status, payload, headers); payload dict or bytes."""
        raise NotImplementedError

    def error_payload(self, status: int) -> dict:
        return {"error": {"message": f"fake failure {status}"}}

    def extra_headers(self) -> dict[str, str]:
        return {}

    def wait_for_requests(self, n: int, timeout: float = 10.0) -> list[Request]:
        """Wait (bounded) until at least n requests arrived; returns them."""
        with self._cond:
            if not self._cond.wait_for(lambda: len(self._requests) >= n, timeout):
                raise TimeoutError(f"{type(self).__name__}: {len(self._requests)} of {n} requests")
            return list(self._requests)
