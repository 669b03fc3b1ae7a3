"""The operators' console in a real browser: each action checked through its effect.

Logs in, resets an open breaker, replays a dead webhook, requeues a dead letter, marks an
appeal mailed and exports the consent CSV, with a screenshot of each page.
"""
import csv
import io

from app.extensions import db
from app.models import Appeal, AppealStatus, EmailOutbox, FailedWebhook, OutboxStatus
from tests.browser.console_data import OPERATOR, PASSWORD, seed


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
        page.goto(server.url + "/admin/print-queue/")  # mailed is recorded with its date there
        shot(page, "print-queue")
        page.click(f"#queue-{ids['appeal']} button:has-text('Record mailed')")
        page.wait_for_load_state()
        page.goto(f"{server.url}/admin/appeals/{ids['appeal']}")
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
