"""The optional shared Redis store, guarded by the `redis` breaker.

Every component that keeps state in Redis (breaker state, caches, job locks) goes through
`SharedStore.run`, which answers `None`-ish fallbacks instead of raising when Redis is down,
so callers fall back to process memory. The `redis` breaker itself lives in process memory
(it cannot depend on what it guards) and keeps a dead Redis from costing a timeout per call.
"""
from __future__ import annotations

import logging
from typing import Callable, TypeVar

import pybreaker
import redis
from flask import current_app

from app.resilience.circuit import calling

log = logging.getLogger(__name__)
T = TypeVar("T")

REDIS_ERRORS = (redis.RedisError, OSError)


class SharedStore:
    def __init__(self, url: str, breaker: pybreaker.CircuitBreaker, timeout_s: float = 0.5):
        self.url = url
        self.breaker = breaker
        self.client = redis.Redis.from_url(
            url, socket_timeout=timeout_s, socket_connect_timeout=timeout_s,
            health_check_interval=15, retry_on_timeout=False,
        ) if url else None

    @property
    def configured(self) -> bool:
        return self.client is not None

    def run(self, op: Callable[[redis.Redis], T], fallback: T | None = None) -> T | None:
        """Run `op` against Redis; on any Redis failure or an open breaker return `fallback`."""
        if self.client is None:
            return fallback
        try:
            with calling(self.breaker):
                return op(self.client)
        except pybreaker.CircuitBreakerError:
            return fallback
        except REDIS_ERRORS as exc:
            log.warning("redis unavailable, using process memory", extra={"error": str(exc)})
            return fallback

    def ping(self) -> bool:
        return bool(self.run(lambda r: r.ping(), fallback=False))


def shared_store() -> SharedStore:
    """The running app's shared store (Redis behind the redis breaker, or not configured)."""
    return current_app.extensions["shared_store"]
