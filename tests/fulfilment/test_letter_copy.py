"""GET /appeals/<id>/letter.pdf: the driver's free copy, through HTTP as a browser asks for it."""
from __future__ import annotations

import io
from datetime import date

import pytest
from pypdf import PdfReader

from app.extensions import db
from app.models import Appeal, Letter, LetterStatus
from tests.appeals.conftest import NO_LIMITS, sf_today, start_appeal, tell_story, write_letter
from tests.fulfilment.sample_letters import dark_photo, signed_appeal, ticket_jpeg


def long_date(value: date) -> str:
    return f"{value:%B} {value.day}, {value.year}"


@pytest.fixture
def app(app_factory):
    return app_factory(**NO_LIMITS)


def first_page(response) -> str:
    return PdfReader(io.BytesIO(response.data)).pages[0].extract_text()


def test_a_signed_letter_downloads_as_a_pdf_dated_today(app):
    client = app.test_client()
    public_id = signed_appeal(client, app, ticket_photo=ticket_jpeg())
    before = sf_today()
    response = client.get(f"/appeals/{public_id}/letter.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == 'attachment; filename="appeal-912345678.pdf"'
    assert response.headers["Cache-Control"] == "no-store"
    text = first_page(response)
    assert long_date(before) in text or long_date(sf_today()) in text
    assert "SFMTA Customer Service Center" in text and "Exhibit 1 — The parking ticket" in text


def test_once_mailed_the_copy_carries_the_day_it_was_mailed(app):
    client = app.test_client()
    public_id = signed_appeal(client, app)
    with app.app_context():
        appeal = db.session.execute(db.select(Appeal).filter_by(public_id=public_id)).scalar_one()
        db.session.add(Letter(appeal_id=appeal.id, letter_version=appeal.letter_version,
                              mail_class="standard", backend="lob", status=LetterStatus.MAILED,
                              idempotency_key=f"letter-{public_id}", mailed_on=date(2026, 3, 4)))
        db.session.commit()
    text = first_page(client.get(f"/appeals/{public_id}/letter.pdf"))
    assert "March 4, 2026" in text and long_date(sf_today()) not in text


def test_no_signed_letter_and_no_such_appeal_get_the_same_404_page(app):
    client = app.test_client()
    unsigned = start_appeal(client)
    tell_story(client, unsigned)
    write_letter(client, unsigned)  # written, never signed
    answers = [client.get(f"/appeals/{public_id}/letter.pdf")
               for public_id in (unsigned, "A" * 22, "not-an-id!")]
    assert [answer.status_code for answer in answers] == [404, 404, 404]
    for answer in answers:  # nothing tells an appeal that exists from one that does not
        assert answer.mimetype == "text/html"
        assert "find a signed letter for that appeal" in answer.get_data(as_text=True)


def test_a_photo_missing_from_storage_is_a_plain_422_naming_support(app):
    client = app.test_client()
    public_id = signed_appeal(client, app, photos=(("night.jpg", dark_photo("JPEG", 0)),))
    with app.app_context():
        appeal = db.session.execute(db.select(Appeal).filter_by(public_id=public_id)).scalar_one()
        app.extensions["storage"].delete(appeal.photos[0].storage_key)
    response = client.get(f"/appeals/{public_id}/letter.pdf")
    body = response.get_data(as_text=True)
    assert response.status_code == 422 and response.headers["Cache-Control"] == "no-store"
    assert "Exhibit 1 is no longer stored." in body and "support@fightcitytickets.com" in body
    assert "Traceback" not in body


def test_a_file_store_that_cannot_read_is_a_503_with_retry_after(app, tmp_path):
    client = app.test_client()
    public_id = signed_appeal(client, app)
    with app.app_context():
        appeal = db.session.execute(db.select(Appeal).filter_by(public_id=public_id)).scalar_one()
        signature = tmp_path / "uploads" / appeal.signature_key
    signature.unlink()
    signature.mkdir()  # a folder where the signature file was: reading it fails (EISDIR)
    response = client.get(f"/appeals/{public_id}/letter.pdf")
    assert response.status_code == 503 and int(response.headers["Retry-After"]) > 0
    assert "try again in a minute" in response.get_data(as_text=True)


def test_downloads_count_against_the_appeal_pages_limit(app_factory):
    builder = app_factory(**NO_LIMITS)
    public_id = signed_appeal(builder.test_client(), builder)
    limited = app_factory(RATELIMIT_APPEAL_WRITES="2/minute").test_client()
    statuses = [limited.get(f"/appeals/{public_id}/letter.pdf").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
