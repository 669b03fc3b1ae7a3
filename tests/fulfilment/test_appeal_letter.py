"""An appeal taken through the driver's pages, printed as its letter and read back (pypdf)."""
from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from PIL import Image, ImageStat
from pypdf import PdfReader

from app.cities import registry
from app.extensions import db
from app.fulfilment.appeal_letter import FILL_IN_LINE, letter_pdf_for
from app.fulfilment.letter_document import LetterNotPrintable
from app.models import Appeal
from tests.appeals.conftest import NO_LIMITS, pdf_bytes, token_for
from tests.fulfilment.sample_letters import dark_photo, signed_appeal, ticket_jpeg
from tests.fulfilment.test_letter_pdf import render

MAILING_DATE = date(2026, 12, 2)
PAGE_OF = re.compile(r"Page (\d+) of (\d+)")


@pytest.fixture
def app(app_factory):
    return app_factory(**NO_LIMITS)


def appeal_of(app, public_id: str) -> Appeal:
    return db.session.execute(db.select(Appeal).filter_by(public_id=public_id)).scalar_one()


def test_the_appeal_prints_with_its_signature_addresses_and_the_ticket_as_exhibit_1(
        app, artifacts_dir):
    client = app.test_client()
    public_id = signed_appeal(client, app, ticket_photo=ticket_jpeg(), photos=(
        ("night.jpg", dark_photo("JPEG", 0)), ("receipt.pdf", pdf_bytes()),
        ("meter.png", dark_photo("PNG", 5))))
    with app.app_context():
        appeal = appeal_of(app, public_id)
        assert [photo.kind for photo in appeal.photos] == ["evidence"] * 3 + ["ticket"]
        pdf = letter_pdf_for(appeal, MAILING_DATE)

    reader = PdfReader(io.BytesIO(pdf))
    texts = [page.extract_text() for page in reader.pages]
    assert len(texts) == 4  # the letter, then the ticket and two photos; the PDF is not printed
    first = texts[0]
    for expected in ("December 2, 2026", "Dana Driver", "1 Market St", "San Francisco, CA 94105",
                     "SFMTA Customer Service Center", "Attn: Citation Review",
                     "11 South Van Ness Avenue", "Re: Citation 912345678", "Dear Sir or Madam:",
                     "The meter on Valencia Street was broken.", "Sincerely,"):
        assert expected in first, expected
    assert first.index("94105") < first.index("December 2, 2026") < first.index("SFMTA")
    # the letter's own closing and name are printed once, by the frame, under the signature
    assert first.count("Sincerely,") == 1 and first.count("Dana Driver") == 2

    enclosed = [line.strip() for line in first.split("Enclosures:", 1)[1].splitlines()
                if line.strip().startswith("Exhibit")]
    assert enclosed == ["Exhibit 1 — The parking ticket", "Exhibit 2 — Photo", "Exhibit 3 — Photo"]
    for number, (title, text) in enumerate(zip(enclosed, texts[1:]), start=2):
        assert title in text and PAGE_OF.findall(text) == [(str(number), "4")]
    brightness = [ImageStat.Stat(page.images[0].image.convert("L")).mean[0]
                  for page in reader.pages[1:]]
    assert brightness[0] > 200 and all(value < 80 for value in brightness[1:]), brightness

    (signature,) = reader.pages[0].images  # the drawn signature, not a typed line
    assert signature.image.width > 100 and "/s/" not in first
    page_one = render(pdf, artifacts_dir / "letters" / "appeal-letter-page1.png")
    assert page_one.size == (850, 1100)


def test_a_typed_signature_and_the_return_address_in_its_parts(app):
    client = app.test_client()
    public_id = signed_appeal(client, app, drawn=False, address={
        "return_line1": "10 Main Street", "return_line2": "Apt 2", "return_city": "Oakland",
        "return_state": "CA", "return_zip": "94607"})
    with app.app_context():
        pdf = letter_pdf_for(appeal_of(app, public_id), MAILING_DATE)
    reader = PdfReader(io.BytesIO(pdf))
    first = reader.pages[0].extract_text()
    assert len(reader.pages) == 1 and len(reader.pages[0].images) == 0
    assert "/s/ Dana Q. Driver" in first and "Enclosures" not in first
    assert "10 Main Street\nApt 2\nOakland, CA 94607" in first and "1 Market St" not in first


