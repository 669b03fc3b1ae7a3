"""mail_options per city (§17): what can be mailed, by when, and why not, on fixed dates.

Every city is checked against the research table (tests/cities/fixtures/city-facts.md): a
letter is sold only where the research says the city decides a letter by mail and its
address is confirmed, with the city's own deadline and postmark-or-receipt rule.
"""
from __future__ import annotations

import dataclasses
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from app.cities import citations, loader
from app.cities.mailing import NoMail, mail_options, why_not
from tests.cities import facts_table as research

CITIES = {city.slug: city for city in loader.load_directory().cities.values()}
SLUGS = sorted(CITIES)
MAILABLE = [slug for slug in SLUGS if CITIES[slug].can_mail]
TICKET = date(2026, 11, 2)  # a Monday


def monday_morning(city) -> datetime:
    """Monday November 2, 2026 (the ticket's day), 9 a.m. where the city is: the printer
    starts that day, mails on the 3rd (certified: the 4th), Veterans Day (11th) is skipped."""
    return datetime(2026, 11, 2, 9, tzinfo=ZoneInfo(city.timezone))


def expected_reason(slug: str) -> NoMail | None:
    row = research.summary()[slug]
    method = research.mail_method(row)
    if method == "mail_with_original_ticket":
        return NoMail.ORIGINAL_TICKET
    if method == "hearing_request_first":
        return NoMail.HEARING_FIRST
    if method is None:
        return NoMail.NOT_BY_MAIL
    return None if research.address_confirmed(row) else NoMail.ADDRESS_UNCONFIRMED


@pytest.mark.parametrize("slug", SLUGS)
def test_each_city_is_mailed_only_as_its_research_says(slug):
    city, row = CITIES[slug], research.summary()[slug]
    options = mail_options(city, ticket_date=TICKET, now=monday_morning(city))
    assert options.reason == expected_reason(slug), (row.mail, row.address, row.confidence)
    days = research.deadline_days(row)
    assert options.last_day == (TICKET + timedelta(days=days) if days else None), row.deadline
    assert options.rule == ("postmark" if research.postmark_counts(slug) else "receipt")
    if options.reason is None:
        # on the ticket's day, every mailable city's deadline leaves time for both classes
        assert [plan.mail_class for plan in options.offered] == ["standard", "certified"]
        assert why_not(city, options) is None
    else:
        assert options.offered == () and not options.offers("standard")
        assert city.name in why_not(city, options)


@pytest.mark.parametrize("slug", MAILABLE)
def test_the_last_day_is_the_edge_of_what_is_sold(slug):
    """A last day equal to standard mail's counted date sells standard only; a day less, nothing."""
    city = CITIES[slug]
    now = monday_morning(city)
    counted = mail_options(city, ticket_date=TICKET, now=now).plans["standard"].counted
    on_the_edge = mail_options(city, ticket_date=counted - timedelta(days=city.deadline_days), now=now)
    assert on_the_edge.last_day == counted
    assert [plan.mail_class for plan in on_the_edge.offered] == ["standard"]
    assert [plan.mail_class for plan in on_the_edge.missed] == ["certified"]
    assert on_the_edge.offers("standard") and not on_the_edge.offers("certified")
    too_late = mail_options(city, ticket_date=counted - timedelta(days=city.deadline_days + 1), now=now)
    assert too_late.reason == NoMail.TOO_LATE and too_late.offered == ()
    word = "postmarked" if city.deadline_rule == "postmark" else "received"
    assert f"could not be {word} by" in why_not(city, too_late)


def test_postmark_and_receipt_cities_count_different_dates():
    """Dallas (postmark) and Boston (receipt), both handed over on Monday November 2."""
    dallas = mail_options(CITIES["dallas"], ticket_date=TICKET, now=monday_morning(CITIES["dallas"]))
    boston = mail_options(CITIES["boston"], ticket_date=TICKET, now=monday_morning(CITIES["boston"]))
    assert {c: p.counted for c, p in dallas.plans.items()} == {
        "standard": date(2026, 11, 3), "certified": date(2026, 11, 4)}
    assert {c: p.counted for c, p in boston.plans.items()} == {
        "standard": date(2026, 11, 10), "certified": date(2026, 11, 12)}  # Veterans Day skipped


@pytest.mark.parametrize("slug", [s for s in SLUGS if CITIES[s].deadline_days])
def test_the_start_page_and_the_mail_planning_read_one_last_day(slug):
    city = CITIES[slug]
    notice = TICKET + timedelta(days=20)
    for notice_date in (None, notice):
        check = citations.check(city, CITIES.values(), city.example_citation, TICKET,
                                today=TICKET, notice_date=notice_date)
        options = mail_options(city, ticket_date=TICKET, notice_date=notice_date,
                               now=monday_morning(city))
        assert check.deadline == options.last_day == city.last_day(TICKET, notice_date)


def test_a_later_notice_opens_its_own_window():
    """Los Angeles: 21 days from the ticket, or 14 from the first delinquent notice."""
    la = CITIES["la"]
    ticket = date(2026, 10, 1)  # its own window closed on October 22
    late = mail_options(la, ticket_date=ticket, now=monday_morning(la))
    assert (late.last_day, late.reason) == (date(2026, 10, 22), NoMail.TOO_LATE)
    noticed = mail_options(la, ticket_date=ticket, notice_date=date(2026, 10, 30), now=monday_morning(la))
    assert noticed.last_day == date(2026, 11, 13) and noticed.can_mail
    assert [plan.mail_class for plan in noticed.offered] == ["standard", "certified"]
    # a notice dated before the ticket is not a later notice
    assert mail_options(la, ticket_date=ticket, notice_date=date(2026, 9, 1),
                        now=monday_morning(la)).last_day == date(2026, 10, 22)


def test_without_a_fixed_deadline_every_class_is_sold_and_none_is_urgent():
    sf = dataclasses.replace(CITIES["sf"], deadline_days=None, notice_deadline_days=None,
                             notice_name=None)
    options = mail_options(sf, ticket_date=TICKET, now=monday_morning(sf))
    assert options.last_day is None and options.can_mail
    assert [plan.mail_class for plan in options.offered] == ["standard", "certified"]
    assert not any(plan.urgent for plan in options.offered)


def test_without_the_ticket_date_nothing_is_sold_where_a_deadline_counts():
    options = mail_options(CITIES["sf"], ticket_date=None, now=monday_morning(CITIES["sf"]))
    assert options.reason == NoMail.NO_TICKET_DATE and options.last_day is None
    assert "date on your ticket" in why_not(CITIES["sf"], options)


def test_the_safety_days_mark_a_letter_urgent():
    sf = CITIES["sf"]
    last_day = date(2026, 11, 17)  # standard arrives the 10th: 7 days of margin
    options = mail_options(sf, ticket_date=last_day - timedelta(days=21), now=monday_morning(sf),
                           safety_days=7)
    assert options.plans["standard"].margin_days == 7 and options.plans["standard"].urgent
    relaxed = mail_options(sf, ticket_date=last_day - timedelta(days=21), now=monday_morning(sf))
    assert not relaxed.plans["standard"].urgent


def test_a_naive_time_is_refused():
    with pytest.raises(ValueError, match="timezone"):
        mail_options(CITIES["sf"], ticket_date=TICKET, now=datetime(2026, 11, 2, 9))
