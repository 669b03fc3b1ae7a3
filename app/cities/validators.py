"""Validators for the parts of a city data file (agencies, address, letter, theme).

Each appends plain problems to `problems` and returns what it could parse, so a file's
problems are all reported at once by `app.cities.schema.parse_city`.
"""
from __future__ import annotations

import re
import string

from app.cities.citations import normalise
from app.cities.model import LETTER_FIELDS, Address, Agency

HEX = re.compile(r"^#[0-9A-Fa-f]{6}$")
STATE = re.compile(r"^[A-Z]{2}$")
ZIP = re.compile(r"^\d{5}(?:-\d{4})?$")
FIELDS = {"slug", "name", "timezone", "deadline_days", "notice_deadline_days", "notice_name",
          "deadline_rule", "contest_methods", "agencies", "appeal_address", "address_note", "phone",
          "online_appeal_url", "in_person_place", "letter_template", "theme", "sources", "checked_on",
          "unverified", "process_notes"}
# The letter states the driver's facts and asks for a review: no advice, laws or predictions.
FORBIDDEN_WORDING = ("you should", "§", "vehicle code", "pursuant", "statute", "guarantee",
                     "will be dismissed", "must dismiss")
MIN_CONTRAST = 4.5  # WCAG AA for normal text


def string_list(value: object, key: str, problems: list[str]) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        problems.append(f"{key} must be a list of non-empty texts")
        return []
    return [v.strip() for v in value]


def agencies(value: object, problems: list[str]) -> tuple[Agency, ...]:
    if not isinstance(value, list) or not value:
        problems.append("agencies must be a non-empty list")
        return ()
    parsed = []
    for index, item in enumerate(value):
        where = f"agencies[{index}]"
        if not isinstance(item, dict) or not isinstance(item.get("name"), str) or not item["name"].strip():
            problems.append(f"{where} needs a name")
            continue
        patterns = string_list(item.get("patterns"), f"{where}.patterns", problems)
        examples = [normalise(e) for e in string_list(item.get("examples"), f"{where}.examples", problems)]
        compiled = []
        for pattern in patterns:
            try:
                compiled.append(re.compile(pattern))
            except re.error as exc:
                problems.append(f"{where} pattern {pattern!r} does not compile: {exc}")
        if not patterns or not examples:
            problems.append(f"{where} needs at least one pattern and one example")
        for example in examples:
            if not any(p.fullmatch(example) for p in compiled):
                problems.append(f"{where} example {example!r} matches none of its patterns")
        for pattern in compiled:
            if not any(pattern.fullmatch(e) for e in examples):
                problems.append(f"{where} pattern {pattern.pattern!r} has no example that matches it")
        known = item.get("known_format", True)
        if not isinstance(known, bool):
            problems.append(f"{where}.known_format must be true or false")
        parsed.append(Agency(name=item["name"].strip(), patterns=tuple(patterns), examples=tuple(examples),
                               known_format=bool(known), compiled=tuple(compiled)))
    return tuple(parsed)


def address(value: object, problems: list[str]) -> Address | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        problems.append("appeal_address must be an object or null")
        return None
    parts = {}
    for key in ("department", "street", "city", "state", "zip"):
        part = value.get(key)
        if not isinstance(part, str) or not part.strip():
            problems.append(f"appeal_address.{key} is missing (use null and an address_note instead)")
        parts[key] = (part or "").strip() if isinstance(part, str) else ""
    attention = value.get("attention")
    if attention is not None and (not isinstance(attention, str) or not attention.strip()):
        problems.append("appeal_address.attention must be text or null")
    if parts["state"] and not STATE.match(parts["state"]):
        problems.append("appeal_address.state must be a two-letter state code")
    if parts["zip"] and not ZIP.match(parts["zip"]):
        problems.append("appeal_address.zip must be a ZIP code like 94103 or 11202-9021")
    unknown = set(value) - {"department", "attention", "street", "city", "state", "zip"}
    if unknown:
        problems.append(f"appeal_address has unknown fields: {', '.join(sorted(unknown))}")
    return Address(attention=attention.strip() if isinstance(attention, str) else None, **parts)


def template(value: object, problems: list[str]) -> str:
    if isinstance(value, list) and all(isinstance(line, str) for line in value):
        value = "\n".join(value)
    if not isinstance(value, str) or not value.strip():
        problems.append("letter_template must be text or a list of lines")
        return ""
    try:
        fields = {name for _, name, spec, conv in string.Formatter().parse(value) if name is not None}
    except ValueError as exc:
        problems.append(f"letter_template is not a valid template: {exc}")
        return ""
    unknown = fields - LETTER_FIELDS
    if unknown:
        problems.append(f"letter_template uses unknown placeholders: {', '.join(sorted(unknown))}")
    for required in ("citation_number", "story", "driver_name", "return_address", "today", "agency_address"):
        if required not in fields:
            problems.append(f"letter_template must use {{{required}}}")
    lowered = value.lower()
    for phrase in FORBIDDEN_WORDING:
        if phrase in lowered:
            problems.append(f"letter_template must not contain {phrase!r}")
    return value


def theme(value: object, problems: list[str]) -> dict:
    if not isinstance(value, dict):
        problems.append("theme must be an object")
        return {}
    merged = {"on_primary": "#FFFFFF", **value}
    for key in ("primary", "accent", "on_primary"):
        if not isinstance(merged.get(key), str) or not HEX.match(merged[key]):
            problems.append(f"theme.{key} must be a hex colour like #1A2B3C")
            return {}
    if not isinstance(merged.get("logo_text"), str) or not merged["logo_text"].strip():
        problems.append("theme.logo_text must be non-empty text")
        return {}
    if set(merged) - {"primary", "accent", "on_primary", "logo_text"}:
        problems.append("theme has unknown fields")
    if contrast(merged["on_primary"], merged["primary"]) < MIN_CONTRAST:
        problems.append("theme.on_primary on theme.primary is below 4.5:1 contrast")
    if contrast(merged["accent"], "#FFFFFF") < MIN_CONTRAST:
        problems.append("theme.accent on white is below 4.5:1 contrast")
    return {key: merged[key].upper() if key != "logo_text" else merged[key].strip() for key in merged}


def contrast(foreground: str, background: str) -> float:
    """WCAG 2 contrast ratio between two #RRGGBB colours."""
    def luminance(colour: str) -> float:
        channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    light, dark = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (light + 0.05) / (dark + 0.05)
