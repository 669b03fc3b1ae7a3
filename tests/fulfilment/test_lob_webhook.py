"""POST /webhooks/lob: only genuine, fresh, well-formed Lob deliveries are recorded, once."""
from __future__ import annotations

import json
import time

import pytest

from testkit.fakes.lob_events import event_body, lob_webhook_headers
from tests.fulfilment.lob_tracking import (LOB_ENV, LOB_SECRET, lob_event, letter_state,
                                           mailed_letter, post_event)


@pytest.fixture
def lob_app(app_factory):
    return app_factory(**LOB_ENV)


@pytest.fixture
def client(lob_app):
    return lob_app.test_client()


def _assert_refused(response, app, letter, status=400):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["detail"]
    assert "Traceback" not in response.get_data(as_text=True)
    assert letter_state(app, letter["letter_id"])["events"] == []


@pytest.mark.both_databases
def test_a_signed_event_is_recorded_once_and_a_redelivery_changes_nothing(lob_app, client):
    letter = mailed_letter(lob_app)
    event = lob_event("letter.in_transit", letter["lob"])
    first = post_event(client, event)
    assert first.status_code == 200 and first.get_json()["outcome"] == "recorded"
    again = post_event(client, event)
    assert again.status_code == 200 and again.get_json()["outcome"] == "duplicate"
    state = letter_state(lob_app, letter["letter_id"])
    assert state["events"] == ["letter.in_transit"] and state["tracking"] == "in_transit"
    assert state["event_ids"] == [event["id"]]


# Non-ASCII once reached hmac.compare_digest as str, which raises: a 500 instead of a 400.
@pytest.mark.parametrize("forged", ["0" * 64, "é" * 64], ids=["hex", "non-ascii"])
def test_a_forged_signature_is_refused(lob_app, client, forged):
    letter = mailed_letter(lob_app)
    body = event_body(lob_event("letter.delivered", letter["lob"]))
    headers = lob_webhook_headers(body, LOB_SECRET)
    headers["Lob-Signature"] = forged
    _assert_refused(client.post("/webhooks/lob", data=body, headers=headers), lob_app, letter)


def test_a_signature_made_with_another_secret_is_refused(lob_app, client):
    letter = mailed_letter(lob_app)
    response = post_event(client, lob_event("letter.delivered", letter["lob"]), secret="someone-else")
    _assert_refused(response, lob_app, letter)


def test_a_signature_replayed_on_another_body_is_refused(lob_app, client):
    letter = mailed_letter(lob_app)
    signed = event_body(lob_event("letter.in_transit", letter["lob"]))
    headers = lob_webhook_headers(signed, LOB_SECRET)
    other = event_body(lob_event("letter.returned_to_sender", letter["lob"]))
    _assert_refused(client.post("/webhooks/lob", data=other, headers=headers), lob_app, letter)


@pytest.mark.parametrize("age_s", [301, 3600, -3600])
def test_a_stale_or_far_future_timestamp_is_refused_even_when_signed(lob_app, client, age_s):
    letter = mailed_letter(lob_app)
    stamp = int((time.time() - age_s) * 1000)
    response = post_event(client, lob_event("letter.delivered", letter["lob"]), timestamp=stamp)
    _assert_refused(response, lob_app, letter)


def test_a_fresh_timestamp_in_seconds_is_accepted(lob_app, client):
    letter = mailed_letter(lob_app)
    response = post_event(client, lob_event("letter.in_transit", letter["lob"]),
                          timestamp=int(time.time()))
    assert response.status_code == 200


@pytest.mark.parametrize("drop", ["Lob-Signature", "Lob-Signature-Timestamp"])
def test_missing_signature_headers_are_refused(lob_app, client, drop):
    letter = mailed_letter(lob_app)
    body = event_body(lob_event("letter.delivered", letter["lob"]))
    headers = lob_webhook_headers(body, LOB_SECRET)
    del headers[drop]
    _assert_refused(client.post("/webhooks/lob", data=body, headers=headers), lob_app, letter)


