"""The public city endpoints through HTTP: 200 always, caching headers, ETag/304, no database."""
import json
import time

import pytest

from app.cities import registry
from tests.cities.conftest import CLOSED_PORT_DB, read_city, write_city

CACHE_CONTROL = "public, max-age=300, stale-while-revalidate=60"
PUBLIC_CITY_KEYS = {"slug", "name", "timezone", "deadline_days", "agencies", "appeal_address", "address_note",
                    "phone", "online_appeal_url", "theme", "sources", "checked_on", "unverified", "notes",
                    "fallback", "contest_methods", "can_mail", "notice_deadline_days", "notice_name",
                    "deadline_rule", "example_citation", "mail_address", "online_url", "in_person_place",
                    "process_notes"}
PATHS = ["/api/public/cities", "/api/public/cities/sf", "/api/public/cities/nyc/theme"]


@pytest.mark.parametrize("path", PATHS)
def test_answers_carry_cache_headers_and_a_strong_etag(client, path):
    answer = client.get(path)
    assert answer.status_code == 200
    assert answer.mimetype == "application/json"
    assert answer.headers["Cache-Control"] == CACHE_CONTROL
    etag = answer.headers["ETag"]
    assert etag.startswith('"') and etag.endswith('"') and not etag.startswith("W/")
    assert answer.headers["X-RateLimit-Limit"] and answer.headers["RateLimit-Policy"].startswith('"public"')
    again = client.get(path)
    assert again.headers["ETag"] == etag and again.data == answer.data


@pytest.mark.parametrize("path", PATHS)
def test_matching_if_none_match_gets_304_without_a_body(client, path):
    etag = client.get(path).headers["ETag"]
    for header in (etag, f"W/{etag}", f'"other", {etag}', "*"):
        answer = client.get(path, headers={"If-None-Match": header})
        assert answer.status_code == 304, header
        assert answer.data == b""
        assert answer.headers["ETag"] == etag and answer.headers["Cache-Control"] == CACHE_CONTROL
    assert client.get(path, headers={"If-None-Match": '"stale"'}).status_code == 200


def test_listing_has_every_city_sorted_by_name(client):
    body = client.get("/api/public/cities").get_json()
    names = [c["name"] for c in body["cities"]]
    assert names == sorted(names) and len(names) >= 14
    assert body["default"] == "sf"
    sf = next(c for c in body["cities"] if c["slug"] == "sf")
    assert sf["url"] == "/api/public/cities/sf" and sf["deadline_days"] == 21


def test_city_detail_is_the_public_facts_only(client):
    body = client.get("/api/public/cities/nyc").get_json()
    assert set(body) == PUBLIC_CITY_KEYS
    assert body["fallback"] is False and body["name"] == "New York City"
    assert body["appeal_address"]["zip"] == "11202-9021"
    assert body["agencies"][0]["examples"] and body["agencies"][0]["known_format"] is True
    assert "agencies" in body["unverified"]
    san_diego = client.get("/api/public/cities/san-diego").get_json()
    assert san_diego["appeal_address"] is None and "phone" in san_diego["address_note"]


def test_city_detail_says_how_the_city_is_contested(client):
    nyc = client.get("/api/public/cities/nyc").get_json()
    assert nyc["contest_methods"] == ["mail_with_original_ticket", "online"] and nyc["can_mail"] is False
    assert nyc["deadline_days"] == 30 and nyc["notice_deadline_days"] is None
    assert nyc["deadline_rule"] == "receipt" and nyc["mail_address"] == nyc["appeal_address"]
    assert nyc["online_url"].startswith("https://www.nyc.gov/") and nyc["example_citation"] == "1234567890"
    assert any("ticket itself" in note for note in nyc["process_notes"]) and nyc["notes"] == nyc["process_notes"]
    deadline_sources = [s for s in nyc["sources"] if s["fact"] == "deadline_days"]
    assert deadline_sources and all(s["confidence"] == "official" and s["url"].startswith("https://")
                                    for s in deadline_sources)
    assert all(set(s) == {"fact", "url", "confidence", "title"} for s in nyc["sources"])

    la = client.get("/api/public/cities/la").get_json()
    assert la["can_mail"] is True and la["mail_address"]["street"] == "P.O. Box 30247"
    assert (la["deadline_days"], la["notice_deadline_days"]) == (21, 14)
    assert la["notice_name"] == "first delinquent notice"

    chicago = client.get("/api/public/cities/chicago").get_json()
    assert chicago["mail_address"] is None and chicago["can_mail"] is False
    assert "mail" in chicago["contest_methods"] and "Not confirmed" in chicago["address_note"]
    assert {s["confidence"] for s in chicago["sources"] if s["fact"] == "notice_deadline_days"} == {"conflicting"}

    phoenix = client.get("/api/public/cities/phoenix").get_json()
    assert phoenix["deadline_days"] is None and phoenix["contest_methods"] == ["hearing_request_first"]
    houston = client.get("/api/public/cities/houston").get_json()
    assert houston["in_person_place"].startswith("Parking Adjudication Office") and houston["mail_address"] is None


