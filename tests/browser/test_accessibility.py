"""axe-core (WCAG 2.2 A/AA and best practices) on the pages the walks in test_driver_journey
and test_admin_console do not photograph: forms showing their errors, the policy pages, error
pages, the draft and payment states, and every page of the operators' console. Each `shot`
audits its page and fails on a serious or critical violation (see conftest.audit)."""
from __future__ import annotations

import re
from datetime import timedelta

from app.email.unsubscribe_tokens import make_token
from tests.appeals.conftest import NO_LIMITS, sf_today
from tests.browser.console_data import OPERATOR, PASSWORD, seed

DESKTOP = {"width": 1280, "height": 900}
# Console pages that are not HTML pages (a download) are not audited.
NOT_PAGES = {"admin.consent.export", "admin.appeals.letter_pdf", "admin.appeals.photo"}


def _submit(page, name: str) -> None:
    page.get_by_role("button", name=name).click()
    page.wait_for_load_state()


def test_driver_pages_with_their_errors_and_states(app_factory, serve, phone, shots):
    app = app_factory(**NO_LIMITS)
    server = serve(app)
    shot = shots("a11y-driver")
    base = server.url
    with app.app_context():
        token = make_token("dana@example.com")
    for step, path in [("privacy", "/privacy"), ("terms", "/terms"), ("refunds", "/refunds"),
                       ("find", "/appeals/find"), ("not-found", "/no-such-page"),
                       ("appeal-not-found", "/appeals/no-such-appeal"),
                       ("demo-unknown-session", "/webhooks/demo/checkout/cs_demo_unknown"),
                       ("unsubscribe", f"/unsubscribe/{token}"),
                       ("unsubscribe-revoke", f"/unsubscribe/{token}/revoke"),
                       ("unsubscribe-invalid", "/unsubscribe/not-a-token")]:
        phone.goto(base + path)
        shot(phone, step)
    phone.goto(base + "/unsubscribe/" + token)
    _submit(phone, "Unsubscribe")
    shot(phone, "unsubscribed")

    phone.goto(base + "/appeals/find")
    phone.fill("#email", "not an address")
    _submit(phone, "Email me the link")
    shot(phone, "find-errors")
    phone.fill("#citation_number", "912345678")
    phone.fill("#email", "dana@example.com")
    _submit(phone, "Email me the link")
    shot(phone, "find-sent")

    phone.goto(base + "/")
    _submit(phone, "Start my appeal")
    shot(phone, "start-errors")
    phone.select_option("#city", "sf")
    phone.fill("#citation_number", "912345678")
    phone.fill("#violation_date", (sf_today() - timedelta(days=4)).isoformat())
    phone.fill("#plate", "7ABC123")
    phone.select_option("#plate_state", "CA")
    phone.fill("#violation", "Expired meter")
    phone.fill("#location", "100 Market St")
    _submit(phone, "Start my appeal")
    phone.wait_for_url(re.compile(r"/photos$"))
    appeal_url = phone.url.rsplit("/", 1)[0]
    phone.set_input_files("#photos", files=[{"name": "ticket.jpg", "mimeType": "image/jpeg",
                                             "buffer": b"not an image at all"}])
    phone.locator("#photos-error").wait_for()  # a chosen file uploads at once: refused here
    shot(phone, "photos-error")

    phone.goto(appeal_url + "/draft")
    shot(phone, "draft-not-started")
    phone.goto(appeal_url + "/story")
    _submit(phone, "Save and continue")
    shot(phone, "story-errors")
    phone.fill("#story", "The meter was broken, so I paid by phone as the sign says.")
    phone.fill("#driver_name", "Dana Driver")
    phone.fill("#email", "dana@example.com")
    _submit(phone, "Save and continue")
    shot(phone, "story-saved")

    phone.goto(appeal_url + "/review")
    shot(phone, "review-own-words")
    phone.fill("#letter_text", "")
    _submit(phone, "Save and continue to sign")
    shot(phone, "review-errors")
    phone.fill("#letter_text", "To the SFMTA,\n\nPlease dismiss citation 912345678.\n\nDana Driver")
    _submit(phone, "Save and continue to sign")
    phone.wait_for_url(re.compile(r"/sign$"))
    phone.fill("#signature_name", "")
    _submit(phone, "Sign and continue")
    shot(phone, "sign-errors")
    phone.fill("#signature_name", "Dana Driver")
    for field, value in (("#return_line1", "1 Market St"), ("#return_city", "San Francisco"),
                         ("#return_state", "CA"), ("#return_zip", "94105")):
        phone.fill(field, value)
    _submit(phone, "Sign and continue")
    phone.wait_for_url(re.compile(r"/checkout$"))
    phone.fill("#return_address", "")
    _submit(phone, "Continue to payment")
    shot(phone, "checkout-errors")
    phone.fill("#return_address", "1 Market St\nSan Francisco, CA 94105")
    _submit(phone, "Continue to payment")
    phone.get_by_text("Demo — no card is charged").first.wait_for()

    phone.goto(appeal_url + "/success")  # not paid yet: the page waits for the payment
    shot(phone, "success-confirming")
    phone.goto(appeal_url)
    shot(phone, "status-awaiting-payment")


def console_urls(app, ids: dict) -> list[tuple[str, str]]:
    """(name, path) of every HTML page the console's GET routes serve, so a new console page
    is audited too, or fails here until the walk knows how to reach it."""
    values = {"public_id": ids["appeal"], "event_id": "evt_dead_1"}
    urls = []
    for rule in app.url_map.iter_rules():
        if (not rule.rule.startswith("/admin") or "GET" not in rule.methods
                or rule.endpoint in NOT_PAGES):
            continue
        unknown = rule.arguments - values.keys()
        assert not unknown, f"the accessibility walk cannot reach {rule.rule}: give it {unknown}"
        urls.append((rule.endpoint, rule.build({k: values[k] for k in rule.arguments})[1]))
    return sorted(urls)


def test_every_console_page(app_factory, browser, serve, shots):
    app = app_factory()
    ids = seed(app)
    server = serve(app)
    shot = shots("a11y-console")
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    try:
        page.goto(server.url + "/admin/login")
        page.fill("#email", OPERATOR)
        page.fill("#password", "wrong password")
        _submit(page, "Sign in")
        shot(page, "login-errors")
        page.fill("#email", OPERATOR)
        page.fill("#password", PASSWORD)
        _submit(page, "Sign in")
        page.wait_for_url(server.url + "/admin/")
        for name, path in console_urls(app, ids) + [("dead-letters", "/admin/email/?status=dead"),
                                                    ("not-found", "/admin/appeals/unknown")]:
            page.goto(server.url + path)
            shot(page, name.removeprefix("admin."))
    finally:
        context.close()
