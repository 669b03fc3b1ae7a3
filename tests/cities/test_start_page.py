"""The citation checks as a driver meets them: through the start page's form (spec §5.1)."""
import html
import re
from datetime import timedelta

from app.cities import registry

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


def start(client, city, number, violation_date):
    page = client.get("/")
    assert page.status_code == 200
    match = CSRF.search(page.get_data(as_text=True))
    token = (match.group(1) or match.group(2)) if match else ""
    return client.post("/appeals", data={"csrf_token": token, "city": city, "citation_number": number,
                                         "violation_date": violation_date.isoformat()})


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
