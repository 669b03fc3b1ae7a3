"""Every city data file tells what the research says (tests/cities/fixtures/city-facts.md).

One test per city: its deadlines, how it is contested, whether its address is confirmed and
which address, against the Summary table and the city's own table of the research file.
"""
import re
from pathlib import Path

import pytest

from app.cities import loader
from tests.cities import facts_table as research

SHARED_COPY = Path(__file__).resolve().parents[3] / "shared" / "city-facts.md"
CITIES = {city.slug: city for city in loader.load_directory().cities.values()}
SLUGS = sorted(CITIES)
MAILED = {"mail", "mail_with_original_ticket"}


def test_every_city_is_in_the_research():
    assert set(SLUGS) <= set(research.summary()), "a city without research behind it"
    assert {"sacramento", "sf", "nyc", "la", "chicago"} <= set(SLUGS)


def test_the_copy_matches_the_shared_research_when_it_is_there():
    if not SHARED_COPY.exists():
        pytest.skip("the shared research file is not beside this checkout")
    assert research.research_text() == SHARED_COPY.read_text(encoding="utf-8"), (
        "city-facts.md changed: copy it into tests/cities/fixtures again and re-check the data files")


@pytest.mark.parametrize("slug", SLUGS)
def test_deadlines_match_the_research(slug):
    city, row = CITIES[slug], research.summary()[slug]
    assert city.deadline_days == research.deadline_days(row), row.deadline
    assert city.notice_deadline_days == research.notice_days(row), row.deadline
    assert (city.notice_name is None) == (city.notice_deadline_days is None)
    assert city.deadline_rule == ("postmark" if research.postmark_counts(slug) else "receipt")


@pytest.mark.parametrize("slug", SLUGS)
def test_contest_methods_match_the_research(slug):
    city, row = CITIES[slug], research.summary()[slug]
    expected = research.mail_method(row)
    assert MAILED & set(city.contest_methods) == (MAILED & {expected}), row.mail
    assert city.hearing_request_first == (expected == "hearing_request_first"), row.mail
    assert city.needs_original_ticket == (expected == "mail_with_original_ticket"), row.mail
    assert ("online" in city.contest_methods) == research.online(row), row.online
    assert (city.online_url is not None) == research.online(row)


@pytest.mark.parametrize("slug", SLUGS)
def test_mail_goes_only_to_a_confirmed_address_from_the_research(slug):
    city, row = CITIES[slug], research.summary()[slug]
    confirmed = research.address_confirmed(row)
    assert (city.mail_address is not None) == confirmed, (row.address, row.confidence)
    assert city.can_mail == (confirmed and research.mail_method(row) == "mail")
    if city.mail_address is None:
        assert city.address_note, "an unconfirmed address must say so"
        # Nothing but the office's name goes on an envelope we cannot address.
        assert city.address_lines() == [city.agencies[0].name, city.name]
        return
    address = city.mail_address
    numbers = re.findall(r"\d+", address.street)
    cell_numbers = set(re.findall(r"\d+", row.address))
    assert numbers and set(numbers) <= cell_numbers, (address.street, row.address)
    assert address.zip in row.address and address.city in row.address and address.state in row.address
    assert not set(numbers) & research.payment_boxes(slug), "a payment-only box is not a contest address"
    assert "appeal_address" not in city.unverified
    assert any("appeal_address" in s["facts"] and s["confidence"] == "official" for s in city.sources)


@pytest.mark.parametrize("slug", SLUGS)
def test_every_fact_is_sourced_or_marked_unverified(slug):
    city = CITIES[slug]
    assert city.checked_on.isoformat() >= "2026-11-29"
    for source in city.sources:
        assert re.match(r"https?://\S+$", source["url"]) and source["confidence"] in {
            "official", "secondary", "conflicting"}
    cited = {fact for s in city.sources for fact in s["facts"]}
    for fact in ("deadline_days", "contest_methods", "agencies"):
        assert fact in cited or fact in city.unverified, f"{fact} has no source"
    if research.summary()[slug].confidence.startswith("secondary"):
        assert "deadline_days" in city.unverified or "contest_methods" in city.unverified


def test_the_corrected_facts():
    """The corrections the research asked for, spelled out."""
    assert CITIES["nyc"].deadline_days == 30 and CITIES["boston"].deadline_days == 21
    assert (CITIES["chicago"].deadline_days, CITIES["chicago"].notice_deadline_days) == (7, 14)
    assert CITIES["dallas"].deadline_days == 15 and CITIES["dallas"].deadline_rule == "postmark"
    assert CITIES["portland"].deadline_days == 60 and CITIES["phoenix"].deadline_days is None
    assert CITIES["la"].mail_address.street == "P.O. Box 30247"
    assert CITIES["dallas"].mail_address.street == "P.O. Box 650302"
    assert CITIES["oakland"].mail_address.street == "270 Frank H. Ogawa Plaza"
    assert CITIES["atlanta"].mail_address.street == "150 Garnett Street"
    assert CITIES["seattle"].mail_address.street == "P.O. Box 34987"
    assert CITIES["portland"].mail_address.street == "P.O. Box 78"
    for slug in ("chicago", "philadelphia", "miami", "phoenix", "san-diego"):
        assert CITIES[slug].mail_address is None and not CITIES[slug].can_mail, slug
    assert CITIES["sacramento"].can_mail and CITIES["sacramento"].mail_address.zip == "95814"
    assert CITIES["nyc"].needs_original_ticket and CITIES["oakland"].needs_original_ticket
    assert CITIES["seattle"].hearing_request_first and CITIES["miami"].hearing_request_first
    assert any("waives" in note for note in CITIES["portland"].process_notes)


def test_each_city_shows_its_own_example_number():
    examples = [city.example_citation for city in CITIES.values()]
    assert len(set(examples)) == len(examples)
    for city in CITIES.values():
        assert city.agencies[0].matches(city.example_citation)
