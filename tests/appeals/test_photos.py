"""Camera step: type from the bytes, 5 MB a file, 10 uploads an hour, no location kept (§5.2)."""
import hashlib
import io
import re

import pytest
from PIL import Image

from tests.appeals.conftest import (ELF, PE, big_jpeg, image_bytes, pdf_bytes, start_appeal,
                                    token_for)
from tests.appeals.uploads import stored_bytes as _stored
from tests.appeals.uploads import stored_photos as _photos
from tests.appeals.uploads import upload as _upload
from tests.appeals.uploads import upload_raw_parts

MB = 1024 * 1024


def test_page_is_a_camera_form_whose_skip_button_is_in_the_form(web):
    public_id = start_appeal(web)
    html = web.get(f"/appeals/{public_id}/photos").get_data(as_text=True)
    assert re.search(r'<input type="file" id="photos" name="photos" accept="image/\*[^"]*" '
                     r'capture="environment" multiple', html)
    assert '<label for="photos"' in html and 'enctype="multipart/form-data"' in html
    form = re.search(r'<form method="post" enctype="multipart/form-data".*?</form>', html, re.S).group(0)
    assert re.search(r'<button type="submit" class="primary" name="then" value="story"[^>]*>'
                     r'Skip photos and continue</button>', form)


@pytest.mark.both_databases
def test_jpeg_is_stored_upright_without_any_exif(web, open_app):
    """Orientation 6 (turn 90° clockwise to view) is applied to the pixels; no EXIF is kept."""
    public_id = start_appeal(web)
    picture = Image.new("RGB", (64, 48), (200, 40, 40))
    picture.paste((0, 0, 255), (0, 0, 16, 16))  # a blue mark in the top-left corner as taken
    exif = Image.Exif()
    exif[0x0112], exif[0x8825] = 6, {1: "N", 2: (37.0, 46.0, 30.0), 3: "W", 4: (122.0, 25.0, 10.0)}
    original = io.BytesIO()
    picture.save(original, "JPEG", exif=exif.tobytes(), quality=95)
    original = original.getvalue()
    response = _upload(web, public_id, ("ticket.jpg", original))
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/appeals/{public_id}/photos")
    [(key, content_type, size, sha256)] = _photos(open_app, public_id)
    stored = _stored(open_app, key)
    assert content_type == "image/jpeg" and size == len(stored)
    assert sha256 == hashlib.sha256(stored).hexdigest()
    upright = Image.open(io.BytesIO(stored))
    assert "exif" not in upright.info and not upright.getexif()
    assert upright.size == (48, 64)
    assert upright.getpixel((40, 8))[2] > 200 and upright.getpixel((8, 8))[0] > 150  # mark top-right
    page = web.get(f"/appeals/{public_id}/photos").get_data(as_text=True)
    assert "Photo added." in page and "Continue" in page
    served = web.get(re.search(r'<img src="([^"]+)"', page).group(1))
    assert served.status_code == 200 and served.mimetype == "image/jpeg" and served.data == stored


def test_png_webp_and_pdf_are_accepted_and_typed_from_their_bytes(web, open_app):
    public_id = start_appeal(web)
    response = _upload(web, public_id, ("a.bin", image_bytes("PNG")), ("b", image_bytes("WEBP")),
                       ("scan.jpg", pdf_bytes()))
    assert response.status_code == 303
    photos = _photos(open_app, public_id)
    assert sorted(p[1] for p in photos) == ["application/pdf", "image/png", "image/webp"]
    for key, content_type, _, _ in photos:
        if content_type.startswith("image/"):
            assert not Image.open(io.BytesIO(_stored(open_app, key))).getexif().get_ifd(0x8825)


def test_renamed_executables_are_415(web, open_app):
    public_id = start_appeal(web)
    for name, content in (("photo.jpg", ELF), ("ticket.png", PE), ("x.pdf", b"hello world")):
        response = _upload(web, public_id, (name, content))
        html = response.get_data(as_text=True)
        assert response.status_code == 415, name
        assert 'id="photos-error" role="alert"' in html and "JPEG" in html
        assert "Traceback" not in html
    assert _photos(open_app, public_id) == []


