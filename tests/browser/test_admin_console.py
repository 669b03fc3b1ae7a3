"""The operators' console in a real browser: each action checked through its effect.

Logs in, resets an open breaker, replays a dead webhook, requeues a dead letter, marks an
appeal mailed and exports the consent CSV, with a screenshot of each page.
"""
import csv
import io

import pybreaker
import pytest
import requests

from app.extensions import db
from app.models import (AdminUser, Appeal, AppealStatus, ConsentAuditLog, EmailOutbox,
                        FailedWebhook, OutboxStatus)
from app.resilience.breakers import guard
from tests.fakes.stripe_objects import fixture, make_event

OPERATOR, PASSWORD = "ops@fightcitytickets.com", "correct horse battery staple"


def seed(app) -> dict:
    with app.app_context():
        user = AdminUser(email=OPERATOR)
        user.set_password(PASSWORD)
        appeal = Appeal(city_slug="sf", citation_number="912345678", status=AppealStatus.PAID,
                        driver_name="Dana Driver", email="dana@example.com",
                        return_address="1 Main St\nSan Francisco, CA 94110",
                        letter_text="To whom it may concern,\nI was parked legally.",
                        letter_source="template", letter_version=1)
        event = make_event("charge.dispute.created", fixture("dispute"), event_id="evt_dead_1")
        dead_webhook = FailedWebhook(event_id="evt_dead_1", type=event["type"], payload=event,
                                     last_error="ConnectionError: Stripe unreachable", attempts=3,
                                     status="dead")
        letter = EmailOutbox(recipient="dana@example.com", subject="Your receipt", body_text="Thanks",
                             headers={}, idempotency_key="receipt:test", message_id="<m1@fct>",
                             status=OutboxStatus.DEAD, attempts=5, last_error="451 try later")
        consent = ConsentAuditLog(email="dana@example.com", action="consent_given",
                                  source="web_form", ip_address="203.0.113.5", user_agent="Phone",
                                  wording_version="v1")
        db.session.add_all([user, appeal, dead_webhook, letter, consent])
        db.session.commit()
        for _ in range(3):  # a real failing dependency (connection refused) opens the breaker
            with pytest.raises((requests.ConnectionError, pybreaker.CircuitBreakerError)):
                with guard("stripe"):
                    requests.get("http://127.0.0.1:1/", timeout=1)
        return {"appeal": appeal.public_id, "letter": letter.id}


def test_operator_console_in_a_browser(app_factory, browser, serve, shots):
    app = app_factory()
    ids = seed(app)
    server = serve(app)
    shot = shots("admin")
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    try:
        page.goto(server.url + "/admin/")
        assert "/admin/login" in page.url
        page.fill("#email", OPERATOR)
        page.fill("#password", PASSWORD)
        shot(page, "login")
        page.click("button[type=submit]")
        page.wait_for_url(server.url + "/admin/")
        assert page.locator("#breaker-stripe .breaker-state").inner_text() == "open"
        shot(page, "dashboard-breaker-open")
        page.click("#breaker-stripe button")
        page.wait_for_load_state()
        assert page.locator("#breaker-stripe .breaker-state").inner_text() == "closed"
        assert app.extensions["breakers"].snapshot("stripe")["state"] == "closed"
        shot(page, "dashboard-breaker-reset")

        page.goto(server.url + "/admin/webhooks/?status=dead")
        shot(page, "webhooks-dead")
        page.click("#webhook-evt_dead_1 button:has-text('Replay')")
        page.wait_for_load_state()
        shot(page, "webhook-replayed")
        with app.app_context():
            row = db.session.execute(db.select(FailedWebhook).filter_by(event_id="evt_dead_1")).scalar_one()
            assert row.status == "resolved"

        page.goto(server.url + "/admin/email/?status=dead")
        shot(page, "email-dead-letters")
        page.click(f"#email-{ids['letter']} button:has-text('Requeue')")
        page.wait_for_load_state()
        shot(page, "email-requeued")
        with app.app_context():
            assert db.session.get(EmailOutbox, ids["letter"]).status == OutboxStatus.PENDING

        page.goto(f"{server.url}/admin/appeals/{ids['appeal']}")
        shot(page, "appeal-detail")
        page.click("button:has-text('Mark mailed')")
        page.wait_for_load_state()
        assert page.locator("#appeal-status").inner_text() == "mailed"
        shot(page, "appeal-mailed")
        with app.app_context():
            appeal = db.session.execute(db.select(Appeal).filter_by(public_id=ids["appeal"])).scalar_one()
            assert appeal.status == AppealStatus.MAILED and appeal.mailed_at is not None

        page.goto(server.url + "/admin/consent/?email=dana@example.com")
        shot(page, "consent-log")
        with page.expect_download() as download:
            page.click("#export-csv")
        rows = list(csv.DictReader(io.StringIO(open(download.value.path()).read())))
        assert [(r["email"], r["action"], r["ip_address"]) for r in rows] == [
            ("dana@example.com", "consent_given", "203.0.113.5")]
    finally:
        context.close()
