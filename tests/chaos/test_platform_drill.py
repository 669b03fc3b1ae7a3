"""gunicorn on real PostgreSQL and Redis: stop each, watch the probes, start it again.

Every answer during the drill is collected; none may be a 500.
"""
import collections

import pytest
import requests

from tests.chaos.gunicorn_app import GunicornApp

pytestmark = pytest.mark.chaos

PROBED = ("/health", "/healthz", "/health/ready", "/health/detailed", "/", "/api/public/cities/sf")


@pytest.fixture
def drill_postgres(tmp_path):
    from tests.support.servers import PostgresServer

    server = PostgresServer(tmp_path / "pg")
    server.start()
    server.create_database("drill")
    yield server
    server.stop()


@pytest.fixture
def drill_redis(tmp_path):
    from tests.support.servers import RedisServer

    server = RedisServer(tmp_path / "redis")
    server.start()
    yield server
    server.stop()


@pytest.fixture
def web(tmp_path, drill_postgres, drill_redis):
    app = GunicornApp(tmp_path / "web", {
        "DATABASE_URL": drill_postgres.url("drill"), "REDIS_URL": drill_redis.url(),
        "DB_POOL_TIMEOUT": "2", "RATELIMIT_UNSUBSCRIBE": "5/minute",
    }, workers=2)
    app.start()
    yield app
    app.stop()


def sweep(web, statuses):
    for path in PROBED:
        response = requests.get(web.url + path, timeout=10)
        statuses[(path, response.status_code)] += 1
        assert response.status_code != 500, (path, response.text[:300])
        assert "Traceback" not in response.text


def test_database_stop_and_start(web, drill_postgres):
    statuses = collections.Counter()
    assert requests.get(web.url + "/health/ready", timeout=5).status_code == 200
    sweep(web, statuses)

    drill_postgres.stop()
    ready = requests.get(web.url + "/health/ready", timeout=10)
    assert ready.status_code == 503
    detailed = requests.get(web.url + "/health/detailed", timeout=10)
    assert detailed.status_code == 503 and detailed.json()["status"] == "outage"
    for _ in range(3):
        sweep(web, statuses)
    assert requests.get(web.url + "/health", timeout=5).status_code == 200

    drill_postgres.start()
    # No restart: the next probes see the database again.
    assert requests.get(web.url + "/health/ready", timeout=10).status_code == 200
    assert requests.get(web.url + "/health/detailed", timeout=10).json()["status"] == "healthy"
    sweep(web, statuses)
    assert 500 not in {status for _, status in statuses}


def test_redis_stop_is_degraded_and_limits_keep_counting(web, drill_redis):
    assert requests.get(web.url + "/health/detailed", timeout=5).json()["status"] == "healthy"
    drill_redis.stop()
    detailed = requests.get(web.url + "/health/detailed", timeout=10)
    assert detailed.status_code == 200 and detailed.json()["status"] == "degraded"
    assert requests.get(web.url + "/health/ready", timeout=10).status_code == 200

    # One keep-alive session; each gunicorn worker counts in its own memory, so with two
    # workers at most 2 x 5 requests pass before every answer is 429.
    session = requests.Session()
    statuses = [session.post(web.url + "/api/unsubscribe", json={"email": f"d{n}@example.com"},
                             timeout=10).status_code for n in range(12)]
    assert 500 not in statuses
    assert statuses.count(429) >= 2
    drill_redis.start()
    assert requests.get(web.url + "/health/detailed", timeout=10).json()["status"] in ("healthy",
                                                                                     "degraded")
