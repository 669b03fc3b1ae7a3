"""The city registry: every lookup goes through an in-memory cache with a 1-hour TTL.

All data files are loaded together into one snapshot (a few kB, a few milliseconds), so a
lookup is a dictionary read. The cache's `get_or_load` coalesces concurrent misses
(singleflight): when the hour runs out under load, the files are read once. Unknown slugs
and broken files fall back to San Francisco; nothing here raises for bad data.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path

from flask import current_app, has_app_context

from app.cities import citations, loader, public
from app.cities.citations import CitationCheck
from app.cities.model import City
from app.resilience.cache import TTLCache, get_cache

log = logging.getLogger(__name__)
CACHE_NAME = "cities"
TTL_S = 3600
DEFAULT_SLUG = "sf"
DEFAULT_DIR = str(loader.DATA_DIR)
MAX_WARNED = 256  # distinct fallback slugs logged per snapshot (bounded: slugs come from URLs)
# Outside an application (scripts, a bare test) lookups still cache, just per process.
_standalone_cache = TTLCache(CACHE_NAME, TTL_S, maxsize=8)


@dataclass(frozen=True)
class Snapshot:
    cities: dict[str, City]
    ordered: tuple[City, ...]  # by name
    default: City
    broken: dict[str, str]  # file name -> problem
    answers: public.PublicAnswers
    warned: set = field(default_factory=set, compare=False)


def build_snapshot(directory: str | Path = loader.DATA_DIR) -> Snapshot:
    result = loader.load_directory(directory)
    cities = dict(result.cities)
    if DEFAULT_SLUG not in cities:
        log.error("San Francisco data unusable, using the built-in San Francisco defaults")
        cities[DEFAULT_SLUG] = loader.builtin_default()
    ordered = tuple(sorted(cities.values(), key=lambda c: c.name))
    default = cities[DEFAULT_SLUG]
    return Snapshot(cities=cities, ordered=ordered, default=default, broken=dict(result.problems),
                    answers=public.build(list(ordered), default))


def snapshot() -> Snapshot:
    cache, directory = _cache_and_directory()
    try:
        return cache.get_or_load(("snapshot", directory), lambda: build_snapshot(directory))
    except Exception:  # noqa: BLE001 - never crash on city data; not cached, so retried next time
        log.exception("city data could not be loaded, using the built-in San Francisco defaults")
        return _builtin_snapshot()


@lru_cache(maxsize=1)
def _builtin_snapshot() -> Snapshot:
    default = loader.builtin_default()
    return Snapshot(cities={DEFAULT_SLUG: default}, ordered=(default,), default=default, broken={},
                    answers=public.build([default], default))


def lookup(slug: str | None) -> tuple[City, bool]:
    """(city, True when San Francisco stands in for an unknown or broken slug)."""
    return _resolve(snapshot(), slug)


def get(slug: str | None) -> City:
    return lookup(slug)[0]


def all() -> list[City]:  # noqa: A001 - the interface's name: registry.all()
    return list(snapshot().ordered)


def check_citation(slug: str | None, raw_number: str | None, violation_date: date | None,
                   today: date | None = None, notice_date: date | None = None) -> CitationCheck:
    """Check a number for the chosen city and its deadline (today: in the city's timezone).

    `notice_date`: the date on a later notice (e.g. a delinquency notice), for cities that
    accept an appeal within a window counted from it.
    """
    snap = snapshot()
    city, _ = _resolve(snap, slug)
    return citations.check(city, snap.ordered, raw_number, violation_date,
                           today if today is not None else city.today(), notice_date=notice_date)


def public_listing() -> public.PublicEntry:
    return snapshot().answers.listing


def public_city(slug: str, kind: str = "detail") -> tuple[public.PublicEntry, City]:
    """The precomputed answer for /cities/<slug> (kind "detail") or its /theme."""
    snap = snapshot()
    city, fallback = _resolve(snap, slug)
    answers = snap.answers
    if fallback:
        return (answers.fallback_theme if kind == "theme" else answers.fallback_detail), city
    return (answers.theme if kind == "theme" else answers.detail)[city.slug], city


def clear() -> None:
    """Forget the cached snapshot (operators: after editing a data file)."""
    _cache_and_directory()[0].clear()


def _cache_and_directory() -> tuple[TTLCache, str]:
    if not has_app_context():
        return _standalone_cache, DEFAULT_DIR
    app = current_app._get_current_object()
    return (get_cache(app.extensions, CACHE_NAME, TTL_S),
            str(app.config.get("CITIES_DATA_DIR") or DEFAULT_DIR))


def _resolve(snap: Snapshot, slug: str | None) -> tuple[City, bool]:
    city = snap.cities.get((slug or "").strip().lower())
    if city is not None:
        return city, False
    _log_fallback(snap, slug)
    return snap.default, True


def _log_fallback(snap: Snapshot, slug: str | None) -> None:
    key = (slug or "")[:40]
    if key in snap.warned or len(snap.warned) >= MAX_WARNED:
        return
    snap.warned.add(key)
    broken = f"{key}.json" in snap.broken
    log.log(logging.ERROR if broken else logging.WARNING,
            "city %r %s, using San Francisco defaults", key,
            "has a broken data file" if broken else "is unknown")
