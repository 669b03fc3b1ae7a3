"""Broken city files are refused with a clear reason, logged and replaced by San Francisco."""
import copy
import json
import logging

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.cities import loader, registry
from app.cities.schema import CityConfigError, parse_city
from tests.cities.conftest import read_city, write_city

GOOD = json.loads((loader.DATA_DIR / "la.json").read_text())


def broken(change):
    data = copy.deepcopy(GOOD)
    change(data)
    return data


BREAKAGES = {
    "pattern does not compile": (lambda d: d["agencies"][0].update(patterns=["[0-9"]), "does not compile"),
    "example does not match": (lambda d: d["agencies"][0].update(patterns=["[0-9]{10}"], examples=["ABC"]),
                               "matches none of its patterns"),
    "pattern without example": (lambda d: d["agencies"][0]["patterns"].append("X[0-9]{3}"), "no example"),
    "address incomplete": (lambda d: d["appeal_address"].update(zip=""), "appeal_address.zip"),
    "address null without note": (lambda d: d.update(appeal_address=None, address_note=None), "address_note"),
    "deadline zero": (lambda d: d.update(deadline_days=0), "deadline_days"),
    "deadline negative": (lambda d: d.update(deadline_days=-5), "deadline_days"),
    "deadline text": (lambda d: d.update(deadline_days="21"), "deadline_days"),
    "timezone unknown": (lambda d: d.update(timezone="America/Atlantis"), "timezone"),
    "colour not hex": (lambda d: d["theme"].update(primary="blue"), "hex colour"),
    "colour unreadable": (lambda d: d["theme"].update(primary="#FFFF00"), "contrast"),
    "unknown placeholder": (lambda d: d["letter_template"].append("{secret}"), "unknown placeholders"),
    "advice in template": (lambda d: d["letter_template"].append("You should pay now."), "you should"),
    "law in template": (lambda d: d["letter_template"].append("Under Vehicle Code 40215."), "vehicle code"),
    "no agencies": (lambda d: d.update(agencies=[]), "agencies"),
    "unknown field": (lambda d: d.update(secret_key="x"), "unknown fields"),
    "missing field": (lambda d: d.pop("theme"), "missing fields"),
    "unverified unknown": (lambda d: d.update(unverified=["nonsense"]), "unknown field"),
    "http appeal url": (lambda d: d.update(online_appeal_url="http://example.com"), "https://"),
    "bad checked date": (lambda d: d.update(checked_on="yesterday"), "checked_on"),
    "unknown contest method": (lambda d: d.update(contest_methods=["fax"]), "unknown methods"),
    "no contest methods": (lambda d: d.update(contest_methods=[]), "contest_methods"),
    "mail and original ticket": (lambda d: d.update(contest_methods=["mail", "mail_with_original_ticket", "online"]),
                                 "exclude each other"),
    "hearing first and a letter": (lambda d: d.update(contest_methods=["mail", "hearing_request_first", "online"]),
                                   "hearing request first"),
    "online without a url": (lambda d: d.update(online_appeal_url=None), "lists online"),
    "in person place without the method": (lambda d: d.update(in_person_place="City Hall"), "in_person_place"),
    "address from a secondary source": (
        lambda d: (d["sources"][0].update(confidence="secondary"), d["unverified"].append("appeal_address")),
        "appeal_address is not confirmed"),
    "official fact marked unverified": (lambda d: d["unverified"].append("deadline_days"),
                                        "must not be listed as unverified"),
    "secondary fact not marked unverified": (lambda d: d["unverified"].remove("agencies"),
                                             "agencies has no official source"),
    "source without url": (lambda d: d["sources"][0].update(url=None), "url must be a web address"),
    "source without confidence": (lambda d: d["sources"][0].pop("confidence"), "confidence must be one of"),
    "notice days without a name": (lambda d: d.pop("notice_name"), "go together"),
    "notice days zero": (lambda d: d.update(notice_deadline_days=0), "notice_deadline_days"),
    "unknown deadline rule": (lambda d: d.update(deadline_rule="arrival"), "deadline_rule"),
    "no deadline and no notes": (lambda d: d.update(deadline_days=None, process_notes=[]),
                                 "process_notes must say"),
}


