"""Dead letters: one alert per new batch, transient ones requeued (at most twice), all kept."""
from __future__ import annotations

from app.email.claims import MAX_ATTEMPTS
from app.email.outbox import enqueue
from app.extensions import db
from app.jobs.runner import run_job
from app.models import EmailOutbox, OperatorAlert
from tests.email.conftest import breaker, circuit_ready, make_due, poll, queue, rows, send

ADMIN = "ops@fightcitytickets.test"


def dead_letters(app) -> None:
    assert run_job(app, "dead_letters") == "ok"


def alerts(app) -> list[OperatorAlert]:
    with app.app_context():
        found = db.session.execute(db.select(OperatorAlert).where(
            OperatorAlert.key.like("email-dead:%")).order_by(OperatorAlert.id)).scalars().all()
        db.session.expunge_all()
        return found


def alert_emails(app) -> list[EmailOutbox]:
    return [r for r in rows(app) if r.recipient == ADMIN]


def drive_to_dead(app) -> None:
    for _ in range(MAX_ATTEMPTS):
        make_due(app)
        send(app)


def test_one_alert_per_new_batch_and_rows_are_kept(mail_app, smtp):
    app = mail_app(ADMIN_ALERT_EMAIL=ADMIN)
    smtp.reject_recipients.update({"gone0@example.com", "gone1@example.com", "late0@example.com"})
    queue(app, 2, recipient="gone{i}@example.com", prefix="first")
    send(app)
    dead_letters(app)
    [alert] = alerts(app)
    [email] = alert_emails(app)
    assert "2 email(s) in the dead-letter queue" in email.subject
    assert "Refused by the mail server (5xx, not retried): 2" in email.body_text
    assert "https://fightcitytickets.test/admin/email/?status=dead" in email.body_text
    assert all(r.alerted_at is not None for r in rows(app) if r.status == "dead")

    dead_letters(app)  # nothing new: no new alert
    assert len(alerts(app)) == 1 and len(alert_emails(app)) == 1

    queue(app, 1, recipient="late{i}@example.com", prefix="second")  # a new batch
    send(app)  # also sends the first alert email to the operator
    dead_letters(app)
    assert len(alerts(app)) == 2 and len(alert_emails(app)) == 2
    assert len([r for r in rows(app) if r.status == "dead"]) == 3  # kept for audit


def test_transient_dead_letters_are_requeued_at_most_twice(mail_app, smtp):
    app = mail_app(BREAKER_EMAIL_FAIL_MAX="100")
    queue(app, 1, prefix="deferred")
    smtp.reject_recipients.add("bounce@example.com")
    with app.app_context():
        enqueue("bounce@example.com", "appeal_link", {"appeal_url": "u", "citation_number": "1"},
                idempotency_key="bounce")
        db.session.commit()
    smtp.defer_recipients.add("driver0@example.com")
    for requeues in (1, 2):
        drive_to_dead(app)
        dead_letters(app)
        deferred, bounce = rows(app)
        assert (deferred.status, deferred.attempts, deferred.requeues) == ("pending", 0, requeues)
        assert (bounce.status, bounce.requeues) == ("dead", 0)  # refused for good: never requeued
    drive_to_dead(app)
    dead_letters(app)
    deferred, _ = rows(app)
    assert (deferred.status, deferred.requeues) == ("dead", 2)

    smtp.defer_recipients.clear()  # an operator requeues it by hand once the cause is fixed
    with app.app_context():
        from app.email import admin_service

        assert admin_service.requeue(deferred.id) is True
    send(app)
    assert smtp.wait_for_messages(1) and rows(app)[0].status == "sent"


def test_no_requeue_while_the_email_breaker_is_open(mail_app, smtp):
    app = mail_app(BREAKER_EMAIL_FAIL_MAX="1", BREAKER_EMAIL_RESET_S="60")
    queue(app, 1)
    with app.app_context():
        db.session.execute(db.update(EmailOutbox).values(status="dead", attempts=MAX_ATTEMPTS))
        db.session.commit()
    smtp.stop()
    queue(app, 1, prefix="trips")
    send(app)
    assert breaker(app)["state"] == "open"
    dead_letters(app)
    assert rows(app)[0].status == "dead" and rows(app)[0].requeues == 0


def test_requeue_after_the_reset_timeout_and_the_trial_send_closes_the_breaker(mail_app, smtp):
    app = mail_app(BREAKER_EMAIL_FAIL_MAX="1", BREAKER_EMAIL_RESET_S="1")
    smtp.stop()
    queue(app, 1)
    send(app)
    assert breaker(app)["state"] == "open"
    with app.app_context():  # it died meanwhile (test set-up in place of hours of backoff)
        db.session.execute(db.update(EmailOutbox).values(status="dead", attempts=MAX_ATTEMPTS))
        db.session.commit()
    smtp.start()
    poll(lambda: circuit_ready(app))
    dead_letters(app)  # nothing else would try the server again: the requeue is the trial
    assert rows(app)[0].status == "pending"
    send(app)
    assert smtp.wait_for_messages(1) and breaker(app)["state"] == "closed"
