"""Review and sign (§5.5, §5.6): edits become the driver's version; signatures are real PNGs."""
import base64
import io
import os
import re

import pytest
from PIL import Image

from app.extensions import db
from app.models import Appeal, AppealStatus
from tests.appeals.conftest import (ADDRESS, LETTER, image_bytes, load, start_appeal, tell_story,
                                    token_for,
                                    write_letter)


def _set(app, public_id, **values):
    with app.app_context():
        appeal = db.session.execute(db.select(Appeal).filter_by(public_id=public_id)).scalar_one()
        for name, value in values.items():
            setattr(appeal, name, value)
        db.session.commit()


def _data_url(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode()


def _signature_png(size=(300, 100), blank=False) -> bytes:
    image = Image.new("RGBA", size, (0, 0, 0, 0))
    if not blank:
        for x in range(20, 280):
            image.putpixel((x, 50 + (x % 7)), (0, 0, 0, 255))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def _sign(client, public_id, **fields):
    url = f"/appeals/{public_id}/sign"
    return client.post(url, data={"csrf_token": token_for(client, url), **ADDRESS, **fields})


def test_without_a_letter_the_review_page_helps_write_it_from_the_story(web):
    public_id = start_appeal(web)
    tell_story(web, public_id)
    html = web.get(f"/appeals/{public_id}/review").get_data(as_text=True)
    assert "needs your words" in html and "How to write it" in html
    assert "I parked at a meter that was broken" in html  # the story, prefilled
    assert '<label for="letter_text">' in html


def test_timeout_state_says_needs_your_words(web, open_app):
    public_id = start_appeal(web)
    tell_story(web, public_id)
    _set(open_app, public_id, status=AppealStatus.WRITING_NEEDED)
    html = web.get(f"/appeals/{public_id}/review").get_data(as_text=True)
    assert "needs your words" in html and "took too long" in html


def test_ai_and_template_letters_are_labelled(web, open_app):
    public_id = start_appeal(web)
    tell_story(web, public_id)
    _set(open_app, public_id, status=AppealStatus.LETTER_READY, letter_text="Dear city, AI text",
         letter_source="ai", letter_version=1)
    html = web.get(f"/appeals/{public_id}/review").get_data(as_text=True)
    assert "AI draft" in html and "Dear city, AI text" in html
    _set(open_app, public_id, letter_source="template")
    assert "Template letter" in web.get(f"/appeals/{public_id}/review").get_data(as_text=True)


@pytest.mark.both_databases
def test_saving_an_edit_makes_it_the_drivers_version(web, open_app):
    public_id = start_appeal(web)
    tell_story(web, public_id)
    _set(open_app, public_id, status=AppealStatus.LETTER_READY, letter_text="AI text",
         letter_source="ai", letter_version=1)
    write_letter(web, public_id, LETTER + "\r\n")
    appeal = load(open_app, public_id)
    assert (appeal.letter_text, appeal.letter_source, appeal.letter_version) == (LETTER, "driver", 2)
    assert appeal.status == AppealStatus.LETTER_READY
    url = f"/appeals/{public_id}/review"
    empty = web.post(url, data={"csrf_token": token_for(web, url), "letter_text": "  "})
    assert empty.status_code == 422
    assert 'id="letter_text-error" role="alert"' in empty.get_data(as_text=True)


def test_sign_page_needs_a_letter_first(web):
    public_id = start_appeal(web)
    response = web.get(f"/appeals/{public_id}/sign")
    assert response.status_code == 303 and response.headers["Location"].endswith("/review")


def test_typed_name_signs_without_javascript(web, open_app):
    public_id = start_appeal(web)
    tell_story(web, public_id)
    write_letter(web, public_id)
    html = web.get(f"/appeals/{public_id}/sign").get_data(as_text=True)
    assert 'id="signature-pad" hidden' in html and '<label for="signature_name">' in html
    assert re.search(r'<script src="/static/signature.js[^"]*" defer></script>', html)
    response = _sign(web, public_id, signature_name="Dana Q. Driver")
    assert response.status_code == 303 and response.headers["Location"].endswith("/checkout")
    assert load(open_app, public_id).signature_name == "Dana Q. Driver"


def test_drawn_signature_is_stored_as_a_png(web, open_app):
    public_id = start_appeal(web)
    tell_story(web, public_id)
    write_letter(web, public_id)
    response = _sign(web, public_id, signature_data=_data_url(_signature_png()), signature_name="")
    assert response.status_code == 303
    appeal = load(open_app, public_id)
    with open_app.extensions["storage"].open(appeal.signature_key) as handle:
        stored = Image.open(handle)
        assert stored.format == "PNG" and stored.size == (300, 100)


def test_signatures_that_are_not_real_pngs_are_refused(web, open_app):
    public_id = start_appeal(web)
    tell_story(web, public_id)
    write_letter(web, public_id)
    jpeg_as_png = "data:image/png;base64," + base64.b64encode(image_bytes("JPEG")).decode()
    for value in (jpeg_as_png, "data:image/png;base64,!!!notbase64", "javascript:alert(1)",
                  _data_url(_signature_png(blank=True))):
        response = _sign(web, public_id, signature_data=value, signature_name="")
        assert response.status_code == 422, value[:40]
        assert 'id="signature_data-error" role="alert"' in response.get_data(as_text=True)
    noisy = Image.frombytes("RGBA", (260, 260), os.urandom(260 * 260 * 4))
    out = io.BytesIO()
    noisy.save(out, "PNG")
    assert len(out.getvalue()) > 200 * 1024
    response = _sign(web, public_id, signature_data=_data_url(out.getvalue()), signature_name="")
    assert response.status_code == 413 and "200 KB" in response.get_data(as_text=True)
    nothing = _sign(web, public_id, signature_data="", signature_name="")
    assert nothing.status_code == 422
    assert 'id="signature_name-error" role="alert"' in nothing.get_data(as_text=True)
    assert load(open_app, public_id).signature_key is None


def test_a_signature_keeps_its_pixels_only(web, open_app):
    """A colour profile that is no profile (here: an address) is not stored with the signature."""
    public_id = start_appeal(web)
    tell_story(web, public_id)
    write_letter(web, public_id)
    out = io.BytesIO()
    Image.open(io.BytesIO(_signature_png())).save(out, "PNG", icc_profile=b"home: 37.7750 N 122.4194 W")
    response = _sign(web, public_id, signature_data=_data_url(out.getvalue()), signature_name="")
    assert response.status_code == 303
    with open_app.extensions["storage"].open(load(open_app, public_id).signature_key) as handle:
        stored = handle.read()
    assert b"iCCP" not in stored and "icc_profile" not in Image.open(io.BytesIO(stored)).info
    assert Image.open(io.BytesIO(stored)).size == (300, 100)
