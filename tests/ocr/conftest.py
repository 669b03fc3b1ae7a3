"""A real process pool of Tesseract workers, started once for the OCR tests."""
from __future__ import annotations

import pytest

from app.integrations.ocr.pool import OcrPool
from bench.ticket_set import known_cities


@pytest.fixture(scope="session")
def cities():
    return known_cities()


@pytest.fixture(scope="session")
def reader():
    """Two workers, as on the 2-core production machine. The budget is generous: these
    tests are about what is read; the budget has tests of its own."""
    pool = OcrPool(workers=2, queue_size=8, budget_s=30)
    pool.warm_up()
    yield pool
    pool.close()
