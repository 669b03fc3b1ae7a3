"""The outbox through the real job and the real SMTP path: accept, defer, reject, outage."""
from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from prometheus_client import REGISTRY
from sqlalchemy import update

from app.email.claims import BACKOFF_S, MAX_ATTEMPTS
from app.email.outbox import enqueue
from app.email.sender import send_due
from app.extensions import db
from app.models import EmailOutbox, JobRun
from app.models.base import as_utc, utcnow
from tests.email.conftest import breaker, circuit_ready, make_due, poll, queue, rows, send


def emails_counted(outcome: str) -> float:
    return REGISTRY.get_sample_value("fct_emails_total", {"outcome": outcome}) or 0.0


@pytest.mark.both_databases
def test_asking_twice_queues_once_with_a_stable_message_id(mail_app, backend):
    app = mail_app()
    first = queue(app, 1, prefix="twice")
    again = queue(app, 1, prefix="twice")
    assert first == again and len(rows(app)) == 1
    assert first[0].startswith("<") and first[0].endswith("@fightcitytickets.com>")


@pytest.mark.both_databases
def test_accepted_messages_are_delivered_once_each(mail_app, smtp, backend):
    app = mail_app()
    ids = queue(app, 3)
    sent_before = emails_counted("sent")
    send(app)
    received = smtp.wait_for_messages(3)
    assert sorted(smtp.message_ids()) == sorted(ids)
    message = received[0].message
    assert message["From"] == "Fight City Tickets <no-reply@fightcitytickets.com>"
    assert message["To"] == "driver0@example.com" and "citation 912345670" in message["Subject"]
    assert {part.get_content_type() for part in message.iter_parts()} == {"text/plain", "text/html"}
    assert "not a law firm" in message.get_body(("plain",)).get_content()
    assert received[0].mail_from == "no-reply@fightcitytickets.com"
    for row in rows(app):
        assert (row.status, row.attempts, row.lease_until) == ("sent", 1, None)
        assert row.sent_at is not None and row.provider_message_id.startswith("250")
    assert emails_counted("sent") - sent_before == 3
    send(app)  # nothing is due: nothing is sent again
    assert len(smtp.messages) == 3
    with app.app_context():
        assert db.session.get(JobRun, "email_outbox").last_summary == "nothing due"


@pytest.mark.both_databases
def test_no_database_connection_is_held_while_smtp_talks(mail_app, smtp, backend):
    app = mail_app()
    queue(app, 3)
    with app.app_context():
        pool = db.engine.pool
    held: list[int] = []
    smtp.on_data = lambda: held.append(pool.checkedout())
    send(app)
    smtp.wait_for_messages(3)
    assert held == [0, 0, 0]


def test_a_deferred_message_backs_off_and_is_resent_with_the_same_message_id(mail_app, smtp):
    app = mail_app()
    [message_id] = queue(app, 1)
    smtp.mode = "defer"
    send(app)
    [row] = rows(app)
    assert (row.status, row.attempts) == ("pending", 1) and "451" in row.last_error
    wait = (as_utc(row.next_attempt_at) - utcnow()).total_seconds()
    assert BACKOFF_S[0] - 5 < wait <= BACKOFF_S[0]
    smtp.mode = "accept"
    send(app)  # not due yet
    assert smtp.messages == []
    make_due(app)
    send(app)
    assert smtp.wait_for_messages(1) and smtp.message_ids() == [message_id]
    [row] = rows(app)
    assert (row.status, row.attempts) == ("sent", 2)


def test_backoff_schedule_then_dead_after_five_attempts(mail_app, smtp):
    app = mail_app(BREAKER_EMAIL_FAIL_MAX="50")  # the breaker is tested on its own below
    queue(app, 1)
    smtp.mode, smtp.fail_at = "defer", "data"
    waits = []
    for _ in range(MAX_ATTEMPTS):
        make_due(app)
        send(app)
        [row] = rows(app)
        if row.status == "pending":
            waits.append(round((as_utc(row.next_attempt_at) - utcnow()).total_seconds() / 60))
    assert waits == [1, 5, 30, 120]
    [row] = rows(app)
    assert (row.status, row.attempts, row.permanent_failure) == ("dead", MAX_ATTEMPTS, False)
    assert row.dead_at is not None and "451" in row.last_error and smtp.messages == []


