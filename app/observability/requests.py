"""Per-request bookkeeping: request id, access log line and request metrics."""
from __future__ import annotations

import logging
import re
import time
import uuid

from flask import Flask, g, request

from app.observability import metrics

log = logging.getLogger("fct.access")
VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")


def current_request_id() -> str | None:
    return getattr(g, "request_id", None)


def init_app(app: Flask) -> None:
    @app.before_request
    def _start() -> None:
        incoming = request.headers.get("X-Request-ID", "")
        g.request_id = incoming if VALID_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        g.started_at = time.perf_counter()

    @app.after_request
    def _finish(response):
        request_id = getattr(g, "request_id", None) or uuid.uuid4().hex
        response.headers["X-Request-ID"] = request_id
        response.headers["X-Correlation-ID"] = request_id
        duration = time.perf_counter() - getattr(g, "started_at", time.perf_counter())
        endpoint = request.endpoint or "unmatched"
        metrics.REQUESTS.labels(endpoint=endpoint, method=request.method,
                                status=str(response.status_code)).inc()
        metrics.LATENCY.labels(endpoint=endpoint).observe(duration)
        if endpoint not in ("health.metrics",):
            log.info("request", extra={
                "status": response.status_code, "duration_ms": round(duration * 1000, 2),
                "endpoint": endpoint, "city": getattr(g, "city_slug", None),
            })
        return response
