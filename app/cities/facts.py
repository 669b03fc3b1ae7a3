"""Validation of a city's contest facts: methods, deadlines, sources and what is verified.

A fact is verified when an official source supports it and no source marks it as
conflicting; every fact the file states is either verified or listed in `unverified`, and a
mailing address is only accepted once it is verified. Like `app.cities.validators`, each
function appends plain problems and returns what it could parse.
"""
from __future__ import annotations

import re

from app.cities.model import (CONTEST_METHODS, DEADLINE_RULES, HEARING_REQUEST_FIRST, IN_PERSON, MAIL,
                              MAIL_WITH_ORIGINAL_TICKET, ONLINE)

SOURCE_URL = re.compile(r"^https?://[^\s]+$")  # a citation of where a fact was read
CONFIDENCES = ("official", "secondary", "conflicting")
# Free text that carries its own caveats ("secondary source", "sources disagree").
PROSE_FACTS = frozenset({"process_notes", "address_note", "theme", "letter_template"})
MAX_DAYS = 365


def days(value: object, key: str, problems: list[str], *, optional: bool) -> int | None:
    if value is None and optional:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or not 0 < value <= MAX_DAYS:
        problems.append(f"{key} must be a whole number of days between 1 and {MAX_DAYS}"
                        + (" or null" if optional else ""))
        return None
    return value


def methods(value: object, problems: list[str]) -> tuple[str, ...]:
    if not isinstance(value, list) or not value or not all(isinstance(m, str) for m in value):
        problems.append(f"contest_methods must be a non-empty list of: {', '.join(CONTEST_METHODS)}")
        return ()
    unknown = sorted(set(value) - set(CONTEST_METHODS))
    if unknown:
        problems.append(f"contest_methods has unknown methods: {', '.join(unknown)}")
    if len(set(value)) != len(value):
        problems.append("contest_methods lists a method twice")
    if MAIL in value and MAIL_WITH_ORIGINAL_TICKET in value:
        problems.append("contest_methods: mail and mail_with_original_ticket exclude each other")
    if HEARING_REQUEST_FIRST in value and MAIL in value:
        problems.append("contest_methods: a city that needs a hearing request first does not decide a letter")
    return tuple(m for m in value if m in CONTEST_METHODS)


def deadline_rule(value: object, problems: list[str]) -> str:
    if value not in DEADLINE_RULES:
        problems.append(f"deadline_rule must be one of: {', '.join(DEADLINE_RULES)}")
        return "receipt"
    return value


def consistency(data: dict, contest: tuple[str, ...], problems: list[str]) -> None:
    """The address, online and in-person facts agree with the contest methods."""
    if (ONLINE in contest) != bool(data.get("online_appeal_url")):
        problems.append("online_appeal_url must be given exactly when contest_methods lists online")
    if data.get("in_person_place") and IN_PERSON not in contest:
        problems.append("in_person_place is given but contest_methods does not list in_person")
    if (data.get("notice_deadline_days") is None) != (data.get("notice_name") is None):
        problems.append("notice_deadline_days and notice_name go together")
    if data.get("deadline_days") is None and not data.get("process_notes"):
        problems.append("deadline_days is null, so process_notes must say what decides the deadline")


def sources(value: object, fields: set[str], problems: list[str]) -> tuple[dict, ...]:
    if not isinstance(value, list) or not value:
        problems.append("sources must be a non-empty list")
        return ()
    parsed = []
    for index, item in enumerate(value):
        where = f"sources[{index}]"
        if not isinstance(item, dict) or not isinstance(item.get("title"), str) or \
                not isinstance(item.get("facts"), list) or not item["facts"]:
            problems.append(f"{where} needs a title and the facts it supports")
            continue
        if not isinstance(item.get("url"), str) or not SOURCE_URL.match(item["url"]):
            problems.append(f"{where} url must be a web address")
        if item.get("confidence") not in CONFIDENCES:
            problems.append(f"{where} confidence must be one of: {', '.join(CONFIDENCES)}")
        unknown = {str(f) for f in item["facts"]} - fields
        if unknown:
            problems.append(f"{where} names unknown facts: {', '.join(sorted(unknown))}")
        if set(item) - {"title", "url", "confidence", "facts"}:
            problems.append(f"{where} has unknown fields")
        parsed.append({"title": item["title"], "url": item.get("url"), "confidence": item.get("confidence"),
                       "facts": [str(f) for f in item["facts"]]})
    return tuple(parsed)


def verification(data: dict, parsed_sources: tuple[dict, ...], unverified: list[str],
                 problems: list[str]) -> None:
    """Every stated fact is verified by an official source or listed as unverified, never both."""
    confidences: dict[str, set[str]] = {}
    for source in parsed_sources:
        for fact in source["facts"]:
            confidences.setdefault(fact, set()).add(source["confidence"])
    stated = {"deadline_days", "deadline_rule", "contest_methods", "agencies"} | {
        key for key in ("appeal_address", "notice_deadline_days", "online_appeal_url", "phone",
                        "in_person_place") if data.get(key) is not None}
    for fact in sorted((stated | set(confidences)) - PROSE_FACTS):
        seen = confidences.get(fact, set())
        verified = "official" in seen and "conflicting" not in seen
        if verified and fact in unverified:
            problems.append(f"{fact} has an official source, so it must not be listed as unverified")
        elif not verified and fact not in unverified:
            problems.append(f"{fact} has no official source without conflict, so list it as unverified")
    if data.get("appeal_address") is not None and "appeal_address" in unverified:
        problems.append("appeal_address is not confirmed: use null and say so in address_note")
