"""Lob's tracking events for many letters, shuffled, 30 % delivered twice, sent concurrently
to the app under gunicorn on PostgreSQL and Redis: every letter ends in the state its own
events lead to, each event is recorded once, and each driver is told once."""
from __future__ import annotations

import random
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from app.extensions import db
from app.models import Appeal, EmailOutbox, Letter, LetterEvent
from testkit.gunicorn_app import GunicornApp
from testkit.fakes.lob_events import event_body, lob_webhook_headers
from tests.fulfilment.lob_tracking import LOB_SECRET, lob_event, mailed_letter

pytestmark = [pytest.mark.chaos, pytest.mark.postgres]

LETTERS = 40
DUPLICATE_SHARE = 0.3
WALL_LIMIT_S = 60
# (events in the order they happened, the letter's final tracking state, the appeal's status)
SCENARIOS = [
    (["letter.mailed", "letter.in_transit", "letter.in_local_area", "letter.processed_for_delivery",
      "letter.delivered"], "delivered", "delivered"),
    (["letter.in_transit", "letter.re-routed", "letter.in_local_area", "letter.returned_to_sender"],
     "returned_to_sender", "returned"),
    (["letter.in_transit", "letter.returned_to_sender", "letter.in_local_area", "letter.delivered"],
     "returned_to_sender", "returned"),  # USPS reports late: nothing follows a return
    (["letter.in_transit", "letter.in_local_area", "letter.re-routed"], "in_local_area", "mailed"),
    (["letter.certified.mailed", "letter.certified.in_transit", "letter.certified.pickup_available",
      "letter.certified.delivered", "letter.delivered"], "delivered", "delivered"),
]


def _deliver(url: str, deliveries: list[dict], threads: int = 8) -> list[int]:
    """Each of `threads` senders posts every threads-th delivery on its own connection."""
    def send(share: list[dict]) -> list[int]:
        statuses = []
        with httpx.Client(timeout=30) as client:
            for event in share:
                body = event_body(event)  # signed per delivery, as Lob signs each retry
                statuses.append(client.post(url, content=body,
                                            headers=lob_webhook_headers(body, LOB_SECRET)).status_code)
        return statuses
    with ThreadPoolExecutor(threads) as pool:
        return [status for share in pool.map(send, [deliveries[i::threads] for i in range(threads)])
                for status in share]


def _final_rows(app) -> tuple[dict, Counter, Counter]:
    with app.app_context():
        letters = {row.id: (row.tracking_status, db.session.get(Appeal, row.appeal_id).status)
                   for row in db.session.execute(db.select(Letter)).scalars()}
        events = Counter(row.provider_event_id for row in db.session.execute(db.select(LetterEvent)).scalars())
        emails = Counter((row.recipient, row.template) for row in db.session.execute(
            db.select(EmailOutbox)).scalars())
        return letters, events, emails


def test_shuffled_duplicated_tracking_events_end_in_each_letters_true_state(
        app_factory, backend, redis_url, tmp_path):
    app = app_factory()
    rng = random.Random(20261130)
    expected, events, recipients = {}, [], {}
    for n in range(LETTERS):
        steps, state, appeal_status = SCENARIOS[n % len(SCENARIOS)]
        letter = mailed_letter(app, mail_class="certified" if "certified" in steps[0] else "standard",
                               email=f"driver{n}@example.com")
        expected[letter["letter_id"]] = (state, appeal_status)
        recipients[letter["letter_id"]] = f"driver{n}@example.com"
        events += [lob_event(step, letter["lob"], minutes=60 * i) for i, step in enumerate(steps)]
    deliveries = events + rng.sample(events, round(DUPLICATE_SHARE * len(events)))
    rng.shuffle(deliveries)

    web = GunicornApp(tmp_path / "web", {
        "DATABASE_URL": app.extensions["settings"].database_url, "REDIS_URL": redis_url,
        "LOB_WEBHOOK_SECRET": LOB_SECRET, "RATELIMIT_WEBHOOK": "100000/minute"}, workers=2)
    web.start(timeout_s=120)  # the machine may be busy: starting is not what is measured
    try:
        started = time.monotonic()
        statuses = _deliver(web.url + "/webhooks/lob", deliveries)
        wall_s = time.monotonic() - started
    finally:
        web.stop()

    letters, recorded, emails = _final_rows(app)
    print(f"\ntracking drill: {len(events)} events, {len(deliveries)} deliveries "
          f"({len(deliveries) - len(events)} duplicates) for {LETTERS} letters in {wall_s:.1f} s; "
          f"answers {dict(Counter(statuses))}")
    assert Counter(statuses) == {200: len(deliveries)}
    assert wall_s <= WALL_LIMIT_S
    assert {letter_id: letters[letter_id] for letter_id in expected} == expected
    assert recorded == Counter({event["id"]: 1 for event in events})
    for letter_id, (state, _) in expected.items():
        told = {template: emails[(recipients[letter_id], template)]
                for template in ("letter_delivered", "letter_returned")}
        if state == "returned_to_sender":
            # Once each; a "delivered" that arrived before the return was true when sent.
            assert told["letter_returned"] == 1 and told["letter_delivered"] <= 1, (letter_id, told)
        else:
            assert told == {"letter_delivered": int(state == "delivered"), "letter_returned": 0}, \
                (letter_id, state, told)
