"""A letter's tracking state from Lob's events, delivered over HTTP: late, repeated and
shuffled events never move it backwards; delivered and returned tell the driver once."""
from __future__ import annotations

import itertools

import pytest

from tests.fulfilment.lob_tracking import (LOB_ENV, alerts, emails_to, letter_state, lob_event,
                                           mailed_letter, post_event)

FORWARD = ["letter.in_transit", "letter.in_local_area", "letter.processed_for_delivery",
           "letter.delivered"]


@pytest.fixture
def lob_app(app_factory):
    return app_factory(RATELIMIT_WEBHOOK="10000/minute", **LOB_ENV)


@pytest.fixture
def client(lob_app):
    return lob_app.test_client()


def _deliver(client, letter, types):
    for minutes, event_type in types:
        response = post_event(client, lob_event(event_type, letter["lob"], minutes=minutes))
        assert response.status_code == 200, response.get_data(as_text=True)


@pytest.mark.parametrize("order", list(itertools.permutations(range(4)))[::5])
def test_any_arrival_order_ends_delivered(lob_app, client, order):
    letter = mailed_letter(lob_app)
    _deliver(client, letter, [(i, FORWARD[i]) for i in order])
    state = letter_state(lob_app, letter["letter_id"])
    assert state["tracking"] == "delivered" and state["appeal"] == "delivered"
    assert sorted(state["events"]) == sorted(FORWARD)


def test_an_earlier_state_arriving_late_does_not_move_it_back(lob_app, client):
    letter = mailed_letter(lob_app)
    _deliver(client, letter, [(2, "letter.processed_for_delivery"), (0, "letter.in_transit")])
    assert letter_state(lob_app, letter["letter_id"])["tracking"] == "processed_for_delivery"


def test_a_re_routing_is_in_the_timeline_without_moving_the_state(lob_app, client):
    letter = mailed_letter(lob_app)
    _deliver(client, letter, [(0, "letter.in_local_area"), (1, "letter.re-routed")])
    state = letter_state(lob_app, letter["letter_id"])
    assert state["tracking"] == "in_local_area"
    assert state["events"] == ["letter.in_local_area", "letter.re-routed"]
    _deliver(client, letter, [(2, "letter.in_transit"), (3, "letter.delivered")])
    assert letter_state(lob_app, letter["letter_id"])["tracking"] == "delivered"


def test_delivered_tells_the_driver_once_whatever_repeats(lob_app, client):
    letter = mailed_letter(lob_app, email="dana@example.com")
    before = emails_to(lob_app, "dana@example.com")
    delivered = lob_event("letter.delivered", letter["lob"], minutes=5)
    for _ in range(3):
        assert post_event(client, delivered).status_code == 200
    # a second, distinct delivered event (Lob's certified tracking reports it too)
    _deliver(client, letter, [(6, "letter.certified.delivered"), (1, "letter.in_transit")])
    new = emails_to(lob_app, "dana@example.com")[len(before):]
    assert len(new) == 1, new


def test_returned_to_sender_is_final_alerts_operators_and_tells_the_driver(lob_app, client):
    letter = mailed_letter(lob_app, email="lee@example.com")
    _deliver(client, letter, [(0, "letter.in_transit"), (3, "letter.returned_to_sender")])
    state = letter_state(lob_app, letter["letter_id"])
    assert state["tracking"] == "returned_to_sender" and state["appeal"] == "returned"
    assert any(key.startswith("letter_returned:") for key in alerts(lob_app))
    told = emails_to(lob_app, "lee@example.com")
    assert len(told) == 1
    # nothing follows a return: a late "delivered" or "in local area" is only recorded
    _deliver(client, letter, [(1, "letter.in_local_area"), (4, "letter.delivered")])
    state = letter_state(lob_app, letter["letter_id"])
    assert state["tracking"] == "returned_to_sender" and state["appeal"] == "returned"
    assert len(state["events"]) == 4 and emails_to(lob_app, "lee@example.com") == told


def test_a_return_after_delivery_still_wins_on_the_letter(lob_app, client):
    letter = mailed_letter(lob_app)
    _deliver(client, letter, [(0, "letter.delivered"), (9, "letter.returned_to_sender")])
    state = letter_state(lob_app, letter["letter_id"])
    assert state["tracking"] == "returned_to_sender" and state["appeal"] == "returned"


@pytest.mark.postgres
def test_certified_events_move_the_same_state_on_postgresql(lob_app, client):
    letter = mailed_letter(lob_app, mail_class="certified")
    _deliver(client, letter, [(0, "letter.certified.mailed"), (2, "letter.certified.in_local_area"),
                              (3, "letter.certified.pickup_available"),
                              (1, "letter.certified.in_transit")])
    state = letter_state(lob_app, letter["letter_id"])
    assert state["tracking"] == "in_local_area" and len(state["events"]) == 4
