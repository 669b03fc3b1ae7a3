"""The email outbox on PostgreSQL and Redis while the web tier is under load: the SMTP server
stops in the middle of a drain, then a job runner is killed with SIGKILL in the middle of a
batch. No message is lost; the only one sent twice is the one in flight at the kill, and
both copies carry the same Message-ID.
"""
import collections
import os
import signal
import subprocess
from datetime import timedelta

import pytest
import redis
from sqlalchemy import update

from app.extensions import db
from app.models import EmailOutbox, OutboxStatus
from app.models.base import utcnow
from tests.chaos.drill import Load, summarize, wait_until
from testkit.gunicorn_app import ROOT, VENV_BIN, GunicornApp
from tests.email.conftest import BASE_URL, make_due, queue, rows
from tests.email.smtp_helpers import StoppableSMTPServer

pytestmark = [pytest.mark.chaos, pytest.mark.postgres]

QUEUED = 60
STOP_AFTER = 10  # the SMTP server goes away after this many messages
KILL_AT = 25  # the runner is killed while the server receives message number KILL_AT + 1


def start_runner(env: dict) -> subprocess.Popen:
    return subprocess.Popen([str(VENV_BIN / "flask"), "--app", "app:create_app", "jobs", "run-once",
                             "email_outbox"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)


def lapse_leases(app, redis_url: str) -> None:
    """Test set-up in place of waiting out the killed runner's leases (300 s on the claimed
    rows, 120 s on the job lock): both are made to run out now."""
    with app.app_context():
        db.session.execute(update(EmailOutbox).where(EmailOutbox.status == OutboxStatus.SENDING)
                           .values(lease_until=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    redis.Redis.from_url(redis_url).pexpire("fct:job:email_outbox", 1)


def test_smtp_stop_and_a_killed_runner_lose_no_mail(app_factory, backend, redis_url, tmp_path):
    smtp = StoppableSMTPServer(starttls=False).start()
    env = {"REDIS_URL": redis_url, "EMAIL_BACKEND": "smtp", "SMTP_HOST": "127.0.0.1",
           "SMTP_PORT": str(smtp.port), "SMTP_STARTTLS": "false", "SMTP_TIMEOUT_S": "5",
           "BREAKER_EMAIL_FAIL_MAX": "2", "BREAKER_EMAIL_RESET_S": "1", "PUBLIC_BASE_URL": BASE_URL}
    app = app_factory(**env)
    web = GunicornApp(tmp_path / "web", {**env, "RATELIMIT_PUBLIC": "100000/minute",
                                         "DATABASE_URL": app.extensions["settings"].database_url})
    web.start()
    load = Load(tmp_path / "load", web.url, [
        {"name": "GET /health", "path": "/health"},
        {"name": "GET /api/public/cities/sf", "path": "/api/public/cities/sf"},
        {"name": "GET /health/ready", "path": "/health/ready"},
    ], threads=2, duration_s=120)
    try:
        ids = queue(app, QUEUED, prefix="drill")
        load.start()

        # 1. The SMTP server shuts down after STOP_AFTER messages of the first batch.
        smtp.stop_after = STOP_AFTER
        first = start_runner(web.env)
        assert first.wait(timeout=60) == 0, first.stdout.read()
        assert len(smtp.messages) == STOP_AFTER and not smtp.is_running()
        pending_after_stop = sum(1 for r in rows(app) if r.status == "pending")

        # 2. The server is back; a runner is SIGKILLed while a message is on the wire.
        smtp.stop_after = None
        runner_holder: list[subprocess.Popen] = []

        def kill_mid_batch() -> None:
            if len(smtp.messages) == KILL_AT and runner_holder:
                os.kill(runner_holder.pop().pid, signal.SIGKILL)

        smtp.on_data = kill_mid_batch
        smtp.start()
        make_due(app)
        wait_until(lambda: app.extensions["breakers"].snapshot("email")["retry_in_s"] == 0, 10,
                   what="email breaker ready for a trial")
        killed = start_runner(web.env)
        runner_holder.append(killed)
        assert killed.wait(timeout=60) == -signal.SIGKILL
        smtp.on_data = None
        wait_until(lambda: len(smtp.messages) == KILL_AT + 1, 10, what="the in-flight message")
        in_flight = smtp.messages[KILL_AT].message["Message-ID"]
        stranded = [r.message_id for r in rows(app) if r.status == "sending"]
        assert in_flight in stranded

        # 3. The leases run out; runners drain the rest.
        lapse_leases(app, redis_url)
        for _ in range(5):
            runner = start_runner(web.env)
            assert runner.wait(timeout=60) == 0, runner.stdout.read()
            if all(r.status == "sent" for r in rows(app)):
                break
    finally:
        answers = load.stop()
        web.stop()
        smtp.stop()

    received = collections.Counter(m.message["Message-ID"] for m in smtp.messages)
    twice = sorted(mid for mid, n in received.items() if n > 1)
    lost = sorted(set(ids) - set(received))
    summarize("Outbox: SMTP stopped mid-drain, runner SIGKILLed mid-batch (web under load)", answers, {
        "messages queued": QUEUED, "delivered (distinct Message-IDs)": len(received),
        "pending when SMTP stopped": pending_after_stop,
        "stranded `sending` at the kill": len(stranded),
        "sent twice": f"{len(twice)} (the one in flight at the kill: {twice == [in_flight]})",
        "lost": len(lost)})
    assert lost == [] and set(received) == set(ids)
    assert twice == [in_flight] and received[in_flight] == 2
    copies = [m for m in smtp.messages if m.message["Message-ID"] == in_flight]
    same = [(c.message["To"], c.message["Subject"], c.message.get_body(("plain",)).get_content())
            for c in copies]
    assert same[0] == same[1]
    assert {r.status for r in rows(app)} == {"sent"}
    assert answers and all(a.status == 200 for a in answers)
