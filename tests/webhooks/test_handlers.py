"""Each handled event type, duplicates, redelivery limits and out-of-order arrival."""
from __future__ import annotations

import pytest

from app.extensions import db
from app.models import OperatorAlert
from tests.webhooks.helpers import (appeal_row, deliver, event_for, make_appeal, open_session,
                                    outbox, stripe_events)
from testkit.fakes.stripe_objects import fixture, make_event


def _paid_session(stripe_app, fake_stripe, **appeal_values):
    public_id = make_appeal(stripe_app, **appeal_values)
    session_id = open_session(stripe_app, fake_stripe, public_id)
    intent_id, charge_id = fake_stripe.pay_session(session_id)
    return public_id, session_id, intent_id, charge_id


@pytest.mark.both_databases
def test_completed_marks_paid_and_queues_one_receipt(stripe_app, fake_stripe, stripe_client):
    public_id, session_id, intent_id, _ = _paid_session(stripe_app, fake_stripe)
    event = event_for(fake_stripe, "checkout.session.completed", session_id)

    response = deliver(stripe_client, event)

    assert response.status_code == 200 and response.get_json()["outcome"] == "processed"
    row = appeal_row(stripe_app, public_id)
    assert row["status"] == "paid" and row["payment_intent"] == intent_id
    assert row["price_cents"] == 989 and row["currency"] == "usd" and row["paid_at"] is not None
    receipts = outbox(stripe_app, "receipt")
    assert [r.idempotency_key for r in receipts] == [f"receipt:{row['id']}"]
    assert receipts[0].recipient == "driver@example.com"
    assert fake_stripe.count("GET", f"/v1/checkout/sessions/{session_id}") == 1
    recorded = stripe_events(stripe_app)[event["id"]]
    assert recorded.outcome == "processed" and recorded.processed_at is not None


@pytest.mark.both_databases
def test_duplicate_delivery_changes_nothing(stripe_app, fake_stripe, stripe_client):
    public_id, session_id, _, _ = _paid_session(stripe_app, fake_stripe)
    event = event_for(fake_stripe, "checkout.session.completed", session_id)
    assert deliver(stripe_client, event).get_json()["outcome"] == "processed"
    gets = fake_stripe.count("GET", "/v1/")

    again = deliver(stripe_client, event)

    assert again.status_code == 200 and again.get_json()["outcome"] == "duplicate"
    assert fake_stripe.count("GET", "/v1/") == gets  # not even re-read
    assert len(outbox(stripe_app, "receipt")) == 1
    recorded = stripe_events(stripe_app)[event["id"]]
    assert recorded.delivery_count == 2 and recorded.outcome == "processed"


@pytest.mark.both_databases
def test_deliveries_beyond_ten_are_acknowledged_and_ignored(stripe_app, fake_stripe, stripe_client):
    _, session_id, _, _ = _paid_session(stripe_app, fake_stripe)
    event = event_for(fake_stripe, "checkout.session.completed", session_id)
    outcomes = [deliver(stripe_client, event).get_json()["outcome"] for _ in range(12)]
    assert outcomes == ["processed"] + ["duplicate"] * 9 + ["ignored"] * 2
    assert stripe_events(stripe_app)[event["id"]].delivery_count == 12
    assert len(outbox(stripe_app, "receipt")) == 1


def test_stale_payload_is_checked_against_stripe(stripe_app, fake_stripe, stripe_client):
    """A completed event whose session is not paid on Stripe (payload forged or stale) pays nothing."""
    public_id = make_appeal(stripe_app)
    session_id = open_session(stripe_app, fake_stripe, public_id)
    event = event_for(fake_stripe, "checkout.session.completed", session_id)
    event["data"]["object"].update(payment_status="paid", status="complete")  # the payload lies

    assert deliver(stripe_client, event).get_json()["outcome"] == "ignored"
    assert appeal_row(stripe_app, public_id)["status"] == "awaiting_payment"
    assert outbox(stripe_app) == []


def test_async_payment_succeeded_marks_paid(stripe_app, fake_stripe, stripe_client):
    public_id, session_id, _, _ = _paid_session(stripe_app, fake_stripe)
    event = event_for(fake_stripe, "checkout.session.async_payment_succeeded", session_id)
    assert deliver(stripe_client, event).get_json()["outcome"] == "processed"
    assert appeal_row(stripe_app, public_id)["status"] == "paid"


def test_completed_then_async_succeeded_pays_once(stripe_app, fake_stripe, stripe_client):
    public_id, session_id, _, _ = _paid_session(stripe_app, fake_stripe)
    for kind in ("checkout.session.completed", "checkout.session.async_payment_succeeded"):
        assert deliver(stripe_client, event_for(fake_stripe, kind, session_id)).status_code == 200
    assert appeal_row(stripe_app, public_id)["status"] == "paid"
    assert len(outbox(stripe_app, "receipt")) == 1


