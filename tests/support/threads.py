"""A check that a test leaves no thread of its own running (local servers must stop)."""
import threading
import time

import pytest


@pytest.fixture(autouse=True)
def no_leaked_threads():
    before = set(threading.enumerate())
    yield
    deadline = time.monotonic() + 10
    while (extra := [t for t in threading.enumerate() if t not in before and t.is_alive()]):
        assert time.monotonic() < deadline, f"threads left running: {extra}"
        time.sleep(0.02)
