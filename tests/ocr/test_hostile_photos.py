"""Files that are not honest photos get a plain error quickly, through the real pool, and
never hold a worker longer than a photo's budget."""
from __future__ import annotations

import threading
import time

import pytest

from app.integrations.ocr.base import ImageRejected, OcrBusy, OcrTimeout
from app.integrations.ocr.pool import OcrPool
from bench.ticket_set import ticket_photo
from tests.ocr.hostile_files import blank_photo, jpeg_claiming, png_bomb, wall_of_text

BUDGET_S = 2.0


@pytest.fixture(scope="module")
def strict_pool():
    pool = OcrPool(workers=1, queue_size=1, budget_s=BUDGET_S)
    pool.warm_up()
    yield pool
    pool.close()


def _rejected(pool, data: bytes, cities) -> tuple[str, float]:
    started = time.monotonic()
    with pytest.raises(ImageRejected) as error:
        pool.read(data, cities)
    return str(error.value), time.monotonic() - started


@pytest.mark.parametrize("data, says", [
    (b"", "empty"),
    (b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n", "not a photo"),
    (b"<html><body>ticket</body></html>", "not a photo"),
    (bytes(range(256)) * 64, "not a photo"),
])
def test_not_an_image(strict_pool, cities, data, says):
    message, seconds = _rejected(strict_pool, data, cities)
    assert says in message and seconds < BUDGET_S


def test_truncated_photo(strict_pool, cities):
    photo = ticket_photo(7, 0).photo
    message, seconds = _rejected(strict_pool, photo[:len(photo) // 3], cities)
    assert "damaged" in message and seconds < BUDGET_S


def test_header_claiming_huge_dimensions(strict_pool, cities):
    message, seconds = _rejected(strict_pool, jpeg_claiming(60000, 60000), cities)
    assert "too large" in message and seconds < BUDGET_S


@pytest.mark.parametrize("side", [8000, 16000])  # over our limit; over Pillow's own as well
def test_decompression_bomb(strict_pool, cities, side):
    bomb = png_bomb(side, side)
    assert len(bomb) < 200_000  # a small upload...
    message, seconds = _rejected(strict_pool, bomb, cities)  # ...that would decode to 64-256 MP
    assert "too large" in message and seconds < BUDGET_S


def test_photo_over_budget_is_abandoned_and_the_worker_replaced(strict_pool, cities):
    started = time.monotonic()
    with pytest.raises(OcrTimeout):
        strict_pool.read(wall_of_text(1), cities)
    assert time.monotonic() - started < strict_pool.wait_s
    # The only worker is free again at once: the next photo does not wait behind the
    # seconds of work the first one would still have needed.
    started = time.monotonic()
    reading = strict_pool.read(blank_photo(), cities)
    assert reading.citation_number.value is None
    assert time.monotonic() - started < BUDGET_S + 5  # a new worker's start, on a busy machine


def test_full_pool_refuses_at_once(cities):
    pool = OcrPool(workers=1, queue_size=0, budget_s=BUDGET_S)
    pool.warm_up()
    outcome = []
    slow = threading.Thread(target=lambda: outcome.append(_attempt(pool, wall_of_text(2), cities)))
    try:
        slow.start()
        deadline = time.monotonic() + 10
        while pool.in_flight == 0 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert pool.in_flight == 1
        started = time.monotonic()
        with pytest.raises(OcrBusy):
            pool.read(blank_photo(), cities)
        assert time.monotonic() - started < 0.5
    finally:
        slow.join(timeout=30)
        pool.close()
    assert outcome == [OcrTimeout]


def _attempt(pool, data, cities):
    try:
        pool.read(data, cities)
    except Exception as exc:  # noqa: BLE001 - the test looks at which one
        return type(exc)
    return None
