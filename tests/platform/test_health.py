"""Health probes through HTTP, with dependencies really up, down or unreachable."""
import time

import pybreaker
import pytest
import requests

from app.extensions import db
from app.health.routes import PUBLIC_CACHE_S
from app.models import AdminUser
from app.resilience.breakers import guard
from tests.admin.conftest import sign_in

UNREACHABLE_DB = "postgresql+psycopg://nobody@127.0.0.1:1/none"  # nothing listens on port 1
UNREACHABLE_REDIS = "redis://127.0.0.1:1/0"
CHECKS = ("database", "redis", "stripe", "deepseek", "email", "scheduler", "outbox",
          "failed_webhooks", "ai_queue")


def test_liveness_is_static(client):
    for path in ("/health", "/healthz"):
        response = client.get(path)
        assert response.status_code == 200
        assert response.get_json()["status"] == "healthy"


def test_liveness_never_touches_the_database(app_factory):
    client = app_factory(DATABASE_URL=UNREACHABLE_DB).test_client()
    started = time.perf_counter()
    assert client.get("/health").status_code == 200
    assert time.perf_counter() - started < 0.5


def test_ready_and_detailed_when_all_is_well(client):
    ready = client.get("/health/ready")
    assert ready.status_code == 200 and ready.get_json()["status"] == "ready"
    detailed = client.get("/health/detailed")
    assert detailed.status_code == 200
    body = detailed.get_json()
    assert body["status"] == "healthy"
    assert set(body["checks"]) == set(CHECKS)
    assert all(check == {"status": "pass"} for check in body["checks"].values())  # statuses only


def test_details_with_the_health_token(app_factory):
    client = app_factory(HEALTH_TOKEN="h-token").test_client()
    body = client.get("/health/full", headers={"Authorization": "Bearer h-token"}).get_json()
    assert body["checks"]["database"]["version"].startswith("sqlite")
    assert body["checks"]["database"]["schema"] == body["checks"]["database"]["schema_head"]
    for name in CHECKS:
        assert "time_ms" in body["checks"][name], name
    assert body["checks"]["stripe"]["breaker"]["state"] == "closed"
    assert body["checks"]["outbox"]["pending"] == 0 and body["checks"]["ai_queue"]["capacity"] > 0


def test_ietf_health_format(client):
    response = client.get("/health/detailed", headers={"Accept": "application/health+json"})
    assert response.mimetype == "application/health+json"
    body = response.get_json()
    assert body["status"] == "pass"
    assert body["checks"]["database:status"][0]["status"] == "pass"


def test_database_unreachable_is_outage_not_500(app_factory):
    client = app_factory(DATABASE_URL=UNREACHABLE_DB, DB_POOL_TIMEOUT="1").test_client()
    ready = client.get("/health/ready")
    assert ready.status_code == 503
    assert ready.get_json()["checks"]["database"]["status"] == "fail"
    detailed = client.get("/health/detailed")
    assert detailed.status_code == 503
    assert detailed.get_json()["status"] == "outage"
    assert client.get("/health").status_code == 200


def test_redis_down_is_degraded_not_fatal(app_factory):
    client = app_factory(REDIS_URL=UNREACHABLE_REDIS).test_client()
    assert client.get("/health/ready").status_code == 200
    detailed = client.get("/health/detailed")
    assert detailed.status_code == 200
    assert detailed.get_json()["status"] == "degraded"
    assert detailed.get_json()["checks"]["redis"]["status"] == "warn"


def test_schema_behind_head_is_not_ready(app, runner, client):
    assert runner.invoke(args=["db", "downgrade", "base"]).exit_code == 0
    assert client.get("/health/ready").status_code == 503


def _open_stripe_breaker(app):
    for _ in range(3):
        with pytest.raises((requests.ConnectionError, pybreaker.CircuitBreakerError)):
            with app.app_context(), guard("stripe"):
                requests.get("http://127.0.0.1:1/", timeout=1)


