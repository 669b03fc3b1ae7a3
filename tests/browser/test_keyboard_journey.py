"""The whole driver's journey with the keyboard alone (WCAG 2.1.1): Tab, Shift+Tab, Enter,
Space, arrow keys and typing; no mouse, no touch, no filling fields from the test. Every
element the focus lands on must show it (see keyboard.tab_to), and every page is audited."""
from __future__ import annotations

import re
from datetime import timedelta

from app.extensions import db
from app.models import Appeal, AppealStatus
from tests.appeals.conftest import NO_LIMITS, image_bytes, sf_today
from tests.browser.keyboard import focused, press_on, tab_to
from tests.browser.console_errors import watch_console

DESKTOP = {"width": 1280, "height": 900}


def start(page, base: str, shot) -> None:
    page.goto(base + "/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    assert skip.evaluate("el => el === document.activeElement") and focused(page)["inView"]
    shot(page, "skip-link")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    tab_to(page, page.locator("#city"))
    page.keyboard.type("San Francisco")  # a closed select picks the option typed
    assert page.input_value("#city") == "sf"
    tab_to(page, page.locator("#citation_number"))
    page.keyboard.type("912 345 678")
    tab_to(page, page.locator("#violation_date"))
    day = sf_today() - timedelta(days=4)
    page.keyboard.type(day.strftime("%m%d%Y"))
    assert page.input_value("#violation_date") == day.isoformat()
    tab_to(page, page.locator("#plate"))
    page.keyboard.type("7ABC123")
    tab_to(page, page.locator("#plate_state"))
    page.keyboard.type("CA")  # a closed select picks the option typed
    assert page.input_value("#plate_state") == "CA"
    for field, text in [("#violation", "Expired meter"), ("#location", "100 Market St")]:
        tab_to(page, page.locator(field))
        page.keyboard.type(text)
    shot(page, "start")
    press_on(page, page.get_by_role("button", name="Start my appeal"))
    page.wait_for_url(re.compile(r"/photos$"))


def photos(page, shot) -> None:
    tab_to(page, page.locator("#photos"))
    with page.expect_file_chooser() as chooser:
        page.keyboard.press("Space")
    chooser.value.set_files(files=[{"name": "ticket.jpg", "mimeType": "image/jpeg",
                                    "buffer": image_bytes("JPEG", size=(640, 480))}])
    page.get_by_text("Photo added.").wait_for()  # a chosen photo uploads at once
    shot(page, "photos")
    press_on(page, page.get_by_role("button", name="Continue", exact=True))
    page.wait_for_url(re.compile(r"/story$"))


def story(page, shot) -> None:
    for field, text in [("#story", "The meter was broken, so I paid by phone as the sign says."),
                        ("#driver_name", "Dana Driver"), ("#email", "dana@example.com"),
                        ("#plate", "7ABC123")]:
        tab_to(page, page.locator(field))
        page.keyboard.type(text)
    shot(page, "story")
    press_on(page, page.get_by_role("button", name="Save and continue"))
    page.locator("#write").wait_for()
    # From the top of the page, Shift+Tab wraps to the page's end: the letter button is near.
    press_on(page, page.locator("#write").get_by_role("button", name="Write my letter"),
             backwards=True)
    page.wait_for_url(re.compile(r"/draft$"))


def letter(page, shot) -> None:
    review = page.get_by_role("link", name="Review and edit your letter")
    review.wait_for(timeout=45_000)
    shot(page, "draft-done")
    press_on(page, review)
    page.wait_for_url(re.compile(r"/review$"))
    shot(page, "review")
    press_on(page, page.get_by_role("button", name="Save and continue to sign"))
    page.wait_for_url(re.compile(r"/sign$"))


def sign(page, shot) -> None:
    page.locator("#signature-canvas").wait_for(state="visible")  # the pad is there, unused
    for field, text in [("#return_line1", "1 Market St"), ("#return_city", "San Francisco"),
                        ("#return_state", "CA"), ("#return_zip", "94105")]:
        tab_to(page, page.locator(field))
        page.keyboard.type(text)
    tab_to(page, page.locator("#signature_name"))  # the typed-name fallback
    page.keyboard.press("Control+A")
    page.keyboard.type("Dana Q. Driver")
    shot(page, "sign")
    press_on(page, page.get_by_role("button", name="Sign and continue"))
    page.wait_for_url(re.compile(r"/checkout$"))


def checkout(page, shot) -> None:
    tab_to(page, page.locator("#mail_class-standard"))
    page.keyboard.press("ArrowDown")
    assert page.is_checked("#mail_class-certified")
    shot(page, "checkout")
    press_on(page, page.get_by_role("button", name="Continue to payment"))
    page.get_by_text("Demo — no card is charged").first.wait_for()
    shot(page, "demo-checkout")
    press_on(page, page.get_by_role("button", name=re.compile(r"^Pay ")), "Space")
    page.wait_for_url(re.compile(r"/success$"))
    page.get_by_text("your appeal is on its way").wait_for(timeout=30_000)
    shot(page, "success")
    press_on(page, page.get_by_role("link", name="Go to my appeal page"))
    page.get_by_text("Paid").first.wait_for()
    shot(page, "status")


def test_driver_completes_the_journey_with_the_keyboard_alone(app_factory, serve, browser,
                                                              shots):
    app = app_factory(**NO_LIMITS)
    server = serve(app)
    context = browser.new_context(viewport=DESKTOP, locale="en-US")
    context.set_default_timeout(20_000)
    page = context.new_page()
    errors = watch_console(page)
    shot = shots("keyboard")
    try:
        start(page, server.url, shot)
        photos(page, shot)
        story(page, shot)
        letter(page, shot)
        sign(page, shot)
        checkout(page, shot)
        assert errors == []
    finally:
        context.close()
    with app.app_context():
        appeal = db.session.execute(db.select(Appeal)).scalar_one()
        assert appeal.status == AppealStatus.PAID and appeal.mail_class == "certified"
        assert appeal.signature_name == "Dana Q. Driver"  # the typed name signed the letter
        assert len(appeal.photos) == 1
