"""A payment counts only for the checkout session, amount, currency, mail class and letter
version the appeal expects now (§8): the driver's pages start the checkouts, the local
Stripe server holds the sessions and takes the money, and the app hears of it through
genuinely signed webhooks. Whatever is refused leaves the appeal as it was, is recorded as
the event's outcome and raised to operators to refund, once per payment."""
from __future__ import annotations

import pytest

from app.extensions import db
from app.models import Appeal, OperatorAlert
from tests.appeals.conftest import NO_LIMITS, ready_to_pay, token_for
from tests.webhooks.helpers import (STRIPE_ENV, appeal_row, deliver, event_for, outbox,
                                    stripe_events)

ADDRESS = "1 Market St\nSan Francisco, CA 94105"


@pytest.fixture
def shop(app_factory, fake_stripe):
    app = app_factory(STRIPE_API_BASE=fake_stripe.url, **STRIPE_ENV, **NO_LIMITS)
    return app, app.test_client()


def checkout(client, public_id: str, mail_class: str) -> str:
    """The driver's checkout form; returns the Stripe session it redirected to."""
    url = f"/appeals/{public_id}/checkout"
    response = client.post(url, data={"csrf_token": token_for(client, url), "mail_class": mail_class,
                                      "return_address": ADDRESS})
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    return response.headers["Location"].rsplit("/", 1)[1]


def complete(client, fake_stripe, session_id: str) -> tuple[dict, str, str]:
    """The driver pays the session on Stripe; Stripe tells us. Returns (answer, intent, charge)."""
    intent_id, charge_id = fake_stripe.pay_session(session_id)
    event = event_for(fake_stripe, "checkout.session.completed", session_id)
    response = deliver(client, event)
    assert response.status_code == 200
    return {"outcome": response.get_json()["outcome"], "event_id": event["id"]}, intent_id, charge_id


def alerts(app) -> dict[str, str]:
    with app.app_context():
        return dict(db.session.execute(db.select(OperatorAlert.key, OperatorAlert.message)).all())


def appeal_now(app, public_id: str) -> dict:
    row = appeal_row(app, public_id)
    with app.app_context():
        row["mail_class"] = db.session.execute(
            db.select(Appeal.mail_class).filter_by(public_id=public_id)).scalar_one()
    return row


@pytest.mark.both_databases
def test_the_older_standard_session_paid_after_choosing_certified_is_refused(shop, fake_stripe):
    app, client = shop
    public_id = ready_to_pay(client)
    standard = checkout(client, public_id, "standard")
    certified = checkout(client, public_id, "certified")
    assert standard != certified

    answer, intent_id, _ = complete(client, fake_stripe, standard)

    assert answer["outcome"] == "refused"
    row = appeal_now(app, public_id)
    assert row["status"] == "awaiting_payment" and row["payment_intent"] is None
    assert (row["mail_class"], row["price_cents"], row["session"]) == ("certified", 1989, certified)
    assert stripe_events(app)[answer["event_id"]].outcome == "refused"
    assert outbox(app, "receipt") == []
    message = alerts(app)[f"payment-refused:{intent_id}"]
    assert public_id in message and "Refund the payment in Stripe" in message and "9.89 USD" in message

    # The session the appeal expects still pays it, at the certified price.
    answer, intent_id, _ = complete(client, fake_stripe, certified)
    assert answer["outcome"] == "processed"
    row = appeal_now(app, public_id)
    assert (row["status"], row["mail_class"], row["price_cents"]) == ("paid", "certified", 1989)
    assert row["payment_intent"] == intent_id and len(outbox(app, "receipt")) == 1


@pytest.mark.parametrize("change, reason", [
    ({"amount_total": 100}, "amount 100 where 989"),
    ({"currency": "eur"}, "currency eur where usd"),
    ({"metadata": "certified"}, "certified mail where standard"),
])
def test_a_session_that_does_not_match_the_appeal_is_refused(shop, fake_stripe, change, reason):
    """What Stripe says about the current session disagrees with what the appeal expects."""
    app, client = shop
    public_id = ready_to_pay(client)
    session_id = checkout(client, public_id, "standard")
    if change.get("metadata"):
        change = {"metadata": dict(fake_stripe.get(session_id)["metadata"], mail_class="certified")}
    fake_stripe.edit(session_id, **change)

    answer, intent_id, _ = complete(client, fake_stripe, session_id)

    assert answer["outcome"] == "refused"
    row = appeal_now(app, public_id)
    assert (row["status"], row["mail_class"], row["price_cents"], row["currency"]) == \
        ("awaiting_payment", "standard", 989, "usd")
    assert reason in alerts(app)[f"payment-refused:{intent_id}"]