def test_async_payment_failed_marks_payment_failed(stripe_app, fake_stripe, stripe_client):
    public_id = make_appeal(stripe_app)
    session_id = open_session(stripe_app, fake_stripe, public_id)
    fake_stripe.fail_intent(session_id)
    event = event_for(fake_stripe, "checkout.session.async_payment_failed", session_id)

    assert deliver(stripe_client, event).get_json()["outcome"] == "processed"
    assert appeal_row(stripe_app, public_id)["status"] == "payment_failed"
    assert len(outbox(stripe_app, "payment_failed")) == 1


def test_payment_intent_failed_marks_payment_failed(stripe_app, fake_stripe, stripe_client):
    public_id = make_appeal(stripe_app)
    session_id = open_session(stripe_app, fake_stripe, public_id)
    intent_id = fake_stripe.fail_intent(session_id)
    event = event_for(fake_stripe, "payment_intent.payment_failed", intent_id)

    assert deliver(stripe_client, event).get_json()["outcome"] == "processed"
    assert appeal_row(stripe_app, public_id)["status"] == "payment_failed"
    [message] = outbox(stripe_app, "payment_failed")
    assert message.recipient == "driver@example.com"


def test_failure_then_success_ends_paid(stripe_app, fake_stripe, stripe_client):
    public_id = make_appeal(stripe_app)
    session_id = open_session(stripe_app, fake_stripe, public_id)
    failed_intent = fake_stripe.fail_intent(session_id)
    deliver(stripe_client, event_for(fake_stripe, "payment_intent.payment_failed", failed_intent))
    fake_stripe.pay_session(session_id)
    deliver(stripe_client, event_for(fake_stripe, "checkout.session.completed", session_id))
    assert appeal_row(stripe_app, public_id)["status"] == "paid"


def test_stale_payment_failure_after_success_is_ignored(stripe_app, fake_stripe, stripe_client):
    public_id, session_id, intent_id, _ = _paid_session(stripe_app, fake_stripe)
    stale = make_event("payment_intent.payment_failed",
                       dict(fake_stripe.get(intent_id), status="requires_payment_method"))
    assert deliver(stripe_client, stale).get_json()["outcome"] == "ignored"
    assert deliver(stripe_client, event_for(fake_stripe, "checkout.session.completed",
                                            session_id)).get_json()["outcome"] == "processed"
    assert appeal_row(stripe_app, public_id)["status"] == "paid"
    assert outbox(stripe_app, "payment_failed") == []


def test_expired_session_goes_back_to_letter_ready(stripe_app, fake_stripe, stripe_client):
    public_id = make_appeal(stripe_app)
    session_id = open_session(stripe_app, fake_stripe, public_id)
    fake_stripe.expire_session(session_id)
    event = event_for(fake_stripe, "checkout.session.expired", session_id)
    assert deliver(stripe_client, event).get_json()["outcome"] == "processed"
    assert appeal_row(stripe_app, public_id)["status"] == "letter_ready"


def test_expired_session_of_a_paid_appeal_changes_nothing(stripe_app, fake_stripe, stripe_client):
    public_id, session_id, _, _ = _paid_session(stripe_app, fake_stripe)
    deliver(stripe_client, event_for(fake_stripe, "checkout.session.completed", session_id))
    stale = make_event("checkout.session.expired", dict(fake_stripe.get(session_id), status="expired"))
    assert deliver(stripe_client, stale).get_json()["outcome"] == "ignored"
    assert appeal_row(stripe_app, public_id)["status"] == "paid"


def test_refund_after_payment_ends_refunded(stripe_app, fake_stripe, stripe_client):
    public_id, session_id, _, charge_id = _paid_session(stripe_app, fake_stripe)
    deliver(stripe_client, event_for(fake_stripe, "checkout.session.completed", session_id))
    fake_stripe.refund_charge(charge_id)

    response = deliver(stripe_client, event_for(fake_stripe, "charge.refunded", charge_id))

    assert response.get_json()["outcome"] == "processed"
    assert appeal_row(stripe_app, public_id)["status"] == "refunded"
    assert len(outbox(stripe_app, "refunded")) == 1


