"""Circuit breakers: concurrency, shared state in Redis, and the database breaker via HTTP."""
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pybreaker
import pytest
import requests

from app.resilience.breakers import guard

HEALTH_AUTH = {"Authorization": "Bearer h"}  # breaker details are for HEALTH_TOKEN holders


class SlowHandler(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (http.server's naming)
        time.sleep(0.5)
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


@pytest.fixture
def slow_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), SlowHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


def test_eight_concurrent_slow_calls_through_one_breaker_do_not_serialize(app, slow_server):
    """pybreaker's call() would hold the breaker's lock for 8 x 0.5 s; guard() must not."""

    def call(_):
        with app.app_context():
            with guard("stripe"):
                return requests.get(slow_server, timeout=5).status_code

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(call, range(8)))
    elapsed = time.perf_counter() - started
    assert results == [200] * 8
    assert elapsed < 1.5, f"8 concurrent 0.5 s calls took {elapsed:.2f} s"


def test_breaker_opens_fails_fast_and_closes_again(app_factory):
    app = app_factory(BREAKER_STRIPE_FAIL_MAX="3", BREAKER_STRIPE_RESET_S="1", HEALTH_TOKEN="h")
    closed_port = "http://127.0.0.1:1/"  # connection refused: a real failing dependency

    def call():
        with app.app_context():
            with guard("stripe"):
                return requests.get(closed_port, timeout=1)

    for _ in range(2):
        with pytest.raises(requests.ConnectionError):
            call()
    with pytest.raises(pybreaker.CircuitBreakerError):
        call()  # the third failure trips it
    started = time.perf_counter()
    with pytest.raises(pybreaker.CircuitBreakerError):
        call()
    assert time.perf_counter() - started < 0.05  # open: no attempt made

    client = app.test_client()
    stripe = client.get("/health/detailed", headers=HEALTH_AUTH).get_json()["checks"]["stripe"]
    assert stripe["breaker"]["state"] == "open"
    time.sleep(1.1)  # the breaker's own reset timeout, set to 1 s above
    with app.app_context(), guard("stripe"):
        pass  # the half-open trial succeeds
    assert client.get("/health/detailed", headers=HEALTH_AUTH).get_json()["checks"]["stripe"]["breaker"]["state"] == "closed"


def test_breaker_state_is_shared_through_redis(app_factory, redis_url):
    first = app_factory(REDIS_URL=redis_url, BREAKER_DEEPSEEK_FAIL_MAX="2")
    second = app_factory(REDIS_URL=redis_url, BREAKER_DEEPSEEK_FAIL_MAX="2", HEALTH_TOKEN="h")
    for _ in range(2):
        with pytest.raises((ConnectionError, pybreaker.CircuitBreakerError)):
            with first.app_context(), guard("deepseek"):
                raise ConnectionError("provider down")
    with pytest.raises(pybreaker.CircuitBreakerError):
        with second.app_context(), guard("deepseek"):
            pass  # the other instance already sees it open
    assert second.test_client().get("/health/detailed", headers=HEALTH_AUTH).get_json()["checks"]["deepseek"]["breaker"]["state"] == "open"


def test_breaker_state_falls_back_to_memory_when_redis_is_down(app_factory):
    app = app_factory(REDIS_URL="redis://127.0.0.1:1/0", BREAKER_DEEPSEEK_FAIL_MAX="2")
    for _ in range(2):
        with pytest.raises((ConnectionError, pybreaker.CircuitBreakerError)):
            with app.app_context(), guard("deepseek"):
                raise ConnectionError("provider down")
    with pytest.raises(pybreaker.CircuitBreakerError):
        with app.app_context(), guard("deepseek"):
            pass


def test_redis_breaker_opening_mid_request_alerts_once_and_keeps_the_request(app_factory, caplog):
    # The alert for the redis breaker is raised while that breaker is changing state; the
    # alert's own Redis call must not trip it again (it once recursed until the stack gave
    # out), and storing the alert must not commit or discard the request's work.
    from app.extensions import db
    from app.models import EmailOutbox, OperatorAlert

    app = app_factory(REDIS_URL="redis://127.0.0.1:1/0", ADMIN_ALERT_EMAIL="ops@example.com")
    client = app.test_client()
    with caplog.at_level(logging.WARNING):
        answers = [client.post("/api/unsubscribe", json={"email": f"d{n}@example.com"}).status_code
                   for n in range(3)]
    assert answers == [202, 202, 202]  # confirmation links queued
    changes = [r for r in caplog.records
               if r.getMessage() == "breaker state change" and r.breaker == "redis"]
    assert [(r.__dict__["from"], r.to) for r in changes] == [("closed", "open")]
    assert not [r for r in caplog.records if "recursion" in str(r.__dict__.get("error", ""))]
    with app.app_context():
        alert = db.session.execute(db.select(OperatorAlert).filter_by(key="breaker-open:redis")).scalar_one()
        assert alert.count == 1 and alert.notified_at is not None
        assert db.session.query(EmailOutbox).filter_by(template="operator_alert").count() == 1
        assert db.session.query(EmailOutbox).filter_by(template="consent_confirm").count() == 3
