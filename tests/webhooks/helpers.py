"""Helpers for the webhook and payments tests: appeals, Stripe-side sessions, deliveries."""
from __future__ import annotations

import json
import time
from datetime import timedelta

from sqlalchemy import update

from app.extensions import db
from app.jobs.runner import run_job
from app.models import Appeal, EmailOutbox, FailedWebhook, StripeEvent
from app.models.base import utcnow
from testkit.fakes.stripe_api import StripeAPIServer
from testkit.appeals import make_appeal  # noqa: F401  (the webhook tests use it from here)
from testkit.fakes.stripe_objects import make_event, sign_event

SECRET = "whsec_test"
STRIPE_ENV = dict(STRIPE_SECRET_KEY="sk_test_x", STRIPE_PUBLISHABLE_KEY="pk_test_x",
                  STRIPE_WEBHOOK_SECRET=SECRET)


def open_session(app, fake: StripeAPIServer, public_id: str) -> str:
    """A Checkout Session on the Stripe side for the appeal, recorded on it as checkout does."""
    session = fake.add_session(metadata={"appeal_id": public_id, "letter_version": "1",
                                         "mail_class": "standard"})
    with app.app_context():
        appeal = db.session.execute(db.select(Appeal).filter_by(public_id=public_id)).scalar_one()
        appeal.stripe_checkout_session_id = session["id"]
        db.session.commit()
    return session["id"]


def body_and_header(event: dict, secret: str = SECRET, timestamp: int | None = None):
    body = json.dumps(event)
    return body, sign_event(body, secret, timestamp)


def deliver(client, event: dict, secret: str = SECRET, timestamp: int | None = None):
    body, signature = body_and_header(event, secret, timestamp)
    return client.post("/webhooks/stripe", data=body,
                       headers={"Stripe-Signature": signature, "Content-Type": "application/json"})


def event_for(fake: StripeAPIServer, event_type: str, object_id: str, event_id: str | None = None) -> dict:
    """An event carrying the object as Stripe holds it now."""
    return make_event(event_type, fake.get(object_id), event_id)


def appeal_row(app, public_id: str) -> dict:
    with app.app_context():
        a = db.session.execute(db.select(Appeal).filter_by(public_id=public_id)).scalar_one()
        return {"status": a.status, "payment_intent": a.stripe_payment_intent_id,
                "session": a.stripe_checkout_session_id, "price_cents": a.price_cents,
                "currency": a.currency, "paid_at": a.paid_at, "id": a.id}


def outbox(app, template: str | None = None) -> list[EmailOutbox]:
    with app.app_context():
        query = db.select(EmailOutbox)
        if template:
            query = query.filter_by(template=template)
        rows = db.session.execute(query).scalars().all()
        db.session.expunge_all()
        return rows


def stripe_events(app) -> dict[str, StripeEvent]:
    with app.app_context():
        rows = db.session.execute(db.select(StripeEvent)).scalars().all()
        db.session.expunge_all()
        return {r.event_id: r for r in rows}


def failed_webhooks(app) -> dict[str, FailedWebhook]:
    with app.app_context():
        rows = db.session.execute(db.select(FailedWebhook)).scalars().all()
        db.session.expunge_all()
        return {r.event_id: r for r in rows}


def make_due(app) -> None:
    """Time passing: every pending retry is due now."""
    with app.app_context():
        db.session.execute(update(FailedWebhook).values(next_attempt_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()


def retry_until_settled(app, deadline_s: float = 20.0) -> int:
    """Run the real webhook_retry job until nothing is pending; returns how many runs it took.

    An open stripe breaker (1 s reset in these tests) makes a run wait, so this polls.
    """
    deadline, runs = time.monotonic() + deadline_s, 0
    while time.monotonic() < deadline:
        make_due(app)
        assert run_job(app, "webhook_retry") == "ok"
        runs += 1
        if not [r for r in failed_webhooks(app).values() if r.status == "pending"]:
            return runs
        time.sleep(0.2)
    raise AssertionError("failed webhooks still pending after the deadline")
