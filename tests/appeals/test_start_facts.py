"""The start step asks for the ticket's facts a city needs, shows the driver's own city's
example and process notes, the price up front, and honours a city's notice window (§5.1)."""
from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest

from app.cities import registry
from tests.appeals.conftest import load, start_appeal, start_form, token_for


def _post(client, **fields):
    return client.post("/appeals", data={"csrf_token": token_for(client, "/"), **start_form(), **fields})


def _error(page, field: str) -> str | None:
    match = re.search(rf'<p class="field-error" id="{field}-error" role="alert">([^<]+)</p>',
                      page.get_data(as_text=True))
    return html.unescape(match.group(1)) if match else None


def _today(app, slug):
    with app.app_context():
        return registry.get(slug).today()


def test_the_facts_are_stored_with_the_appeal(web, open_app):
    public_id = start_appeal(web, plate="7abc 123", plate_state="NV", vehicle_make="Honda",
                             violation="Meter expired", location="5th & Mission")
    appeal = load(open_app, public_id)
    assert (appeal.plate, appeal.plate_state, appeal.vehicle_make) == ("7ABC123", "NV", "Honda")
    assert (appeal.violation, appeal.location, appeal.notice_date) == ("Meter expired", "5th & Mission", None)


@pytest.mark.parametrize("field, value, says", [
    ("plate", "", "license plate"),
    ("plate", "7AB$123", "letters, numbers"),
    ("plate_state", "", "state"),
    ("plate_state", "ZZ", "Not a valid choice"),
    ("violation", "", "violation"),
    ("location", "", "street or place"),
    ("notice_date", "not-a-date", "date"),
])
def test_a_missing_or_bad_fact_is_422_beside_its_field(web, field, value, says):
    answer = _post(web, **{field: value})
    assert answer.status_code == 422
    assert says.lower() in (_error(answer, field) or "").lower()


def test_vehicle_make_is_optional(web):
    assert _post(web, vehicle_make="").status_code == 303


def test_labels_are_american_english(web):
    page = web.get("/").get_data(as_text=True)
    assert '<label for="plate">License plate</label>' in page and "Licence" not in page


def test_the_price_is_on_the_home_page(app_factory):
    client = app_factory(PRICE_STANDARD_CENTS="1234", PRICE_CERTIFIED_CENTS="2345").test_client()
    page = html.unescape(client.get("/").get_data(as_text=True))
    assert "$12.34" in page and "$23.45" in page


def test_no_city_chosen_shows_no_other_citys_example(web):
    page = web.get("/").get_data(as_text=True)
    assert "912345678" not in page  # San Francisco's example is not everyone's


def test_the_drivers_city_shows_its_own_example_and_process_notes(web):
    page = html.unescape(web.get("/?city=sacramento").get_data(as_text=True))
    with web.application.app_context():
        city = registry.get("sacramento")
    assert f"for example {city.example_citation}." in page and "912345678" not in page
    assert f"How {city.name} handles appeals" in page
    assert all(note in page for note in city.process_notes)
    assert re.search(r'<option selected value="sacramento">|<option value="sacramento" selected', page)


def test_an_unknown_city_in_the_link_is_ignored_not_replaced_by_san_francisco(web):
    page = web.get("/?city=atlantis").get_data(as_text=True)
    assert "912345678" not in page and 'id="city-notes"' in page and "How your city" in page


def test_a_form_sent_back_shows_the_chosen_citys_notes(web, open_app):
    answer = _post(web, city="la", plate="")
    assert answer.status_code == 422
    assert "How Los Angeles handles appeals" in html.unescape(answer.get_data(as_text=True))


def test_the_notice_window_keeps_a_late_ticket_open(web, open_app):
    """Los Angeles: 21 days from the ticket, or 14 from the first delinquent notice."""
    today = _today(open_app, "la")
    late = dict(city="la", number="4012345678", violation_date=(today - timedelta(days=30)).isoformat())
    refused = _post(web, **late)
    assert refused.status_code == 422
    assert "14 days of the date on the first delinquent notice" in _error(refused, "violation_date")

    notice = today - timedelta(days=5)
    public_id = start_appeal(web, **{k: v for k, v in late.items() if k != "violation_date"},
                             days_ago=30, notice_date=notice.isoformat())
    assert load(open_app, public_id).notice_date == notice


def test_a_closed_notice_window_is_refused_beside_the_notice_date(web, open_app):
    today = _today(open_app, "la")
    answer = _post(web, city="la", citation_number="4012345678",
                   violation_date=(today - timedelta(days=60)).isoformat(),
                   notice_date=(today - timedelta(days=20)).isoformat())
    assert answer.status_code == 422
    deadline = today - timedelta(days=20) + timedelta(days=14)
    assert f"{deadline:%B} {deadline.day}, {deadline.year}" in _error(answer, "notice_date")


@pytest.mark.parametrize("days, says", [(-2, "future"), (40, "before the ticket")])
def test_a_notice_date_must_be_possible(web, open_app, days, says):
    today = _today(open_app, "la")
    answer = _post(web, city="la", citation_number="4012345678",
                   violation_date=(today - timedelta(days=30)).isoformat(),
                   notice_date=(today - timedelta(days=days)).isoformat())
    assert answer.status_code == 422 and says in _error(answer, "notice_date")


def test_a_notice_date_means_nothing_where_the_city_has_no_notice_window(web, open_app):
    """Dallas counts only from the ticket (15 days): a notice date does not reopen it."""
    today = _today(open_app, "dallas")
    answer = _post(web, city="dallas", citation_number="D1234567",
                   violation_date=(today - timedelta(days=20)).isoformat(),
                   notice_date=(today - timedelta(days=2)).isoformat())
    assert answer.status_code == 422 and _error(answer, "violation_date")