def test_a_session_made_for_another_appeal_pays_neither(shop, fake_stripe):
    app, client = shop
    mine, other = ready_to_pay(client), ready_to_pay(client)
    my_session, other_session = checkout(client, mine, "standard"), checkout(client, other, "standard")
    # A session whose metadata points at the other appeal (same price, mail class and version).
    stray = fake_stripe.add_session(metadata=dict(fake_stripe.get(other_session)["metadata"]))["id"]
    answer, stray_intent, _ = complete(client, fake_stripe, stray)
    # And the first appeal's own session, its metadata pointing elsewhere.
    fake_stripe.edit(my_session, metadata={"appeal_id": other, "letter_version": "1",
                                           "mail_class": "standard"})
    second, my_intent, _ = complete(client, fake_stripe, my_session)

    assert answer["outcome"] == second["outcome"] == "refused"
    for public_id, session_id in ((mine, my_session), (other, other_session)):
        row = appeal_now(app, public_id)
        assert row["status"] == "awaiting_payment" and row["session"] == session_id
        assert row["payment_intent"] is None
    assert {f"payment-refused:{stray_intent}", f"payment-refused:{my_intent}"} <= set(alerts(app))


@pytest.mark.both_databases
def test_payments_after_the_appeal_is_paid_change_nothing_and_each_is_raised(shop, fake_stripe):
    app, client = shop
    public_id = ready_to_pay(client)
    standard = checkout(client, public_id, "standard")
    certified = checkout(client, public_id, "certified")
    assert complete(client, fake_stripe, certified)[0]["outcome"] == "processed"
    paid = appeal_now(app, public_id)

    late, late_intent, _ = complete(client, fake_stripe, standard)
    again = fake_stripe.add_session(metadata=dict(fake_stripe.get(certified)["metadata"]),
                                    amount_total=1989)["id"]
    third, third_intent, _ = complete(client, fake_stripe, again)

    assert late["outcome"] == third["outcome"] == "refused"
    row = appeal_now(app, public_id)
    assert (row["status"], row["mail_class"], row["price_cents"]) == ("paid", "certified", 1989)
    assert row["payment_intent"] == paid["payment_intent"] and row["paid_at"] == paid["paid_at"]
    raised = alerts(app)  # one alert per payment, not one per appeal
    assert "already paid" in raised[f"payment-refused:{late_intent}"]
    assert "already paid" in raised[f"payment-refused:{third_intent}"]
    assert len(outbox(app, "receipt")) == 1


def test_refunding_the_refused_payment_leaves_the_paid_appeal_paid(shop, fake_stripe):
    app, client = shop
    public_id = ready_to_pay(client)
    standard = checkout(client, public_id, "standard")
    certified = checkout(client, public_id, "certified")
    complete(client, fake_stripe, certified)
    _, _, refused_charge = complete(client, fake_stripe, standard)
    fake_stripe.refund_charge(refused_charge)  # the operator refunds it, as the alert asked

    answer = deliver(client, event_for(fake_stripe, "charge.refunded", refused_charge))

    assert answer.get_json()["outcome"] == "ignored"
    assert appeal_now(app, public_id)["status"] == "paid"
    assert outbox(app, "refunded") == []


def test_refund_of_an_older_session_before_any_completion_leaves_the_appeal_waiting(shop, fake_stripe):
    """The refund overtakes the completion, but it is for a session the appeal no longer expects."""
    app, client = shop
    public_id = ready_to_pay(client)
    standard = checkout(client, public_id, "standard")
    checkout(client, public_id, "certified")
    _, refused_charge = fake_stripe.pay_session(standard)
    fake_stripe.refund_charge(refused_charge)

    answer = deliver(client, event_for(fake_stripe, "charge.refunded", refused_charge))

    assert answer.get_json()["outcome"] == "ignored"
    row = appeal_now(app, public_id)
    assert row["status"] == "awaiting_payment" and row["payment_intent"] is None


def test_a_declined_card_on_an_abandoned_session_does_not_fail_the_current_one(shop, fake_stripe):
    app, client = shop
    public_id = ready_to_pay(client)
    standard = checkout(client, public_id, "standard")
    checkout(client, public_id, "certified")
    declined = fake_stripe.fail_intent(standard)

    for event in (event_for(fake_stripe, "payment_intent.payment_failed", declined),
                  event_for(fake_stripe, "checkout.session.async_payment_failed", standard)):
        assert deliver(client, event).get_json()["outcome"] == "ignored"
    assert appeal_now(app, public_id)["status"] == "awaiting_payment"
    assert outbox(app, "payment_failed") == []
