"""Housekeeping jobs."""
from __future__ import annotations

from flask import current_app

from app.resilience.limits import limiter


def cache_purge() -> str:
    """Drop expired entries from in-process caches and the in-memory limiter counters."""
    cached = sum(cache.purge() for cache in current_app.extensions["caches"].values())
    counters = limiter.storage.purge_expired()
    return f"{cached} cache entries and {counters} in-memory limit counters kept"
