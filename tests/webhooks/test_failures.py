"""Handling failures: kept in failed_webhooks, still acknowledged, retried by the real job,
dead after three failed attempts with one operator alert, replayed or resolved by operators."""
from __future__ import annotations

import pytest

from app.extensions import db
from app.jobs.runner import run_job
from app.models import JobRun, OperatorAlert
from app.webhooks.cli import webhooks_cli
from tests.webhooks.helpers import (appeal_row, deliver, event_for, failed_webhooks, make_appeal,
                                    make_due, open_session, outbox, retry_until_settled,
                                    stripe_events)
from testkit.fakes.stripe_objects import make_event


def _paid(stripe_app, fake_stripe):
    public_id = make_appeal(stripe_app)
    session_id = open_session(stripe_app, fake_stripe, public_id)
    fake_stripe.pay_session(session_id)
    return public_id, event_for(fake_stripe, "checkout.session.completed", session_id)


def test_stripe_down_keeps_the_event_and_acknowledges_it(stripe_app, fake_stripe, stripe_client):
    public_id, event = _paid(stripe_app, fake_stripe)
    fake_stripe.mode = "error"

    response = deliver(stripe_client, event)

    assert response.status_code == 200 and response.get_json()["outcome"] == "failed"
    row = failed_webhooks(stripe_app)[event["id"]]
    assert row.status == "pending" and row.attempts == 1 and row.type == event["type"]
    assert "PaymentsUnavailable" in row.last_error and row.payload["id"] == event["id"]
    assert row.next_attempt_at is not None
    assert stripe_events(stripe_app)[event["id"]].outcome == "failed"
    assert appeal_row(stripe_app, public_id)["status"] == "awaiting_payment"
    # Stripe delivering it again changes nothing: the retry is ours now.
    assert deliver(stripe_client, event).get_json()["outcome"] == "duplicate"
    assert len(failed_webhooks(stripe_app)) == 1


@pytest.mark.both_databases
def test_retry_job_succeeds_once_stripe_is_back(stripe_app, fake_stripe, stripe_client):
    public_id, event = _paid(stripe_app, fake_stripe)
    fake_stripe.stop()
    assert deliver(stripe_client, event).get_json()["outcome"] == "failed"
    fake_stripe.start()

    assert run_job(stripe_app, "webhook_retry") == "ok"  # not due yet: nothing happens
    assert failed_webhooks(stripe_app)[event["id"]].status == "pending"
    retry_until_settled(stripe_app)

    assert failed_webhooks(stripe_app)[event["id"]].status == "resolved"
    assert appeal_row(stripe_app, public_id)["status"] == "paid"
    assert stripe_events(stripe_app)[event["id"]].outcome == "processed"
    assert len(outbox(stripe_app, "receipt")) == 1
    with stripe_app.app_context():
        run = db.session.get(JobRun, "webhook_retry")
        assert run.last_outcome == "ok" and "processed" in run.last_summary


@pytest.mark.both_databases
def test_backoff_grows_and_three_failures_make_it_dead_with_one_alert(stripe_app, fake_stripe,
                                                                      stripe_client):
    """Stripe answers 404 for the session (it refuses, it is not down): the breaker stays
    closed, so every retry is a real attempt."""
    session = fake_stripe.add_session(metadata={"appeal_id": make_appeal(stripe_app)})
    first = make_event("checkout.session.completed", dict(session, id="cs_test_gone1"))
    second = make_event("checkout.session.completed", dict(session, id="cs_test_gone2"))
    for event in (first, second):
        assert deliver(stripe_client, event).get_json()["outcome"] == "failed"
    row = failed_webhooks(stripe_app)[first["id"]]
    first_delay = row.next_attempt_at - row.created_at

    make_due(stripe_app)
    run_job(stripe_app, "webhook_retry")
    row = failed_webhooks(stripe_app)[first["id"]]
    assert row.attempts == 2 and row.status == "pending"
    assert row.next_attempt_at - row.updated_at > first_delay  # exponential backoff

    make_due(stripe_app)
    run_job(stripe_app, "webhook_retry")
    rows = failed_webhooks(stripe_app)
    assert {r.status for r in rows.values()} == {"dead"}
    assert all(r.attempts == 3 and r.alerted_at is not None for r in rows.values())
    with stripe_app.app_context():
        alerts = db.session.execute(db.select(OperatorAlert)).scalars().all()
        dead_alerts = [a for a in alerts if a.key == "webhooks-dead"]
        assert len(dead_alerts) == 1 and dead_alerts[0].count == 1
        assert first["id"] in dead_alerts[0].message and second["id"] in dead_alerts[0].message
        assert stripe_app.extensions["breakers"].snapshot("stripe")["state"] == "closed"

    make_due(stripe_app)
    run_job(stripe_app, "webhook_retry")  # dead rows are left for operators
    assert all(r.attempts == 3 for r in failed_webhooks(stripe_app).values())


