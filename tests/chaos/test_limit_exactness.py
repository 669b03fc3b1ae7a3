"""Rate-limit exactness across gunicorn workers sharing Redis, and bounded memory without it."""
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from app.resilience.limits import limiter
from app.jobs.runner import run_job
from testkit.gunicorn_app import GunicornApp

pytestmark = pytest.mark.chaos


def test_fifty_concurrent_clients_get_exactly_ten_successes(tmp_path, redis_url):
    web = GunicornApp(tmp_path / "web", {"REDIS_URL": redis_url,
                                         "DATABASE_URL": f"sqlite:///{tmp_path / 'app.db'}",
                                         "RATELIMIT_UNSUBSCRIBE": "10/minute"}, workers=4)
    web.start()
    try:
        def unsubscribe(n):
            return requests.post(web.url + "/api/unsubscribe",
                                 json={"email": f"driver{n}@example.com"}, timeout=30).status_code

        with ThreadPoolExecutor(max_workers=50) as pool:
            statuses = list(pool.map(unsubscribe, range(50)))
    finally:
        web.stop()
    assert 500 not in statuses
    assert statuses.count(429) == 40, statuses
    assert len([s for s in statuses if s < 400]) == 10, statuses


# Some 20 s of requests: about twenty one-second windows, so a store that kept every IP
# would hold ten times what a bounded one holds at its largest.
SPRAY = 20_000


def test_memory_limiter_is_bounded_after_cache_purge(app_factory):
    """A spray of 20,000 distinct client IPs through HTTP: the in-process counters hold only
    the IPs of the current one-second windows, and once those pass, the cache_purge job
    leaves none behind."""
    app = app_factory(RATELIMIT_PUBLIC="100/second")
    client = app.test_client()
    memory = limiter.storage.memory
    largest = 0
    for n in range(SPRAY):
        ip = f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}"
        assert client.get("/api/public/cities/sf", environ_base={"REMOTE_ADDR": ip}).status_code == 200
        if n % 500 == 0:
            largest = max(largest, len(memory.storage))
    assert 0 < largest < SPRAY // 2, largest  # bounded by the window, not by the spray
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        assert run_job(app, "cache_purge") == "ok"
        if not memory.storage:
            break
        time.sleep(0.2)  # waiting for the last one-second window to pass
    assert (len(memory.storage), len(memory.expirations)) == (0, 0)
    assert client.get("/api/public/cities/sf").status_code == 200
    print(f"\nlimiter memory: at most {largest} counters during {SPRAY:,} distinct IPs, 0 after cache_purge")
