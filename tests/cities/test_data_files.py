"""Every city data file in the repository loads and passes validation (spec §7)."""
import json
import re
import string

import pytest

from app.cities import loader
from app.cities.defaults import SAN_FRANCISCO
from app.cities.validators import FORBIDDEN_WORDING, contrast

REQUIRED_SLUGS = {"sf", "la", "nyc", "chicago", "seattle", "denver", "phoenix", "dallas", "houston",
                  "oakland", "san-diego", "boston", "portland", "philadelphia", "sacramento"}
FILES = sorted(loader.DATA_DIR.glob("*.json"))
FACTS = {"driver_name": "Ann Driver", "return_address": "1 Main St\nAnytown, CA 94110",
         "citation_number": "CIT123", "violation_date": "May 3, 2026", "plate": "7abc123",
         "story": "The meter would not take my card, so I paid by phone at 10:02.", "today": "May 5, 2026"}


def test_every_required_city_has_a_valid_file():
    result = loader.load_directory()
    assert result.problems == {}
    assert REQUIRED_SLUGS <= set(result.cities)
    assert len(FILES) == len(result.cities)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_city_file_is_complete_and_honest(path):
    city = loader.load_file(path)  # raises with every problem listed if invalid
    assert city.slug == path.stem
    # A positive number of days, or none at all where the research found no fixed deadline.
    assert city.deadline_days is None or city.deadline_days > 0
    assert city.deadline_days is not None or city.process_notes
    for agency in city.agencies:
        for example in agency.examples:
            assert agency.matches(example)
    if city.appeal_address is None:
        assert city.address_note
    assert city.sources and city.checked_on.year >= 2025
    cited = {fact for source in city.sources for fact in source["facts"]}
    raw = json.loads(path.read_text())
    # Every fact is either backed by a cited source or listed as unverified.
    for fact in ("deadline_days", "agencies"):
        assert fact in cited or fact in city.unverified, f"{city.slug}: {fact} has no source"
    if city.appeal_address is not None:
        assert "appeal_address" in cited or "appeal_address" in city.unverified
    assert set(raw) >= {"slug", "name", "timezone", "letter_template", "theme", "sources", "unverified"}
    assert contrast(city.theme["on_primary"], city.theme["primary"]) >= 4.5
    assert contrast(city.theme["accent"], "#FFFFFF") >= 4.5
    assert "Fight City Tickets" in city.theme["logo_text"]
    assert "FIGHT SF TICKETS" not in path.read_text().upper()


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_template_letter_is_a_formal_letter_of_the_drivers_facts(path):
    city = loader.load_file(path)
    letter = city.render_template_letter(FACTS)
    lines = letter.splitlines()
    assert lines[0] == "May 5, 2026"
    assert any(line.startswith("Re: ") and "CIT123" in line for line in lines)
    assert FACTS["story"] in letter and "7ABC123" in letter
    assert letter.rstrip().endswith("Ann Driver\n1 Main St\nAnytown, CA 94110")
    assert "Sincerely," in letter
    for line in city.address_lines():
        assert line in letter
    assert not re.search(r"[{}]", letter)  # every placeholder filled
    lowered = letter.lower()
    assert not any(phrase in lowered for phrase in FORBIDDEN_WORDING)
    assert "should" not in lowered


def test_template_letter_accepts_dates_and_missing_optional_facts():
    from datetime import date

    city = loader.load_file(loader.DATA_DIR / "nyc.json")
    letter = city.render_template_letter({**FACTS, "plate": "", "violation_date": date(2026, 3, 7),
                                          "today": date(2026, 3, 9)})
    assert letter.startswith("March 9, 2026") and "issued on March 7, 2026," in letter
    assert "license plate" not in letter
    assert "P.O. Box 29021, Cadman Plaza Station" in letter and "Brooklyn, NY 11202-9021" in letter


def test_builtin_san_francisco_matches_the_data_file():
    on_disk = json.loads((loader.DATA_DIR / "sf.json").read_text())
    assert SAN_FRANCISCO == on_disk
    assert loader.builtin_default() == loader.load_file(loader.DATA_DIR / "sf.json")


def test_spec_facts_are_kept():
    sf = loader.load_file(loader.DATA_DIR / "sf.json")
    assert sf.deadline_days == 21
    address = sf.appeal_address
    assert (address.department, address.attention, address.street, address.city, address.state,
            address.zip) == ("SFMTA Customer Service Center", "Citation Review", "11 South Van Ness Avenue",
                             "San Francisco", "CA", "94103")
    nyc = loader.load_file(loader.DATA_DIR / "nyc.json")
    assert nyc.deadline_days == 30 and nyc.appeal_address.department == "NYC Department of Finance"
    assert "29021" in nyc.appeal_address.street and nyc.appeal_address.zip == "11202-9021"
    assert loader.load_file(loader.DATA_DIR / "boston.json").deadline_days == 21
    portland = loader.load_file(loader.DATA_DIR / "portland.json")
    assert all(portland.agencies[0].matches(n) for n in ("HA123456", "HA1234567", "HA12345678"))
    assert not any(portland.agencies[0].matches(n) for n in ("HA12345", "HA123456789"))


def test_templates_use_only_known_placeholders():
    from app.cities.model import LETTER_FIELDS

    for path in FILES:
        template = "\n".join(json.loads(path.read_text())["letter_template"])
        names = {name for _, name, _, _ in string.Formatter().parse(template) if name}
        assert names <= LETTER_FIELDS