def test_listing_includes_sacramento_and_who_takes_a_mailed_letter(client):
    cities = {c["slug"]: c for c in client.get("/api/public/cities").get_json()["cities"]}
    assert cities["sacramento"]["can_mail"] is True and cities["sacramento"]["deadline_days"] == 21
    assert cities["denver"]["contest_methods"] == ["in_person"] and cities["denver"]["can_mail"] is False
    assert client.get("/api/public/cities/sacramento").get_json()["fallback"] is False


def test_theme_endpoint(client):
    body = client.get("/api/public/cities/portland/theme").get_json()
    assert body == {"slug": "portland", "name": "Portland", "primary": "#166534", "accent": "#6D28D9",
                    "on_primary": "#FFFFFF", "logo_text": "Fight City Tickets · Portland", "fallback": False}


@pytest.mark.parametrize("slug", ["atlantis", "SF-but-not", "x" * 300, "%E2%9C%93", "sf.json"])
def test_unknown_city_is_200_with_san_francisco_marked_as_fallback(client, slug):
    answer = client.get(f"/api/public/cities/{slug}")
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["slug"] == "sf" and body["fallback"] is True
    assert body["detail"] == "We don't have that city yet, so these are San Francisco's details."
    assert slug not in answer.get_data(as_text=True)  # the request is never echoed
    theme = client.get(f"/api/public/cities/{slug}/theme")
    assert theme.status_code == 200 and theme.get_json()["slug"] == "sf" and theme.get_json()["fallback"]
    # every unknown slug shares one cached answer
    assert answer.headers["ETag"] == client.get("/api/public/cities/nowhere").headers["ETag"]


def test_slug_is_case_insensitive(client):
    assert client.get("/api/public/cities/NYC").get_json()["slug"] == "nyc"


def test_head_requests_work(client):
    answer = client.head("/api/public/cities/sf")
    assert answer.status_code == 200 and answer.headers["ETag"]


def test_etag_is_computed_once_per_cached_entry(app):
    with app.test_request_context("/"):
        first, _ = registry.public_city("sf")
        second, _ = registry.public_city("sf")
    assert first is second  # the same precomputed bytes and ETag, not recomputed per request
    assert json.loads(first.body)["slug"] == "sf"


def test_endpoints_never_touch_the_database(app_factory):
    client = app_factory(DATABASE_URL=CLOSED_PORT_DB).test_client()
    started = time.perf_counter()
    for path in PATHS + ["/api/public/cities/chicago", "/api/public/cities/unknown"]:
        assert client.get(path).status_code == 200, path
    assert time.perf_counter() - started < 2.0
    # the database really is unreachable: a page that needs it answers 503
    assert client.get("/health/ready").status_code == 503


def test_public_limit_answers_429_with_retry_after(app_factory):
    client = app_factory(RATELIMIT_PUBLIC="3/minute").test_client()
    for _ in range(3):
        assert client.get("/api/public/cities/sf").status_code == 200
    limited = client.get("/api/public/cities")
    assert limited.status_code == 429
    assert int(limited.headers["Retry-After"]) > 0
    assert limited.mimetype == "application/problem+json"


def test_lookups_are_cached_for_an_hour_and_reread_after_clear(city_app, data_dir):
    client = city_app.test_client()
    assert client.get("/api/public/cities/seattle").get_json()["deadline_days"] == 30
    data = read_city(data_dir, "seattle")
    data["deadline_days"] = 15
    write_city(data_dir, "seattle", data)
    assert client.get("/api/public/cities/seattle").get_json()["deadline_days"] == 30  # cached
    cache = city_app.extensions["caches"]["cities"]
    assert cache._data.ttl == 3600
    with city_app.app_context():
        registry.clear()
    assert client.get("/api/public/cities/seattle").get_json()["deadline_days"] == 15
