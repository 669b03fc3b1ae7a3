"""Gauges read at scrape time: breaker states and outbox depths."""
from __future__ import annotations

from sqlalchemy import func, select

from app.extensions import db
from app.models import EmailOutbox, OutboxStatus
from app.observability import metrics
from app.resilience.breakers import breaker_registry

STATE_VALUES = {"closed": 0, "half_open": 1, "open": 2}


def refresh_gauges() -> None:
    registry = breaker_registry()
    for name in registry.names():
        metrics.BREAKER_STATE.labels(breaker=name).set(STATE_VALUES[registry.snapshot(name)["state"]])
    try:
        counts = dict(db.session.execute(
            select(EmailOutbox.status, func.count()).group_by(EmailOutbox.status)).all())
        db.session.commit()
    except Exception:
        db.session.rollback()
        return  # the database is down: keep the last values
    for status in (OutboxStatus.PENDING, OutboxStatus.DEAD):
        metrics.OUTBOX_MESSAGES.labels(status=status).set(counts.get(status, 0))
