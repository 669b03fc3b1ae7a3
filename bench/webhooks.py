"""Signed Stripe events ingested per second on PostgreSQL, duplicates included.

Each unique event is the checkout.session.completed Stripe would send for an appeal at the
payment step whose Checkout Session is paid on the (fake) Stripe side; ingesting it reads
the session back from Stripe, records the event once, marks the appeal paid and queues its
receipt. A tenth of the deliveries are redeliveries of an event id: each sits right after
its original in the queue, so the two race through concurrent workers as Stripe's retries
do. The posting runs in its own process (post_events.py); afterwards the database must hold
every unique event exactly once, with all deliveries counted.
"""
from __future__ import annotations

import json
import math
import random
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, select, update

from app.extensions import db
from app.models import Appeal, AppealStatus, EmailOutbox, StripeEvent
from bench import cpu
from bench.services import WEBHOOK_SECRET, Services
from testkit.gunicorn_app import ROOT
from testkit.fakes.stripe_objects import make_event

DUPLICATE_SHARE = 0.10
SENDER_THREADS = 16  # like wrk's 16 connections: twice the app's 2 x 4 threads
TARGET_EVENTS_PER_S = 300.0
SEED = 20240607
# The fields tests/webhooks/helpers.make_appeal gives an appeal at the payment step.
APPEAL_AT_PAYMENT = dict(city_slug="sf", citation_number="912345678",
                         status=AppealStatus.AWAITING_PAYMENT,
                         letter_text="To the SFMTA: I ask for a review of this citation.",
                         letter_version=1, mail_class="standard", price_cents=989, currency="usd")


@dataclass
class WebhookResult:
    deliveries: int
    unique: int
    seconds: float
    statuses: Counter
    outcomes: Counter  # as the endpoint answered each delivery
    p50_ms: float
    p99_ms: float
    cpu_ms_per_delivery: dict[str, float] = field(default_factory=dict)  # by process
    checks: list[tuple[str, bool]] = field(default_factory=list)

    @property
    def duplicates(self) -> int:
        return self.deliveries - self.unique

    @property
    def events_per_s(self) -> float:
        return self.deliveries / self.seconds

    @property
    def meets_target(self) -> bool:
        return self.events_per_s >= TARGET_EVENTS_PER_S


def run(services: Services, deliveries: int, workdir: Path) -> WebhookResult:
    unique = deliveries - round(deliveries * DUPLICATE_SHARE)
    events = paid_checkout_events(services, unique)
    order = delivery_order(events, deliveries - unique)
    spec = {"url": services.hardened.url + "/webhooks/stripe", "secret": WEBHOOK_SECRET,
            "threads": SENDER_THREADS, "timeout_s": 30,
            "deliveries": [[event["id"], json.dumps(event)] for event in order]}
    cpu_before = cpu_readings(services)
    posted = _post_in_own_process(spec, workdir)
    cpu_after = cpu_readings(services)
    answers = posted["deliveries"]
    latencies = sorted(a["latency_ms"] for a in answers)
    result = WebhookResult(deliveries, unique, posted["seconds"],
                           Counter(a["status"] for a in answers),
                           Counter(a["outcome"] for a in answers),
                           percentile(latencies, 50), percentile(latencies, 99))
    result.cpu_ms_per_delivery = {name: (cpu_after[name] - cpu_before[name]) * 1000 / deliveries
                                  for name in cpu_before}
    result.checks = verify(services, events, deliveries, result)
    return result


def cpu_readings(services: Services) -> dict[str, float]:
    """CPU seconds so far of each process taking part (this process is idle meanwhile but
    for the fake Stripe's threads)."""
    return {"app (gunicorn)": cpu.tree_seconds(services.hardened.process.pid),
            "PostgreSQL": cpu.tree_seconds(cpu.postmaster_pid(services.postgres.data_dir)),
            "sender process": cpu.children_seconds(),
            "fake Stripe": cpu.own_seconds()}