@pytest.mark.both_databases
def test_refund_before_completion_ends_refunded(stripe_app, fake_stripe, stripe_client):
    """charge.refunded overtakes checkout.session.completed: the appeal ends refunded."""
    public_id, session_id, intent_id, charge_id = _paid_session(stripe_app, fake_stripe)
    completed = event_for(fake_stripe, "checkout.session.completed", session_id)
    fake_stripe.refund_charge(charge_id)

    refund = deliver(stripe_client, event_for(fake_stripe, "charge.refunded", charge_id))
    assert refund.get_json()["outcome"] == "processed"
    row = appeal_row(stripe_app, public_id)
    assert row["status"] == "refunded" and row["payment_intent"] == intent_id

    late = deliver(stripe_client, completed)
    assert late.status_code == 200 and late.get_json()["outcome"] == "refused"
    assert appeal_row(stripe_app, public_id)["status"] == "refunded"
    assert stripe_events(stripe_app)[completed["id"]].outcome == "refused"
    assert outbox(stripe_app, "receipt") == []
    assert len(outbox(stripe_app, "refunded")) == 1


def test_partial_refund_before_mailing_keeps_the_appeal_paid(stripe_app, fake_stripe, stripe_client):
    public_id, session_id, _, charge_id = _paid_session(stripe_app, fake_stripe)
    deliver(stripe_client, event_for(fake_stripe, "checkout.session.completed", session_id))
    fake_stripe.refund_charge(charge_id, amount=100)
    assert deliver(stripe_client, event_for(fake_stripe, "charge.refunded",
                                            charge_id)).get_json()["outcome"] == "ignored"
    assert appeal_row(stripe_app, public_id)["status"] == "paid"


@pytest.mark.both_databases
def test_illegal_transition_is_refused_and_recorded(stripe_app, fake_stripe, stripe_client):
    """A payment for an appeal whose letter changed since checkout: refused, operators told."""
    public_id, session_id, intent_id, _ = _paid_session(stripe_app, fake_stripe, status="letter_ready")
    event = event_for(fake_stripe, "checkout.session.completed", session_id)

    response = deliver(stripe_client, event)

    assert response.status_code == 200 and response.get_json()["outcome"] == "refused"
    assert appeal_row(stripe_app, public_id)["status"] == "letter_ready"
    assert stripe_events(stripe_app)[event["id"]].outcome == "refused"
    with stripe_app.app_context():
        keys = db.session.execute(db.select(OperatorAlert.key)).scalars().all()
    assert f"payment-refused:{intent_id}" in keys


def test_dispute_raises_an_operator_alert(stripe_app, fake_stripe, stripe_client):
    public_id, session_id, intent_id, charge_id = _paid_session(stripe_app, fake_stripe)
    deliver(stripe_client, event_for(fake_stripe, "checkout.session.completed", session_id))
    dispute = fixture("dispute")
    dispute.update(charge=charge_id, payment_intent=intent_id)

    response = deliver(stripe_client, make_event("charge.dispute.created", dispute))

    assert response.get_json()["outcome"] == "processed"
    with stripe_app.app_context():
        alert = db.session.execute(db.select(OperatorAlert).filter_by(
            key=f"dispute:{dispute['id']}")).scalar_one()
        assert public_id in alert.message
    assert appeal_row(stripe_app, public_id)["status"] == "paid"


def test_unhandled_types_are_recorded_and_acknowledged(stripe_app, stripe_client):
    event = fixture("event")  # a plan.created event, as published
    response = deliver(stripe_client, event)
    assert response.status_code == 200 and response.get_json()["outcome"] == "ignored"
    assert stripe_events(stripe_app)[event["id"]].outcome == "ignored"


def test_event_for_an_unknown_appeal_is_ignored(stripe_app, fake_stripe, stripe_client):
    session = fake_stripe.add_session(metadata={"appeal_id": "no-such-appeal"})
    fake_stripe.pay_session(session["id"])
    event = event_for(fake_stripe, "checkout.session.completed", session["id"])
    assert deliver(stripe_client, event).get_json()["outcome"] == "ignored"


def _webhook_counter(client, event_type: str, outcome: str) -> float:
    text = client.get("/metrics").get_data(as_text=True)
    for line in text.splitlines():
        if (line.startswith("fct_webhook_events_total{") and f'type="{event_type}"' in line
                and f'outcome="{outcome}"' in line):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_events_are_counted_by_type_and_outcome(stripe_app, fake_stripe, stripe_client):
    kind = "checkout.session.completed"
    before = {o: _webhook_counter(stripe_client, kind, o) for o in ("processed", "duplicate")}
    rejected_before = _webhook_counter(stripe_client, "unknown", "invalid_signature")
    _, session_id, _, _ = _paid_session(stripe_app, fake_stripe)
    event = event_for(fake_stripe, kind, session_id)
    deliver(stripe_client, event)
    deliver(stripe_client, event)
    deliver(stripe_client, event, secret="whsec_wrong")
    assert _webhook_counter(stripe_client, kind, "processed") == before["processed"] + 1
    assert _webhook_counter(stripe_client, kind, "duplicate") == before["duplicate"] + 1
    assert _webhook_counter(stripe_client, "unknown", "invalid_signature") == rejected_before + 1
