"""The mailing job on PostgreSQL and Redis, the web tier under gunicorn and under load:
Lob down for the whole run while 50 appeals are paid, Lob dropping answers, and a job
runner SIGKILLed mid-batch. No paid appeal is left behind and none is mailed twice.
"""
from __future__ import annotations

import collections
import os
import signal
import subprocess
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
import redis
import requests
from sqlalchemy import update

from app.extensions import db
from app.fulfilment.mailing import OUTAGE_ALERT
from app.models import Appeal, Letter
from app.models.base import utcnow
from tests.chaos.drill import Load, summarize
from testkit.gunicorn_app import ROOT, VENV_BIN, GunicornApp
from testkit.fakes.lob_api import LobAPIServer
from tests.support.fixtures import fake_stripe  # noqa: F401
from testkit.mailing import LOB_KEY, alerts, letters, lob_env, paid_appeal
from tests.webhooks.helpers import STRIPE_ENV, body_and_header, event_for, open_session

pytestmark = [pytest.mark.chaos, pytest.mark.postgres]
RUNNER_TIMEOUT_S = 120  # a runner's start-up alone takes seconds on a busy two-core machine
LOAD = [{"name": "GET /health", "path": "/health"},
        {"name": "GET /api/public/cities/sf", "path": "/api/public/cities/sf"}]


