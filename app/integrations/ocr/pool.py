"""The bounded process pool that reads ticket photos off the request threads (spec §18).

`workers` processes read; at most `queue_size` more photos wait. A photo arriving when all
places are taken is refused at once with OcrBusy (the driver types the fields instead)
rather than queued behind an unbounded backlog. Each photo has a time budget counted
from the moment a worker starts on it; past it, pebble kills that worker (SIGTERM, then
SIGKILL) and starts a fresh one, so a hostile image can never pin a worker. Workers also
run under an address-space limit, so an image that decodes to a monster fails there.

Workers are forked from a forkserver that has already imported the engine: starting or
replacing one costs milliseconds, and they never inherit the web process's threads or
sockets. Nothing starts until the first photo.
"""
from __future__ import annotations

import logging
import multiprocessing
import resource
import threading
from concurrent.futures import CancelledError
from concurrent.futures.process import BrokenProcessPool
from typing import Sequence

from pebble import ProcessExpired, ProcessPool
from PIL import Image

from app.integrations.ocr.base import (KnownCity, OcrBusy, OcrError, OcrFailed, OcrTimeout,
                                       TicketReading)
from app.integrations.ocr.tesseract import MAX_PIXELS, TesseractEngine

log = logging.getLogger(__name__)
ENGINE_MODULE = __name__  # the forkserver imports the engine once, before any fork
STARTUP_S = 5.0  # a replacement worker's start, added to how long a caller may wait

_engine: TesseractEngine | None = None  # one per worker process, made when it starts


def _start_worker(max_pixels: int, memory_bytes: int) -> None:
    """Runs in each new worker before its first photo (outside any photo's budget)."""
    global _engine
    Image.MAX_IMAGE_PIXELS = max_pixels  # this process only: it is ours
    if memory_bytes:
        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    engine = TesseractEngine(max_pixels=max_pixels)
    try:
        engine.load()  # the language model, once per worker
    except OcrError:
        return  # each photo then fails with the reason, instead of workers dying in a loop
    _engine = engine


def _ready_in_worker() -> bool:
    return _engine is not None


def read_in_worker(photo: bytes, cities: Sequence[KnownCity]) -> TicketReading:
    if _engine is None:
        raise OcrFailed("Ticket reading is not available: Tesseract could not start.")
    try:
        return _engine.read(photo, cities)
    except MemoryError:
        raise OcrFailed("The photo needs more memory than a reader may use.") from None


class OcrPool:
    def __init__(self, workers: int, queue_size: int, budget_s: float,
                 max_pixels: int = MAX_PIXELS, memory_bytes: int = 1536 * 2**20,
                 tasks_per_worker: int = 200):
        self.workers, self.queue_size, self.budget_s = workers, queue_size, budget_s
        self.max_pixels, self.memory_bytes = max_pixels, memory_bytes
        self.tasks_per_worker = tasks_per_worker  # a fresh worker now and then bounds any leak
        # Waiting photos are read `workers` at a time, each within its budget.
        self.wait_s = budget_s * (1 + -(-queue_size // workers)) + STARTUP_S
        self._slots = threading.BoundedSemaphore(workers + queue_size)
        self._lock = threading.Lock()
        self._in_flight = 0
        self._pool: ProcessPool | None = None

    @property
    def in_flight(self) -> int:
        """Photos being read or waiting, in this process."""
        with self._lock:
            return self._in_flight

    def read(self, photo: bytes, cities: Sequence[KnownCity]) -> TicketReading:
        if not self._slots.acquire(blocking=False):
            raise OcrBusy("Ticket reading is busy right now.")
        with self._lock:
            self._in_flight += 1
        try:
            return self._read(photo, tuple(cities))
        finally:
            with self._lock:
                self._in_flight -= 1
            self._slots.release()

    def _read(self, photo: bytes, cities: tuple[KnownCity, ...]) -> TicketReading:
        try:
            future = self._ready().schedule(read_in_worker, args=(photo, cities), timeout=self.budget_s)
            try:
                return future.result(timeout=self.wait_s)
            except TimeoutError:
                future.cancel()  # a running task's worker is stopped, a waiting one dropped
                raise OcrTimeout("Reading the photo took too long.") from None
        except OcrError:
            raise
        except BrokenProcessPool as exc:
            log.error("OCR pool broken, starting a new one", extra={"error": str(exc)})
            self.close()
            raise OcrFailed("The ticket reader stopped unexpectedly.") from None
        except (ProcessExpired, CancelledError) as exc:
            log.warning("OCR worker died", extra={"error": str(exc)})
            raise OcrFailed("The ticket reader stopped unexpectedly.") from None
        except Exception as exc:  # noqa: BLE001 - any other failure is the reader's, not the photo's
            log.exception("OCR failed")
            raise OcrFailed("The ticket could not be read.") from exc

    def warm_up(self, timeout_s: float = 60.0) -> None:
        """Start the workers now rather than on the first photo (optional): once this
        returns, a worker has loaded the language model and waits for photos."""
        self._ready().schedule(_ready_in_worker).result(timeout=timeout_s)

    def _ready(self) -> ProcessPool:
        with self._lock:
            if self._pool is None:
                context = multiprocessing.get_context("forkserver")
                context.set_forkserver_preload([ENGINE_MODULE])
                self._pool = ProcessPool(max_workers=self.workers, max_tasks=self.tasks_per_worker,
                                         initializer=_start_worker,
                                         initargs=(self.max_pixels, self.memory_bytes),
                                         context=context)
            return self._pool

    def close(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.stop()
            pool.join(timeout=10)
