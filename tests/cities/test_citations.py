"""Citation numbers and deadlines (spec §5 "Citation checks"), with a fixed `today`."""
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from app.cities import registry
from app.cities.citations import normalise

TODAY = date(2026, 11, 20)


@pytest.mark.parametrize("raw, expected", [
    ("912 345 678", "912345678"),
    ("912-345-678", "912345678"),
    ("912.345.678", "912345678"),
    (" sfmta 1234-5678 ", "SFMTA12345678"),
    ("mt12345678", "MT12345678"),
    ("ha\u00a0123\u2013456", "HA123456"),  # no-break space and an en dash
    ("", ""),
    (None, ""),
])
def test_normalisation_ignores_spaces_dashes_dots_and_case(raw, expected):
    assert normalise(raw) == expected


@pytest.mark.parametrize("number", ["912345678", "912-345-678", "sfmta12345678", "MT 1234 5678"])
def test_san_francisco_numbers_are_accepted(number):
    check = registry.check_citation("sf", number, date(2026, 11, 10), today=TODAY)
    assert check.ok and check.error is None and check.agency == "SFMTA"
    assert check.other_city is None


def test_new_york_number_under_san_francisco_is_pointed_out_not_switched():
    check = registry.check_citation("sf", "1234567890", date(2026, 11, 10), today=TODAY)
    assert not check.ok
    assert check.other_city is not None and check.other_city.slug == "nyc"
    assert check.error == "This looks like a New York City citation — did you pick the right city?"
    assert check.normalized == "1234567890"


def test_portland_number_under_new_york_is_pointed_out():
    check = registry.check_citation("nyc", "HA 1234567", date(2026, 11, 10), today=TODAY)
    assert not check.ok and check.other_city.slug == "portland"


def test_number_matching_no_city_gets_the_examples():
    check = registry.check_citation("sf", "812345678", date(2026, 11, 10), today=TODAY)
    assert not check.ok and check.other_city is None
    assert "San Francisco" in check.error and "912345678" in check.error


@pytest.mark.parametrize("raw", ["", "   ", "12", "9123/45678", "A" * 25])
def test_implausible_numbers_get_a_plain_sentence(raw):
    check = registry.check_citation("sf", raw, None, today=TODAY)
    assert not check.ok and check.error and check.error.endswith(".")


def test_unconfirmed_format_accepts_the_number_but_notes_a_likely_mix_up():
    # Los Angeles' number format is not confirmed, so its loose pattern accepts the number;
    # the driver still hears that it looks like San Francisco's.
    check = registry.check_citation("la", "SFMTA12345678", date(2026, 11, 10), today=TODAY)
    assert check.ok and check.agency == "LADOT Parking Violations Bureau"
    assert check.other_city.slug == "sf" and "San Francisco" in check.note
    plain = registry.check_citation("la", "4012345678x", date(2026, 11, 10), today=TODAY)
    assert plain.ok and plain.note is None


@pytest.mark.parametrize("violation, days_left, urgent", [
    (date(2026, 11, 20), 21, False),
    (date(2026, 11, 3), 4, False),
    (date(2026, 11, 2), 3, True),
    (date(2026, 10, 31), 1, True),
    (date(2026, 10, 30), 0, True),
])
def test_deadline_is_violation_date_plus_the_citys_days(violation, days_left, urgent):
    check = registry.check_citation("sf", "912345678", violation, today=TODAY)
    assert check.ok and not check.expired
    assert check.deadline == violation + timedelta(days=21)
    assert check.days_left == days_left and check.urgent is urgent


def test_past_the_deadline_is_expired_with_the_deadline_in_the_sentence():
    check = registry.check_citation("sf", "912345678", date(2026, 10, 29), today=TODAY)
    assert not check.ok and check.expired and not check.urgent
    assert check.deadline == date(2026, 11, 19) and check.days_left == -1
    assert "November 19, 2026" in check.error and "21 days" in check.error