def start_runner(env: dict) -> subprocess.Popen:
    return subprocess.Popen([str(VENV_BIN / "flask"), "--app", "app:create_app", "jobs", "run-once",
                             "mail_letters"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)


def run_once(env: dict) -> str:
    runner = start_runner(env)
    output, _ = runner.communicate(timeout=RUNNER_TIMEOUT_S)
    assert runner.returncode == 0, output
    return output


def lapse_leases(app, redis_url: str) -> None:
    """Test set-up in place of waiting out a killed runner's leases (120 s on its `mailing`
    letter, 600 s on the job lock) or the backoff: both are made to run out now."""
    with app.app_context():
        db.session.execute(update(Letter).where(Letter.status.in_(("queued", "mailing")))
                           .values(next_attempt_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    redis.Redis.from_url(redis_url).pexpire("fct:job:mail_letters", 1)


def statuses(app) -> collections.Counter:
    with app.app_context():
        return collections.Counter(db.session.execute(db.select(Appeal.status)).scalars())


@pytest.fixture
def drill(app_factory, backend, redis_url, tmp_path):
    """(app, web, load, lob) with Lob's stand-in class chosen by the test; all stopped after."""
    made = {}

    def start(lob: LobAPIServer, **env):
        env = {"REDIS_URL": redis_url, **lob_env(lob), "BREAKER_MAIL_RESET_S": "1", **env}
        app = app_factory(**env)
        web = GunicornApp(tmp_path / "web", {**env, "RATELIMIT_PUBLIC": "100000/minute",
                                             "RATELIMIT_WEBHOOK": "100000/minute",
                                             "DATABASE_URL": app.extensions["settings"].database_url})
        made.update(web=web, lob=lob)
        web.start()
        made["load"] = Load(tmp_path / "load", web.url, LOAD, threads=2, duration_s=60).start()
        return app, web, made["load"]

    yield start
    if "load" in made:
        made["load"].stop()
    if "web" in made:
        made["web"].stop()
    if "lob" in made:
        made["lob"].stop()


def test_lob_down_for_the_whole_run_while_50_appeals_are_paid(drill, fake_stripe):
    lob = LobAPIServer(api_key=LOB_KEY).start()
    lob.stop()  # down from the start; its port refuses connections
    app, web, load = drill(lob, STRIPE_API_BASE=fake_stripe.url, BREAKER_MAIL_RESET_S="60",
                           **STRIPE_ENV)
    urgent = set()
    events = []
    for i in range(50):
        near = i % 5 == 0
        public_id = paid_appeal(app, urgent=near, status="awaiting_payment", paid_at=None,
                                email=f"driver{i}@example.com")
        session_id = open_session(app, fake_stripe, public_id)
        fake_stripe.pay_session(session_id)
        events.append(event_for(fake_stripe, "checkout.session.completed", session_id))
        if near:
            urgent.add(public_id)

    def pay(event) -> int:
        body, signature = body_and_header(event)
        return requests.post(web.url + "/webhooks/stripe", data=body, timeout=15, headers={
            "Stripe-Signature": signature, "Content-Type": "application/json"}).status_code

    with ThreadPoolExecutor(4) as payers:  # the job runs while the payments arrive
        paid = payers.map(pay, events)
        runs = [run_once(web.env)]
        payment_answers = collections.Counter(paid)
    runs.append(run_once(web.env))  # the payments that came in after the last run
    assert payment_answers == {200: 50}
    after_outage = statuses(app)
    rows = letters(app)
    queued = {r.appeal_id for r in rows if r.status == "print_queue"}
    with app.app_context():
        urgent_ids = set(db.session.execute(db.select(Appeal.id).where(
            Appeal.public_id.in_(urgent))).scalars())
    outage_alerts = alerts(app, OUTAGE_ALERT)

    # Lob is back and an operator resets the breaker: the appeals that could wait are mailed.
    lob.start()
    with app.app_context():
        app.extensions["breakers"].reset("mail")
    lapse_leases(app, web.env["REDIS_URL"])
    run_once(web.env)
    answers = load.stop()
    made = collections.Counter(c["idempotency_key"] for c in lob.letters_created)
    summarize("Mailing: Lob down for the whole run while 50 appeals are paid (web under load)",
              answers, {"appeals paid": 50, "letter rows": len(rows),
                        "statuses after the outage": dict(after_outage),
                        "near the deadline -> print queue": f"{len(queued)} of {len(urgent)}",
                        "outage alerts": [(a.key, a.count) for a in outage_alerts],
                        "mailed once Lob was back": len(made),
                        "mailed twice": sum(1 for n in made.values() if n > 1)})
    assert len(rows) == 50 and len({r.appeal_id for r in rows}) == 50  # none left behind
    assert after_outage == {"print_queue": 10, "mailing": 40}
    assert queued == urgent_ids
    assert len(outage_alerts) == 1 and outage_alerts[0].count == 1
    assert len(made) == 40 and set(made.values()) == {1}
    assert statuses(app) == {"print_queue": 10, "mailed": 40}
    assert answers and all(a.status == 200 for a in answers)


class DroppingLob(LobAPIServer):
    """Makes every 4th new letter and then drops the answer (the client sees no reply)."""
    made = 0

    def _create_letter(self, request):
        key = request.headers.get("idempotency-key")
        with self._lock:
            new = key not in self._by_key
            if new:
                self.made += 1
                if self.made % 4 == 0:
                    self._drop = 1
        return super()._create_letter(request)


def test_lob_dropping_answers_leaves_one_letter_per_appeal(drill):
    lob = DroppingLob(api_key=LOB_KEY).start()
    app, web, load = drill(lob)
    ids = [paid_appeal(app, email=f"driver{i}@example.com") for i in range(12)]
    run_once(web.env)
    answers = load.stop()
    posts = collections.Counter(r.headers["idempotency-key"] for r in lob.requests if r.method == "POST")
    made = collections.Counter(c["idempotency_key"] for c in lob.letters_created)
    summarize("Mailing: Lob makes every 4th letter and drops the answer (web under load)", answers,
              {"appeals": len(ids), "requests to Lob": sum(posts.values()),
               "answers dropped": sum(1 for n in posts.values() if n > 1),
               "letters on the stand-in": len(made)})
    assert len(made) == 12 and set(made.values()) == {1}
    assert sorted(posts.values()) == [1] * 9 + [2] * 3  # each dropped answer: one retry
    assert {r.status for r in letters(app)} == {"mailed"}
    assert {r.provider_letter_id for r in letters(app)} == {c["id"] for c in lob.letters_created}
    assert statuses(app) == {"mailed": 12}
    assert answers and all(a.status == 200 for a in answers)


class KillingLob(LobAPIServer):
    """SIGKILLs the job runner once it has made letter number `kill_at`, before answering."""
    kill_at = 8
    runner: subprocess.Popen | None = None

    def _create_letter(self, request):
        answer = super()._create_letter(request)
        if self.runner is not None and self.letter_count() == self.kill_at:
            os.kill(self.runner.pid, signal.SIGKILL)
            self.runner = None
        return answer


def test_a_runner_killed_mid_batch_then_two_runners_mail_each_appeal_once(drill):
    lob = KillingLob(api_key=LOB_KEY).start()
    app, web, load = drill(lob)
    ids = [paid_appeal(app, email=f"driver{i}@example.com") for i in range(20)]
    lob.runner = start_runner(web.env)
    assert lob.runner.wait(timeout=RUNNER_TIMEOUT_S) == -signal.SIGKILL
    stranded = [r for r in letters(app) if r.status == "mailing"]
    mailed_before = sum(1 for r in letters(app) if r.status == "mailed")

    lapse_leases(app, web.env["REDIS_URL"])
    both = [start_runner(web.env) for _ in range(2)]  # two runners at once
    outputs = [runner.communicate(timeout=RUNNER_TIMEOUT_S)[0] for runner in both]
    assert all(runner.returncode == 0 for runner in both), outputs
    if not all(r.status == "mailed" for r in letters(app)):  # the second was skipped early
        run_once(web.env)
    answers = load.stop()
    made = collections.Counter(c["idempotency_key"] for c in lob.letters_created)
    summarize("Mailing: runner SIGKILLed mid-batch, then two runners at once (web under load)",
              answers, {"appeals": len(ids), "mailed before the kill": mailed_before,
                        "stranded `mailing` at the kill": len(stranded),
                        "runner outcomes": [o.strip() for o in outputs],
                        "letters on the stand-in": len(made),
                        "mailed twice": sum(1 for n in made.values() if n > 1)})
    assert mailed_before == KillingLob.kill_at - 1 and len(stranded) == 1
    assert len(made) == 20 and set(made.values()) == {1}
    rows = letters(app)
    assert {r.status for r in rows} == {"mailed"} and len(rows) == 20
    assert {r.provider_letter_id for r in rows} == {c["id"] for c in lob.letters_created}
    assert statuses(app) == {"mailed": 20}
    assert answers and all(a.status == 200 for a in answers)
