"""Structure-aware fuzzing of uploads: real photos, corrupted, posted as a driver would.

Files are made by Pillow and libheif from generated pixels, sizes, modes and metadata, then
corrupted (`image_mutations`): bit flips, truncation, inserted bytes, duplicated or dropped
segments/chunks/boxes, bogus length fields and huge declared sizes. Every answer must be a
2xx, 3xx or 4xx within a time budget (a bound on hangs, not a performance claim); a file
left untouched must be accepted; whatever is accepted must be stored as a clean image.
"""
import base64
import io
import time
from collections import Counter

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from tests.appeals.conftest import (ADDRESS, NO_LIMITS, start_appeal, tell_story, token_for,
                                    write_letter)
from tests.appeals.image_files import SECRET
from tests.appeals.uploads import stored_bytes, stored_photos, upload
from tests.fuzz.image_mutations import mutated_files, pictures

PHOTO_EXAMPLES = 160
SIGNATURE_EXAMPLES = 60
BUDGET_S = 2.0


def _fuzz_settings(examples: int) -> settings:
    return settings(max_examples=examples, deadline=None, derandomize=True,
                    suppress_health_check=list(HealthCheck))


def _timed(call):
    started = time.perf_counter()
    response = call()
    return response, time.perf_counter() - started


def test_corrupted_photos_never_get_a_5xx_or_hang(app_factory):
    app = app_factory(**NO_LIMITS)
    client = app.test_client()
    statuses, slowest = Counter(), 0.0

    @_fuzz_settings(PHOTO_EXAMPLES)
    @given(mutated_files())
    def check(case):
        nonlocal slowest
        fmt, data, applied = case
        public_id = start_appeal(client)
        token = token_for(client, f"/appeals/{public_id}/photos")
        response, seconds = _timed(lambda: upload(client, public_id, (f"photo.{fmt.lower()}", data),
                                                  token=token))
        statuses[response.status_code] += 1
        slowest = max(slowest, seconds)
        body = response.get_data(as_text=True)
        assert response.status_code < 500 and "Traceback" not in body, (fmt, applied, body[:300])
        assert seconds < BUDGET_S, (fmt, applied, f"{seconds:.2f} s")
        if not applied:
            assert response.status_code == 303, (fmt, body[:300])
        if response.status_code == 303:
            [(key, content_type, _, _)] = stored_photos(app, public_id)
            stored = stored_bytes(app, key)
            picture = Image.open(io.BytesIO(stored))
            picture.load()
            assert picture.format == content_type.split("/")[1].upper()
            assert SECRET not in stored and b"Exif" not in stored and not picture.getexif()
        else:
            assert response.status_code in (413, 415, 422), (fmt, applied, response.status_code)

    check()
    print(f"\nphoto uploads: {dict(statuses)}, slowest {slowest:.3f} s")
    assert sum(statuses.values()) >= PHOTO_EXAMPLES
    assert statuses[303] and statuses[415]  # the cases reached both the encoder and the refusals


def test_corrupted_signatures_never_get_a_5xx_or_hang(app_factory):
    app = app_factory(**NO_LIMITS)
    client = app.test_client()
    public_id = start_appeal(client)
    tell_story(client, public_id)
    write_letter(client, public_id)
    url = f"/appeals/{public_id}/sign"
    token = token_for(client, url)
    statuses = Counter()

    @_fuzz_settings(SIGNATURE_EXAMPLES)
    @given(pictures(["RGBA", "RGB", "LA", "P", "I;16"]), st.data())
    def check(picture, data):
        png = io.BytesIO()
        picture.save(png, "PNG")
        raw = bytearray(png.getvalue())
        for _ in range(data.draw(st.integers(0, 3))):
            spot = data.draw(st.integers(8, len(raw) - 1)) if len(raw) > 9 else 8
            raw[spot:spot + 1] = data.draw(st.binary(max_size=4))
        value = "data:image/png;base64," + base64.b64encode(bytes(raw)).decode()
        response, seconds = _timed(lambda: client.post(url, data={
            "csrf_token": token, "signature_data": value, "signature_name": "", **ADDRESS}))
        statuses[response.status_code] += 1
        assert response.status_code < 500, response.get_data(as_text=True)[:300]
        assert seconds < BUDGET_S
        assert response.status_code in (303, 413, 422)

    check()
    print(f"\nsignatures: {dict(statuses)}")
    assert statuses[303] and statuses[422]
