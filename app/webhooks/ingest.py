"""Taking in one verified Stripe event, exactly once (§8).

The signed endpoint and the demo checkout both call `ingest`. In order:
1. An event id already recorded is a redelivery: its delivery count goes up in one atomic
   UPDATE and nothing else changes (beyond 10 deliveries it is counted as ignored).
2. The handler reads the object's current state from the payments gateway, with no
   database transaction open while Stripe answers.
3. One transaction inserts the event's unique row, applies the change (appeal, outbox)
   and commits. The unique insert decides which of several concurrent deliveries
   processes it; the others roll back and count as duplicates.
4. A handling failure (Stripe down, a bug) records the event as failed plus a
   failed_webhooks row in one transaction: still acknowledged, retried by our job.
The database being down propagates, so the endpoint answers 503 and Stripe retries.
"""
from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from app.database import DATABASE_DOWN
from app.extensions import db
from app.integrations.payments import PaymentsGateway, payments_gateway
from app.models import StripeEvent
from app.models.base import utcnow
from app.webhooks import failures
from app.webhooks.handlers import Outcome, handler_for
from app.webhooks.processing import finish, insert_event, report_failure

MAX_DELIVERIES = 10


def ingest(event: dict, gateway: PaymentsGateway | None = None) -> str:
    """Record and handle one verified event; returns its outcome for this delivery."""
    gateway = gateway or payments_gateway()
    seen = db.session.execute(
        select(StripeEvent.id).where(StripeEvent.event_id == event["id"])).first()
    db.session.commit()  # end the read: no transaction stays open during the Stripe calls
    if seen is not None:
        return _redelivered(event)

    handler = handler_for(event["type"])
    if handler is None:
        return _record_only(event, Outcome.IGNORED, "event type not handled")
    try:
        facts = handler.fetch(event, gateway)
    except DATABASE_DOWN:
        raise
    except Exception as exc:  # Stripe down, breaker open, or a bug: we own the retry
        return _record_failure(event, exc)
    db.session.commit()  # the demo gateway reads the database; start the write afresh

    try:
        row = insert_event(event)
    except IntegrityError:
        db.session.rollback()  # another delivery of this event got there first
        return _redelivered(event)
    try:
        result = handler.apply(event, facts)
        row.outcome, row.processed_at = result.outcome, utcnow()
        db.session.commit()
    except DATABASE_DOWN:
        db.session.rollback()
        raise
    except Exception as exc:
        db.session.rollback()
        return _record_failure(event, exc)
    return finish(event, result.outcome, result.note, result.alerts)


def _redelivered(event: dict) -> str:
    deliveries = db.session.execute(
        update(StripeEvent).where(StripeEvent.event_id == event["id"])
        .values(delivery_count=StripeEvent.delivery_count + 1)
        .returning(StripeEvent.delivery_count)
        .execution_options(synchronize_session=False)).scalar_one_or_none()
    db.session.commit()
    if deliveries is not None and deliveries > MAX_DELIVERIES:
        return finish(event, Outcome.IGNORED, f"delivery {deliveries}, beyond {MAX_DELIVERIES}")
    return finish(event, Outcome.DUPLICATE, f"delivery {deliveries}")


def _record_only(event: dict, outcome: str, note: str) -> str:
    try:
        insert_event(event, outcome=outcome)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return _redelivered(event)
    return finish(event, outcome, note)


def _record_failure(event: dict, exc: BaseException) -> str:
    error = report_failure(event, exc)
    try:
        insert_event(event, outcome=Outcome.FAILED)
    except IntegrityError:
        db.session.rollback()
        return _redelivered(event)
    failures.add(event, error)
    db.session.commit()
    return finish(event, Outcome.FAILED, error)
