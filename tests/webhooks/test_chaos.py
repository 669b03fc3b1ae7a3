"""200 genuinely signed deliveries, 30% duplicates, shuffled, with Stripe failing for part of
the run: every payment recorded exactly once, every failed event retried by the real job."""
from __future__ import annotations

import queue
import random
import threading
from collections import Counter

import pytest

from app.extensions import db
from app.models import Appeal
from tests.webhooks.helpers import (STRIPE_ENV, body_and_header, deliver, event_for,
                                    failed_webhooks, make_appeal, open_session, outbox,
                                    retry_until_settled, stripe_events)

PAID, REFUNDED, EXPIRED = 100, 20, 20  # 140 distinct events
DELIVERIES = 200


@pytest.fixture
def stripe_app(app_factory, fake_stripe):
    # Stripe delivers from many addresses; one test client is one address, so the
    # 100/minute per-IP webhook limit is raised for these runs (test_limits covers it).
    return app_factory(STRIPE_API_BASE=fake_stripe.url, BREAKER_STRIPE_RESET_S=1,
                       RATELIMIT_WEBHOOK="10000/minute", **STRIPE_ENV)


@pytest.fixture
def stripe_client(stripe_app):
    return stripe_app.test_client()


def _scenario(app, fake, seed: int):
    """Appeals and their Stripe-side state; returns (events, expected final status by appeal)."""
    rng = random.Random(seed)
    events, expected = [], {}
    charges = []
    for i in range(PAID):
        public_id = make_appeal(app, email=f"driver{i}@example.com")
        session_id = open_session(app, fake, public_id)
        _, charge_id = fake.pay_session(session_id)
        events.append(event_for(fake, "checkout.session.completed", session_id))
        charges.append((public_id, charge_id))
        expected[public_id] = "paid"
    for public_id, charge_id in rng.sample(charges, REFUNDED):
        fake.refund_charge(charge_id)
        events.append(event_for(fake, "charge.refunded", charge_id))
        expected[public_id] = "refunded"
    for _ in range(EXPIRED):
        public_id = make_appeal(app)
        session_id = open_session(app, fake, public_id)
        fake.expire_session(session_id)
        events.append(event_for(fake, "checkout.session.expired", session_id))
        expected[public_id] = "letter_ready"
    return events, expected


def _bursts(events: list[dict], seed: int) -> list[list[dict]]:
    """Each event with its duplicates (30% of the deliveries), bursts in random order."""
    rng = random.Random(seed)
    extra = Counter(rng.choice(range(len(events))) for _ in range(DELIVERIES - len(events)))
    bursts = [[event] * (1 + extra[i]) for i, event in enumerate(events)]
    rng.shuffle(bursts)
    return bursts


def _outage(fake, index: int) -> None:
    """Deliveries 60-99: Stripe answers 500; 100-139: Stripe is gone; then it is back."""
    if index == 60:
        fake.mode = "error"
    elif index == 100:
        fake.mode = "ok"
        fake.stop()
    elif index == 140:
        fake.start()


def _check(app, expected: dict, statuses: list[int], distinct: int) -> None:
    assert len(statuses) == DELIVERIES and set(statuses) == {200}, Counter(statuses)
    recorded = stripe_events(app)
    assert len(recorded) == distinct
    assert sum(r.delivery_count for r in recorded.values()) == DELIVERIES
    assert "failed" not in {r.outcome for r in recorded.values()}
    failed = failed_webhooks(app)
    assert failed and {r.status for r in failed.values()} == {"resolved"}
    with app.app_context():
        status = dict(db.session.execute(db.select(Appeal.public_id, Appeal.status)).all())
        ids = dict(db.session.execute(db.select(Appeal.public_id, Appeal.id)).all())
    assert status == expected
    receipts = Counter(m.appeal_id for m in outbox(app, "receipt"))
    refunds = Counter(m.appeal_id for m in outbox(app, "refunded"))
    assert max(receipts.values()) == 1 and max(refunds.values()) == 1
    for public_id, final in expected.items():
        if final == "paid":
            assert receipts[ids[public_id]] == 1
        if final == "refunded":
            assert refunds[ids[public_id]] == 1
    assert len(refunds) == REFUNDED


def test_shuffled_duplicated_deliveries_through_an_outage(stripe_app, fake_stripe, stripe_client):
    events, expected = _scenario(stripe_app, fake_stripe, seed=7)
    deliveries = [event for burst in _bursts(events, seed=11) for event in burst]
    random.Random(13).shuffle(deliveries)  # duplicates scattered, not adjacent
    statuses = []
    for index, event in enumerate(deliveries):
        _outage(fake_stripe, index)
        statuses.append(deliver(stripe_client, event).status_code)
    outcomes = Counter(r.outcome for r in stripe_events(stripe_app).values())
    assert outcomes["failed"] > 0  # the outage did hit some events

    retry_until_settled(stripe_app)

    _check(stripe_app, expected, statuses, len(events))


@pytest.mark.postgres
def test_concurrent_deliveries_through_an_outage_on_postgres(stripe_app, fake_stripe, backend):
    """Eight threads; each event's duplicates sit together in the queue, so they race."""
    events, expected = _scenario(stripe_app, fake_stripe, seed=17)
    work: queue.Queue = queue.Queue()
    for index, event in enumerate(e for burst in _bursts(events, seed=19) for e in burst):
        work.put((index, event))
    statuses, lock = [], threading.Lock()

    def worker():
        client = stripe_app.test_client()
        while True:
            try:
                index, event = work.get_nowait()
            except queue.Empty:
                return
            with lock:
                _outage(fake_stripe, index)
            status = deliver(client, event).status_code
            with lock:
                statuses.append(status)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    if not fake_stripe.is_running():
        fake_stripe.start()

    retry_until_settled(stripe_app)

    _check(stripe_app, expected, statuses, len(events))


@pytest.mark.both_databases
def test_one_event_delivered_by_ten_threads_at_once_is_processed_once(stripe_app, fake_stripe,
                                                                      backend):
    public_id = make_appeal(stripe_app)
    session_id = open_session(stripe_app, fake_stripe, public_id)
    fake_stripe.pay_session(session_id)
    event = event_for(fake_stripe, "checkout.session.completed", session_id)
    body, signature = body_and_header(event)
    start = threading.Barrier(10)
    outcomes, lock = [], threading.Lock()

    def deliver_once():
        client = stripe_app.test_client()
        start.wait(timeout=10)
        response = client.post("/webhooks/stripe", data=body, headers={
            "Stripe-Signature": signature, "Content-Type": "application/json"})
        with lock:
            outcomes.append((response.status_code, (response.get_json() or {}).get("outcome")))

    threads = [threading.Thread(target=deliver_once) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert Counter(outcomes) == Counter({(200, "processed"): 1, (200, "duplicate"): 9})
    assert stripe_events(stripe_app)[event["id"]].delivery_count == 10
    assert len(outbox(stripe_app, "receipt")) == 1
    with stripe_app.app_context():
        appeal = db.session.execute(db.select(Appeal).filter_by(public_id=public_id)).scalar_one()
        assert appeal.status == "paid"
