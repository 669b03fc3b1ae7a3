"""The driver's journey in a real browser on a phone-sized screen (§5, §16):
start → photo → story → draft → review → sign → checkout → success, and the same walk with
the AI writer hanging and with Stripe down. Screenshots go to test-artifacts/browser/."""
from __future__ import annotations

import re
import socket
from datetime import timedelta

import pytest

from tests.appeals.conftest import NO_LIMITS, image_bytes, sf_today
from tests.browser.console_errors import watch_console

OWN_LETTER = ("To the SFMTA Citation Review office,\n\nI ask you to review and dismiss citation "
              "912345678. The meter was broken and I paid by phone as the sign instructs.\n\n"
              "Dana Driver")


def dead_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


def fill_address(page) -> None:
    for field, value in (("#return_line1", "1 Market St"), ("#return_city", "San Francisco"),
                         ("#return_state", "CA"), ("#return_zip", "94105")):
        page.fill(field, value)


def start_step(page, base: str, shot, *, city: str = "sf", number: str = "912 345 678",
               ticket_date=None) -> None:
    """The start page, for a ticket of `city` dated `ticket_date` (default: four days ago)."""
    page.goto(base + "/")
    shot(page, "start")
    page.select_option("#city", city)
    page.fill("#citation_number", number)
    page.fill("#violation_date", (ticket_date or sf_today() - timedelta(days=4)).isoformat())
    page.fill("#plate", "7abc123")
    page.select_option("#plate_state", "CA")
    page.fill("#violation", "Expired meter")
    page.fill("#location", "100 Market St")
    page.get_by_role("button", name="Start my appeal").click()
    page.wait_for_url(re.compile(r"/appeals/[^/]+/photos$"))


def walk_to_checkout(page, base: str, shot, *, ai_hangs: bool = False, pay: bool = True,
                     **ticket) -> None:
    """Start (with `ticket`: city, number, ticket_date) to the checkout page; with `pay`,
    choose certified mail there and continue to payment."""
    start_step(page, base, shot, **ticket)

    page.set_input_files("#photos", files=[{"name": "ticket.jpg", "mimeType": "image/jpeg",
                                            "buffer": image_bytes("JPEG", size=(640, 480))}])
    page.get_by_text("Photo added.").wait_for()  # a chosen photo uploads at once
    shot(page, "photos")
    page.get_by_role("button", name="Continue", exact=True).click()

    page.wait_for_url(re.compile(r"/story$"))
    page.fill("#story", "The meter was broken, so I paid by phone as the sign on the meter says.")
    page.fill("#driver_name", "Dana Driver")
    page.fill("#email", "dana@example.com")
    page.fill("#plate", "7abc123")
    assert not page.is_checked("#marketing")
    shot(page, "story")
    page.get_by_role("button", name="Save and continue").click()
    page.locator("#write").get_by_role("button", name="Write my letter").click()

    page.wait_for_url(re.compile(r"/draft$"))
    shot(page, "draft")
    # The draft page refreshes itself until the letter is done (or the writer gave up).
    next_link = page.locator("a[href$='/review']").filter(
        has_text=re.compile("Write your letter" if ai_hangs else "Review and edit"))
    next_link.first.wait_for(timeout=45_000)
    shot(page, "draft-done")
    next_link.first.click()

    page.wait_for_url(re.compile(r"/review$"))
    if ai_hangs:
        page.get_by_text("Your letter needs your words").wait_for()
        assert "meter was broken" in page.input_value("#letter_text")  # the story, prefilled
        page.fill("#letter_text", OWN_LETTER)
    else:
        page.get_by_text("Template letter").wait_for()
        number = re.sub(r"[\s.-]", "", ticket.get("number", "912345678")).upper()
        assert number in page.input_value("#letter_text")
    shot(page, "review")
    page.get_by_role("button", name="Save and continue to sign").click()

    page.wait_for_url(re.compile(r"/sign$"))
    fill_address(page)
    canvas = page.locator("#signature-canvas")
    canvas.wait_for(state="visible")
    box = canvas.bounding_box()
    page.mouse.move(box["x"] + 20, box["y"] + box["height"] * 0.6)
    page.mouse.down()
    for step in range(1, 25):
        page.mouse.move(box["x"] + 20 + step * 12, box["y"] + box["height"] * (0.6 - 0.3 * (step % 2)))
    page.mouse.up()
    shot(page, "sign")
    page.get_by_role("button", name="Sign and continue").click()

    page.wait_for_url(re.compile(r"/checkout$"))
    if not pay:
        return
    page.locator("label[for='mail_class-certified']").click()
    assert page.is_checked("#mail_class-certified")
    shot(page, "checkout")
    page.get_by_role("button", name="Continue to payment").click()


@pytest.mark.parametrize("walk", ["happy", "ai-hangs"])
def test_driver_walks_from_camera_to_success(walk, app_factory, serve, phone, shots, request):
    env = dict(NO_LIMITS)
    if walk == "ai-hangs":
        ai = request.getfixturevalue("hanging_ai")
        env.update(DEEPSEEK_API_KEY="sk-test", DEEPSEEK_BASE_URL=ai.url, DEEPSEEK_TIMEOUT_S="1")
    server = serve(app_factory(**env))
    shot = shots(None if walk == "happy" else walk)
    errors = watch_console(phone)

    walk_to_checkout(phone, server.url, shot, ai_hangs=walk == "ai-hangs")

    phone.get_by_text("Demo — no card is charged").first.wait_for()
    shot(phone, "demo-checkout")
    phone.get_by_role("button", name=re.compile(r"^Pay ")).click()
    phone.wait_for_url(re.compile(r"/success$"))
    phone.get_by_text("your appeal is on its way").wait_for(timeout=30_000)
    assert "1–2 business days" in phone.content()
    shot(phone, "success")
    phone.get_by_role("link", name="Go to my appeal page").click()
    phone.get_by_text("Paid").first.wait_for()
    shot(phone, "status")
    assert errors == []
    if walk == "ai-hangs":
        assert request.getfixturevalue("hanging_ai").requests >= 1  # the writer really was asked


def test_driver_sees_payments_unavailable_when_stripe_is_down(app_factory, serve, phone, shots):
    server = serve(app_factory(STRIPE_SECRET_KEY="sk_test_x", STRIPE_WEBHOOK_SECRET="whsec_x",
                               STRIPE_PUBLISHABLE_KEY="pk_test_x", STRIPE_API_BASE=dead_port_url(),
                               **NO_LIMITS))
    shot = shots("stripe-down")
    errors = watch_console(phone)
    walk_to_checkout(phone, server.url, shot)

    heading = phone.get_by_role(
        "heading", name="Payments are temporarily unavailable — your appeal is saved")
    heading.wait_for()
    shot(phone, "payments-unavailable")
    retry = phone.get_by_role("button", name="Try again")
    assert retry.is_visible()
    retry.click()  # still down: the same page again, never an error page
    heading.wait_for()
    phone.get_by_role("link", name="My appeal page").click()
    phone.get_by_text("Waiting for payment").wait_for()
    shot(phone, "status")
    assert errors == []
