"""Rate limits through HTTP: the headers, the friendly 429, Redis sharing and its fallback."""
import time

import pytest

RATE_HEADERS = ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset",
                "RateLimit-Policy", "RateLimit")


def _unsubscribe(client, n=1):
    return client.post("/api/unsubscribe", json={"email": f"driver{n}@example.com",
                                                 "reason": "too many emails"})


def test_limited_responses_carry_every_header_and_429_is_friendly(app_factory):
    client = app_factory(RATELIMIT_PUBLIC="3/minute").test_client()
    for expected_remaining in (2, 1, 0):
        response = client.get("/api/public/cities")
        assert response.status_code == 200
        for header in RATE_HEADERS:
            assert header in response.headers, header
        assert response.headers["X-RateLimit-Limit"] == "3"
        assert response.headers["X-RateLimit-Remaining"] == str(expected_remaining)
    assert response.headers["RateLimit-Policy"] == '"public";q=3;w=60'
    assert response.headers["RateLimit"].startswith('"public";r=0;t=')

    refused = client.get("/api/public/cities")
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    assert refused.mimetype == "application/problem+json"
    assert "try again" in refused.get_json()["detail"].lower()
    for header in RATE_HEADERS:
        assert header in refused.headers, header

    html = client.get("/", headers={"Accept": "text/html"})
    assert html.status_code == 200 and "X-RateLimit-Limit" not in html.headers  # not limited


def test_probes_and_metrics_are_never_limited(app_factory):
    client = app_factory(RATELIMIT_PUBLIC="1/minute").test_client()
    for _ in range(5):
        for path in ("/health", "/healthz", "/health/ready", "/metrics"):
            assert client.get(path).status_code == 200, path


def test_limit_is_per_client_ip(app_factory):
    client = app_factory(RATELIMIT_PUBLIC="1/minute").test_client()
    assert client.get("/api/public/cities", environ_base={"REMOTE_ADDR": "192.0.2.1"}).status_code == 200
    assert client.get("/api/public/cities", environ_base={"REMOTE_ADDR": "192.0.2.1"}).status_code == 429
    assert client.get("/api/public/cities", environ_base={"REMOTE_ADDR": "192.0.2.2"}).status_code == 200


def test_limits_count_in_redis_and_in_memory_when_it_stops(app_factory, redis_server, redis_url):
    """The count lives in Redis (shared by every process); when Redis stops the same limit
    keeps counting in process memory and no request fails. Cross-process exactness under
    gunicorn is proven in tests/chaos."""
    import redis

    client = app_factory(REDIS_URL=redis_url, RATELIMIT_UNSUBSCRIBE="4/minute").test_client()
    statuses = [_unsubscribe(client, n).status_code for n in range(5)]
    assert 429 not in statuses[:4] and statuses[4] == 429
    keys = redis.Redis.from_url(redis_url).keys("LIMITS*unsubscribe*")
    assert keys, "the limit was not counted in Redis"

    redis_server.stop()
    try:
        statuses = [_unsubscribe(client, n).status_code for n in range(6)]
        assert 500 not in statuses
        assert 429 not in statuses[:4] and statuses[4:] == [429, 429]
        assert client.get("/health/detailed").get_json()["status"] == "degraded"
    finally:
        redis_server.start()
