"""Photo first in a real browser on a phone-sized screen (§18): the driver photographs the
ticket (a generated ticket image through the file chooser), checks the fields read from it
(screenshot of the prefilled review in test-artifacts/browser/photo-first/), and starts
the appeal with the photo as its first exhibit."""
from __future__ import annotations

import re
from datetime import timedelta

from tests.appeals.conftest import NO_LIMITS, sf_today, ticket_photo
from tests.browser.console_errors import watch_console

READER = {"OCR_WORKERS": "1", "OCR_QUEUE_SIZE": "2", "OCR_BUDGET_S": "60"}


def test_driver_photographs_the_ticket_and_checks_what_was_read(app_factory, serve, phone, shots):
    app = app_factory(**NO_LIMITS, **READER)
    app.extensions["ticket_reader"].warm_up()  # the worker's start is not what this test is about
    server = serve(app)
    shot = shots("photo-first")
    errors = watch_console(phone)
    truth, photo = ticket_photo("sf", 2)

    phone.goto(server.url + "/")
    camera = phone.locator("#photo")
    assert camera.get_attribute("capture") == "environment"
    assert camera.get_attribute("accept") == "image/*"
    # The photo comes first on the page; typing it in is the second choice.
    assert camera.bounding_box()["y"] < phone.locator("#citation_number").bounding_box()["y"]
    shot(phone, "start")
    with phone.expect_file_chooser() as chooser:
        camera.click()
    chooser.value.set_files(files=[{"name": "ticket.jpg", "mimeType": "image/jpeg", "buffer": photo}])
    # Reading takes seconds (much longer on a busy machine): wait for the page, not the click.
    phone.get_by_role("button", name="Read my ticket").click(no_wait_after=True)
    phone.get_by_role("heading", name="Check your ticket's details").wait_for(timeout=120_000)
    for field, expected in [("#citation_number", truth.citation_number), ("#plate", truth.plate),
                            ("#violation_date", truth.issue_date.isoformat())]:
        assert phone.input_value(field) == expected, field
        assert "prefilled" in phone.locator(field).get_attribute("class")
    assert phone.input_value("#city") == "sf"
    assert phone.get_by_text("Read from your photo: please check it.").first.is_visible()
    shot(phone, "review-prefilled")

    # The driver types what was left empty and corrects the date (the generated ticket is old).
    for field, value in [("#violation", truth.violation), ("#location", truth.location)]:
        if not phone.input_value(field):
            phone.fill(field, value)
    if not phone.input_value("#plate_state"):
        phone.select_option("#plate_state", truth.plate_state)
    phone.fill("#violation_date", (sf_today() - timedelta(days=2)).isoformat())
    phone.get_by_role("button", name="Start my appeal").click()

    phone.wait_for_url(re.compile(r"/appeals/[^/]+/photos$"))
    exhibit = phone.locator(".photo-list img").first
    exhibit.wait_for()
    assert exhibit.evaluate("img => img.complete && img.naturalWidth > 0")
    shot(phone, "photos-with-ticket")
    assert errors == []