def test_each_city_uses_its_own_days():
    boston = registry.check_citation("boston", "123456789", date(2026, 10, 29), today=TODAY)
    assert boston.deadline == date(2026, 11, 19) and boston.expired
    nyc = registry.check_citation("nyc", "1234567890", date(2026, 10, 29), today=TODAY)
    assert nyc.deadline == date(2026, 11, 28) and nyc.ok and nyc.days_left == 8
    chicago = registry.check_citation("chicago", "9187654321", date(2026, 11, 15), today=TODAY)
    assert chicago.deadline == date(2026, 11, 22) and chicago.urgent and chicago.ok


def test_future_violation_date_is_refused():
    check = registry.check_citation("sf", "912345678", TODAY + timedelta(days=1), today=TODAY)
    assert not check.ok and "future" in check.error


def test_without_a_date_there_is_no_deadline():
    check = registry.check_citation("nyc", "1234567890", None, today=TODAY)
    assert check.ok and check.deadline is None and check.days_left is None
    assert not check.urgent and not check.expired


def test_today_is_taken_in_the_citys_timezone():
    # The city's own clock, read around the call (robust to midnight passing meanwhile).
    before = datetime.now(ZoneInfo("America/New_York")).date()
    check = registry.check_citation("nyc", "1234567890", before - timedelta(days=5))
    after = datetime.now(ZoneInfo("America/New_York")).date()
    assert check.days_left in {25 - (d - before).days for d in (before, after)}
    assert registry.get("nyc").today() in (before, after)


def test_unknown_city_checks_against_san_francisco():
    check = registry.check_citation("atlantis", "912345678", date(2026, 11, 10), today=TODAY)
    assert check.ok and check.agency == "SFMTA" and check.deadline == date(2026, 12, 1)


def test_a_city_without_a_fixed_deadline_refuses_no_date():
    check = registry.check_citation("phoenix", "1234567", date(2026, 1, 5), today=TODAY)
    assert check.ok and check.deadline is None and check.days_left is None and not check.expired


def test_past_the_first_window_the_notice_window_is_named():
    check = registry.check_citation("chicago", "9187654321", date(2026, 11, 1), today=TODAY)
    assert not check.ok and check.expired and check.deadline == date(2026, 11, 8)
    assert "November 8, 2026" in check.error
    assert "within 14 days of the date on the Notice of Violation" in check.error


def test_a_notice_date_opens_the_second_window():
    within = registry.check_citation("chicago", "9187654321", date(2026, 11, 1), today=TODAY,
                                     notice_date=date(2026, 11, 12))
    assert within.ok and within.deadline == date(2026, 11, 26) and within.days_left == 6
    late = registry.check_citation("la", "4012345678", date(2026, 9, 1), today=TODAY,
                                   notice_date=date(2026, 10, 1))
    assert late.expired and late.deadline == date(2026, 10, 15)
    assert "14 days after the first delinquent notice" in late.error
    # A city without a notice window ignores the date.
    nyc = registry.check_citation("nyc", "1234567890", date(2026, 10, 1), today=TODAY,
                                  notice_date=date(2026, 11, 1))
    assert nyc.expired and nyc.deadline == date(2026, 10, 31)


@pytest.mark.parametrize("slug", [c.slug for c in registry.all()])
def test_each_citys_own_example_is_accepted_without_a_mix_up_note(slug):
    city = registry.get(slug)
    check = registry.check_citation(slug, city.example_citation, None, today=TODAY)
    assert check.ok and check.agency == city.agencies[0].name
    assert check.note is None and check.other_city is None


def test_a_ten_digit_number_is_not_called_new_yorks_where_the_city_uses_ten_digits_too():
    # Chicago's numbers are ten digits like New York's; the format is unconfirmed, so no guess.
    check = registry.check_citation("chicago", "9187654321", None, today=TODAY)
    assert check.ok and check.note is None
    # A number shaped unlike Chicago's own is still pointed out.
    sf = registry.check_citation("chicago", "SFMTA12345678", None, today=TODAY)
    assert sf.ok and sf.other_city.slug == "sf" and "San Francisco" in sf.note
