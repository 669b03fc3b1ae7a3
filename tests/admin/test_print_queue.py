"""The print queue through the console: what waits, most urgent first, and recording "mailed"
with the day it was posted (the driver gets the mailed email once, whatever is resubmitted)."""
from __future__ import annotations

import hashlib
import json
import logging
import re
import secrets
from datetime import datetime, timedelta, timezone

import pytest

from app.cities import registry
from app.extensions import db
from app.integrations.storage import file_storage
from app.models import Appeal, EmailOutbox, EvidencePhoto, Letter
from tests.admin.conftest import csrf_token
from tests.appeals.conftest import NO_LIMITS
from tests.fulfilment.test_appeal_letter import ticket_jpeg

TODAY = registry.get("sf").today()


@pytest.fixture
def app(app_factory):
    return app_factory(**NO_LIMITS)


def _paid(app, *, email="dana@example.com", violation=TODAY - timedelta(days=3), status="paid",
          letter_status=None, deliver_by=None, paid_days_ago=1, signed=False) -> str:
    with app.app_context():
        appeal = Appeal(city_slug="sf", citation_number="9" + secrets.choice("12345678") * 8,
                        violation_date=violation, status=status, driver_name="Dana Driver",
                        email=email, letter_text="To the SFMTA: I was parked legally.",
                        letter_version=1, mail_class="standard", price_cents=989, currency="usd",
                        signature_name="Dana Driver" if signed else None, paid_at=datetime.now(timezone.utc) - timedelta(days=paid_days_ago))
        db.session.add(appeal)
        db.session.flush()
        if letter_status:
            db.session.add(Letter(appeal_id=appeal.id, letter_version=1, mail_class="standard",
                                  backend="manual", status=letter_status, deliver_by=deliver_by,
                                  idempotency_key=secrets.token_hex(12),
                                  print_reason="Lob kept failing near the deadline."))
        db.session.commit()
        return appeal.public_id


def _state(app, public_id):
    with app.app_context():
        appeal = db.session.execute(db.select(Appeal).filter_by(public_id=public_id)).scalar_one()
        letter = db.session.execute(db.select(Letter).filter_by(appeal_id=appeal.id)).scalar_one_or_none()
        mailed = db.session.execute(db.select(EmailOutbox).filter_by(
            appeal_id=appeal.id, template="letter_mailed")).scalars().all()
        return {"appeal": appeal.status, "letter": letter and letter.status,
                "mailed_on": letter and letter.mailed_on, "backend": letter and letter.backend,
                "tracking": letter and letter.tracking_number, "mailed_emails": len(mailed)}


def _record(admin_client, public_id, **fields):
    page = admin_client.get("/admin/print-queue/").get_data(as_text=True)
    return admin_client.post(f"/admin/print-queue/{public_id}/mailed",
                             data={"csrf_token": csrf_token(page), **fields})


def test_the_queue_lists_what_waits_most_urgent_first(app, admin_client):
    later = _paid(app)  # no letter row yet: the appeal's deadline (21 days after the ticket)
    urgent = _paid(app, status="print_queue", letter_status="print_queue",
                   deliver_by=TODAY + timedelta(days=2), signed=True)
    gone = _paid(app, status="mailed", letter_status="mailed")
    refunded = _paid(app, status="refunded")
    page = admin_client.get("/admin/print-queue/").get_data(as_text=True)
    rows = re.findall(r'id="queue-([^"]+)"', page)
    assert rows == [urgent, later]
    assert gone not in page and refunded not in page
    assert "2 days left" in page and "Lob kept failing near the deadline." in page
    assert f"/admin/appeals/{urgent}/letter.pdf" in page
    assert f"/admin/appeals/{later}/letter.pdf" not in page and "Not signed: no PDF" in page
    assert 'aria-current="page">Print queue' in page


def test_recording_mailed_moves_letter_and_appeal_and_emails_the_driver_once(app, admin_client, capsys):
    public_id = _paid(app, status="print_queue", letter_status="print_queue",
                      deliver_by=TODAY + timedelta(days=4))
    logging.getLogger().setLevel(logging.INFO)
    fields = {"mailed_on": TODAY.isoformat(), "tracking_number": "9400 1000 0000 0000 0000 00"}
    response = _record(admin_client, public_id, **fields)
    assert response.status_code == 303
    assert _state(app, public_id) == {"appeal": "mailed", "letter": "mailed", "mailed_on": TODAY,
                                      "backend": "manual", "tracking": "9400100000000000000000",
                                      "mailed_emails": 1}
    logged = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    assert any(line.get("action") == "record_mailed" for line in logged)
    again = _record(admin_client, public_id, **fields)  # the same form submitted twice
    assert again.status_code == 303
    assert "already recorded" in admin_client.get("/admin/print-queue/").get_data(as_text=True)
    assert _state(app, public_id)["mailed_emails"] == 1
    assert public_id not in admin_client.get("/admin/print-queue/").get_data(as_text=True)


