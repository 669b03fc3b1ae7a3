"""Helpers for the driver's pages: real form posts with CSRF tokens, real file bytes."""
from __future__ import annotations

import io
import re
from datetime import date, datetime, timedelta
from random import Random
from zoneinfo import ZoneInfo

import pytest
from PIL import Image

from app.config import DEFAULT_LIMITS
from app.extensions import db
from app.models import Appeal
from bench.ticket_cities import STYLES
from bench.ticket_content import random_ticket
from bench.ticket_photo import Shot, photograph
from bench.ticket_render import render

SF_CITATION = "912345678"
NO_LIMITS = {f"RATELIMIT_{name.upper()}": "100000/minute" for name in DEFAULT_LIMITS}
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 8 + b"\x02\x00\x3e\x00" + b"\x00" * 200
PE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 44 + \
    b"\x80\x00\x00\x00" + b"\x00" * 64 + b"PE\x00\x00" + b"\x00" * 200
LEVEL_SHOT = Shot(angle=0.0, keystone=0.0, blur=0.3, quality=85, shadow=False, exif_orientation=1)
GPS = {1: "N", 2: (37.0, 46.0, 30.0), 3: "W", 4: (122.0, 25.0, 10.0)}


def sf_today() -> date:
    return datetime.now(ZoneInfo("America/Los_Angeles")).date()


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or \
        re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token in the page"
    return match.group(1)


def token_for(client, url: str) -> str:
    page = client.get(url)
    assert page.status_code == 200, (url, page.status_code)
    return csrf_token(page.get_data(as_text=True))


def image_bytes(fmt: str = "JPEG", size=(64, 48), gps: bool = True, orientation: int = 6) -> bytes:
    image = Image.new("RGB", size, (200, 40, 40))
    exif = Image.Exif()
    exif[0x0112] = orientation
    if gps:
        exif[0x8825] = GPS
    out = io.BytesIO()
    image.save(out, fmt, exif=exif.tobytes())
    return out.getvalue()


def ticket_photo(style: str = "sf", seed: int = 2, gps: bool = True):
    """(truth, JPEG bytes): a generated ticket (bench/ticket_*.py) photographed level, with
    the phone's GPS position in its EXIF when `gps`. sf/2 and la/1 read back in full."""
    rng = Random(f"start-{seed}")
    truth, text = random_ticket(rng, next(s for s in STYLES if s.slug == style))
    photo = photograph(render(text, rng, "inline"), LEVEL_SHOT, Random(f"shot-{seed}"))
    if not gps:
        return truth, photo
    image, exif = Image.open(io.BytesIO(photo)), Image.Exif()
    exif[0x8825] = GPS
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90, exif=exif.tobytes())
    return truth, out.getvalue()


def pdf_bytes() -> bytes:
    return (b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
            b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n"
            b"trailer\n<< /Root 1 0 R >>\n%%EOF\n")


def big_jpeg(total: int, size=(64, 48)) -> bytes:
    """A real JPEG padded (after its end marker) to `total` bytes."""
    data = image_bytes(gps=False, size=size)
    return data + b"\x00" * (total - len(data))


# The ticket's facts the start form requires beyond the citation number and its date.
TICKET_FACTS = {"plate": "7ABC123", "plate_state": "CA", "vehicle_make": "Toyota",
                "violation": "TRC7.2.22 Street cleaning", "location": "100 Market St"}


def start_form(city="sf", number=SF_CITATION, days_ago=5, **overrides) -> dict:
    """The start form as a driver fills it in (without the CSRF token)."""
    return {"city": city, "citation_number": number,
            "violation_date": (sf_today() - timedelta(days=days_ago)).isoformat(),
            **TICKET_FACTS, **overrides}


def start_appeal(client, *, city="sf", number=SF_CITATION, days_ago=5, **overrides) -> str:
    token = token_for(client, "/")
    response = client.post("/appeals", data={"csrf_token": token, **start_form(
        city, number, days_ago, **overrides)})
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    match = re.search(r"/appeals/([A-Za-z0-9_-]+)/photos$", response.headers["Location"])
    assert match, response.headers["Location"]
    return match.group(1)


STORY = {"story": "I parked at a meter that was broken; I paid with the app as the sign says.",
         "driver_name": "Dana Driver", "email": "dana@example.com",
         "return_address": "1 Market St\nSan Francisco, CA 94105", "plate": "7ABC123"}


def tell_story(client, public_id: str, **overrides) -> None:
    url = f"/appeals/{public_id}/story"
    data = {"csrf_token": token_for(client, url), **STORY, **overrides}
    response = client.post(url, data=data)
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]


LETTER = "To the Citation Review office,\n\nI ask you to dismiss citation 912345678.\n\nDana Driver"


def write_letter(client, public_id: str, text: str = LETTER) -> None:
    url = f"/appeals/{public_id}/review"
    response = client.post(url, data={"csrf_token": token_for(client, url), "letter_text": text})
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]


ADDRESS = {"return_line1": "1 Market St", "return_line2": "", "return_city": "San Francisco",
           "return_state": "CA", "return_zip": "94105"}


def sign_typed(client, public_id: str, name: str = "Dana Driver") -> None:
    url = f"/appeals/{public_id}/sign"
    response = client.post(url, data={"csrf_token": token_for(client, url), "signature_name": name,
                                      **ADDRESS})
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]


def ready_to_pay(client) -> str:
    public_id = start_appeal(client)
    tell_story(client, public_id)
    write_letter(client, public_id)
    sign_typed(client, public_id)
    return public_id


def load(app, public_id: str) -> Appeal:
    with app.app_context():
        appeal = db.session.execute(db.select(Appeal).filter_by(public_id=public_id)).scalar_one()
        db.session.expunge(appeal)
        return appeal


@pytest.fixture
def open_app(app_factory):
    """An app whose limits never get in the way (the limit tests build their own)."""
    return app_factory(**NO_LIMITS)


@pytest.fixture
def web(open_app):
    return open_app.test_client()
