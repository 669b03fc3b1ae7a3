"""The journey per kind of city, in a real browser on a phone-sized screen (§5, §7, §17):
a mailable city, a city that wants the original paper ticket, a city contested in person
only, and a ticket two days from its deadline. Each walk goes from the start page to the
checkout; screenshots of each go to test-artifacts/browser/city-<case>/.

The clock is fixed (time-machine, ticking) at Monday December 7, 2026, 12:30 in Dallas:
past the printer's noon cut-off there, so a Dallas letter is printed on Tuesday the 8th.
"""
from __future__ import annotations

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from app.cities import loader
from tests.appeals.conftest import NO_LIMITS
from tests.browser.console_errors import watch_console
from tests.browser.test_driver_journey import walk_to_checkout

NOW = datetime(2026, 12, 7, 12, 30, tzinfo=ZoneInfo("America/Chicago"))
CITIES = loader.load_directory().cities


def ticket(slug: str, ticket_date: date) -> dict:
    return {"city": slug, "number": CITIES[slug].example_citation, "ticket_date": ticket_date}


@pytest.fixture
def walk(app_factory, serve, phone, shots, time_machine):
    """walk(case, slug, ticket_date) -> the phone on the city's checkout page."""
    time_machine.move_to(NOW, tick=True)
    server = serve(app_factory(**NO_LIMITS))
    errors = watch_console(phone)

    def to_checkout(case: str, slug: str, ticket_date: date):
        shot = shots(f"city-{case}")
        walk_to_checkout(phone, server.url, shot, pay=False, **ticket(slug, ticket_date))
        return phone, shot

    yield to_checkout
    assert errors == []


def download_letter(page) -> bytes:
    with page.expect_download() as download:
        page.get_by_role("link", name="Download your letter (PDF, free)").click()
    return download.value.path().read_bytes()


def test_a_mailable_city_sells_both_classes_with_their_dates(walk):
    page, shot = walk("mailable", "boston", date(2026, 12, 1))  # last day December 22
    page.get_by_text("The last day to contest this ticket is December 22, 2026").wait_for()
    page.get_by_text("How Boston handles appeals").wait_for()
    # 1:30 p.m. in Boston: printed Tuesday, mailed Wednesday (certified: Thursday)
    for mail_class, arrives in (("standard", "December 16"), ("certified", "December 17")):
        label = page.locator(f"label[for='mail_class-{mail_class}']")
        assert f"Arrives by {arrives}, 2026" in label.inner_text()
    shot(page, "checkout")
    page.locator("label[for='mail_class-standard']").click()
    page.get_by_role("button", name="Continue to payment").click()
    page.get_by_text("Demo — no card is charged").first.wait_for()
    assert "9.89" in page.locator("#demo-amount").inner_text()
    shot(page, "demo-checkout")


def test_a_city_that_wants_the_paper_ticket_gets_the_letter_free(walk):
    page, shot = walk("original-ticket", "nyc", date(2026, 12, 1))
    page.get_by_role("heading", name="How to contest in New York City").wait_for()
    page.get_by_text("only with the original paper ticket enclosed").wait_for()
    page.get_by_text("Hearings By Mail Unit").wait_for()  # where the driver mails it, with the ticket
    assert page.get_by_role("link", name="New York City's appeal page").get_attribute("href") \
        == CITIES["nyc"].online_url
    assert page.locator("input[name='mail_class']").count() == 0
    assert page.get_by_role("button", name="Continue to payment").count() == 0
    shot(page, "checkout")
    pdf = download_letter(page)
    assert pdf.startswith(b"%PDF-")


def test_a_city_contested_in_person_only_sells_no_mail(walk):
    page, shot = walk("in-person", "denver", date(2026, 12, 1))
    page.get_by_text("Denver does not accept appeals by mail").wait_for()
    page.get_by_text("1437 Bannock St.").first.wait_for()
    page.get_by_text("Nothing has been charged").wait_for()
    assert page.locator("input[name='mail_class']").count() == 0
    shot(page, "checkout")
    assert download_letter(page).startswith(b"%PDF-")


def test_two_days_from_the_deadline_only_what_can_make_it_is_sold(walk):
    """Dallas counts the postmark; the last day is Wednesday December 9. Standard mail is
    postmarked that day, certified mail (its acceptance scan) a day later."""
    page, shot = walk("two-days-left", "dallas", date(2026, 11, 24))
    page.get_by_text("The last day to contest this ticket is December 9, 2026").wait_for()
    assert page.locator("input[name='mail_class']").count() == 1
    assert page.is_checked("#mail_class-standard")
    assert "Postmarked by December 9, 2026" in page.locator("label[for='mail_class-standard']").inner_text()
    page.get_by_text(re.compile(r"Certified mail with return receipt is not offered")).wait_for()
    shot(page, "checkout")
    page.get_by_role("button", name="Continue to payment").click()
    page.get_by_text("Demo — no card is charged").first.wait_for()
    assert "Standard mail" in page.content()
    shot(page, "demo-checkout")