def test_a_six_megabyte_file_is_413_with_a_plain_message(web, open_app):
    public_id = start_appeal(web)
    response = _upload(web, public_id, ("huge.jpg", big_jpeg(6 * MB)))
    assert response.status_code == 413
    assert "larger than 5 MB" in response.get_data(as_text=True)
    assert _photos(open_app, public_id) == []


def test_several_full_size_photos_fit_in_one_post(web, open_app):
    """Two 4 MB photos are more than the app-wide body limit, but the photo form allows them."""
    public_id = start_appeal(web)
    first, second = big_jpeg(4 * MB), big_jpeg(4 * MB, size=(50, 50))
    response = _upload(web, public_id, ("1.jpg", first), ("2.jpg", second))
    assert response.status_code == 303
    assert len(_photos(open_app, public_id)) == 2


def test_nothing_chosen_is_422_and_removing_a_photo_works(web, open_app):
    public_id = start_appeal(web)
    assert _upload(web, public_id).status_code == 422
    _upload(web, public_id, ("a.png", image_bytes("PNG")))
    [(key, *_)] = _photos(open_app, public_id)
    page = web.get(f"/appeals/{public_id}/photos").get_data(as_text=True)
    action = re.search(r'action="(/appeals/[^"]+/delete)"', page).group(1)
    response = web.post(action, data={"csrf_token": token_for(web, f"/appeals/{public_id}/photos")})
    assert response.status_code == 303
    assert _photos(open_app, public_id) == []
    assert not open_app.extensions["storage"].exists(key)


def test_the_eleventh_upload_in_an_hour_is_429(app_factory):
    client = app_factory().test_client()
    public_id = start_appeal(client)
    token = token_for(client, f"/appeals/{public_id}/photos")
    for n in range(10):
        response = _upload(client, public_id, (f"{n}.png", image_bytes("PNG", size=(20 + n, 20))),
                           token=token)
        assert response.status_code == 303, n
        assert "X-RateLimit-Remaining" in response.headers
    refused = _upload(client, public_id, ("11.png", image_bytes("PNG", size=(99, 20))), token=token)
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    for header in ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"):
        assert header in refused.headers, header
    assert refused.headers["X-RateLimit-Limit"] == "10"
    assert refused.headers["X-RateLimit-Remaining"] == "0"
    assert "photos" in refused.get_data(as_text=True)
    # looking at the page is not an upload
    assert client.get(f"/appeals/{public_id}/photos").status_code == 200


def test_files_without_a_name_count_against_the_upload_limit(app_factory):
    """Parts sent with filename="" are stored like any other file, so they are counted too:
    two posts of five such parts use up the ten uploads of the hour."""
    app = app_factory()
    client = app.test_client()
    public_id = start_appeal(client)
    token = token_for(client, f"/appeals/{public_id}/photos")
    for post in range(2):
        parts = [("", image_bytes("PNG", size=(30 + 5 * post + n, 20))) for n in range(5)]
        response = upload_raw_parts(client, public_id, parts, token)
        assert response.status_code == 303, (post, response.get_data(as_text=True)[:300])
    assert len(_photos(app, public_id)) == 10
    refused = upload_raw_parts(client, public_id, [("", image_bytes("PNG", size=(99, 20)))], token)
    assert refused.status_code == 429
    assert len(_photos(app, public_id)) == 10


def test_storage_that_cannot_write_is_a_503_not_a_500(app_factory, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the upload folder should be")
    app = app_factory(UPLOAD_DIR=str(blocker))
    client = app.test_client()
    public_id = start_appeal(client)
    response = _upload(client, public_id, ("ticket.png", image_bytes("PNG")))
    assert response.status_code == 503 and int(response.headers["Retry-After"]) > 0
    assert "Your appeal is saved" in response.get_data(as_text=True)
    assert _photos(app, public_id) == []
