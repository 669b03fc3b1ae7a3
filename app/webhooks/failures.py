"""failed_webhooks: events whose handling failed, retried by us rather than by Stripe (§8).

A failed event is retried with exponential backoff by the `webhook_retry` job. Its first
attempt was the delivery itself; after MAX_ATTEMPTS failed attempts it is `dead`, and the
job raises one operator alert for the events that died in that run (alerted_at marks
them). While the stripe breaker is open nothing is attempted and no attempt is counted:
an outage we already know about should not kill events. Operators replay or resolve
events from the admin pages and `flask webhooks replay`.
"""
from __future__ import annotations

from collections import Counter
from datetime import timedelta

from sqlalchemy import select, update

from app.database import DATABASE_DOWN
from app.extensions import db
from app.integrations.payments import PaymentsGateway, PaymentsUnavailable, payments_gateway
from app.models import FailedWebhook, FailedWebhookStatus, StripeEvent
from app.models.base import utcnow
from app.observability.alerts import raise_alert
from app.webhooks.handlers import Outcome, handler_for
from app.webhooks.processing import count, finish, report_failure

F = FailedWebhookStatus
MAX_ATTEMPTS = 3
BACKOFF_BASE_S = 60
BACKOFF_FACTOR = 4  # 1 min after the first failure, 4 min after the second
BATCH = 100
WAITING = "waiting"  # not attempted: the stripe breaker is open
DEAD = "dead"


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=BACKOFF_BASE_S * BACKOFF_FACTOR ** max(0, attempts - 1))


def add(event: dict, error: str) -> FailedWebhook:
    """Queue a failed event for retry, in the caller's transaction."""
    row = FailedWebhook(event_id=event["id"], type=event["type"], payload=event, last_error=error,
                        attempts=1, status=F.PENDING, next_attempt_at=utcnow() + backoff(1))
    db.session.add(row)
    return row


def list_failed(status: str | None = None, limit: int = 200) -> list[FailedWebhook]:
    query = select(FailedWebhook).order_by(FailedWebhook.created_at.desc()).limit(limit)
    if status:
        query = query.where(FailedWebhook.status == status)
    return list(db.session.execute(query).scalars())


def get_failed(event_id: str) -> FailedWebhook | None:
    return db.session.execute(
        select(FailedWebhook).where(FailedWebhook.event_id == event_id)).scalar_one_or_none()


def resolve(event_id: str) -> bool:
    """An operator dealt with it by hand: stop retrying. False if there is no such event."""
    done = db.session.execute(
        update(FailedWebhook).where(FailedWebhook.event_id == event_id)
        .values(status=F.RESOLVED, next_attempt_at=None, updated_at=utcnow())
        .execution_options(synchronize_session=False)).rowcount
    db.session.commit()
    return bool(done)


def replay(event_id: str, gateway: PaymentsGateway | None = None) -> str:
    """Handle a pending or dead event now, whatever its schedule; returns the outcome."""
    outcome = _attempt(event_id, gateway or payments_gateway())
    if outcome == DEAD:
        _alert_dead([event_id])
    return outcome


def retry_due(gateway: PaymentsGateway | None = None) -> str:
    """The webhook_retry job: attempt every pending event whose time has come."""
    gateway = gateway or payments_gateway()
    due = list(db.session.execute(
        select(FailedWebhook.event_id)
        .where(FailedWebhook.status == F.PENDING, FailedWebhook.next_attempt_at <= utcnow())
        .order_by(FailedWebhook.next_attempt_at).limit(BATCH)).scalars())
    db.session.commit()
    tally: Counter = Counter()
    died: list[str] = []
    for event_id in due:
        outcome = _attempt(event_id, gateway, only_pending=True)
        tally[outcome] += 1
        if outcome == DEAD:
            died.append(event_id)
        if outcome == WAITING:
            break  # the breaker is open: the rest would be refused too
    if died:
        _alert_dead(died)
    return ", ".join(f"{n} {outcome}" for outcome, n in sorted(tally.items())) or "nothing due"


def _attempt(event_id: str, gateway: PaymentsGateway, only_pending: bool = False) -> str:
    row = get_failed(event_id)
    if row is None:
        return "not found"
    if row.status == F.RESOLVED or (only_pending and row.status != F.PENDING):
        return "already resolved" if row.status == F.RESOLVED else row.status
    event, handler = row.payload, handler_for(row.type)
    db.session.commit()  # no transaction open while Stripe answers
    facts = None
    if handler is not None:
        try:
            facts = handler.fetch(event, gateway)
        except DATABASE_DOWN:
            raise
        except PaymentsUnavailable as exc:
            if exc.circuit_open:
                return WAITING
            return _failed_again(event, exc)
        except Exception as exc:
            return _failed_again(event, exc)
        db.session.commit()

    # Claim the row with a write first: a concurrent replay of the same event waits here
    # (row lock on PostgreSQL, the write lock on SQLite), then finds it resolved.
    claimed = db.session.execute(
        update(FailedWebhook)
        .where(FailedWebhook.event_id == event_id, FailedWebhook.status != F.RESOLVED)
        .values(updated_at=utcnow()).execution_options(synchronize_session=False)).rowcount
    if not claimed:
        db.session.rollback()
        return "already resolved"
    try:
        result = handler.apply(event, facts) if handler else None
        outcome = result.outcome if result else Outcome.IGNORED
        db.session.execute(
            update(FailedWebhook).where(FailedWebhook.event_id == event_id)
            .values(status=F.RESOLVED, next_attempt_at=None, updated_at=utcnow())
            .execution_options(synchronize_session=False))
        db.session.execute(
            update(StripeEvent).where(StripeEvent.event_id == event_id)
            .values(outcome=outcome, processed_at=utcnow())
            .execution_options(synchronize_session=False))
        db.session.commit()
    except DATABASE_DOWN:
        db.session.rollback()
        raise
    except Exception as exc:
        db.session.rollback()
        return _failed_again(event, exc)
    if result is None:
        return finish(event, outcome, "event type no longer handled")
    return finish(event, outcome, f"on retry: {result.note}", result.alerts)


def _failed_again(event: dict, exc: BaseException) -> str:
    error = report_failure(event, exc)
    db.session.rollback()
    row = get_failed(event["id"])
    now = utcnow()
    row.attempts += 1
    row.last_error = error
    died = False
    if row.status == F.PENDING and row.attempts >= MAX_ATTEMPTS:
        row.status, row.next_attempt_at = F.DEAD, None
        if row.alerted_at is None:
            row.alerted_at, died = now, True
    elif row.status == F.PENDING:
        row.next_attempt_at = now + backoff(row.attempts)
    db.session.commit()
    count(event["type"], Outcome.FAILED)
    return DEAD if died else Outcome.FAILED


def _alert_dead(event_ids: list[str]) -> None:
    shown = ", ".join(event_ids[:20]) + (" …" if len(event_ids) > 20 else "")
    raise_alert("webhooks-dead", f"{len(event_ids)} Stripe webhook event(s) failed "
                                 f"{MAX_ATTEMPTS} times and need an operator: {shown}. "
                                 "Replay or resolve them under Admin → Failed webhooks.",
                severity="error")
