"""Per-request bookkeeping: request id, access log line and request metrics.

Kept cheap because it runs on every request, /health included: the request id comes from
the process's PRNG (`random` reseeds itself in each forked worker) rather than uuid4,
whose os.urandom call releases the GIL mid-request and makes the worker's other threads
fight for it; it is a correlation id, not a secret. Metric children are bound once per
label set instead of looked up by labels() on every request.
"""
from __future__ import annotations

import logging
import random
import re
import time

from flask import Flask, g, request

from app.observability import metrics

log = logging.getLogger("fct.access")
VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")
UNLOGGED_ENDPOINTS = frozenset({"health.metrics"})


def new_request_id() -> str:
    return f"{random.getrandbits(128):032x}"


def current_request_id() -> str | None:
    return getattr(g, "request_id", None)


class BoundRequestMetrics:
    """The request counter and latency histogram children, bound once per label set.

    Bounded: endpoints are the app's endpoint names (or "unmatched"), methods and statuses
    a few each. A race between two threads binding the same child is harmless (labels()
    returns the same child).
    """

    def __init__(self):
        self._counters: dict[tuple[str, str, int], object] = {}
        self._histograms: dict[str, object] = {}

    def record(self, endpoint: str, method: str, status: int, duration_s: float) -> None:
        key = (endpoint, method, status)
        counter = self._counters.get(key)
        if counter is None:
            counter = self._counters[key] = metrics.REQUESTS.labels(
                endpoint=endpoint, method=method, status=str(status))
        counter.inc()
        histogram = self._histograms.get(endpoint)
        if histogram is None:
            histogram = self._histograms[endpoint] = metrics.LATENCY.labels(endpoint=endpoint)
        histogram.observe(duration_s)


def remember_sync_checks(app: Flask) -> None:
    """Flask's ensure_sync asks inspect.iscoroutinefunction about every hook, view and
    teardown on every request (a dozen per request here); the answer never changes for a
    function, so it is asked once per function. The functions are the app's registered
    hooks and views, a fixed set."""
    ask = app.ensure_sync
    answers: dict = {}

    def ensure_sync(func):
        try:
            return answers[func]
        except KeyError:
            answer = answers[func] = ask(func)
            return answer
        except TypeError:  # unhashable: ask every time, as Flask does
            return ask(func)

    app.ensure_sync = ensure_sync  # an instance attribute, the override Flask documents


def init_app(app: Flask) -> None:
    bound = BoundRequestMetrics()
    remember_sync_checks(app)

    @app.before_request
    def _start() -> None:
        incoming = request.headers.get("X-Request-ID", "")
        g.request_id = incoming if VALID_REQUEST_ID.match(incoming) else new_request_id()
        g.started_at = time.perf_counter()

    @app.after_request
    def _finish(response):
        request_id = getattr(g, "request_id", None) or new_request_id()
        headers = response.headers
        headers["X-Request-ID"] = request_id
        headers["X-Correlation-ID"] = request_id
        duration = time.perf_counter() - getattr(g, "started_at", time.perf_counter())
        endpoint = request.endpoint or "unmatched"
        status = response.status_code
        bound.record(endpoint, request.method, status, duration)
        if endpoint not in UNLOGGED_ENDPOINTS and log.isEnabledFor(logging.INFO):
            log.info("request", extra={
                "status": status, "duration_ms": round(duration * 1000, 2),
                "endpoint": endpoint, "city": getattr(g, "city_slug", None),
            })
        return response