def paid_checkout_events(services: Services, count: int) -> list[dict]:
    """`count` appeals at the payment step, each with a paid session on the Stripe side, and
    the checkout.session.completed event for each. The sessions are made on the fake Stripe
    between two transactions, not inside one: on a loaded machine that takes longer than
    the database's idle-in-transaction timeout."""
    app, stripe = services.control, services.stripe
    with app.app_context():
        appeals = [Appeal(**APPEAL_AT_PAYMENT, email=f"driver{i}@example.com") for i in range(count)]
        db.session.add_all(appeals)
        db.session.flush()  # gives each its id and public_id
        keys = [(appeal.id, appeal.public_id) for appeal in appeals]
        db.session.commit()
        events, sessions = [], []
        for appeal_id, public_id in keys:
            session = stripe.add_session(metadata={"appeal_id": public_id,
                                                   "letter_version": "1", "mail_class": "standard"})
            stripe.pay_session(session["id"])
            sessions.append({"id": appeal_id, "stripe_checkout_session_id": session["id"]})
            events.append(make_event("checkout.session.completed", stripe.get(session["id"])))
        db.session.execute(update(Appeal), sessions)  # by primary key, one statement
        db.session.commit()
        db.session.remove()
    return events


def delivery_order(events: list[dict], duplicates: int) -> list[dict]:
    """Every event once, `duplicates` of them twice in a row; in a shuffled order."""
    rng = random.Random(SEED)
    twice = set(rng.sample(range(len(events)), duplicates))
    bursts = [[event] * (2 if i in twice else 1) for i, event in enumerate(events)]
    rng.shuffle(bursts)
    return [event for burst in bursts for event in burst]


def _post_in_own_process(spec: dict, workdir: Path) -> dict:
    workdir.mkdir(parents=True, exist_ok=True)
    spec_path, result_path = workdir / "events.json", workdir / "posted.json"
    spec_path.write_text(json.dumps(spec))
    done = subprocess.run([sys.executable, "-m", "bench.post_events", str(spec_path), str(result_path)],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        raise RuntimeError(f"post_events failed: {done.stderr[-2000:]}")
    return json.loads(result_path.read_text())


def verify(services: Services, events: list[dict], deliveries: int,
           result: WebhookResult) -> list[tuple[str, bool]]:
    ids = [event["id"] for event in events]
    appeal_ids = [event["data"]["object"]["metadata"]["appeal_id"] for event in events]
    with services.control.app_context():
        recorded = db.session.execute(select(StripeEvent.event_id, StripeEvent.delivery_count,
                                             StripeEvent.outcome)).all()
        paid = db.session.scalar(select(func.count()).select_from(Appeal).where(
            Appeal.public_id.in_(appeal_ids), Appeal.status == AppealStatus.PAID))
        receipts = db.session.execute(select(EmailOutbox.appeal_id).where(
            EmailOutbox.template == "receipt")).scalars().all()
        db.session.remove()
    per_event = Counter(row.event_id for row in recorded)
    return [
        ("every delivery answered 200", result.statuses == Counter({200: deliveries})),
        ("every unique event recorded exactly once",
         set(per_event) == set(ids) and set(per_event.values()) == {1}),
        ("every delivery counted (sum of delivery_count)",
         sum(row.delivery_count for row in recorded) == deliveries),
        ("every event processed, none failed",
         Counter(row.outcome for row in recorded) == Counter({"processed": len(ids)})),
        ("endpoint answered 'processed' once per event, 'duplicate' for the rest",
         result.outcomes == Counter({"processed": len(ids), "duplicate": deliveries - len(ids)})),
        ("every appeal paid", paid == len(ids)),
        ("one receipt queued per appeal",
         len(receipts) == len(ids) and len(set(receipts)) == len(ids)),
    ]


def percentile(sorted_values: list[float], pct: float) -> float:
    """Nearest-rank percentile of an already sorted list."""
    if not sorted_values:
        return 0.0
    rank = max(1, math.ceil(pct / 100 * len(sorted_values)))
    return sorted_values[rank - 1]
