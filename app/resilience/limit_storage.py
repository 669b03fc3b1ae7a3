"""A `limits` storage that counts in Redis and falls back to process memory per call.

Flask-Limiter's own in-memory fallback replaces every route's limit with one global
fallback limit while Redis is down; we want the *same* limits to keep counting, just per
process. So this storage wraps Redis and memory and picks one per operation: Redis through
the `redis` breaker while it is healthy, memory when it is not configured, failing, or the
breaker is open. Keys under the `local:` prefix always count in memory (the `public` limit
guards cheap cached answers and must not pay a network round trip).
"""
from __future__ import annotations

import logging
import time

import pybreaker
from limits.storage import MemoryStorage, RedisStorage, Storage

from app.resilience.circuit import calling
from app.resilience.shared_store import REDIS_ERRORS

log = logging.getLogger(__name__)
LOCAL_MARK = "local:"


class FailoverStorage(Storage):
    STORAGE_SCHEME = ["fct-failover"]

    def __init__(self, uri: str | None = None, redis_url: str = "", breaker=None,
                 timeout_s: float = 0.5, **options):
        super().__init__(uri, wrap_exceptions=False)
        self.memory = MemoryStorage()
        self.breaker: pybreaker.CircuitBreaker | None = breaker
        self.redis = (RedisStorage(redis_url, socket_timeout=timeout_s,
                                   socket_connect_timeout=timeout_s) if redis_url else None)

    @property
    def base_exceptions(self):
        return REDIS_ERRORS

    def _run(self, key: str | None, op: str, *args, **kwargs):
        if self.redis is None or (key is not None and LOCAL_MARK in key):
            return getattr(self.memory, op)(*args, **kwargs)
        try:
            with calling(self.breaker):
                return getattr(self.redis, op)(*args, **kwargs)
        except pybreaker.CircuitBreakerError:
            pass
        except REDIS_ERRORS as exc:
            log.warning("rate limit storage unreachable, counting in memory",
                        extra={"error": str(exc)})
        return getattr(self.memory, op)(*args, **kwargs)

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        return self._run(key, "incr", key, expiry, amount)

    def get(self, key: str) -> int:
        return self._run(key, "get", key)

    def get_expiry(self, key: str) -> float:
        return self._run(key, "get_expiry", key)

    def clear(self, key: str) -> None:
        self.memory.clear(key)
        if self.redis is not None and LOCAL_MARK not in key:
            self._run(key, "clear", key)

    def check(self) -> bool:
        return True  # the fallback is always there

    def reset(self) -> int | None:
        self.memory.reset()
        if self.redis is not None:
            return self._run(None, "reset")
        return None

    def purge_expired(self) -> int:
        """Drop expired in-memory counters (the cache_purge job); returns how many remain."""
        now = time.time()
        for key, expires in list(self.memory.expirations.items()):
            if expires <= now:
                self.memory.storage.pop(key, None)
                self.memory.expirations.pop(key, None)
                self.memory.locks.pop(key, None)
        return len(self.memory.storage)
