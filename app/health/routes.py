"""Liveness, readiness, detailed health and Prometheus metrics (§11).

The probes and /metrics are never rate limited. /health/detailed answers anyone with
statuses only, from a cache of PUBLIC_CACHE_S seconds and under the `health_detailed` limit
(so it cannot be used to load the database); with HEALTH_TOKEN or an operator session it
shows everything, fresh and unlimited.
"""
from __future__ import annotations

import hmac
import json
import time
from functools import lru_cache

import pybreaker
from flask import Blueprint, Response, abort, current_app, jsonify, request
from sqlalchemy.exc import SQLAlchemyError

from app.config import current_settings
from app.extensions import db
from app.health import checks
from app.health.gauges import refresh_gauges
from app.observability.metrics import exposition
from app.operators.sessions import current_operator
from app.resilience.cache import get_cache
from app.resilience.limits import limited, limiter

bp = Blueprint("health", __name__)
STARTED = time.time()
HEALTH_JSON = "application/health+json"
IETF_STATUS = {"healthy": "pass", "degraded": "warn", "outage": "fail"}
PUBLIC_CACHE_S = 2
LOOPBACK = ("127.0.0.1", "::1")


def _bearer_ok(expected: str) -> bool:
    header = request.headers.get("Authorization", "")
    # As bytes: compare_digest refuses str with non-ASCII characters (a 500 for a junk header).
    return bool(expected) and hmac.compare_digest(header.encode(), f"Bearer {expected}".encode())


def _authorized() -> bool:
    """HEALTH_TOKEN, or a live operator session (none when the database cannot say)."""
    if _bearer_ok(current_settings().health_token):
        return True
    try:
        return current_operator() is not None
    except (SQLAlchemyError, pybreaker.CircuitBreakerError):
        db.session.rollback()
        return False


@bp.get("/health")
@bp.get("/healthz")
@limiter.exempt
def liveness():
    return Response(_liveness_body(round(time.time() - STARTED, 1)), mimetype="application/json")


@lru_cache(maxsize=1)
def _liveness_body(uptime_s: float) -> str:
    """The liveness answer, serialised once per tenth of a second of uptime (what jsonify
    would write: sorted keys, compact) rather than on every probe."""
    return json.dumps({"status": "healthy", "service": "fight-city-tickets", "uptime_s": uptime_s},
                      sort_keys=True, separators=(",", ":")) + "\n"


@bp.get("/health/ready")
@limiter.exempt
def readiness():
    database = checks._timed(checks.check_database)
    redis = checks._timed(checks.check_redis)
    ready = database["status"] == "pass"
    body = {"status": "ready" if ready else "not_ready",
            "checks": {"database": {"status": database["status"]},
                       "redis": {"status": redis["status"]}}}
    return jsonify(body), 200 if ready else 503


@bp.get("/health/detailed")
@bp.get("/health/full")
@limited("health_detailed", exempt_when=_authorized)
def detailed():
    if _authorized():
        overall, report = checks.detailed_report(show_details=True)
    else:
        cache = get_cache(current_app.extensions, "health_public", PUBLIC_CACHE_S, maxsize=1)
        overall, report = cache.get_or_load(
            "report", lambda: checks.detailed_report(show_details=False))
    status_code = 503 if overall == "outage" else 200
    if HEALTH_JSON in request.headers.get("Accept", ""):
        body = {"status": IETF_STATUS[overall], "serviceId": "fight-city-tickets",
                "description": f"Fight City Tickets is {overall}",
                "checks": {f"{name}:status": [_ietf(c)] for name, c in report.items()}}
        response = jsonify(body)
        response.mimetype = HEALTH_JSON
        return response, status_code
    return jsonify(status=overall, checks=report), status_code


def _ietf(check: dict) -> dict:
    item = {"status": check["status"]}
    if "time_ms" in check:
        item.update(observedValue=check["time_ms"], observedUnit="ms")
    if "error" in check:
        item["output"] = check["error"]
    return item


@bp.get("/metrics")
@limiter.exempt
def metrics():
    settings = current_settings()
    if settings.metrics_token:
        if not _bearer_ok(settings.metrics_token):
            abort(401, description="A metrics token is required.")
    elif not _from_loopback():
        abort(403, description="Metrics are only served on loopback without METRICS_TOKEN.")
    refresh_gauges()
    payload, content_type = exposition()
    return Response(payload, content_type=content_type)


def _from_loopback() -> bool:
    """Both the socket peer and the client it reports are loopback. Behind ProxyFix,
    request.remote_addr comes from X-Forwarded-For, which anyone reaching the app directly
    can write; the peer is what ProxyFix replaced, kept in werkzeug.proxy_fix.orig."""
    original = request.environ.get("werkzeug.proxy_fix.orig") or request.environ
    return original.get("REMOTE_ADDR") in LOOPBACK and request.remote_addr in LOOPBACK
