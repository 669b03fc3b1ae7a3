"""Photo first (§18): a ticket photo read by the real Tesseract pool prefills the start
form, becomes exhibit 1 once the driver continues, and is answered as JSON by the API."""
from __future__ import annotations

import html
import io
import re
from datetime import UTC, datetime, timedelta

import pytest
from PIL import Image

from app.extensions import db
from app.integrations.storage import file_storage
from app.models import PendingTicketPhoto
from tests.appeals.conftest import (NO_LIMITS, load, sf_today, start_form, ticket_photo,
                                    token_for)

# One worker is enough for these; a generous budget, since the machine may be busy.
READER = {"OCR_WORKERS": "1", "OCR_QUEUE_SIZE": "2", "OCR_BUDGET_S": "60"}


@pytest.fixture
def reading_app(app_factory):
    return app_factory(**NO_LIMITS, **READER)


def read(client, photo: bytes, **form):
    return client.post("/appeals/ticket", data={"csrf_token": token_for(client, "/"), **form,
                                                "photo": (io.BytesIO(photo), "ticket.jpg")},
                       content_type="multipart/form-data")


def value_of(page: str, name: str) -> str | None:
    """The value a field shows: an input's value, or a select's selected option."""
    tag = re.search(rf'<input[^>]*\bname="{name}"[^>]*>', page)
    if tag:
        found = re.search(r'\bvalue="([^"]*)"', tag.group(0))
        return html.unescape(found.group(1)) if found else None
    select = re.search(rf'<select[^>]*\bname="{name}".*?</select>', page, re.S)
    chosen = select and re.search(r'<option selected value="([^"]*)"', select.group(0))
    return chosen.group(1) if chosen else None


def is_highlighted(page: str, name: str) -> bool:
    tag = re.search(rf'<(?:input|select)[^>]*\bname="{name}"[^>]*>', page).group(0)
    return 'class="prefilled"' in tag


def test_the_photo_prefills_the_review_and_becomes_exhibit_1(reading_app):
    client = reading_app.test_client()
    truth, photo = ticket_photo("sf", 2)
    answer = read(client, photo)
    page = answer.get_data(as_text=True)
    assert answer.status_code == 200, page[-1500:]
    assert "Check your ticket&#39;s details" in page or "Check your ticket's details" in page
    read_fields = {"citation_number": truth.citation_number, "plate": truth.plate,
                   "violation_date": truth.issue_date.isoformat(), "plate_state": truth.plate_state,
                   "city": "sf", "violation": truth.violation, "location": truth.location}
    for name, expected in read_fields.items():
        shown = value_of(page, name)
        # Each field is what the ticket says, highlighted for checking, or left empty for
        # the driver to type: never a guess.
        assert shown in (expected, None, ""), (name, shown, expected)
        assert is_highlighted(page, name) == bool(shown), name
    for name in ("citation_number", "violation_date", "plate"):  # this photo reads clearly
        assert value_of(page, name) == read_fields[name], name
    assert not is_highlighted(page, "vehicle_make")  # never read: the driver's to add
    key = value_of(page, "ticket_photo")
    assert key and len(key) >= 32

    # The driver corrects the date (the generated ticket is older than any deadline) and goes on.
    # What was left empty, the driver types from the ticket.
    fields = {name: value_of(page, name) or read_fields[name] for name in
              ("city", "citation_number", "plate", "plate_state", "violation", "location")}
    fields.update(violation_date=(sf_today() - timedelta(days=2)).isoformat(), ticket_photo=key,
                  csrf_token=token_for(client, "/"))
    started = client.post("/appeals", data=fields)
    assert started.status_code == 303, started.get_data(as_text=True)[-1500:]
    public_id = re.search(r"/appeals/([^/]+)/photos$", started.headers["Location"]).group(1)
    appeal = load(reading_app, public_id)
    assert (appeal.citation_number, appeal.plate) == (truth.citation_number, truth.plate)
    with reading_app.app_context():
        photos = db.session.merge(appeal).photos
        assert [p.kind for p in photos] == ["ticket"]
        stored = file_storage().open(photos[0].storage_key).read()
        assert db.session.query(PendingTicketPhoto).count() == 0  # used, so no longer held
    exif = Image.open(io.BytesIO(stored)).getexif()
    assert not exif.get_ifd(0x8825) and 0x8825 not in exif  # the phone's position is gone
    # The same key again attaches nothing: it was used.
    again = client.post("/appeals", data={**fields, "csrf_token": token_for(client, "/")})
    public_again = re.search(r"/appeals/([^/]+)/photos$", again.headers["Location"]).group(1)
    assert "couldn&#39;t attach" in client.get(f"/appeals/{public_again}/photos").get_data(as_text=True)
    with reading_app.app_context():
        assert db.session.merge(load(reading_app, public_again)).photos == []


def test_the_city_the_driver_chose_is_kept(reading_app):
    client = reading_app.test_client()
    _truth, photo = ticket_photo("la", 1)  # names Los Angeles
    page = read(client, photo, city="oakland").get_data(as_text=True)
    assert value_of(page, "city") == "oakland" and not is_highlighted(page, "city")


def test_the_api_answers_the_reading_as_json(reading_app):
    truth, photo = ticket_photo("la", 1, gps=False)
    answer = reading_app.test_client().post(
        "/api/tickets/read", data={"photo": (io.BytesIO(photo), "t.jpg")},
        content_type="multipart/form-data")
    assert answer.status_code == 200 and answer.headers["Cache-Control"] == "no-store"
    body = answer.get_json()
    assert body["citation_number"] == truth.citation_number
    assert body["issue_date"] == truth.issue_date.isoformat()
    assert (body["plate"], body["plate_state"], body["city"]) == (truth.plate, truth.plate_state, "la")
    assert body["violation"] and body["location"]
    fields = {"citation_number", "issue_date", "plate", "plate_state", "violation", "location", "city"}
    assert fields <= set(body["confidence"]) and all(0 <= c <= 1 for c in body["confidence"].values())
    with reading_app.app_context():
        assert db.session.query(PendingTicketPhoto).count() == 0  # the API holds nothing


def test_an_unused_photo_expires_and_the_retention_job_deletes_it(reading_app, time_machine):
    client = reading_app.test_client()
    page = read(client, ticket_photo("sf", 2, gps=False)[1]).get_data(as_text=True)
    key = value_of(page, "ticket_photo")
    time_machine.move_to(datetime.now(UTC) + timedelta(hours=3), tick=False)  # past its 2 hours
    started = client.post("/appeals", data={"csrf_token": token_for(client, "/"),
                                            **start_form(days_ago=3), "ticket_photo": key})
    assert started.status_code == 303
    public_id = re.search(r"/appeals/([^/]+)/photos$", started.headers["Location"]).group(1)
    with reading_app.app_context():
        assert db.session.merge(load(reading_app, public_id)).photos == []
        assert db.session.query(PendingTicketPhoto).count() == 1
    result = reading_app.test_cli_runner().invoke(args=["jobs", "run-once", "retention"])
    assert result.exit_code == 0, result.output
    with reading_app.app_context():
        assert db.session.query(PendingTicketPhoto).count() == 0
