"""Pieces shared by the webhook path and the retry path: the event record, the log line,
the metrics and the operator alerts raised once a transaction has committed."""
from __future__ import annotations

import logging

import sentry_sdk

from app.extensions import db
from app.models import StripeEvent
from app.models.base import utcnow
from app.observability import metrics
from app.observability.alerts import raise_alert
from app.webhooks.handlers import Alert

log = logging.getLogger("fct.webhooks")

def insert_event(event: dict, outcome: str | None = None) -> StripeEvent:
    """Add the event's idempotency row and flush it: a unique violation raises IntegrityError.

    On PostgreSQL a second transaction inserting the same id waits for the first and then
    fails, so exactly one of several concurrent deliveries gets to process the event.
    """
    now = utcnow()
    row = StripeEvent(event_id=event["id"], type=event["type"], delivery_count=1, outcome=outcome,
                      received_at=now, processed_at=now if outcome else None)
    db.session.add(row)
    db.session.flush()
    return row


def finish(event: dict, outcome: str, note: str = "", alerts: tuple[Alert, ...] = ()) -> str:
    """Log and count a decided event, then raise its alerts (after the commit, never before)."""
    count(event.get("type", "unknown"), outcome)
    level = logging.WARNING if outcome in ("refused", "failed") else logging.INFO
    log.log(level, "stripe event %s", outcome, extra={
        "event_id": event.get("id"), "event_type": event.get("type"), "outcome": outcome,
        "note": note})
    for alert in alerts:
        raise_alert(alert.key, alert.message, alert.severity)
    return outcome


def count(event_type: str, outcome: str) -> None:
    metrics.WEBHOOK_EVENTS.labels(type=event_type, outcome=outcome).inc()


def report_failure(event: dict, exc: BaseException) -> str:
    """Log, count and send a handling failure to Sentry; returns the text kept with the row."""
    error = describe(exc)
    log.warning("stripe event handling failed", extra={
        "event_id": event.get("id"), "event_type": event.get("type"), "error": error})
    with sentry_sdk.new_scope() as scope:
        scope.set_tag("stripe_event_type", event.get("type"))
        scope.set_tag("stripe_event_id", event.get("id"))
        sentry_sdk.capture_exception(exc)
    return error


def describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:2000]
