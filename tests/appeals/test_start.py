"""Start page: city, citation number and date checked, errors beside their field (§5.1)."""
import re
from datetime import timedelta

import pytest

from tests.appeals.conftest import SF_CITATION, csrf_token, sf_today, start_appeal, start_form, token_for


def _post(client, **fields):
    data = {"csrf_token": token_for(client, "/"), **start_form(days_ago=3)}
    data.update(fields)
    return client.post("/appeals", data=data)


def _error_for(html: str, field: str) -> str:
    """The error text tied to `field` by aria-describedby, announced with role=alert."""
    assert re.search(rf'id="{field}"[^>]*aria-describedby="[^"]*{field}-error', html) or \
        re.search(rf'aria-describedby="[^"]*{field}-error[^"]*"[^>]*id="{field}"', html), \
        f"{field} is not described by its error"
    match = re.search(rf'<p class="field-error" id="{field}-error" role="alert">([^<]+)</p>', html)
    assert match, f"no announced error for {field}"
    return match.group(1)


def test_home_offers_cities_and_labelled_fields(web):
    page = web.get("/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Fight City Tickets" in html and "not a law firm" in html
    assert '<option value="">Choose a city' in html and 'value="sf"' in html
    assert 'value="nyc"' in html and 'value="la"' in html
    for field in ("city", "citation_number", "violation_date"):
        assert f'<label for="{field}">' in html
    assert 'type="date"' in html and csrf_token(html)
    for link in ("/privacy", "/terms", "/refunds", "/appeals/find"):
        assert f'href="{link}"' in html


@pytest.mark.both_databases
def test_valid_citation_creates_the_appeal_and_goes_to_photos(web, open_app):
    public_id = start_appeal(web, number="9123 456-78")
    page = web.get(f"/appeals/{public_id}/photos")
    assert page.status_code == 200
    assert "Photos of your ticket" in page.get_data(as_text=True)
    status = web.get(f"/appeals/{public_id}").get_data(as_text=True)
    assert "912345678" in status and "San Francisco" in status


def test_wrong_pattern_is_422_beside_the_citation_field(web):
    response = _post(web, citation_number="12AB")
    assert response.status_code == 422
    assert _error_for(response.get_data(as_text=True), "citation_number")


def test_another_citys_number_is_named(web):
    response = _post(web, citation_number="1234567890")  # ten digits: a New York City number
    assert response.status_code == 422
    message = _error_for(response.get_data(as_text=True), "citation_number")
    assert "looks like" in message.lower() and "new york" in message.lower()


def test_past_deadline_is_refused_with_the_deadline_shown(web):
    day = sf_today() - timedelta(days=60)
    response = _post(web, violation_date=day.isoformat())
    assert response.status_code == 422
    message = _error_for(response.get_data(as_text=True), "violation_date")
    deadline = day + timedelta(days=21)
    assert f"{deadline:%B} {deadline.day}, {deadline.year}" in message or deadline.isoformat() in message


def test_future_date_and_missing_fields_are_422(web):
    response = _post(web, violation_date=(sf_today() + timedelta(days=3)).isoformat())
    assert response.status_code == 422
    assert "future" in _error_for(response.get_data(as_text=True), "violation_date")
    response = _post(web, citation_number="", violation_date="")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert _error_for(html, "citation_number") and _error_for(html, "violation_date")
    assert _post(web, city="atlantis").status_code == 422
    assert _error_for(_post(web, city="").get_data(as_text=True), "city") == "Please choose a city."


def test_urgent_deadline_is_shown(web):
    public_id = start_appeal(web, days_ago=19)  # 21-day deadline: 2 days left
    html = web.get(f"/appeals/{public_id}/photos").get_data(as_text=True)
    assert "Hurry" in html and "Urgent" in html and "2 days left" in html


def test_form_without_csrf_token_is_refused(web):
    response = web.post("/appeals", data={"city": "sf", "citation_number": SF_CITATION,
                                          "violation_date": sf_today().isoformat()})
    assert response.status_code == 400
    assert "expired" in response.get_data(as_text=True)


def test_unknown_or_malformed_appeal_id_is_404(web):
    for path in ("/appeals/AAAAAAAAAAAAAAAAAAAAAA", "/appeals/x/photos", "/appeals/x" * 50,
                 "/appeals/AAAAAAAAAAAAAAAAAAAAAA/checkout", "/appeals/AAAAAAAAAAAAAAAAAAAAAA/success",
                 "/appeals/AAAAAAAAAAAAAAAAAAAAAA/story", "/appeals/AAAAAAAAAAAAAAAAAAAAAA/sign"):
        response = web.get(path)
        assert response.status_code == 404, path
    assert "find your appeal" in web.get("/appeals/AAAAAAAAAAAAAAAAAAAAAA").get_data(as_text=True)