def test_a_paid_appeal_the_job_has_not_taken_can_be_recorded(app, admin_client):
    public_id = _paid(app, paid_days_ago=0)
    response = _record(admin_client, public_id, mailed_on=TODAY.isoformat(),
                       tracking_number="rr123456789us")
    assert response.status_code == 303
    state = _state(app, public_id)
    assert state["letter"] == "mailed" and state["backend"] == "manual"
    assert state["tracking"] == "RR123456789US" and state["mailed_emails"] == 1


@pytest.mark.parametrize("fields, words", [
    ({"mailed_on": ""}, "nothing is marked mailed without a date"),
    ({"mailed_on": "last tuesday"}, "nothing is marked mailed without a date"),
    ({"mailed_on": (TODAY + timedelta(days=1)).isoformat()}, "can't be in the future"),
    ({"mailed_on": (TODAY - timedelta(days=9)).isoformat()}, "before the appeal was paid"),
    ({"mailed_on": TODAY.isoformat(), "tracking_number": "12345"}, "USPS tracking number"),
    ({"mailed_on": TODAY.isoformat(), "tracking_number": "x" * 41}, "40"),
])
def test_bad_input_is_a_plain_422_and_nothing_is_mailed(app, admin_client, fields, words):
    public_id = _paid(app, status="print_queue", letter_status="print_queue", paid_days_ago=2)
    response = _record(admin_client, public_id, **fields)
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert words in body.replace("&#39;", "'") and "Traceback" not in body
    assert _state(app, public_id)["letter"] == "print_queue"
    assert _state(app, public_id)["mailed_emails"] == 0


def test_a_refunded_or_unknown_appeal_cannot_be_recorded(app, admin_client):
    refunded = _paid(app, status="refunded")
    assert _record(admin_client, refunded, mailed_on=TODAY.isoformat()).status_code == 422
    assert _state(app, refunded)["letter"] is None
    assert _record(admin_client, "nope", mailed_on=TODAY.isoformat()).status_code == 404


def test_recording_needs_the_forms_csrf_token(app, admin_client):
    public_id = _paid(app)
    response = admin_client.post(f"/admin/print-queue/{public_id}/mailed",
                                 data={"mailed_on": TODAY.isoformat()})
    assert response.status_code == 400
    assert _state(app, public_id)["letter"] is None


def test_operators_open_the_letter_pdf_and_the_photos_from_the_console(app, admin_client):
    public_id = _paid(app)
    with app.app_context():  # signed (typed), with its ticket photo in the app's file store
        appeal = db.session.execute(db.select(Appeal).filter_by(public_id=public_id)).scalar_one()
        appeal.signature_name, appeal.return_address = "Dana Driver", "1 Main St\nSan Francisco, CA 94110"
        key, data = f"photos/{public_id}/ticket.jpg", ticket_jpeg()
        file_storage().save(key, data, "image/jpeg")
        appeal.photos.append(EvidencePhoto(storage_key=key, content_type="image/jpeg", kind="ticket",
                                           size_bytes=len(data), sha256=hashlib.sha256(data).hexdigest()))
        db.session.commit()
    detail = admin_client.get(f"/admin/appeals/{public_id}").get_data(as_text=True)
    photo_links = re.findall(rf'href="(/admin/appeals/{public_id}/photos/\d+)"', detail)
    assert len(photo_links) == 1 and "Ticket photo" in detail
    photo = admin_client.get(photo_links[0])
    assert photo.status_code == 200 and photo.mimetype == "image/jpeg"
    assert photo.data == ticket_jpeg()
    pdf = admin_client.get(f"/admin/appeals/{public_id}/letter.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.data.startswith(b"%PDF-")
    assert admin_client.get(f"/admin/appeals/{public_id}/photos/999999").status_code == 404
    unsigned = _paid(app)
    with app.app_context():
        appeal = db.session.execute(db.select(Appeal).filter_by(public_id=unsigned)).scalar_one()
        assert appeal.signature_name is None and appeal.signature_key is None
    assert admin_client.get(f"/admin/appeals/{unsigned}/letter.pdf").status_code == 404


def test_unsigned_in_operators_get_the_login_page_not_the_pdf(app, client):
    public_id = _paid(app)
    response = client.get(f"/admin/appeals/{public_id}/letter.pdf")
    assert response.status_code == 302 and "/admin/login" in response.headers["Location"]
