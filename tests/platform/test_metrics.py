"""/metrics: Prometheus text that promtool accepts, labelled by endpoint name, guarded."""
import shutil
import subprocess

import pytest


def _promtool() -> str:
    path = shutil.which("promtool")
    if path is None:
        pytest.fail("promtool is missing: scripts/test installs Debian's prometheus package")
    return path


def test_metrics_pass_promtool_and_use_endpoint_names(client):
    client.get("/health")
    client.get("/no-such-page/abc123")
    response = client.get("/metrics")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert 'fct_http_requests_total{endpoint="health.liveness",method="GET",status="200"}' in text
    assert 'endpoint="unmatched"' in text
    assert "abc123" not in text  # raw paths never become labels
    assert 'fct_breaker_state{breaker="stripe"} 0.0' in text
    check = subprocess.run([_promtool(), "check", "metrics"], input=response.data,
                           capture_output=True, timeout=30)
    assert check.returncode == 0, check.stdout + check.stderr


def test_metrics_need_the_token_when_one_is_set(app_factory):
    client = app_factory(METRICS_TOKEN="m-token").test_client()
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer m-token"}).status_code == 200


def test_metrics_are_loopback_only_without_a_token(client):
    response = client.get("/metrics", environ_base={"REMOTE_ADDR": "198.51.100.7"})
    assert response.status_code == 403
