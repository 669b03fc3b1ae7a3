"""Driver-triggered email (appeal link, receipt again) and the operators' outbox actions."""
from __future__ import annotations

from app.email import admin_service
from app.appeals.driver_notifications import resend_receipt, send_appeal_link
from app.extensions import db
from app.models import Appeal
from tests.email.conftest import queue, rows, send


def appeal(app, **values) -> int:
    fields = dict(city_slug="sf", citation_number="912345678", status="paid", driver_name="Dana",
                  email="dana@example.com", price_cents=989, currency="usd", mail_class="standard")
    fields.update(values)
    with app.app_context():
        row = Appeal(**fields)
        db.session.add(row)
        db.session.commit()
        return row.id


def test_appeal_link_goes_only_to_a_match_and_once_per_window(app_factory):
    app = app_factory(PUBLIC_BASE_URL="https://fct.example/")
    appeal(app)
    with app.app_context():
        assert send_appeal_link("9123-45678", "nobody@example.com") == 0
        assert send_appeal_link("111111111", "dana@example.com") == 0
        assert rows(app) == []
        assert send_appeal_link("9123-45678", " Dana@Example.com") == 1
        assert send_appeal_link("912345678", "dana@example.com") == 1
        public_id = db.session.execute(db.select(Appeal.public_id)).scalar_one()
    [row] = rows(app)
    assert row.template == "appeal_link" and row.recipient == "dana@example.com"
    assert f"https://fct.example/appeals/{public_id}" in row.body_text
    assert row.category == "transactional" and row.headers == {}


def test_receipt_again_only_for_a_paid_appeal(app):
    paid = appeal(app)
    started = appeal(app, status="started", citation_number="912345679")
    with app.app_context():
        assert resend_receipt(db.session.get(Appeal, started)) is False
        assert resend_receipt(db.session.get(Appeal, paid)) is True
        assert resend_receipt(db.session.get(Appeal, paid)) is True  # same window: same row
    [row] = rows(app)
    assert row.template == "receipt" and "$9.89" in row.body_text


def test_operator_list_requeue_and_discard(mail_app, smtp):
    app = mail_app()
    smtp.reject_recipients.add("driver0@example.com")
    queue(app, 2)
    send(app)
    with app.app_context():
        dead = admin_service.list_outbox("dead")
        assert [r.recipient for r in dead] == ["driver0@example.com"]
        assert len(admin_service.list_outbox()) == 2
        assert admin_service.discard(dead[0].id) is True
        assert admin_service.list_outbox("discarded")[0].id == dead[0].id
        sent_id = admin_service.list_outbox("sent")[0].id
        assert admin_service.requeue(sent_id) is False  # sent mail is never sent again
        assert admin_service.discard(sent_id) is False
        assert admin_service.requeue(999999) is False
        smtp.reject_recipients.clear()
        assert admin_service.requeue(dead[0].id) is True
    send(app)
    assert len(smtp.wait_for_messages(2)) == 2
    assert {r.status for r in rows(app)} == {"sent"}
    assert len(set(smtp.message_ids())) == 2
