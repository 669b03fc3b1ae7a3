"""Liveness, readiness, detailed health and Prometheus metrics (§11). Never rate limited."""
from __future__ import annotations

import hmac
import time

from flask import Blueprint, Response, abort, current_app, jsonify, request, session

from app.extensions import csrf, limiter
from app.health import checks
from app.health.gauges import refresh_gauges
from app.observability.metrics import exposition

bp = Blueprint("health", __name__)
STARTED = time.time()
HEALTH_JSON = "application/health+json"
IETF_STATUS = {"healthy": "pass", "degraded": "warn", "outage": "fail"}


def _bearer_ok(expected: str) -> bool:
    header = request.headers.get("Authorization", "")
    return bool(expected) and hmac.compare_digest(header, f"Bearer {expected}")


@bp.get("/health")
@bp.get("/healthz")
@limiter.exempt
def liveness():
    return jsonify(status="healthy", service="fight-city-tickets",
                   uptime_s=round(time.time() - STARTED, 1))


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
@limiter.exempt
def detailed():
    settings = current_app.extensions["settings"]
    authorized = _bearer_ok(settings.health_token) or bool(session.get("admin_user_id"))
    overall, report = checks.detailed_report(show_details=authorized)
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
    item = {"status": check["status"], "observedValue": check.get("time_ms"),
            "observedUnit": "ms"}
    if "error" in check:
        item["output"] = check["error"]
    return item


@bp.get("/metrics")
@limiter.exempt
def metrics():
    settings = current_app.extensions["settings"]
    if settings.metrics_token:
        if not _bearer_ok(settings.metrics_token):
            abort(401, description="A metrics token is required.")
    elif request.remote_addr not in ("127.0.0.1", "::1"):
        abort(403, description="Metrics are only served on loopback without METRICS_TOKEN.")
    refresh_gauges()
    payload, content_type = exposition()
    return Response(payload, content_type=content_type)
