"""Follow-ups: created once per appeal and number, each queued once, sent with unsubscribe."""
from __future__ import annotations

from datetime import timedelta

import pytest

from app.email.consent import record_consent
from app.extensions import db
from app.models import Appeal, FollowupEvent
from app.models.base import as_utc, utcnow
from tests.email.conftest import rows, send


def mailed_appeal(app, days_ago: int, email: str = "dana@example.com") -> int:
    with app.app_context():
        appeal = Appeal(city_slug="sf", citation_number="912345678", status="mailed",
                        driver_name="Dana Driver", email=email, letter_text="Letter.",
                        mailed_at=utcnow() - timedelta(days=days_ago))
        db.session.add(appeal)
        db.session.commit()
        return appeal.id


def events(app) -> list[FollowupEvent]:
    with app.app_context():
        found = db.session.execute(db.select(FollowupEvent).order_by(
            FollowupEvent.appeal_id, FollowupEvent.followup_number)).scalars().all()
        db.session.expunge_all()
        return found


def run_followups(app) -> str:
    result = app.test_cli_runner().invoke(args=["jobs", "run-once", "followups"])
    assert result.exit_code == 0 and "followups: ok" in result.output, result.output
    return result.output


@pytest.mark.both_databases
def test_running_twice_creates_and_queues_each_followup_once(mail_app, backend):
    app = mail_app()
    old = mailed_appeal(app, days_ago=31)
    recent = mailed_appeal(app, days_ago=15, email="sam@example.com")
    fresh = mailed_appeal(app, days_ago=1, email="lee@example.com")
    run_followups(app)
    run_followups(app)
    found = events(app)
    assert [(e.appeal_id, e.followup_number) for e in found] == [
        (old, 1), (old, 2), (recent, 1), (recent, 2), (fresh, 1), (fresh, 2)]
    by_key = {(e.appeal_id, e.followup_number): e for e in found}
    with app.app_context():
        mailed_at = as_utc(db.session.get(Appeal, old).mailed_at)
    assert as_utc(by_key[(old, 1)].due_at) == mailed_at + timedelta(days=14)
    assert as_utc(by_key[(old, 2)].due_at) == mailed_at + timedelta(days=30)
    assert {k for k, e in by_key.items() if e.sent_at} == {(old, 1), (old, 2), (recent, 1)}
    queued = rows(app)
    assert sorted(r.idempotency_key for r in queued) == [
        f"followup:{old}:1", f"followup:{old}:2", f"followup:{recent}:1"]
    assert {r.category for r in queued} == {"followup"}


def test_followup_email_carries_one_click_unsubscribe_headers(mail_app, smtp):
    app = mail_app()
    mailed_appeal(app, days_ago=15)
    run_followups(app)
    send(app)
    [received] = smtp.wait_for_messages(1)
    message = received.message
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    https, mailto = [part.strip(" <>") for part in message["List-Unsubscribe"].split(",")]
    assert https.startswith("https://fightcitytickets.test/unsubscribe/")
    token = https.rsplit("/", 1)[1]
    assert mailto == f"mailto:unsubscribe@fightcitytickets.com?subject={token}"
    assert https in message.get_body(("plain",)).get_content()
    assert "is with the city" in message["Subject"]


def test_no_followup_to_an_address_that_unsubscribed(mail_app, smtp):
    app = mail_app()
    mailed_appeal(app, days_ago=15)
    with app.app_context():
        record_consent("dana@example.com", "unsubscribe", "api", ip="203.0.113.1")
        db.session.commit()
    run_followups(app)
    send(app)
    [row] = rows(app)
    assert row.status == "suppressed" and smtp.messages == []
