"""The driver's facts for a letter, and the city's template letter built from them."""
from __future__ import annotations

from datetime import date

from app.cities import registry
from app.drafting.letter_frame import exhibit_captions, framed_middle
from app.models import Appeal


def long_date(value: date | None) -> str:
    return f"{value:%B} {value.day}, {value.year}" if value else ""


def letter_facts(appeal: Appeal) -> dict:
    """Plain values only, so the provider can be called after the session is released."""
    city = registry.get(appeal.city_slug)
    today = city.today()
    check = registry.check_citation(appeal.city_slug, appeal.citation_number,
                                     appeal.violation_date, today=today)
    agency = check.agency or (city.agencies[0].name if city.agencies else city.name)
    return {
        "city_slug": city.slug,
        "city_name": city.name,
        "agency": agency,
        # Only a confirmed address: the prompt asks for a blank line rather than a guess.
        "agency_address": "\n".join(city.appeal_address.lines()) if city.appeal_address else "",
        "address_note": city.address_note,
        "citation_number": check.normalized or appeal.citation_number,
        "violation_date": long_date(appeal.violation_date),
        "plate": appeal.plate or "",
        "plate_state": appeal.plate_state or "",
        "vehicle_make": appeal.vehicle_make or "",
        "violation": appeal.violation or "",
        "location": appeal.location or "",
        "notice_date": long_date(appeal.notice_date),
        "driver_name": appeal.driver_name or "",
        "return_address": appeal.return_address or "",
        "story": appeal.story or "",
        "today": long_date(today),
        "exhibits": exhibit_captions(appeal.photos),
    }


def template_letter(facts: dict) -> str:
    """The city's template around the driver's framed facts (used whenever the AI is not).

    The template's {story} becomes the facts, the account and the enclosures; the vehicle,
    plate included, is told there, so the opening sentence does not name the plate again.
    """
    return registry.get(facts["city_slug"]).render_template_letter(
        {**facts, "story": framed_middle(facts), "plate": ""})
