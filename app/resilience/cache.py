"""In-process TTL caches with singleflight, counted in metrics and purged by a job.

`TTLCache.get_or_load(key, loader)` coalesces concurrent misses for one key: the first
caller loads, the others wait for its result (singleflight), so a cold cache under load
calls the loader once. cachetools gives the TTL bookkeeping.
"""
from __future__ import annotations

import threading
from typing import Any, Callable

import cachetools

from app.observability import metrics


class TTLCache:
    def __init__(self, name: str, ttl_s: float, maxsize: int = 1024):
        self.name = name
        self._data = cachetools.TTLCache(maxsize=maxsize, ttl=ttl_s)
        self._lock = threading.Lock()
        self._inflight: dict[Any, threading.Event] = {}
        self._errors: dict[Any, BaseException] = {}

    def get(self, key: Any, default: Any = None) -> Any:
        with self._lock:
            return self._data.get(key, default)

    def set(self, key: Any, value: Any) -> None:
        with self._lock:
            self._data[key] = value

    def get_or_load(self, key: Any, loader: Callable[[], Any]) -> Any:
        while True:
            with self._lock:
                if key in self._data:
                    metrics.CACHE.labels(cache=self.name, result="hit").inc()
                    return self._data[key]
                waiter = self._inflight.get(key)
                if waiter is None:
                    waiter = self._inflight[key] = threading.Event()
                    leader = True
                else:
                    leader = False
            if not leader:
                waiter.wait(timeout=30)
                with self._lock:
                    if key in self._data:
                        metrics.CACHE.labels(cache=self.name, result="coalesced").inc()
                        return self._data[key]
                    error = self._errors.get(key)
                if error is not None:
                    raise error
                continue  # the leader gave up without a value; try to lead
            metrics.CACHE.labels(cache=self.name, result="miss").inc()
            try:
                value = loader()
            except BaseException as exc:
                with self._lock:
                    self._errors[key] = exc
                    self._inflight.pop(key, None)
                waiter.set()
                raise
            with self._lock:
                self._data[key] = value
                self._errors.pop(key, None)
                self._inflight.pop(key, None)
            waiter.set()
            return value

    def purge(self) -> int:
        """Drop expired entries; returns the number left."""
        with self._lock:
            self._data.expire()
            return len(self._data)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()


def get_cache(app_extensions: dict, name: str, ttl_s: float, maxsize: int = 1024) -> TTLCache:
    """The app's named cache, created on first use (so `cache_purge` can find every one)."""
    caches = app_extensions["caches"]
    if name not in caches:
        caches[name] = TTLCache(name, ttl_s, maxsize)
    return caches[name]