@pytest.mark.parametrize("name", sorted(BREAKAGES))
def test_broken_city_data_is_refused_with_the_reason(name):
    change, reason = BREAKAGES[name]
    with pytest.raises(CityConfigError) as error:
        parse_city(broken(change), expected_slug="la")
    assert reason in str(error.value)


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children,
                                                                      max_size=4),
    max_leaves=12)


@settings(max_examples=300, deadline=None, database=None)
@given(field=st.sampled_from(sorted(GOOD) + ["extra"]), value=JSON_VALUES)
def test_any_damage_to_a_file_is_a_config_error_never_a_crash(field, value):
    data = copy.deepcopy(GOOD)
    data[field] = value
    try:
        parse_city(data, expected_slug="la")
    except CityConfigError as error:
        assert error.problems


@settings(max_examples=200, deadline=None, database=None)
@given(agency=JSON_VALUES, theme=JSON_VALUES, address=JSON_VALUES)
def test_damaged_nested_parts_are_config_errors(agency, theme, address):
    data = copy.deepcopy(GOOD)
    data["agencies"] = [agency]
    data["theme"] = theme
    data["appeal_address"] = address
    with pytest.raises(CityConfigError):
        parse_city(data, expected_slug="la")


def test_slug_must_match_the_file_name():
    with pytest.raises(CityConfigError, match="does not match the file name"):
        parse_city(GOOD, expected_slug="nyc")


def test_no_fixed_deadline_is_accepted_with_notes():
    city = parse_city(broken(lambda d: d.update(deadline_days=None)), "la")
    assert city.deadline_days is None and city.process_notes


def test_unconfirmed_address_is_accepted_with_a_note():
    city = parse_city(broken(lambda d: d.update(appeal_address=None, address_note="Confirm by phone.")), "la")
    assert city.appeal_address is None and city.address_note == "Confirm by phone."
    assert city.address_lines() == ["LADOT Parking Violations Bureau", "Los Angeles"]


def test_broken_file_is_logged_and_skipped(data_dir, caplog):
    (data_dir / "la.json").write_text("{ not json")
    data = read_city(data_dir, "seattle")
    data["deadline_days"] = 0
    write_city(data_dir, "seattle", data)
    with caplog.at_level(logging.ERROR, logger="app.cities.loader"):
        result = loader.load_directory(data_dir)
    assert "la" not in result.cities and "seattle" not in result.cities and "nyc" in result.cities
    assert "not valid JSON" in result.problems["la.json"]
    assert "deadline_days" in result.problems["seattle.json"]
    logged = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert any("la.json" in m and "skipped" in m for m in logged)
    assert any("seattle.json" in m for m in logged)


def test_broken_city_falls_back_to_san_francisco_over_http(city_app, data_dir, caplog):
    (data_dir / "la.json").write_text('{"slug": "la"}')
    client = city_app.test_client()
    with caplog.at_level(logging.WARNING):
        answer = client.get("/api/public/cities/la")
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["slug"] == "sf" and body["fallback"] is True and "San Francisco" in body["detail"]
    assert any("la.json" in r.getMessage() for r in caplog.records)
    assert any("broken data file" in r.getMessage() for r in caplog.records)
    listed = {c["slug"] for c in client.get("/api/public/cities").get_json()["cities"]}
    assert "la" not in listed and "nyc" in listed
    with city_app.app_context():
        assert registry.get("la").slug == "sf"
        check = registry.check_citation("la", "912345678", None)
        assert check.ok and check.agency == "SFMTA"


def test_broken_san_francisco_file_uses_the_builtin_defaults(city_app, data_dir, caplog):
    (data_dir / "sf.json").write_text("[]")
    client = city_app.test_client()
    with caplog.at_level(logging.ERROR):
        answer = client.get("/api/public/cities/sf")
    assert answer.status_code == 200
    assert answer.get_json()["name"] == "San Francisco"
    assert answer.get_json()["appeal_address"]["street"] == "11 South Van Ness Avenue"
    assert any("built-in San Francisco" in r.getMessage() for r in caplog.records)


def test_missing_data_directory_still_answers(city_app, tmp_path):
    city_app.config["CITIES_DATA_DIR"] = str(tmp_path / "nowhere")
    client = city_app.test_client()
    listing = client.get("/api/public/cities")
    assert listing.status_code == 200
    assert [c["slug"] for c in listing.get_json()["cities"]] == ["sf"]
    assert client.get("/api/public/cities/nyc").get_json()["fallback"] is True
