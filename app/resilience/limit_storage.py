"""A `limits` storage that counts in Redis and falls back to process memory per call.

Flask-Limiter's own in-memory fallback replaces every route's limit with one global
fallback limit while Redis is down; we want the *same* limits to keep counting, just per
process. So this storage wraps Redis and memory and picks one per operation: Redis through
the `redis` breaker while it is healthy, memory when it is not configured, failing, or the
breaker is open. Keys under the `local:` prefix always count in memory (the `public` limit
guards cheap cached answers and must not pay a network round trip).

Cheap on the hot path: a hit in Redis asks for the counter's time to live in the same round
trip, and the rate-limit headers written right after it (Flask-Limiter reads the window's
count and reset time) are answered from that reply instead of two more round trips. The
memory counters do without limits' expiry timer thread, which MemoryStorage restarts on
each hit once it has finished (a new thread every ~10 ms under load): a fixed window's
counter expires when it is next read, a hit sweeps the expired ones at most once a second,
and the cache_purge job drops what is left (purge_expired).
"""
from __future__ import annotations

import logging
import threading
import time

import pybreaker
from limits.storage import MemoryStorage, RedisStorage, Storage

from app.resilience.circuit import calling
from app.resilience.shared_store import REDIS_ERRORS

log = logging.getLogger(__name__)
LOCAL_MARK = "local:"
# How long a hit's own reply answers the window reads that follow it in the same thread
# (the same request's headers); the limit decision itself always comes from the hit.
LAST_HIT_FRESH_S = 0.5


class TimerlessMemoryStorage(MemoryStorage):
    """MemoryStorage without the expiry timer thread (see the module docstring). Only
    fixed-window counters are kept here; moving-window events would need the timer.

    Expired counters are swept inline, at most once a second, by the hit that finds the
    sweep due: a spray of distinct client addresses then holds about a second's worth of
    counters, as the timer kept it, instead of growing until the next cache_purge.
    """

    SWEEP_EVERY_S = 1.0

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._next_sweep = time.monotonic() + self.SWEEP_EVERY_S

    def _MemoryStorage__schedule_expiry(self) -> None:  # the base class's private hook
        now = time.monotonic()
        if now >= self._next_sweep:
            self._next_sweep = now + self.SWEEP_EVERY_S
            self.purge_expired()

    def purge_expired(self) -> int:
        """Drop expired counters; returns how many remain."""
        now = time.time()
        for key, expires in list(self.expirations.items()):
            if expires <= now:
                self.storage.pop(key, None)
                self.expirations.pop(key, None)
                self.locks.pop(key, None)
        return len(self.storage)


class _LastHit(threading.local):
    key: str | None = None
    count: int = 0
    expires_at: float = 0.0
    taken_at: float = 0.0


class FailoverStorage(Storage):
    STORAGE_SCHEME = ["fct-failover"]

    def __init__(self, uri: str | None = None, redis_url: str = "", breaker=None,
                 timeout_s: float = 0.5, **options):
        super().__init__(uri, wrap_exceptions=False)
        self.memory = TimerlessMemoryStorage()
        self._last_hit = _LastHit()
        self.breaker: pybreaker.CircuitBreaker | None = breaker
        self.redis = (RedisStorage(redis_url, socket_timeout=timeout_s,
                                   socket_connect_timeout=timeout_s) if redis_url else None)

    @property
    def base_exceptions(self):
        return REDIS_ERRORS

    def _run(self, key: str | None, op: str, *args, _via=None, **kwargs):
        if self.redis is None or (key is not None and LOCAL_MARK in key):
            return getattr(self.memory, op)(*args, **kwargs)
        try:
            with calling(self.breaker):
                return (_via or getattr(self.redis, op))(*args, **kwargs)
        except pybreaker.CircuitBreakerError:
            pass
        except REDIS_ERRORS as exc:
            log.warning("rate limit storage unreachable, counting in memory",
                        extra={"error": str(exc)})
        return getattr(self.memory, op)(*args, **kwargs)

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        self._last_hit.key = None
        if self.redis is None or LOCAL_MARK in key:
            return self.memory.incr(key, expiry, amount)
        return self._run(key, "incr", key, expiry, amount, _via=self._incr_with_ttl)

    def _incr_with_ttl(self, key: str, expiry: int, amount: int) -> int:
        """limits' own increment script and TTL in one round trip; remembers both."""
        prefixed = self.redis.prefixed_key(key)
        pipe = self.redis.get_connection().pipeline(transaction=False)
        self.redis.lua_incr_expire([prefixed], [expiry, amount], client=pipe)
        pipe.ttl(prefixed)
        count, ttl = pipe.execute()
        now = time.time()
        last = self._last_hit
        last.key, last.count, last.expires_at, last.taken_at = key, int(count), now + max(ttl, 0), now
        return int(count)

    def _fresh_hit(self, key: str) -> _LastHit | None:
        last = self._last_hit
        if last.key == key and time.time() - last.taken_at <= LAST_HIT_FRESH_S:
            return last
        return None

    def get(self, key: str) -> int:
        if (last := self._fresh_hit(key)) is not None:
            return last.count
        return self._run(key, "get", key)

    def get_expiry(self, key: str) -> float:
        if (last := self._fresh_hit(key)) is not None:
            return last.expires_at
        return self._run(key, "get_expiry", key)

    def clear(self, key: str) -> None:
        self._last_hit.key = None
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
        return self.memory.purge_expired()
