"""gunicorn on real PostgreSQL and Redis, under a load from a second process: stop each for a
while, watch the answers and the probes, start it again.

Every answer during a drill is collected; none may be a 500, none may be lost.
"""
import time

import pytest
import redis
import requests

from tests.appeals.conftest import start_appeal
from tests.chaos.drill import HttpClient, Load, summarize, wait_until
from testkit.gunicorn_app import GunicornApp

pytestmark = pytest.mark.chaos

POOL_TIMEOUT_S = 2
OUTAGE_S = 20


@pytest.fixture
def drill_postgres(tmp_path):
    from testkit.servers import PostgresServer

    server = PostgresServer(tmp_path / "pg")
    server.start()
    server.create_database("drill")
    yield server
    server.stop()


@pytest.fixture
def drill_redis(tmp_path):
    from testkit.servers import RedisServer

    server = RedisServer(tmp_path / "redis")
    server.start()
    yield server
    server.stop()


@pytest.fixture
def web(tmp_path, drill_postgres, drill_redis):
    app = GunicornApp(tmp_path / "web", {
        "DATABASE_URL": drill_postgres.url("drill"), "REDIS_URL": drill_redis.url(),
        "DB_POOL_TIMEOUT": str(POOL_TIMEOUT_S), "RATELIMIT_UNSUBSCRIBE": "5/minute",
        "RATELIMIT_PUBLIC": "100000/minute", "RATELIMIT_APPEAL_WRITES": "100000/minute",
        "BREAKER_REDIS_RESET_S": "1", "LOG_LEVEL": "info", "HEALTH_TOKEN": "drill-health",
    }, workers=2)
    app.start()
    yield app
    app.stop()


def health_status(web) -> tuple[int, str]:
    # With the token: fresh (unauthenticated answers are cached for a moment) and unlimited.
    response = requests.get(web.url + "/health/detailed", timeout=10,
                            headers={"Authorization": "Bearer drill-health"})
    return response.status_code, response.json()["status"]


def test_postgres_stopped_for_20_seconds_under_load(web, drill_postgres, tmp_path):
    public_id = start_appeal(HttpClient(web.url))
    status_page, story_page = f"/appeals/{public_id}", f"/appeals/{public_id}/story"
    web.warm_every_worker(status_page)
    load = Load(tmp_path / "load", web.url, [
        {"name": "GET /health", "path": "/health"},
        {"name": "GET /api/public/cities/sf", "path": "/api/public/cities/sf"},
        {"name": "GET /appeals/<id> (status)", "path": status_page},
        {"name": "GET /appeals/<id>/story", "path": story_page},
        {"name": "GET /", "path": "/"},
    ], threads=4, duration_s=OUTAGE_S + 60).start()
    try:
        wait_until(lambda: len(load.answers()) >= 100, 30, what="load under way")
        stopped_at = time.time()
        drill_postgres.stop()
        probes = [health_status(web)]
        while time.time() - stopped_at < OUTAGE_S:  # the outage lasts as long as the drill says
            probes.append(health_status(web))
            time.sleep(1)
        drill_postgres.start()
        started_at = time.time()
        # No restart of the app: the next probes find the database again.
        wait_until(lambda: health_status(web) == (200, "healthy"), 30, what="healthy again")
        healthy_at = time.time()
        wait_until(lambda: sum(1 for a in load.answers() if a.at > healthy_at) >= 100, 30,
                   what="load after recovery")
    finally:
        answers = load.stop()

    rows = summarize("PostgreSQL stopped for 20 s (gunicorn 2x4, load 4 threads)", answers, {
        "outage": f"{started_at - stopped_at:.1f} s", "health/detailed during the outage":
            sorted({p for p in probes}), "lost": sum(1 for a in answers if not a.status)})
    assert answers and all(a.status for a in answers), "a request got no answer"
    assert not [a for a in answers if a.status >= 500 and a.status != 503]
    assert not [a for a in answers if a.traceback]
    assert max(a.latency_s for a in answers) < POOL_TIMEOUT_S + 1.0  # nothing hangs

    assert probes[0] == (503, "outage") and set(probes) == {(503, "outage")}
    for always_up in ("GET /health", "GET /api/public/cities/sf", "GET /appeals/<id> (status)", "GET /"):
        assert rows[always_up]["statuses"] == {200: rows[always_up]["n"]}, always_up
    down = [a for a in answers if a.name == "GET /appeals/<id>/story"
            and stopped_at + 1 < a.at < started_at - 1]
    assert down and {a.status for a in down} == {503}
    assert all(a.retry_after and int(a.retry_after) > 0 for a in down)
    after = [a for a in answers if a.name == "GET /appeals/<id>/story" and a.at > healthy_at]
    assert after and {a.status for a in after} == {200}


def test_redis_stopped_limits_count_per_process_then_shared_again(web, drill_redis, tmp_path):
    assert health_status(web) == (200, "healthy")
    load = Load(tmp_path / "load", web.url, [
        {"name": "GET /health", "path": "/health"},
        {"name": "GET /api/public/cities/sf", "path": "/api/public/cities/sf"},
        {"name": "GET /health/ready", "path": "/health/ready"},
    ], threads=2, duration_s=60).start()
    try:
        wait_until(lambda: len(load.answers()) >= 50, 30, what="load under way")
        drill_redis.stop()
        assert health_status(web) == (200, "degraded")

        # Each gunicorn worker counts the 5/minute limit in its own memory now: with two
        # workers at most 2 x 5 of 12 pass, and the rest get the friendly 429.
        down = [requests.post(web.url + "/api/unsubscribe", json={"email": f"d{n}@example.com"},
                              headers={"Connection": "close"}, timeout=10) for n in range(12)]
        statuses_down = [r.status_code for r in down]
        assert set(statuses_down) <= {202, 429} and 5 <= statuses_down.count(202) <= 10
        assert all(int(r.headers["Retry-After"]) > 0 for r in down if r.status_code == 429)

        drill_redis.start()
        wait_until(lambda: health_status(web) == (200, "healthy"), 30, what="healthy again")
        # One worker has closed its redis breaker; the other may have re-opened its own by a
        # failed trial just before the restart. After the reset timeout (1 s here) its next
        # call is a trial that succeeds, so every worker counts in Redis again.
        time.sleep(1.1)
        statuses_up = [requests.post(web.url + "/api/unsubscribe", json={"email": f"u{n}@example.com"},
                                     headers={"Connection": "close"}, timeout=10).status_code
                       for n in range(12)]
        # Back on the shared counter (empty after the restart): every attempt, whichever
        # worker answered it, was counted in Redis.
        shared = redis.Redis.from_url(drill_redis.url())
        counted = sum(int(shared.get(key)) for key in shared.scan_iter("*unsubscribe*"))
    finally:
        answers = load.stop()
    summarize("Redis stopped, then started (gunicorn 2x4, load 2 threads)", answers, {
        "unsubscribe while down (5/minute, 2 workers)": statuses_down,
        "unsubscribe after Redis returned": statuses_up})
    assert statuses_up.count(202) == 5 and statuses_up.count(429) == 7
    assert counted == 12
    assert answers and all(a.status == 200 for a in answers), "load saw a non-200 or no answer"
