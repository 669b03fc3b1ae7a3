"""A local Sentry ingest endpoint, so tests can see what sentry-sdk really sends.

sentry-sdk posts envelopes to `POST /api/<project>/envelope/` (gzip-compressed by default,
brotli when the brotli module is installed) and older clients post JSON events to
`/api/<project>/store/`. This sink decompresses, parses the envelope format (a JSON header
line, then items: a JSON item header line and a payload, `length` bytes long when the
header says so, else up to the next newline) and keeps the event payloads. Modes and
stop/start come from FakeHTTPServer; only answers given in mode "ok" are kept.

    sink = SentrySink().start()
    client = sentry_sdk.Client(dsn=sink.dsn())
    ...; client.flush(); sink.events()
"""
from __future__ import annotations

import gzip
import json
import re
import zlib

from testkit.fakes.http_base import FakeHTTPServer, Request

try:
    import brotli
except ImportError:  # sentry-sdk only uses br when brotli is installed
    brotli = None

ROUTE = re.compile(r"^/api/(?P<project>\d+)/(?P<kind>envelope|store)/?$")


def decompress(body: bytes, encoding: str | None) -> bytes:
    encoding = (encoding or "").lower()
    if encoding == "gzip":
        return gzip.decompress(body)
    if encoding == "deflate":
        return zlib.decompress(body)
    if encoding == "br":
        if brotli is None:
            raise ValueError("brotli-compressed envelope but the brotli module is not installed")
        return brotli.decompress(body)
    return body


def parse_envelope(data: bytes) -> tuple[dict, list[tuple[dict, bytes]]]:
    """(envelope header, [(item header, payload bytes), ...])."""
    header_line, _, rest = data.partition(b"\n")
    items = []
    while rest.strip():
        item_line, _, rest = rest.partition(b"\n")
        if not item_line.strip():
            continue
        item_header = json.loads(item_line)
        length = item_header.get("length")
        if length is None:
            payload, _, rest = rest.partition(b"\n")
        else:
            payload, rest = rest[:length], rest[length:]
            rest = rest[1:] if rest.startswith(b"\n") else rest
        items.append((item_header, payload))
    return json.loads(header_line or b"{}"), items


class SentrySink(FakeHTTPServer):
    def __init__(self, port: int = 0):
        super().__init__(port)
        self._envelopes: list[tuple[dict, list[tuple[dict, bytes]]]] = []

    def dsn(self, project_id: int = 1) -> str:
        return f"http://public@127.0.0.1:{self.port}/{project_id}"

    def respond(self, request: Request) -> tuple:
        match = ROUTE.match(request.route)
        if request.method != "POST" or not match:
            return 404, {"detail": "not found"}
        try:
            body = decompress(request.body, request.headers.get("content-encoding"))
            if match["kind"] == "store":
                event = json.loads(body)
                envelope = ({"event_id": event.get("event_id")},
                            [({"type": "event"}, json.dumps(event).encode())])
            else:
                envelope = parse_envelope(body)
        except (ValueError, OSError) as exc:  # bad compression or JSON: Sentry answers 400
            return 400, {"detail": f"invalid payload: {exc}"}
        with self._cond:
            self._envelopes.append(envelope)
            self._cond.notify_all()
        return 200, {"id": envelope[0].get("event_id")}

    def envelopes(self) -> list[tuple[dict, list[tuple[dict, bytes]]]]:
        with self._cond:
            return list(self._envelopes)

    def items(self, item_type: str | None = None) -> list[tuple[dict, bytes]]:
        return [(h, p) for _, items in self.envelopes() for h, p in items
                if item_type is None or h.get("type") == item_type]

    def events(self) -> list[dict]:
        """The error/message events received, as dicts, oldest first."""
        return [json.loads(payload) for _, payload in self.items("event")]

    def wait_for_events(self, n: int, timeout: float = 10.0) -> list[dict]:
        """Wait (bounded) until at least n events arrived."""
        def count() -> int:
            return sum(h.get("type") == "event" for _, items in self._envelopes for h, _ in items)

        with self._cond:
            if not self._cond.wait_for(lambda: count() >= n, timeout):
                raise TimeoutError(f"SentrySink: {count()} of {n} events")
        return self.events()
