"""Only genuine, well-formed Stripe deliveries are recorded; everything else is a plain 4xx."""
from __future__ import annotations

import json
import time

import pytest

from tests.webhooks.helpers import (SECRET, body_and_header, failed_webhooks, make_appeal,
                                    open_session, stripe_events)
from testkit.fakes.stripe_objects import make_event, sign_event


def _event(stripe_app, fake_stripe) -> dict:
    public_id = make_appeal(stripe_app)
    session_id = open_session(stripe_app, fake_stripe, public_id)
    fake_stripe.pay_session(session_id)
    return make_event("checkout.session.completed", fake_stripe.get(session_id))


def _assert_refused(response, stripe_app, status=400):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == status and body["detail"]
    assert "Traceback" not in response.get_data(as_text=True)
    assert stripe_events(stripe_app) == {}
    assert failed_webhooks(stripe_app) == {}


def _post(client, body, signature=None):
    headers = {"Content-Type": "application/json"}
    if signature is not None:
        headers["Stripe-Signature"] = signature
    return client.post("/webhooks/stripe", data=body, headers=headers)


@pytest.mark.both_databases
def test_forged_signature_is_refused(stripe_app, fake_stripe, stripe_client):
    body, _ = body_and_header(_event(stripe_app, fake_stripe))
    forged = f"t={int(time.time())},v1={'0' * 64}"
    _assert_refused(_post(stripe_client, body, forged), stripe_app)


def test_wrong_secret_is_refused(stripe_app, fake_stripe, stripe_client):
    body, signature = body_and_header(_event(stripe_app, fake_stripe), secret="whsec_someone_else")
    _assert_refused(_post(stripe_client, body, signature), stripe_app)


@pytest.mark.parametrize("age_s", [301, 3600, -3600])
def test_timestamp_outside_tolerance_is_refused(stripe_app, fake_stripe, stripe_client, age_s):
    body, signature = body_and_header(_event(stripe_app, fake_stripe),
                                      timestamp=int(time.time()) - age_s)
    response = _post(stripe_client, body, signature)
    if age_s < 0:
        # Stripe's SDK only bounds the age; a future timestamp with a valid MAC is genuine.
        assert response.status_code == 200
        return
    _assert_refused(response, stripe_app)


def test_signature_replayed_with_another_body_is_refused(stripe_app, fake_stripe, stripe_client):
    event = _event(stripe_app, fake_stripe)
    _, signature = body_and_header(event)
    tampered = dict(event, id="evt_tampered_000001")
    _assert_refused(_post(stripe_client, json.dumps(tampered), signature), stripe_app)


def test_missing_signature_header_is_refused(stripe_app, fake_stripe, stripe_client):
    body, _ = body_and_header(_event(stripe_app, fake_stripe))
    _assert_refused(_post(stripe_client, body), stripe_app)


@pytest.mark.parametrize("header", ["", "garbage", "t=abc,v1=zz", "v1=" + "a" * 64, "t=1"])
def test_malformed_signature_headers_are_refused(stripe_app, fake_stripe, stripe_client, header):
    body, _ = body_and_header(_event(stripe_app, fake_stripe))
    _assert_refused(_post(stripe_client, body, header), stripe_app)


def test_empty_body_is_refused(stripe_app, stripe_client):
    _assert_refused(_post(stripe_client, b"", sign_event(b"", SECRET)), stripe_app)


def test_two_megabyte_body_is_refused(stripe_app, stripe_client):
    body = json.dumps({"id": "evt_big", "type": "x", "pad": "a" * (2 * 1024 * 1024)})
    _assert_refused(_post(stripe_client, body, sign_event(body, SECRET)), stripe_app, status=413)


@pytest.mark.parametrize("body", [
    "not json at all", '{"id": ', "[1, 2, 3]", '"evt_1"', "null", '{"id": "evt_x"}',
    '{"id": "x", "type": "a", "data": {}}',
    '{"id": "evt_1", "type": 5, "data": {"object": {"id": "o"}}}',
    '{"id": "evt_1", "type": "charge.refunded", "data": {"object": "ch_1"}}',
])
def test_signed_bodies_that_are_not_events_are_refused(stripe_app, stripe_client, body):
    _assert_refused(_post(stripe_client, body, sign_event(body, SECRET)), stripe_app)


def test_non_utf8_body_is_refused(stripe_app, stripe_client):
    body = b"\xff\xfe\x00garbage"
    _assert_refused(_post(stripe_client, body, "t=1,v1=" + "0" * 64), stripe_app)


def test_genuine_delivery_is_accepted(stripe_app, fake_stripe, stripe_client):
    event = _event(stripe_app, fake_stripe)
    body, signature = body_and_header(event)
    response = _post(stripe_client, body, signature)
    assert response.status_code == 200
    assert response.get_json()["outcome"] == "processed"
    assert set(stripe_events(stripe_app)) == {event["id"]}


def test_no_webhook_secret_means_every_delivery_is_refused(app_factory, fake_stripe):
    demo_app = app_factory()  # no Stripe keys: demo payments, nothing can be verified
    body = json.dumps(make_event("checkout.session.completed", fake_stripe.add_session(metadata={})))
    _assert_refused(_post(demo_app.test_client(), body, sign_event(body, "")), demo_app)


def test_get_is_not_allowed(stripe_client):
    response = stripe_client.get("/webhooks/stripe")
    assert response.status_code == 405
    assert response.mimetype == "application/problem+json"
