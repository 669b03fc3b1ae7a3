"""What the driver is told, and when, beyond what axe can see: a form that comes back with
errors says so first (the title, then the focus on a summary whose links lead to each field,
each field described by its error), and a page waiting for a payment updates itself without
reloading under the reader (WCAG 2.2.1, 3.3.1, 4.1.3)."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.appeals.conftest import NO_LIMITS, ready_to_pay, token_for
from tests.browser.keyboard import tab_to

DESKTOP = {"width": 1280, "height": 900}


def test_form_errors_take_the_focus_and_lead_to_their_fields(app_factory, serve, browser, shots):
    server = serve(app_factory(**NO_LIMITS))
    shot = shots("errors")
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    try:
        page.goto(server.url + "/")
        tab_to(page, page.get_by_role("button", name="Start my appeal"))
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert page.title().startswith("Error: ")
        assert page.evaluate("document.activeElement.className") == "error-summary"
        shot(page, "start-errors")
        citation = page.locator("#citation_number")
        expect(citation).to_have_attribute("aria-invalid", "true")
        expect(citation).to_have_accessible_description(
            re.compile(r"Printed near the top.*Please enter the citation number"))
        expect(page.locator("#citation_number-error")).to_have_attribute("role", "alert")

        link = page.get_by_role("link", name="Please enter the citation number from your ticket.")
        tab_to(page, link)
        page.keyboard.press("Enter")
        assert page.evaluate("document.activeElement.id") == "citation_number"
    finally:
        context.close()


def test_waiting_for_a_payment_updates_the_page_without_reloading_it(app_factory, serve, browser):
    app = app_factory(**NO_LIMITS)
    server = serve(app)
    client = app.test_client()
    public_id = ready_to_pay(client)
    checkout = f"/appeals/{public_id}/checkout"
    demo_url = client.post(checkout, data={"csrf_token": token_for(client, checkout),
                                           "mail_class": "standard",
                                           "return_address": "1 Market St"}).headers["Location"]
    context = browser.new_context(viewport=DESKTOP)
    waiting, paying = context.new_page(), context.new_page()
    try:
        waiting.goto(f"{server.url}/appeals/{public_id}/success")
        waiting.get_by_text("Confirming your payment").wait_for()
        loads = []
        waiting.on("framenavigated", lambda frame: loads.append(frame.url)
                   if frame == waiting.main_frame else None)
        for _ in range(2):  # two rounds of asking in the background, and no reload
            with waiting.expect_request(lambda r: r.resource_type == "fetch"
                                        and r.url.endswith("/success")):
                pass
        assert loads == []

        paying.goto(server.url + demo_url if demo_url.startswith("/") else demo_url)
        paying.get_by_role("button", name=re.compile(r"^Pay ")).click()
        waiting.get_by_text("your appeal is on its way").wait_for(timeout=30_000)
        assert len(loads) == 1  # shown anew once, when the payment was confirmed
    finally:
        context.close()
