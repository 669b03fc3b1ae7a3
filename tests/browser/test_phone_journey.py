"""The middle of the driver's journey on a 390x844 phone: photos (a full-size photo scaled
down in the browser; a photo chosen and then "skipped" still kept), the template letter and
its page reloaded, the return address and signature, and the support contact on each page.
The appeal is started through the start form's HTTP helper: the walk is about what follows."""
from __future__ import annotations

import io
import re

from PIL import Image

from app.appeals.evidence import MAX_FILE_BYTES
from app.extensions import db
from app.models import AiRequest, Appeal
from tests.appeals.conftest import NO_LIMITS, image_bytes, start_appeal
from tests.browser.conftest import PHONE
from tests.browser.console_errors import watch_console

SUPPORT = "help@fightcitytickets.test"


def full_size_photo() -> bytes:
    """A camera-sized JPEG of noise (which compresses badly): over the 5 MB limit."""
    bands = [Image.effect_noise((2600, 2000), 80).convert("L") for _ in range(3)]
    out = io.BytesIO()
    Image.merge("RGB", bands).save(out, "JPEG", quality=95)
    assert out.tell() > MAX_FILE_BYTES
    return out.getvalue()


def appeal_row(app, public_id: str) -> Appeal:
    with app.app_context():
        appeal = db.session.execute(db.select(Appeal).filter_by(public_id=public_id)).scalar_one()
        photos = [(p.content_type, p.size_bytes) for p in appeal.photos]
        requests = db.session.execute(db.select(AiRequest).filter_by(appeal_id=appeal.id)).all()
        db.session.expunge(appeal)
        appeal.photo_facts, appeal.request_count = photos, len(requests)
        return appeal


def footer_has_support(page) -> None:
    link = page.locator(f"footer a[href='mailto:{SUPPORT}']")
    assert link.count() == 1 and link.is_visible(), page.url


def test_phone_walk_from_photos_to_checkout(app_factory, serve, phone, shots):
    app = app_factory(SUPPORT_EMAIL=SUPPORT, **NO_LIMITS)
    server = serve(app)
    shot = shots("phone")
    errors = watch_console(phone)
    public_id = start_appeal(app.test_client())
    base = f"{server.url}/appeals/{public_id}"

    # Photos: a full-size photo is made smaller in the browser and uploaded when chosen.
    phone.goto(base + "/photos")
    footer_has_support(phone)
    big = full_size_photo()
    phone.set_input_files("#photos", files=[{"name": "IMG_0001.jpg", "mimeType": "image/jpeg",
                                             "buffer": big}])
    phone.get_by_text("Photo added.").wait_for(timeout=30_000)
    shot(phone, "photos-scaled")
    [(content_type, size)] = appeal_row(app, public_id).photo_facts
    assert content_type == "image/jpeg" and 0 < size <= MAX_FILE_BYTES < len(big)
    phone.get_by_role("button", name="Continue", exact=True).click()

    # Story, then "Write my letter": the letter page is a GET, so reloading it asks nothing.
    phone.wait_for_url(re.compile(r"/story$"))
    footer_has_support(phone)
    phone.fill("#story", "i paid at the meter\nbut it said expired when i came back")
    phone.fill("#driver_name", "Dana Driver")
    phone.fill("#email", "dana@example.com")
    phone.get_by_role("button", name="Save and continue").click()
    phone.locator("#write").get_by_role("button", name="Write my letter").click()
    phone.wait_for_url(re.compile(r"/draft$"))
    review = phone.get_by_role("link", name="Review and edit your letter")
    review.wait_for(timeout=45_000)
    for _ in range(3):
        phone.reload()
        review.wait_for()
    assert phone.get_by_role("button", name="Rewrite my letter").count() == 0  # no writer
    letter = phone.locator("pre.letter").inner_text()
    assert "In my own words, this is what happened:" in letter
    assert "I paid at the meter but it said expired when I came back." in letter
    assert "Enclosed is Exhibit 1 (a photo)." in letter
    shot(phone, "letter")
    appeal = appeal_row(app, public_id)
    assert appeal.letter_version == 1 and appeal.request_count == 1
    review.click()

    # Sign: the address in parts; a bad ZIP comes back with the error summary focused.
    phone.get_by_role("button", name="Save and continue to sign").click()
    phone.wait_for_url(re.compile(r"/sign$"))
    footer_has_support(phone)
    phone.fill("#return_line1", "1 Market St")
    phone.fill("#return_line2", "Suite 300")
    phone.fill("#return_city", "San Francisco")
    phone.fill("#return_state", "ca")
    phone.fill("#return_zip", "9410")
    phone.fill("#signature_name", "Dana Driver")
    assert errors == []  # no script error nor failed request up to here
    phone.get_by_role("button", name="Sign and continue").click()
    phone.locator("#return_zip-error").wait_for()
    assert phone.title().startswith("Error: ")
    assert phone.evaluate("document.activeElement.className") == "error-summary"
    shot(phone, "sign-errors")
    phone.fill("#return_zip", "94105")
    phone.get_by_role("button", name="Sign and continue").click()
    phone.wait_for_url(re.compile(r"/checkout$"))
    footer_has_support(phone)
    appeal = appeal_row(app, public_id)
    assert appeal.return_address == "1 Market St\nSuite 300\nSan Francisco, CA 94105"
    assert (appeal.return_state, appeal.return_zip) == ("CA", "94105")
    assert errors == [f"422 {base}/sign"]  # the form sent back to fix, nothing else


def test_without_javascript_skip_keeps_the_chosen_photo(app_factory, serve, browser):
    app = app_factory(**NO_LIMITS)
    server = serve(app)
    public_id = start_appeal(app.test_client())
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True,
                                  java_script_enabled=False)
    context.set_default_timeout(20_000)
    page = context.new_page()
    try:
        page.goto(f"{server.url}/appeals/{public_id}/photos")
        page.set_input_files("#photos", files=[{"name": "sign.jpg", "mimeType": "image/jpeg",
                                                "buffer": image_bytes("JPEG", size=(640, 480))}])
        page.get_by_role("button", name="Skip photos and continue").click()
        page.wait_for_url(re.compile(r"/story$"))
        # Locators and axe need the page's JavaScript, which is off: read the HTML itself.
        assert "Photo added." in page.content()
    finally:
        context.close()
    assert [t for t, _ in appeal_row(app, public_id).photo_facts] == ["image/jpeg"]
