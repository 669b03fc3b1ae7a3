"""The bounded AI worker pool of one instance (§6): AI_WORKERS threads, AI_QUEUE_SIZE waiting.

`ThreadPoolExecutor` queues without limit, so a semaphore sized workers + queue bounds
what is in flight: a slot is taken before anything is accepted and given back when the
task ends. A full pool refuses at once (`PoolFull`, answered 503 + Retry-After) rather
than letting drivers wait behind an unbounded backlog. Threads start on the first task,
so building the app (CLI, tests, the scheduler process) starts none.
"""
from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Callable

from flask import Flask

from app.extensions import db

log = logging.getLogger(__name__)


class PoolFull(Exception):
    """Every worker is busy and the waiting queue is full."""


class Slot:
    """A reserved place in the pool; `release` it if the task is never submitted."""

    def __init__(self, pool: "WorkerPool"):
        self._pool, self._open = pool, True

    def release(self) -> None:
        if self._open:
            self._open = False
            self._pool._finish(started=False)


class WorkerPool:
    def __init__(self, app: Flask, workers: int, queue_size: int):
        self._app = app
        self.workers = workers
        self.capacity = queue_size
        self._slots = threading.BoundedSemaphore(workers + queue_size)
        self._lock = threading.Lock()
        self._in_flight = 0
        self._running = 0
        self._executor: ThreadPoolExecutor | None = None

    def depth(self) -> int:
        """Tasks accepted but not yet picked up by a worker."""
        with self._lock:
            return self._in_flight - self._running

    def busy(self) -> int:
        with self._lock:
            return self._running

    def over(self, fraction: float) -> bool:
        return self.depth() > fraction * self.capacity

    def reserve(self) -> Slot:
        """Take a place or raise `PoolFull`; the caller then `submit`s or releases it."""
        if not self._slots.acquire(blocking=False):
            raise PoolFull()
        with self._lock:
            self._in_flight += 1
        return Slot(self)

    def submit(self, slot: Slot, fn: Callable[..., object], *args) -> None:
        """Run `fn(*args)` in a worker, inside an app context, using the reserved `slot`."""
        slot._open = False  # the task now owns the slot and gives it back when it ends
        with self._lock:
            if self._executor is None:
                self._executor = ThreadPoolExecutor(self.workers, thread_name_prefix="fct-ai")
            executor = self._executor
        executor.submit(self._run, fn, args)

    def _run(self, fn: Callable[..., object], args: tuple) -> None:
        with self._lock:
            self._running += 1
        try:
            with self._app.app_context():
                try:
                    fn(*args)
                except Exception:
                    log.exception("AI task failed")
                finally:
                    db.session.remove()
        finally:
            self._finish(started=True)

    def _finish(self, started: bool) -> None:
        with self._lock:
            self._in_flight -= 1
            if started:
                self._running -= 1
        self._slots.release()

    def shutdown(self, wait: bool = False) -> None:
        with self._lock:
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=wait, cancel_futures=True)
