"""The camera step's main button ("Skip photos and continue") keeps the photos chosen."""
import io

from tests.appeals.conftest import big_jpeg, image_bytes, start_appeal, token_for
from tests.appeals.uploads import stored_photos


def _post(client, public_id: str, then: str | None, *files: tuple[str, bytes]):
    url = f"/appeals/{public_id}/photos"
    data = {"csrf_token": token_for(client, url),
            "photos": [(io.BytesIO(content), name) for name, content in files]}
    if then:
        data["then"] = then
    return client.post(url, data=data, content_type="multipart/form-data")


def test_skip_with_a_chosen_photo_uploads_it_then_goes_on(web, open_app):
    public_id = start_appeal(web)
    response = _post(web, public_id, "story", ("ticket.jpg", image_bytes()))
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/appeals/{public_id}/story")
    [(_, content_type, _, _)] = stored_photos(open_app, public_id)
    assert content_type == "image/jpeg"
    assert "Photo added." in web.get(response.headers["Location"]).get_data(as_text=True)


def test_skip_without_a_photo_goes_on_and_costs_no_upload(app_factory):
    app = app_factory(RATELIMIT_UPLOAD="2/hour", RATELIMIT_APPEAL_WRITES="1000/minute")
    client = app.test_client()
    public_id = start_appeal(client)
    for _ in range(4):
        response = _post(client, public_id, "story")
        assert response.status_code == 303
        assert response.headers["Location"].endswith(f"/appeals/{public_id}/story")
    assert stored_photos(app, public_id) == []
    # The hour's two uploads are still there for real photos.
    assert _post(client, public_id, None, ("a.jpg", image_bytes())).status_code == 303
    assert _post(client, public_id, None, ("b.png", image_bytes("PNG"))).status_code == 303
    assert _post(client, public_id, None, ("c.webp", image_bytes("WEBP"))).status_code == 429
    assert len(stored_photos(app, public_id)) == 2


def test_upload_button_stays_and_the_limits_are_unchanged(web, open_app):
    public_id = start_appeal(web)
    response = _post(web, public_id, "photos", ("a.jpg", image_bytes()))
    assert response.headers["Location"].endswith(f"/appeals/{public_id}/photos")
    too_big = _post(web, public_id, "story", ("huge.jpg", big_jpeg(5 * 1024 * 1024 + 1)))
    assert too_big.status_code == 413 and "5 MB" in too_big.get_data(as_text=True)
    assert len(stored_photos(open_app, public_id)) == 1  # the refused file went nowhere
    nothing = _post(web, public_id, "photos")
    assert nothing.status_code == 422 and "choose a photo" in nothing.get_data(as_text=True)


def test_the_page_loads_the_photo_script_and_says_choices_upload_at_once(web):
    public_id = start_appeal(web)
    html = web.get(f"/appeals/{public_id}/photos").get_data(as_text=True)
    assert '<script src="/static/photos.js" defer></script>' in html
    assert "Photos you choose are added right away." in html
    assert web.get("/static/photos.js").status_code == 200