@pytest.mark.both_databases
def test_a_permanent_rejection_is_dead_at_once_and_others_still_go(mail_app, smtp, backend):
    app = mail_app()
    smtp.reject_recipients.add("bounce@example.com")
    with app.app_context():
        bounce = enqueue("bounce@example.com", "appeal_link",
                         {"appeal_url": "https://x/a", "citation_number": "1", "driver_name": None},
                         idempotency_key="bounce").message_id
        db.session.commit()
    good = queue(app, 2)
    send(app)
    assert sorted(smtp.message_ids()) == sorted(good)
    dead = [r for r in rows(app) if r.message_id == bounce][0]
    assert (dead.status, dead.attempts, dead.permanent_failure) == ("dead", 1, True)
    assert dead.last_error.startswith("550")
    # A refusal is an answer from a working server: the breaker does not count it.
    assert breaker(app)["state"] == "closed" and breaker(app)["failures"] == 0


def test_server_gone_mid_batch_opens_the_breaker_and_every_message_arrives_once(mail_app, smtp):
    app = mail_app(BREAKER_EMAIL_FAIL_MAX="2", BREAKER_EMAIL_RESET_S="1")
    ids = queue(app, 6)
    smtp.stop_after = 2  # two messages accepted, then the server shuts down
    send(app)
    poll(lambda: not smtp.is_running())
    assert len(smtp.message_ids()) == 2
    assert breaker(app)["state"] == "open"
    waiting = [r for r in rows(app) if r.status == "pending"]
    assert len(waiting) == 4 and all(r.attempts == 1 for r in waiting)

    make_due(app)
    send(app)  # the circuit is open: nothing is claimed, no attempt is spent
    assert all(r.attempts == 1 for r in rows(app) if r.status == "pending")

    smtp.stop_after = None
    smtp.start()
    poll(lambda: circuit_ready(app))
    make_due(app)
    send(app)  # the first message is the half-open trial; it succeeds and closes the circuit
    smtp.wait_for_messages(6)
    assert sorted(smtp.message_ids()) == sorted(ids)  # each exactly once
    assert breaker(app)["state"] == "closed"
    assert {r.status for r in rows(app)} == {"sent"}


def test_a_lapsed_lease_makes_the_message_due_again_with_its_message_id(mail_app, smtp):
    app = mail_app()
    lapsed, held = queue(app, 2)
    with app.app_context():
        # A runner claimed both and died; one lease ran out, the other has not.
        now = utcnow()
        db.session.execute(update(EmailOutbox).values(status="sending", attempts=1))
        db.session.execute(update(EmailOutbox).where(EmailOutbox.message_id == lapsed)
                           .values(lease_until=now - timedelta(seconds=1)))
        db.session.execute(update(EmailOutbox).where(EmailOutbox.message_id == held)
                           .values(lease_until=now + timedelta(minutes=5)))
        db.session.commit()
    send(app)
    assert smtp.wait_for_messages(1) and smtp.message_ids() == [lapsed]
    by_id = {r.message_id: r for r in rows(app)}
    assert (by_id[lapsed].status, by_id[lapsed].attempts) == ("sent", 2)
    assert by_id[held].status == "sending"


