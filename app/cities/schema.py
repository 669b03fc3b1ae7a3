"""Validation of a city data file: every problem is collected, then reported at once.

A file is accepted only when its patterns compile and fully match their own examples, its
address is complete and confirmed by an official source or explicitly unconfirmed (null with
an `address_note`), its deadlines are positive (or null where no fixed deadline exists), its
contest methods, online and in-person facts agree, every source has a URL and a confidence,
every unsourced fact is listed as unverified, its timezone exists, its colours are valid hex
with readable contrast and its letter template uses known placeholders and none of the
wording the service never uses.
"""
from __future__ import annotations

import re
from datetime import date
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from app.cities import facts
from app.cities import validators as v
from app.cities.model import City
from app.cities.validators import FIELDS

SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,28}[a-z0-9])?$")
URL = re.compile(r"^https://[^\s]+$")
OPTIONAL = {"notice_deadline_days", "notice_name", "address_note", "phone", "online_appeal_url",
            "in_person_place", "unverified", "process_notes"}
REQUIRED = FIELDS - OPTIONAL


class CityConfigError(ValueError):
    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


def parse_city(data: object, expected_slug: str | None = None) -> City:
    """A validated City from a data file's JSON; CityConfigError lists every problem."""
    if not isinstance(data, dict):
        raise CityConfigError(["the file must hold one JSON object"])
    problems: list[str] = []
    unknown = set(data) - FIELDS
    missing = REQUIRED - set(data)
    if unknown:
        problems.append(f"unknown fields: {', '.join(sorted(unknown))}")
    if missing:
        raise CityConfigError(problems + [f"missing fields: {', '.join(sorted(missing))}"])

    slug = _text(data, "slug", problems)
    if slug and not SLUG.match(slug):
        problems.append(f"slug {slug!r} must be short, lowercase letters, digits and dashes")
    if expected_slug is not None and slug != expected_slug:
        problems.append(f"slug {slug!r} does not match the file name {expected_slug!r}")
    name = _text(data, "name", problems)
    timezone = _timezone(data.get("timezone"), problems)
    deadline = facts.days(data.get("deadline_days"), "deadline_days", problems, optional=True)
    notice_days = facts.days(data.get("notice_deadline_days"), "notice_deadline_days", problems, optional=True)
    notice_name = _optional_text(data, "notice_name", problems)
    rule = facts.deadline_rule(data.get("deadline_rule"), problems)
    contest = facts.methods(data.get("contest_methods"), problems)
    agencies = v.agencies(data.get("agencies"), problems)
    address = v.address(data.get("appeal_address"), problems)
    address_note = _optional_text(data, "address_note", problems)
    phone = _optional_text(data, "phone", problems)
    in_person_place = _optional_text(data, "in_person_place", problems)
    if address is None and not address_note:
        problems.append("appeal_address is null, so address_note must say how to confirm it")
    url = data.get("online_appeal_url")
    if url is not None and not (isinstance(url, str) and URL.match(url)):
        problems.append("online_appeal_url must be an https:// URL or null")
    facts.consistency(data, contest, problems)
    template = v.template(data.get("letter_template"), problems)
    theme = v.theme(data.get("theme"), problems)
    sources = facts.sources(data.get("sources"), FIELDS, problems)
    checked_on = _date(data.get("checked_on"), problems)
    unverified = v.string_list(data.get("unverified", []), "unverified", problems)
    for field_name in unverified:
        if field_name not in FIELDS:
            problems.append(f"unverified names an unknown field {field_name!r}")
    facts.verification(data, sources, unverified, problems)
    notes = v.string_list(data.get("process_notes", []), "process_notes", problems)
    if problems:
        raise CityConfigError(problems)
    return City(slug=slug, name=name, timezone=timezone, deadline_days=deadline, agencies=agencies,
                appeal_address=address, address_note=address_note, phone=phone, online_appeal_url=url,
                letter_template=template, theme=theme, sources=sources, checked_on=checked_on,
                unverified=tuple(unverified), process_notes=tuple(notes), contest_methods=contest,
                deadline_rule=rule, notice_deadline_days=notice_days, notice_name=notice_name,
                in_person_place=in_person_place)


def _text(data: dict, key: str, problems: list[str]) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        problems.append(f"{key} must be non-empty text")
        return ""
    return value.strip()


def _optional_text(data: dict, key: str, problems: list[str]) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        problems.append(f"{key} must be non-empty text or null")
        return None
    return value.strip()


def _timezone(value: object, problems: list[str]) -> str:
    # Only a plain string can name a zone; anything else would reach the file system as a
    # path (an over-long one raises OSError).
    try:
        if not isinstance(value, str) or len(value) > 64:
            raise ValueError(value)
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, TypeError, OSError):
        problems.append(f"timezone {value!r} is not an IANA timezone")
        return ""
    return str(value)


def _date(value: object, problems: list[str]) -> date:
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        problems.append("checked_on must be a date like 2026-11-23")
        return date.min
