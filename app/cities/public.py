"""The public JSON of the city endpoints, serialised once per cached snapshot.

Each answer is kept as its final bytes with a strong ETag (a hash of those bytes) and its
headers, so a request only picks an entry: no JSON encoding or hashing per request. Only
public facts go in: what a driver reads on the city's own site.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from app.cities.model import Address, City

CACHE_CONTROL = "public, max-age=300, stale-while-revalidate=60"
FALLBACK_DETAIL = "We don't have that city yet, so these are San Francisco's details."


@dataclass(frozen=True)
class PublicEntry:
    body: bytes
    etag: str  # unquoted; the header carries it quoted
    headers: tuple[tuple[str, str], ...]
    not_modified_headers: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class PublicAnswers:
    listing: PublicEntry
    detail: dict[str, PublicEntry]
    theme: dict[str, PublicEntry]
    fallback_detail: PublicEntry
    fallback_theme: PublicEntry


def entry(payload: dict) -> PublicEntry:
    body = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")
    etag = hashlib.sha256(body).hexdigest()[:32]
    cached = (("Cache-Control", CACHE_CONTROL), ("ETag", f'"{etag}"'))
    return PublicEntry(body=body, etag=etag, headers=(("Content-Type", "application/json"),) + cached,
                       not_modified_headers=cached)


def city_payload(city: City, fallback: bool = False) -> dict:
    address = _address(city.appeal_address)
    payload = {
        "slug": city.slug,
        "name": city.name,
        "timezone": city.timezone,
        "contest_methods": list(city.contest_methods),
        "can_mail": city.can_mail,
        "deadline_days": city.deadline_days,
        "notice_deadline_days": city.notice_deadline_days,
        "notice_name": city.notice_name,
        "deadline_rule": city.deadline_rule,
        "agencies": [{"name": a.name, "patterns": list(a.patterns), "examples": list(a.examples),
                      "known_format": a.known_format} for a in city.agencies],
        "example_citation": city.example_citation,
        "mail_address": address,  # null unless confirmed by an official source
        "appeal_address": address,  # the earlier name of mail_address, kept for existing clients
        "address_note": city.address_note,
        "phone": city.phone,
        "online_url": city.online_url,
        "online_appeal_url": city.online_appeal_url,
        "in_person_place": city.in_person_place,
        "theme": dict(city.theme),
        "sources": [{"fact": fact, "url": s["url"], "confidence": s["confidence"], "title": s["title"]}
                    for s in city.sources for fact in s["facts"]],
        "checked_on": city.checked_on.isoformat(),
        "unverified": list(city.unverified),
        "process_notes": list(city.process_notes),
        "notes": list(city.process_notes),  # the earlier name of process_notes
        "fallback": fallback,
    }
    if fallback:
        payload["detail"] = FALLBACK_DETAIL
    return payload


def _address(address: Address | None) -> dict | None:
    if address is None:
        return None
    return {"department": address.department, "attention": address.attention, "street": address.street,
            "city": address.city, "state": address.state, "zip": address.zip}


def theme_payload(city: City, fallback: bool = False) -> dict:
    return {"slug": city.slug, "name": city.name, **city.theme, "fallback": fallback}


def listing_payload(cities: list[City], default_slug: str) -> dict:
    return {"default": default_slug, "cities": [
        {"slug": c.slug, "name": c.name, "timezone": c.timezone, "deadline_days": c.deadline_days,
         "contest_methods": list(c.contest_methods), "can_mail": c.can_mail,
         "theme": dict(c.theme), "url": f"/api/public/cities/{c.slug}"} for c in cities]}


def build(cities: list[City], default: City) -> PublicAnswers:
    return PublicAnswers(
        listing=entry(listing_payload(cities, default.slug)),
        detail={c.slug: entry(city_payload(c)) for c in cities},
        theme={c.slug: entry(theme_payload(c)) for c in cities},
        fallback_detail=entry(city_payload(default, fallback=True)),
        fallback_theme=entry(theme_payload(default, fallback=True)),
    )
