"""Circuit breakers on pybreaker, one per dependency, configured from Settings.

`guard(name)` is how calls are protected (see app/resilience/circuit.py for why not
pybreaker's `call()`). Each guarded call must carry its own timeout (the client's), the
breaker only counts.

With REDIS_URL the state lives in Redis (namespace per breaker) so every process sees the
same open circuit; when Redis is unreachable the state falls back to process memory.
A guarded call reads the state and the shared failure count in one round trip, and a
success resets the count in Redis only when that read saw failures: a healthy dependency
costs one Redis round trip per call, not two.
"""
from __future__ import annotations

import calendar
import logging
import time
from datetime import UTC, datetime

import pybreaker
from flask import current_app

from app.observability import alerts, metrics
from app.resilience.circuit import after_transition, calling
from app.resilience.shared_store import SharedStore

log = logging.getLogger(__name__)

STATE_NAMES = {"closed": "closed", "open": "open", "half-open": "half_open"}


class SharedBreakerStorage(pybreaker.CircuitBreakerStorage):
    """Breaker state in Redis, mirrored in memory and used alone while Redis is down."""

    def __init__(self, name: str, store: SharedStore):
        super().__init__(name)
        self._store = store
        self._local = pybreaker.CircuitMemoryStorage(pybreaker.STATE_CLOSED)
        self._prefix = f"fct:breaker:{name}:"
        # pybreaker reads the state while it constructs the breaker; that read is left to
        # the first call, so starting with Redis down costs no failures at start-up (with
        # one per breaker, the redis breaker would open before the app could serve).
        self.shared_reads = False
        # The shared failure count as last read with the state (None: not known). Shared by
        # the process's threads: at worst a success resets a count that is already zero.
        self._seen_failures: int | None = None

    def _get(self, key: str) -> bytes | None:
        if not self.shared_reads:
            return None
        return self._store.run(lambda r: r.get(self._prefix + key))

    def _set(self, key: str, value) -> None:
        self._store.run(lambda r: r.set(self._prefix + key, value))

    @property
    def state(self) -> str:
        if not self.shared_reads:
            return self._local.state
        values = self._store.run(lambda r: r.mget(self._prefix + "state", self._prefix + "fail_counter"))
        if values is None:  # Redis down: the process's own mirror
            self._seen_failures = None
            return self._local.state
        state, failures = values
        self._seen_failures = int(failures) if failures is not None else 0
        return state.decode() if state else self._local.state

    @state.setter
    def state(self, state: str) -> None:
        self._local.state = state
        self._set("state", state)

    def increment_counter(self) -> None:
        self._local.increment_counter()
        self._seen_failures = None
        self._store.run(lambda r: r.incr(self._prefix + "fail_counter"))

    def reset_counter(self) -> None:
        self._local.reset_counter()
        if self._seen_failures == 0:
            return  # nothing to reset: the read before this call saw no failures
        self._seen_failures = 0
        self._set("fail_counter", 0)

    def increment_success_counter(self) -> None:
        self._local.increment_success_counter()
        self._store.run(lambda r: r.incr(self._prefix + "success_counter"))

    def reset_success_counter(self) -> None:
        self._local.reset_success_counter()
        self._set("success_counter", 0)

    @property
    def counter(self) -> int:
        value = self._get("fail_counter")
        return int(value) if value is not None else self._local.counter

    @property
    def success_counter(self) -> int:
        value = self._get("success_counter")
        return int(value) if value is not None else self._local.success_counter

    @property
    def opened_at(self) -> datetime | None:
        value = self._get("opened_at")
        if value is not None:
            return datetime.fromtimestamp(int(value), UTC)
        return self._local.opened_at

    @opened_at.setter
    def opened_at(self, now: datetime) -> None:
        self._local.opened_at = now
        self._set("opened_at", calendar.timegm(now.utctimetuple()))


class BreakerListener(pybreaker.CircuitBreakerListener):
    """Logs, counts and alerts on every state change; counts failures."""

    def state_change(self, cb, old_state, new_state) -> None:
        old = STATE_NAMES.get(old_state.name if old_state else "closed", "closed")
        new = STATE_NAMES.get(new_state.name, new_state.name)
        if old == new:
            return
        log.warning("breaker state change", extra={"breaker": cb.name, "from": old, "to": new})
        metrics.BREAKER_TRANSITIONS.labels(breaker=cb.name, state=new).inc()
        if new == "open":
            # Not from here: pybreaker is mid-transition (see app/resilience/circuit.py).
            after_transition(lambda: alerts.raise_alert(
                f"breaker-open:{cb.name}",
                f"Circuit breaker '{cb.name}' opened after repeated failures", severity="error"))

    def failure(self, cb, exc) -> None:
        metrics.BREAKER_FAILURES.labels(breaker=cb.name).inc()


class BreakerRegistry:
    def __init__(self, config: dict[str, tuple[int, int]], store: SharedStore,
                 redis_breaker: pybreaker.CircuitBreaker):
        listener = BreakerListener()
        # The redis breaker guards the shared store itself, so it always lives in memory.
        redis_breaker.add_listener(listener)
        self._breakers: dict[str, pybreaker.CircuitBreaker] = {"redis": redis_breaker}
        for name, (fail_max, reset_s) in config.items():
            if name == "redis":
                continue
            storage = SharedBreakerStorage(name, store) if store.configured else None
            self._breakers[name] = pybreaker.CircuitBreaker(
                fail_max=fail_max, reset_timeout=reset_s, name=name,
                state_storage=storage, listeners=[listener],
            )
            if storage is not None:
                storage.shared_reads = True

    def __getitem__(self, name: str) -> pybreaker.CircuitBreaker:
        return self._breakers[name]

    def names(self) -> list[str]:
        return list(self._breakers)

    def snapshot(self, name: str) -> dict:
        cb = self._breakers[name]
        state = STATE_NAMES.get(cb.current_state, cb.current_state)
        retry_in = round(open_remaining_s(cb), 1) if state == "open" else 0.0
        return {"state": state, "failures": cb.fail_counter, "fail_max": cb.fail_max,
                "reset_timeout_s": cb.reset_timeout, "retry_in_s": retry_in}

    def reset(self, name: str) -> None:
        self._breakers[name].close()

    def any_open(self, names: list[str] | None = None) -> list[str]:
        return [n for n in (names or self.names())
                if self._breakers[n].current_state != pybreaker.STATE_CLOSED]


OpenCircuit = pybreaker.CircuitBreakerError


def open_remaining_s(cb: pybreaker.CircuitBreaker) -> float:
    """Seconds until an open breaker lets a trial call through; 0 when it is not open.

    The one place that reads pybreaker's state storage (`opened_at` has no public getter).
    """
    if cb.current_state != pybreaker.STATE_OPEN:
        return 0.0
    opened_at = cb._state_storage.opened_at
    if not opened_at:
        return 0.0
    return max(0.0, cb.reset_timeout - (time.time() - opened_at.timestamp()))


def breaker_registry() -> BreakerRegistry:
    return current_app.extensions["breakers"]


def guard(name: str):
    """`with guard("stripe"): ...` — the app's breaker of that name, non-serializing."""
    return calling(breaker_registry()[name])
