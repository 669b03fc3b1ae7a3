"""Entering a circuit breaker, and sending the alerts its state changes queue.

pybreaker notifies listeners from inside a state transition: while the breaker's lock is
held and before its new state is in place. An alert does I/O (Redis to de-duplicate, the
database, the outbox), and I/O through a breaker whose transition has not finished can trip
that same breaker again, and again, until the stack overflows. So listeners only queue
their alert here, and `calling(cb)` sends what was queued once the call has left the breaker.
"""
from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import Callable, Iterator

import pybreaker

_thread = threading.local()


def after_transition(action: Callable[[], object]) -> None:
    """Run `action` when the current breaker call has finished (in this thread)."""
    if not hasattr(_thread, "queued"):
        _thread.queued = []
    _thread.queued.append(action)


def run_queued() -> None:
    queued = getattr(_thread, "queued", None)
    if not queued or getattr(_thread, "running", False):
        return  # an action's own breaker calls must not re-enter the queue
    _thread.running = True
    try:
        while queued:
            queued.pop(0)()
    finally:
        _thread.running = False


@contextmanager
def calling(cb: pybreaker.CircuitBreaker) -> Iterator[None]:
    """Run the body under `cb` without holding its lock for the body's duration.

    pybreaker's `CircuitBreaker.call()` holds the lock around the whole call, which
    serializes concurrent callers; its `calling()` releases it before the body runs.
    Raises `pybreaker.CircuitBreakerError` at once while the circuit is open.
    """
    try:
        with cb.calling():
            yield
    finally:
        run_queued()