def test_a_timestamp_that_is_not_a_number_is_refused(lob_app, client):
    letter = mailed_letter(lob_app)
    body = event_body(lob_event("letter.delivered", letter["lob"]))
    _assert_refused(post_event(client, {}, timestamp="yesterday", body=body), lob_app, letter)


@pytest.mark.parametrize("body", [b"not json at all", b"[1, 2]", b'{"id": "evt_1"}',
                                  b'{"id": "evt_1", "event_type": {"id": "letter.delivered"}, "body": []}',
                                  b'{"id": 5, "event_type": {"id": "letter.delivered"}, "body": {"id": "ltr_1"}}',
                                  b"[" * 5000 + b"]" * 5000])
def test_a_signed_body_that_is_not_a_lob_event_is_a_plain_400(lob_app, client, body):
    letter = mailed_letter(lob_app)
    _assert_refused(post_event(client, {}, body=body), lob_app, letter)


def test_an_oversized_body_is_413_before_it_is_read(lob_app, client):
    letter = mailed_letter(lob_app)
    event = lob_event("letter.delivered", letter["lob"])
    event["body"]["description"] = "x" * (300 * 1024)
    _assert_refused(post_event(client, event), lob_app, letter, status=413)


def test_without_a_webhook_secret_nothing_is_accepted(app_factory):
    app = app_factory()
    letter = mailed_letter(app)
    response = post_event(app.test_client(), lob_event("letter.delivered", letter["lob"]))
    _assert_refused(response, app, letter)


def test_an_event_for_a_letter_we_do_not_know_is_acknowledged(lob_app, client):
    letter = mailed_letter(lob_app)
    stranger = dict(letter["lob"], id="ltr_not_one_of_ours")
    response = post_event(client, lob_event("letter.delivered", stranger))
    assert response.status_code == 200 and response.get_json()["outcome"] == "unknown_letter"
    assert letter_state(lob_app, letter["letter_id"])["tracking"] is None


@pytest.mark.parametrize("event_type", ["letter.viewed", "letter.rendered_pdf", "letter.created",
                                        "letter.certified.issue"])
def test_other_event_types_are_recorded_without_moving_the_state(lob_app, client, event_type):
    letter = mailed_letter(lob_app)
    response = post_event(client, lob_event(event_type, letter["lob"]))
    assert response.status_code == 200 and response.get_json()["outcome"] == "recorded"
    state = letter_state(lob_app, letter["letter_id"])
    assert state["events"] == [event_type] and state["tracking"] is None
    assert state["appeal"] == "mailed"


def test_the_database_down_answers_503_so_lob_redelivers(app_factory, tmp_path):
    app = app_factory(DATABASE_URL=f"sqlite:///{tmp_path / 'missing' / 'nowhere.db'}", **LOB_ENV)
    event = lob_event("letter.delivered", {"id": "ltr_0123456789", "tracking_events": []})
    response = post_event(app.test_client(), event)
    assert response.status_code == 503
    assert response.mimetype == "application/problem+json"
    assert int(response.headers["Retry-After"]) > 0
    assert "Traceback" not in response.get_data(as_text=True)


def test_the_webhook_limit_applies_per_address(app_factory):
    app = app_factory(RATELIMIT_WEBHOOK="3/minute", **LOB_ENV)
    letter = mailed_letter(app)
    client = app.test_client()
    codes = [post_event(client, lob_event("letter.in_transit", letter["lob"])).status_code
             for _ in range(4)]
    assert codes == [200, 200, 200, 429]


def test_a_certified_letters_tracking_number_is_kept(lob_app, client):
    letter = mailed_letter(lob_app, mail_class="certified")
    lob = dict(letter["lob"], tracking_number="9407111899223197428490")
    assert post_event(client, lob_event("letter.certified.in_transit", lob)).status_code == 200
    state = letter_state(lob_app, letter["letter_id"])
    assert state["tracking"] == "in_transit" and state["tracking_number"] == "9407111899223197428490"


def test_the_answer_names_the_event(lob_app, client):
    letter = mailed_letter(lob_app)
    event = lob_event("letter.in_local_area", letter["lob"])
    answer = json.loads(post_event(client, event).get_data())
    assert answer == {"received": True, "event_id": event["id"], "outcome": "recorded"}
