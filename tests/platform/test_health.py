"""Health probes through HTTP, with dependencies really up, down or unreachable."""
import time

import pytest

UNREACHABLE_DB = "postgresql+psycopg://nobody@127.0.0.1:1/none"  # nothing listens on port 1
UNREACHABLE_REDIS = "redis://127.0.0.1:1/0"


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
    for name in ("database", "redis", "stripe", "deepseek", "email", "scheduler", "outbox",
                 "failed_webhooks", "ai_queue"):
        assert name in body["checks"], name
        assert "time_ms" in body["checks"][name]
    assert body["checks"]["stripe"]["breaker"]["state"] == "closed"
    assert "version" not in body["checks"]["database"]  # no details without a token


def test_details_with_the_health_token(app_factory):
    client = app_factory(HEALTH_TOKEN="h-token").test_client()
    body = client.get("/health/full", headers={"Authorization": "Bearer h-token"}).get_json()
    assert body["checks"]["database"]["version"].startswith("sqlite")
    assert body["checks"]["database"]["schema"] == body["checks"]["database"]["schema_head"]


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
