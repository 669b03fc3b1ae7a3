"""Photo first when things go wrong (§18): hostile files get the upload step's answers,
the upload limit counts reads, and a slow or broken reader means the driver types — with
the `ocr` breaker counting the reader's failures but never the driver's file."""
from __future__ import annotations

import io
import random
import re

import pytest
from PIL import Image

from app.resilience.breakers import breaker_registry
from tests.appeals.conftest import ELF, NO_LIMITS, big_jpeg, image_bytes, start_appeal, token_for
from tests.appeals.test_ticket_read import is_highlighted, read, value_of
from tests.ocr.hostile_files import jpeg_claiming, png_bomb, wall_of_text

READER = {"OCR_WORKERS": "1", "OCR_QUEUE_SIZE": "1", "OCR_BUDGET_S": "60"}
ONE_LINE = re.compile(r'<p class="notice-warning" role="status">([^<]+)</p>')


def api_read(client, data: bytes):
    return client.post("/api/tickets/read", data={"photo": (io.BytesIO(data), "t.jpg")},
                       content_type="multipart/form-data")


def _error(page: str) -> str:
    match = re.search(r'<p class="field-error" id="photo-error" role="alert">([^<]+)</p>', page)
    return match.group(1) if match else ""


@pytest.mark.parametrize("name, data, status", [
    ("not an image", ELF, 415),
    ("a PDF", b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n", 415),
    ("truncated", image_bytes(size=(640, 480))[:900], 415),
    ("huge dimensions in its header", jpeg_claiming(60000, 60000), 413),
    ("decompression bomb", png_bomb(16000, 16000), 413),
    ("over 5 MB", big_jpeg(5 * 1024 * 1024 + 10), 413),
    ("empty", b"", 422),
])
def test_hostile_files_get_the_upload_steps_answers(app_factory, name, data, status):
    client = app_factory(**NO_LIMITS, **READER).test_client()
    page = read(client, data)
    assert page.status_code == status, (name, page.get_data(as_text=True)[-800:])
    text = page.get_data(as_text=True)
    assert "Traceback" not in text and (_error(text) or "5 MB" in text)
    answer = api_read(client, data)
    assert answer.status_code == status, name
    assert answer.mimetype == "application/problem+json" and answer.get_json()["detail"]


def test_fuzzed_photos_never_get_a_5xx(app_factory):
    """Real JPEG bytes with random bytes overwritten: read, refused or damaged — never a 5xx."""
    client = app_factory(**NO_LIMITS, **READER).test_client()
    photo, rng = image_bytes(size=(320, 240), gps=False), random.Random(18)
    for _ in range(6):
        data = bytearray(photo)
        for _ in range(rng.randrange(1, 40)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        assert api_read(client, bytes(data)).status_code in (200, 413, 415, 422)


def test_reads_count_against_the_upload_limit(app_factory):
    app = app_factory(**{**NO_LIMITS, "RATELIMIT_UPLOAD": "2/hour"}, **READER)
    client = app.test_client()
    assert api_read(client, ELF).status_code == 415  # a refused file still counts
    assert read(client, ELF).status_code == 415
    limited = api_read(client, ELF)
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) > 0
    assert read(client, ELF).status_code == 429
    # One limit with the photo step: its uploads are refused too.
    public_id = start_appeal(client)
    url = f"/appeals/{public_id}/photos"
    response = client.post(url, data={"csrf_token": token_for(client, url),
                                      "photos": (io.BytesIO(image_bytes()), "a.jpg")},
                           content_type="multipart/form-data")
    assert response.status_code == 429


def test_a_slow_reader_means_typing_and_its_breaker_opens(app_factory):
    """A photo over its budget: the review page says so in one line, fields empty, photo
    still held; after BREAKER_OCR_FAIL_MAX such failures the breaker answers at once."""
    app = app_factory(**NO_LIMITS, OCR_WORKERS="1", OCR_QUEUE_SIZE="1", OCR_BUDGET_S="0.5",
                      BREAKER_OCR_FAIL_MAX="2")
    client = app.test_client()
    for _ in range(2):
        page = read(client, wall_of_text(1))
        text = page.get_data(as_text=True)
        assert page.status_code == 200
        assert "took too long" in ONE_LINE.search(text).group(1)
        assert value_of(text, "citation_number") in (None, "") and not is_highlighted(text, "plate")
        assert value_of(text, "ticket_photo")  # kept: it can still be exhibit 1
    with app.app_context():
        assert breaker_registry().snapshot("ocr")["state"] == "open"
    page = read(client, image_bytes(size=(320, 240))).get_data(as_text=True)
    assert "isn&#39;t working right now" in ONE_LINE.search(page).group(1)
    answer = api_read(client, image_bytes(size=(320, 240)))
    assert answer.status_code == 503 and int(answer.headers["Retry-After"]) > 0
    assert answer.mimetype == "application/problem+json"


def test_a_file_the_reader_refuses_is_not_counted_against_the_breaker(app_factory):
    """53 megapixels: within the upload step's bounds (60), beyond the reader's (50)."""
    app = app_factory(**NO_LIMITS, **READER, BREAKER_OCR_FAIL_MAX="1")
    client = app.test_client()
    out = io.BytesIO()
    Image.new("1", (7300, 7300), 1).save(out, "PNG")
    answer = api_read(client, out.getvalue())
    assert answer.status_code == 413 and "too large to read" in answer.get_json()["detail"]
    with app.app_context():
        snapshot = breaker_registry().snapshot("ocr")
    assert snapshot["state"] == "closed" and snapshot["failures"] == 0
    assert api_read(client, image_bytes(size=(320, 240))).status_code == 200  # still reading
