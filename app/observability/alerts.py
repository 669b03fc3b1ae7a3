"""Operator alerts: Sentry (when configured), a row per key, and the sinks create_app registers.

The email feature registers the sink that writes ADMIN_ALERT_EMAIL's message to the outbox;
this module never imports it, because resilience (breakers raise alerts) sits below features.

An outage raises the same alert many times a second; each key notifies at most once per
`DEDUP_WINDOW_S` (claimed in Redis across instances, else per process), so operators get
one alert, not thousands. Raising an alert never raises: it is called from failure paths.
"""
from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from datetime import datetime

import sentry_sdk
from flask import current_app, has_app_context

from app.extensions import db
from app.models import OperatorAlert
from app.models.base import utcnow
from app.observability import metrics

log = logging.getLogger(__name__)

DEDUP_WINDOW_S = 3600
UNREACHABLE = object()
_claims: dict[str, float] = {}  # outside any app
_local_lock = threading.Lock()
RECENT: deque = deque(maxlen=50)  # recent alerts of this process, for the dashboard

# A sink is told of each notified alert inside the transaction that stores its row, and
# answers whether it notified someone: (key, message, severity, details, at) -> bool.
AlertSink = Callable[[str, str, str, dict, datetime], bool]


def register_sink(app, sink: AlertSink) -> None:
    """Called by create_app: `sink` hears every alert this app notifies."""
    app.extensions.setdefault("alert_sinks", []).append(sink)


def _claim(key: str) -> bool:
    """True if this caller is the one to notify for `key` in the current window."""
    store = current_app.extensions.get("shared_store") if has_app_context() else None
    if store is not None and store.configured:
        # SET NX answers None when the key is already claimed: "unreachable" needs its own mark.
        claimed = store.run(lambda r: r.set(f"fct:alert:{key}", "1", nx=True, ex=DEDUP_WINDOW_S),
                            fallback=UNREACHABLE)
        if claimed is not UNREACHABLE:
            return bool(claimed)
    # Per app, not per module: each app (and each test's app) de-duplicates on its own.
    claims = current_app.extensions.setdefault("alert_claims", {}) if has_app_context() else _claims
    now = time.monotonic()
    with _local_lock:
        if now - claims.get(key, -DEDUP_WINDOW_S - 1) < DEDUP_WINDOW_S:
            return False
        claims[key] = now
        return True


def raise_alert(key: str, message: str, severity: str = "error", details: dict | None = None) -> bool:
    """Record and notify an operator alert; returns True if it was notified (not a repeat)."""
    RECENT.appendleft({"key": key, "message": message, "severity": severity, "at": time.time()})
    try:
        first = _claim(key)
    except Exception:  # never let alerting break the failing path further
        log.exception("alert de-duplication failed")
        first = True
    log.log(logging.ERROR if severity == "error" else logging.WARNING, "operator alert",
            extra={"alert_key": key, "alert": message, "notified": first})
    if not first:
        return False
    metrics.ALERTS.labels(kind=key.split(":", 1)[0]).inc()
    with sentry_sdk.new_scope() as scope:
        scope.set_tag("alert_key", key)
        scope.set_context("alert", details or {})
        sentry_sdk.capture_message(message, level="error" if severity == "error" else "warning")
    if has_app_context():
        _persist_and_email(key, message, severity, details or {})
    return True


def _persist_and_email(key: str, message: str, severity: str, details: dict) -> None:
    """Best effort: the database may be the thing that is down.

    In a context of its own, so a fresh session: an alert raised in the middle of a request
    must neither commit nor roll back the request's unfinished work.
    """
    sinks = tuple(current_app.extensions.get("alert_sinks", ()))
    with current_app.app_context():
        _store(key, message, severity, details, sinks)


def _store(key: str, message: str, severity: str, details: dict, sinks: tuple[AlertSink, ...]) -> None:
    try:
        now = utcnow()
        row = db.session.execute(db.select(OperatorAlert).filter_by(key=key)).scalar_one_or_none()
        if row is None:
            row = OperatorAlert(key=key, severity=severity, message=message, count=0,
                                first_at=now, last_at=now)
            db.session.add(row)
        row.count += 1
        row.last_at, row.message, row.severity = now, message, severity
        notified = [sink(key, message, severity, details, now) for sink in sinks]
        if any(notified):
            row.notified_at = now
        db.session.commit()
    except Exception as exc:
        db.session.rollback()
        log.warning("alert not stored (database unavailable?)", extra={"error": str(exc)})


def recent_alerts(limit: int = 20) -> list:
    try:
        return db.session.execute(
            db.select(OperatorAlert).order_by(OperatorAlert.last_at.desc()).limit(limit)
        ).scalars().all()
    except Exception:
        db.session.rollback()
        return list(RECENT)[:limit]
