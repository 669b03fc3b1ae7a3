"""One reminder for an abandoned appeal while the city can still be reached, never after
the deadline, never after unsubscribing, never twice."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from app.email.consent import record_consent
from app.extensions import db
from app.models import Appeal, ConsentAction
from app.models.base import utcnow
from tests.appeals.conftest import NO_LIMITS, sf_today, start_appeal, tell_story, write_letter
from tests.email.conftest import rows, send

SUPPORT = "help@fightcitytickets.test"


@pytest.fixture
def reminder_app(mail_app):
    return mail_app(SUPPORT_EMAIL=SUPPORT, REMINDER_AFTER_HOURS="24", **NO_LIMITS)


def abandoned(app, *, days_ago: int = 5, email: str = "dana@example.com",
              quiet_hours: float = 25) -> str:
    """An appeal walked to a written letter through the pages, then left for `quiet_hours`."""
    client = app.test_client()
    public_id = start_appeal(client, days_ago=days_ago)
    tell_story(client, public_id, email=email)
    write_letter(client, public_id)
    set_quiet(app, public_id, quiet_hours)
    return public_id


def set_quiet(app, public_id: str, hours: float) -> None:
    """Test set-up in place of waiting: the appeal's last change was `hours` ago."""
    with app.app_context():
        db.session.execute(update(Appeal).where(Appeal.public_id == public_id)
                           .values(updated_at=utcnow() - timedelta(hours=hours)))
        db.session.commit()


def run_reminders(app) -> str:
    result = app.test_cli_runner().invoke(args=["jobs", "run-once", "remind_abandoned"])
    assert result.exit_code == 0 and "remind_abandoned: ok" in result.output, result.output
    return result.output


def reminded_at(app, public_id: str):
    with app.app_context():
        return db.session.execute(db.select(Appeal.reminder_sent_at)
                                  .filter_by(public_id=public_id)).scalar_one()


@pytest.mark.both_databases
def test_an_abandoned_appeal_gets_one_reminder_with_the_days_left(reminder_app, smtp, backend):
    public_id = abandoned(reminder_app)
    run_reminders(reminder_app)
    run_reminders(reminder_app)  # a second run (or the scheduler's next) sends nothing more
    send(reminder_app)
    [received] = smtp.wait_for_messages(1)
    message = received.message
    days_left = (sf_today() - timedelta(days=5) + timedelta(days=21) - sf_today()).days
    assert received.rcpt_tos == ["dana@example.com"]
    assert f"is ready — {days_left} days left" in message["Subject"]
    assert "912345678" in message["Subject"]
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert f"/appeals/{public_id}" in text and f"/appeals/{public_id}" in html
    assert f"({days_left} days left)" in text
    assert message["List-Unsubscribe"] and message["List-Unsubscribe-Post"]
    assert SUPPORT in text and f'href="mailto:{SUPPORT}"' in html  # the support contact
    assert reminded_at(reminder_app, public_id) is not None
    [row] = rows(reminder_app)
    assert row.category == "followup" and row.idempotency_key == f"reminder:{row.appeal_id}"
    smtp.clear()
    run_reminders(reminder_app)
    send(reminder_app)
    assert smtp.messages == []


def test_no_reminder_before_the_quiet_time_or_once_paid_for(reminder_app):
    recent = abandoned(reminder_app, quiet_hours=2)
    run_reminders(reminder_app)
    assert rows(reminder_app) == [] and reminded_at(reminder_app, recent) is None
    set_quiet(reminder_app, recent, 25)
    with reminder_app.app_context():  # set-up: the driver paid meanwhile
        appeal = db.session.execute(db.select(Appeal).filter_by(public_id=recent)).scalar_one()
        appeal.move_to("awaiting_payment")
        appeal.move_to("paid")
        db.session.commit()
    set_quiet(reminder_app, recent, 25)
    run_reminders(reminder_app)
    assert rows(reminder_app) == []


def test_no_reminder_once_the_letter_cannot_reach_the_city_in_time(reminder_app):
    # SF counts receipt within 21 days: with 2 days left no mail class arrives in time.
    too_late = abandoned(reminder_app, days_ago=19, email="late@example.com")
    run_reminders(reminder_app)
    assert rows(reminder_app) == [] and reminded_at(reminder_app, too_late) is None


def test_no_reminder_after_unsubscribing(reminder_app, smtp):
    public_id = abandoned(reminder_app, email="gone@example.com")
    with reminder_app.app_context():
        record_consent("gone@example.com", ConsentAction.UNSUBSCRIBE, "one_click")
        db.session.commit()
    run_reminders(reminder_app)
    send(reminder_app)
    assert rows(reminder_app) == [] and smtp.messages == []
    assert reminded_at(reminder_app, public_id) is None


def test_the_reminder_link_unsubscribes_from_it(reminder_app, smtp):
    """Unsubscribing between the queueing and the sending suppresses it (the outbox decides)."""
    abandoned(reminder_app, email="late-unsub@example.com")
    run_reminders(reminder_app)
    with reminder_app.app_context():
        record_consent("late-unsub@example.com", ConsentAction.UNSUBSCRIBE, "one_click")
        db.session.commit()
    send(reminder_app)
    assert smtp.messages == []
    [row] = rows(reminder_app)
    assert row.status == "suppressed"


def test_the_job_is_registered_with_the_scheduler(reminder_app):
    result = reminder_app.test_cli_runner().invoke(args=["jobs", "list"])
    assert result.exit_code == 0 and "remind_abandoned" in result.output