def test_unauthenticated_detailed_shows_statuses_only(app_factory):
    app = app_factory(HEALTH_TOKEN="h-token")
    _open_stripe_breaker(app)
    client = app.test_client()
    for accept in ("application/json", "application/health+json"):
        response = client.get("/health/detailed", headers={"Accept": accept})
        text = response.get_data(as_text=True)
        for leak in ("breaker", "fail_max", "failures", "reset", "pending", "depth", "capacity",
                     "time_ms", "observedValue", "version", "schema"):
            assert leak not in text, (accept, leak)
    assert client.get("/health/detailed").get_json()["checks"]["stripe"] == {"status": "warn"}
    full = client.get("/health/detailed", headers={"Authorization": "Bearer h-token"}).get_json()
    assert full["checks"]["stripe"]["breaker"]["state"] == "open"


def test_unauthenticated_detailed_is_cached_and_rate_limited(app_factory):
    app = app_factory(HEALTH_TOKEN="h-token", RATELIMIT_HEALTH_DETAILED="3/minute")
    client = app.test_client()
    assert client.get("/health/detailed").get_json()["status"] == "healthy"
    _open_stripe_breaker(app)
    # Within the cache's second or two the public answer is the cached one...
    assert client.get("/health/detailed").get_json()["status"] == "healthy"
    # ...while an authenticated caller sees it now, and is never limited.
    token = {"Authorization": "Bearer h-token"}
    for _ in range(5):
        assert client.get("/health/detailed", headers=token).get_json()["status"] == "degraded"
    assert client.get("/health/detailed").status_code == 200
    refused = client.get("/health/detailed")
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert refused.mimetype == "application/problem+json"
    for path in ("/health", "/healthz", "/health/ready", "/metrics"):  # probes stay unlimited
        assert client.get(path).status_code == 200, path
    other_ip = client.get("/health/detailed", environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert other_ip.status_code == 200


def test_cached_public_answer_expires(app_factory):
    client = app_factory().test_client()
    app = client.application
    assert client.get("/health/detailed").get_json()["status"] == "healthy"
    _open_stripe_breaker(app)
    deadline = time.monotonic() + PUBLIC_CACHE_S + 3
    while client.get("/health/detailed").get_json()["status"] == "healthy":
        assert time.monotonic() < deadline, "the cached answer outlived its time"
        time.sleep(0.2)


def test_an_operator_session_sees_the_details(app_factory):
    app = app_factory()
    with app.app_context():
        user = AdminUser(email="ops@fightcitytickets.com")
        user.set_password("correct horse battery staple")
        db.session.add(user)
        db.session.commit()
    client = app.test_client()
    assert sign_in(client).status_code == 303
    assert "version" in client.get("/health/detailed").get_json()["checks"]["database"]


def test_metrics_loopback_is_the_socket_peer_not_a_forwarded_header(app_factory):
    client = app_factory(TRUSTED_PROXY_COUNT="1").test_client()
    spoofed = client.get("/metrics", headers={"X-Forwarded-For": "127.0.0.1"},
                         environ_base={"REMOTE_ADDR": "203.0.113.5"})
    assert spoofed.status_code == 403
    through_a_local_proxy = client.get("/metrics", headers={"X-Forwarded-For": "198.51.100.4"},
                                       environ_base={"REMOTE_ADDR": "127.0.0.1"})
    assert through_a_local_proxy.status_code == 403
    local = client.get("/metrics", environ_base={"REMOTE_ADDR": "127.0.0.1"})
    assert local.status_code == 200 and b"fct_http_requests_total" in local.data


def test_a_token_header_with_non_ascii_characters_is_refused_not_a_500(app_factory):
    client = app_factory(HEALTH_TOKEN="h-token").test_client()
    response = client.get("/health/full", headers={"Authorization": "Bearer h-tokén"})
    assert response.status_code == 200, response.status_code  # as without a token: statuses only
    assert all(set(check) == {"status"} for check in response.get_json()["checks"].values())