def test_smtp_auth_is_used_and_a_bad_password_is_retried_not_dead(app_factory, smtp):
    smtp.stop()
    from tests.email.smtp_helpers import StoppableSMTPServer

    server = StoppableSMTPServer(starttls=False, auth=("mailer", "s3cret"), auth_required=True).start()
    try:
        env = dict(EMAIL_BACKEND="smtp", SMTP_HOST="127.0.0.1", SMTP_PORT=server.port,
                   SMTP_STARTTLS="false", SMTP_USERNAME="mailer")
        wrong = app_factory(SMTP_PASSWORD="nope", **env)
        queue(wrong, 1)
        send(wrong)
        [row] = rows(wrong)
        assert row.status == "pending" and "set-up failed" in row.last_error
        right = app_factory(SMTP_PASSWORD="s3cret", **env)
        make_due(right)
        send(right)
        assert server.wait_for_messages(1) and rows(right)[0].status == "sent"
    finally:
        server.stop()


def test_console_backend_by_default(app_factory):
    app = app_factory()
    [message_id] = queue(app, 1)
    send(app)
    [row] = rows(app)
    assert row.status == "sent" and row.provider_message_id == f"console:{message_id}"
    assert app.extensions["mailer"].sent[-1]["Message-ID"] == message_id


def test_cli_runs_the_outbox_job(mail_app, smtp):
    app = mail_app()
    queue(app, 2)
    result = app.test_cli_runner().invoke(args=["jobs", "run-once", "email_outbox"])
    assert result.exit_code == 0 and "email_outbox: ok" in result.output
    assert len(smtp.wait_for_messages(2)) == 2


@pytest.mark.both_databases
def test_two_runners_draining_one_outbox_never_send_a_message_twice(mail_app, smtp, backend):
    app = mail_app(BREAKER_EMAIL_FAIL_MAX="50")
    ids = queue(app, 40)
    start = threading.Barrier(2)
    sent_by: dict[str, int] = {}
    errors: list[BaseException] = []

    def runner(name: str) -> None:
        try:
            with app.app_context():
                start.wait(timeout=10)
                total = 0
                while True:
                    outcomes = send_due(batch_size=4)
                    if not sum(outcomes.values()):
                        break
                    total += outcomes["sent"]
                db.session.remove()
                sent_by[name] = total
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=runner, args=(n,)) for n in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    smtp.wait_for_messages(40)
    assert sorted(smtp.message_ids()) == sorted(ids)  # 40 messages, none twice
    assert sum(sent_by.values()) == 40, sent_by
    assert {r.status for r in rows(app)} == {"sent"}


def test_starttls_is_required_when_configured_and_never_falls_back_to_plain_text(
        app_factory, monkeypatch):
    from tests.email.smtp_helpers import StoppableSMTPServer
    from testkit.fakes import tls

    server = StoppableSMTPServer().start()  # offers STARTTLS with a self-signed certificate
    try:
        if not server.tls:
            pytest.skip("no way to make a certificate here")
        app = app_factory(EMAIL_BACKEND="smtp", SMTP_HOST="127.0.0.1", SMTP_PORT=server.port,
                          SMTP_STARTTLS="true")
        queue(app, 1)
        send(app)  # the certificate is not trusted: no delivery, retried later
        [row] = rows(app)
        assert row.status == "pending" and "set-up failed" in row.last_error
        assert server.messages == []
        # Trust the test certificate the way an operator would trust a private CA.
        monkeypatch.setenv("SSL_CERT_FILE", str(tls.self_signed_cert()[0]))
        make_due(app)
        send(app)
        assert server.wait_for_messages(1) and rows(app)[0].status == "sent"
    finally:
        server.stop()


@pytest.mark.postgres
def test_a_claim_takes_no_more_than_its_batch_on_a_fresh_postgresql_table(mail_app, backend):
    # On a table PostgreSQL has not analysed yet, an UPDATE ... WHERE id IN (SELECT ... LIMIT n
    # FOR UPDATE SKIP LOCKED) may run the subquery once per row and claim them all.
    from app.email.claims import claim

    app = mail_app()
    queue(app, 500, prefix="batch")
    with app.app_context():
        batch, suppressed = claim(50)
        assert (len(batch), suppressed) == (50, 0)
        sending = db.session.query(EmailOutbox).filter_by(status="sending").count()
    assert sending == 50
