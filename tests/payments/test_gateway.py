"""The payments gateway against the local Stripe server: ids-only metadata, idempotency
keys, retries of transient failures, timeouts and the `stripe` breaker."""
from __future__ import annotations

import re
import time

import pytest

from app.extensions import db
from app.integrations.payments import (DemoPaymentGateway, PaymentsRejected, PaymentsUnavailable,
                                       StripeGateway)
from app.models import Appeal
from tests.webhooks.helpers import appeal_row, make_appeal

URLS = dict(success_url="http://localhost/appeals/x/success", cancel_url="http://localhost/x")


def _create(app, public_id: str, mail_class: str = "standard", gateway=None):
    with app.test_request_context():
        appeal = db.session.execute(db.select(Appeal).filter_by(public_id=public_id)).scalar_one()
        return (gateway or app.extensions["payments"]).create_checkout_session(
            appeal, mail_class=mail_class, amount_cents=989, currency="usd", **URLS)


def test_provider_is_chosen_from_the_keys(app, stripe_app):
    assert isinstance(app.extensions["payments"], DemoPaymentGateway)
    assert isinstance(stripe_app.extensions["payments"], StripeGateway)


def test_checkout_session_carries_ids_only_and_an_idempotency_key(stripe_app, fake_stripe):
    public_id = make_appeal(stripe_app, driver_name="Jane Driver", return_address="1 Main St")
    session = _create(stripe_app, public_id)

    assert session.url.startswith("https://checkout.stripe.com/") and session.id.startswith("cs_")
    [request] = [r for r in fake_stripe.requests if r.method == "POST"]
    assert request.headers["idempotency-key"] == f"checkout:{public_id}:v1:standard"
    assert request.headers["authorization"] == "Bearer sk_test_x"
    for personal in ("driver%40example.com", "driver@example.com", "Jane", "Main"):
        assert personal not in request.body.decode()
    expected = {"appeal_id": public_id, "letter_version": "1", "mail_class": "standard"}
    stored = fake_stripe.get(session.id)
    assert stored["metadata"] == expected and fake_stripe.intent_metadata(session.id) == expected
    assert stored["amount_total"] == 989


def test_same_key_gives_the_same_session_and_mail_class_changes_it(stripe_app, fake_stripe):
    public_id = make_appeal(stripe_app)
    first, again = _create(stripe_app, public_id), _create(stripe_app, public_id)
    certified = _create(stripe_app, public_id, mail_class="certified")
    assert first.id == again.id and certified.id != first.id


def test_transient_failures_are_retried_with_the_same_key(stripe_app, fake_stripe):
    public_id = make_appeal(stripe_app)
    fake_stripe.fail_next(2)
    session = _create(stripe_app, public_id)
    posts = [r for r in fake_stripe.requests if r.method == "POST"]
    assert len(posts) == 3 and session.id
    assert {p.headers["idempotency-key"] for p in posts} == {f"checkout:{public_id}:v1:standard"}
    assert stripe_app.extensions["breakers"].snapshot("stripe")["failures"] == 0


def test_retrieve_calls_return_plain_dicts(stripe_app, fake_stripe):
    session = fake_stripe.add_session(metadata={"appeal_id": "a1"})
    intent_id, charge_id = fake_stripe.pay_session(session["id"])
    gateway = stripe_app.extensions["payments"]
    with stripe_app.app_context():
        got = gateway.retrieve_checkout_session(session["id"])
        intent = gateway.retrieve_payment_intent(intent_id)
        charge = gateway.retrieve_charge(charge_id)
    assert type(got) is dict and got["payment_status"] == "paid"
    assert got["metadata"] == {"appeal_id": "a1"}
    assert type(intent) is dict and intent["status"] == "succeeded"
    assert type(charge) is dict and charge["payment_intent"] == intent_id
    assert type(charge["refunds"]) is dict  # nested objects are dicts too


def test_missing_objects_are_refused_without_opening_the_breaker(stripe_app, fake_stripe):
    with stripe_app.app_context():
        for _ in range(5):
            with pytest.raises(PaymentsRejected, match="No such charge"):
                stripe_app.extensions["payments"].retrieve_charge("ch_missing")
    assert fake_stripe.count("GET", "/v1/charges/ch_missing") == 5  # 4xx is not retried
    assert stripe_app.extensions["breakers"].snapshot("stripe")["state"] == "closed"


def test_breaker_opens_after_three_failures_and_checkout_fails_at_once(stripe_app, fake_stripe):
    public_id = make_appeal(stripe_app)
    fake_stripe.mode = "error"
    for _ in range(3):
        with pytest.raises(PaymentsUnavailable):
            _create(stripe_app, public_id)
    assert fake_stripe.count("POST", "/v1/checkout/sessions") == 12  # 1 try + 3 retries, 3 times
    assert stripe_app.extensions["breakers"].snapshot("stripe")["state"] == "open"

    started = time.perf_counter()
    with pytest.raises(PaymentsUnavailable) as raised:
        _create(stripe_app, public_id)
    assert time.perf_counter() - started < 0.1
    assert raised.value.circuit_open
    assert fake_stripe.count("POST", "/v1/checkout/sessions") == 12  # Stripe not even asked


def test_every_call_has_a_timeout(stripe_app, fake_stripe):
    fake_stripe.mode, fake_stripe.hang_s = "hang", 3.0
    gateway = StripeGateway("sk_test_x", fake_stripe.url, timeout=(1.0, 0.3))
    started = time.perf_counter()
    with stripe_app.app_context(), pytest.raises(PaymentsUnavailable):
        gateway.retrieve_charge("ch_slow")
    # four tries of 0.3 s plus about 0.7 s of backoff, far less than the server's 3 s a try
    assert time.perf_counter() - started < 3.0


def _hidden(html: str, name: str) -> str:
    tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', html).group(0)
    return re.search(r'value="([^"]*)"', tag).group(1)


def test_checkout_page_redirects_to_stripe(stripe_app, fake_stripe, stripe_client):
    public_id = make_appeal(stripe_app, status="letter_ready", signature_name="Jane Driver")
    page = stripe_client.get(f"/appeals/{public_id}/checkout")
    response = stripe_client.post(f"/appeals/{public_id}/checkout", data={
        "csrf_token": _hidden(page.get_data(as_text=True), "csrf_token"), "mail_class": "standard",
        "return_address": "1 Main St, San Francisco CA 94103"})
    assert response.status_code == 303
    row = appeal_row(stripe_app, public_id)
    assert response.headers["Location"] == f"https://checkout.stripe.com/c/pay/{row['session']}"
    assert row["status"] == "awaiting_payment"


def test_checkout_page_says_payments_are_unavailable_when_stripe_is_down(stripe_app, fake_stripe,
                                                                         stripe_client):
    public_id = make_appeal(stripe_app, status="letter_ready", signature_name="Jane Driver")
    fake_stripe.stop()
    page = stripe_client.get(f"/appeals/{public_id}/checkout")
    response = stripe_client.post(f"/appeals/{public_id}/checkout", data={
        "csrf_token": _hidden(page.get_data(as_text=True), "csrf_token"), "mail_class": "standard",
        "return_address": "1 Main St, San Francisco CA 94103"})
    assert response.status_code == 503
    assert "your appeal is saved" in response.get_data(as_text=True)
    assert appeal_row(stripe_app, public_id)["status"] == "awaiting_payment"
