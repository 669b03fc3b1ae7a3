"""The citation checks as a driver meets them: through the start page's form (spec §5.1)."""
import html
import re
from datetime import timedelta

import pytest

from app.cities import registry

# The facts the start form requires besides the number and the date (plate, state, ...).
FACTS = {"plate": "7ABC123", "plate_state": "CA", "violation": "Street cleaning",
         "location": "100 Main St"}
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


def start(client, city, number, violation_date, **extra):
    page = client.get("/")
    assert page.status_code == 200
    match = CSRF.search(page.get_data(as_text=True))
    token = (match.group(1) or match.group(2)) if match else ""
    return client.post("/appeals", data={"csrf_token": token, "city": city, "citation_number": number,
                                         "violation_date": violation_date.isoformat(), **FACTS, **extra})


def test_new_york_number_under_san_francisco_is_pointed_out_on_the_page(app):
    client = app.test_client()
    with app.app_context():
        today = registry.get("sf").today()
    answer = start(client, "sf", "123-456-7890", today - timedelta(days=2))
    assert answer.status_code == 422
    text = html.unescape(answer.get_data(as_text=True))
    assert "This looks like a New York City citation — did you pick the right city?" in text


def test_expired_ticket_is_refused_with_the_deadline_on_the_page(app):
    client = app.test_client()
    with app.app_context():
        today = registry.get("sf").today()
    violation = today - timedelta(days=30)
    deadline = violation + timedelta(days=21)
    answer = start(client, "sf", "912345678", violation)
    assert answer.status_code == 422
    text = html.unescape(answer.get_data(as_text=True))
    assert f"{deadline:%B} {deadline.day}, {deadline.year}" in text


def test_san_francisco_number_starts_an_appeal(app):
    client = app.test_client()
    with app.app_context():
        today = registry.get("sf").today()
    answer = start(client, "sf", "912 345 678", today - timedelta(days=1))
    assert answer.status_code in (302, 303)
    assert "/appeals/" in answer.headers["Location"]


def _today(app, slug):
    with app.app_context():
        return registry.get(slug).today()


@pytest.mark.parametrize("slug, number, days_ago", [
    ("nyc", "1234567890", 25),      # 30 days, not 21
    ("boston", "123456789", 15),    # 21 days, not 10
    ("portland", "HA123456", 45),   # 60 days on the court's pages
    ("phoenix", "1234567", 120),    # no fixed contest deadline
    ("sacramento", "21234567", 20),
])
def test_tickets_within_the_citys_real_deadline_start_an_appeal(app, slug, number, days_ago):
    answer = start(app.test_client(), slug, number, _today(app, slug) - timedelta(days=days_ago))
    assert answer.status_code in (302, 303), html.unescape(answer.get_data(as_text=True))[-600:]
    assert "/appeals/" in answer.headers["Location"]


def test_dallas_is_refused_after_its_fifteen_days_with_the_deadline_shown(app):
    violation = _today(app, "dallas") - timedelta(days=16)
    answer = start(app.test_client(), "dallas", "D1234567", violation)
    assert answer.status_code == 422
    deadline = violation + timedelta(days=15)
    assert f"{deadline:%B} {deadline.day}, {deadline.year}" in html.unescape(answer.get_data(as_text=True))


def test_chicago_after_seven_days_names_the_notice_of_violation_window(app):
    answer = start(app.test_client(), "chicago", "9187654321", _today(app, "chicago") - timedelta(days=9))
    assert answer.status_code == 422
    text = html.unescape(answer.get_data(as_text=True))
    assert "within 14 days of the date on the Notice of Violation" in text


def test_a_wrong_number_is_answered_with_the_drivers_own_citys_example(app):
    answer = start(app.test_client(), "sacramento", "12AB", _today(app, "sacramento") - timedelta(days=2))
    assert answer.status_code == 422
    text = html.unescape(answer.get_data(as_text=True))
    error = re.search(r'id="citation_number-error"[^>]*>([^<]+)<', text)
    assert error and "21234567" in error.group(1) and "912345678" not in error.group(1)