def test_open_breaker_does_not_use_up_attempts(stripe_app, fake_stripe, stripe_client):
    events = [_paid(stripe_app, fake_stripe)[1] for _ in range(4)]
    fake_stripe.mode = "error"
    for event in events:
        assert deliver(stripe_client, event).get_json()["outcome"] == "failed"
    assert stripe_app.extensions["breakers"].snapshot("stripe")["state"] == "open"

    make_due(stripe_app)
    run_job(stripe_app, "webhook_retry")  # within the 1 s reset: nothing is attempted
    assert all(r.attempts == 1 and r.status == "pending" for r in failed_webhooks(stripe_app).values())

    fake_stripe.mode = "ok"
    retry_until_settled(stripe_app)
    assert {r.status for r in failed_webhooks(stripe_app).values()} == {"resolved"}


@pytest.mark.both_databases
def test_cli_replay_and_resolve(stripe_app, fake_stripe, stripe_client):
    if "webhooks" not in stripe_app.cli.commands:  # the lead registers it in create_app
        stripe_app.cli.add_command(webhooks_cli)
    runner = stripe_app.test_cli_runner()
    public_id, event = _paid(stripe_app, fake_stripe)
    _, other = _paid(stripe_app, fake_stripe)
    fake_stripe.mode = "error"
    deliver(stripe_client, event)
    deliver(stripe_client, other)

    listed = runner.invoke(args=["webhooks", "list", "--status", "pending"])
    assert event["id"] in listed.output and other["id"] in listed.output

    still_down = runner.invoke(args=["webhooks", "replay", event["id"]])
    assert still_down.exit_code == 1 and "failed" in still_down.output

    fake_stripe.mode = "ok"
    stripe_app.extensions["breakers"].reset("stripe")
    replayed = runner.invoke(args=["webhooks", "replay", event["id"]])
    assert replayed.exit_code == 0, replayed.output
    assert f"{event['id']}: processed" in replayed.output
    assert appeal_row(stripe_app, public_id)["status"] == "paid"
    again = runner.invoke(args=["webhooks", "replay", event["id"]])
    assert "already resolved" in again.output
    assert len(outbox(stripe_app, "receipt")) == 1

    resolved = runner.invoke(args=["webhooks", "resolve", other["id"]])
    assert resolved.exit_code == 0 and failed_webhooks(stripe_app)[other["id"]].status == "resolved"

    unknown = runner.invoke(args=["webhooks", "replay", "evt_nope"])
    assert unknown.exit_code != 0 and "no failed webhook" in unknown.output


def test_database_down_answers_503_so_stripe_retries(app_factory, fake_stripe, tmp_path):
    app = app_factory(DATABASE_URL=f"sqlite:///{tmp_path / 'missing' / 'nowhere.db'}",
                      STRIPE_API_BASE=fake_stripe.url, STRIPE_SECRET_KEY="sk_test_x",
                      STRIPE_PUBLISHABLE_KEY="pk_test_x", STRIPE_WEBHOOK_SECRET="whsec_test")
    session = fake_stripe.add_session(metadata={"appeal_id": "abc"})
    response = deliver(app.test_client(), make_event("checkout.session.completed", session))
    assert response.status_code == 503
    assert response.mimetype == "application/problem+json"
    assert int(response.headers["Retry-After"]) > 0
    assert "Traceback" not in response.get_data(as_text=True)