def test_a_city_without_a_confirmed_address_leaves_the_office_address_to_fill_in(app):
    chicago = registry.get("chicago")
    assert chicago.appeal_address is None  # the data says the address is not confirmed
    client = app.test_client()
    public_id = signed_appeal(client, app, city="chicago", number=chicago.example_citation)
    with app.app_context():
        pdf = letter_pdf_for(appeal_of(app, public_id), MAILING_DATE)
    first = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert chicago.agencies[0].name in first and "Chicago" in first
    assert first.count(FILL_IN_LINE) == 2
    assert "SFMTA" not in first and "P.O. Box" not in first  # no guessed address


def test_a_photo_lost_from_storage_is_named_in_a_plain_error(app):
    client = app.test_client()
    public_id = signed_appeal(client, app, ticket_photo=ticket_jpeg(),
                              photos=(("night.jpg", dark_photo("JPEG", 0)),))
    with app.app_context():
        appeal = appeal_of(app, public_id)
        app.extensions["storage"].delete(appeal.photos[0].storage_key)  # the evidence photo
        with pytest.raises(LetterNotPrintable, match=r"^Exhibit 2 is no longer stored\.$"):
            letter_pdf_for(appeal, MAILING_DATE)


def test_the_print_copies_made_by_the_first_letter_print_every_later_one(app):
    client = app.test_client()
    public_id = signed_appeal(client, app, ticket_photo=ticket_jpeg(),
                              photos=(("meter.png", dark_photo("PNG", 5)),))
    storage = app.extensions["storage"]
    with app.app_context():
        appeal = appeal_of(app, public_id)
        first = letter_pdf_for(appeal, MAILING_DATE)
        originals = {}
        for photo in appeal.photos:
            with storage.open(photo.storage_key) as handle:
                originals[photo.storage_key] = handle.read()
            with storage.open(photo.print_copy_key) as handle:
                copy = Image.open(handle)
                assert (copy.format, copy.mode, copy.info["dpi"]) == ("JPEG", "L", (150, 150))
            storage.delete(photo.storage_key)  # later letters never read the originals
        assert letter_pdf_for(appeal, MAILING_DATE) == first

        # a copy that is not what the letter prints (here: in colour) is made again
        ticket = appeal.photos[-1]
        storage.save(ticket.storage_key, originals[ticket.storage_key])
        storage.save(ticket.print_copy_key, dark_photo("JPEG", 0))
        assert letter_pdf_for(appeal, MAILING_DATE) == first
        with storage.open(ticket.print_copy_key) as handle:
            assert Image.open(handle).mode == "L"


def test_a_photo_the_driver_removes_takes_its_print_copy_with_it(app):
    client = app.test_client()
    public_id = signed_appeal(client, app, photos=(("meter.png", dark_photo("PNG", 5)),))
    storage = app.extensions["storage"]
    with app.app_context():
        appeal = appeal_of(app, public_id)
        letter_pdf_for(appeal, MAILING_DATE)
        photo_id, copy_key = appeal.photos[0].id, appeal.photos[0].print_copy_key
        assert storage.exists(copy_key)
    url = f"/appeals/{public_id}/photos"
    response = client.post(f"{url}/{photo_id}/delete",
                           data={"csrf_token": token_for(client, url)})
    assert response.status_code == 303
    assert not storage.exists(copy_key)


def test_retention_deletes_the_print_copies_of_a_closed_appeal(app):
    client = app.test_client()
    public_id = signed_appeal(client, app, ticket_photo=ticket_jpeg())
    storage = app.extensions["storage"]
    with app.app_context():
        appeal = appeal_of(app, public_id)
        letter_pdf_for(appeal, MAILING_DATE)
        keys = [key for photo in appeal.photos for key in (photo.storage_key, photo.print_copy_key)]
        assert all(storage.exists(key) for key in keys)
        db.session.execute(db.update(Appeal).where(Appeal.id == appeal.id).values(
            status="mailed", updated_at=datetime.now(UTC) - timedelta(days=91)))
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["jobs", "run-once", "retention"])
    assert result.exit_code == 0, result.output
    assert not any(storage.exists(key) for key in keys)
