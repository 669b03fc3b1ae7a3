"""Start-up as the processes do it: wsgi.py loaded by `flask` commands and by gunicorn."""
from __future__ import annotations

import runpy
import threading

import pytest

from testkit.gunicorn_app import ROOT, GunicornApp
from tests.conftest import BASE_ENV
from tests.platform.test_config import PRODUCTION

PASSWORD = "correct horse battery staple"


def scheduler_threads() -> set[threading.Thread]:
    return {t for t in threading.enumerate() if t.name == "APScheduler" and t.is_alive()}


@pytest.fixture
def wsgi_app(monkeypatch, tmp_path, database_url):
    """wsgi.py's `app`, built from the environment as `flask --app wsgi:app` builds it."""
    env = {**BASE_ENV, "SCHEDULER_MODE": "embedded", "DATABASE_URL": database_url,
           "INSTANCE_PATH": str(tmp_path / "instance"), "UPLOAD_DIR": str(tmp_path / "uploads")}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    before = scheduler_threads()
    app = runpy.run_path(str(ROOT / "wsgi.py"))["app"]
    yield app, before
    scheduler = app.extensions.get("scheduler")
    if scheduler is not None:
        scheduler.shutdown(wait=False)


def test_cli_commands_never_start_the_embedded_scheduler(wsgi_app):
    app, before = wsgi_app
    runner = app.test_cli_runner()
    created = runner.invoke(args=["admin", "create-user", "ops@fightcitytickets.test"],
                            input=f"{PASSWORD}\n")
    assert created.exit_code == 0, created.output
    listed = runner.invoke(args=["jobs", "list"])
    assert listed.exit_code == 0 and "email_outbox" in listed.output
    assert scheduler_threads() == before
    assert "scheduler" not in app.extensions

    # The same module serving a request is a web process: now the scheduler runs, once.
    client = app.test_client()
    assert client.get("/health").status_code == 200
    assert client.get("/health").status_code == 200
    started = scheduler_threads() - before
    assert len(started) == 1 and app.extensions["scheduler"].running


def test_scheduler_off_is_never_started_by_requests(wsgi_app, monkeypatch):
    monkeypatch.setenv("SCHEDULER_MODE", "off")
    app = runpy.run_path(str(ROOT / "wsgi.py"))["app"]
    assert app.test_client().get("/health").status_code == 200
    assert "scheduler" not in app.extensions


def _production_env(tmp_path, **changes) -> dict[str, str]:
    env = {**PRODUCTION, "DATABASE_URL": f"sqlite:///{tmp_path / 'app.db'}",
           "TRUSTED_HOSTS": "127.0.0.1", **changes}
    return {k: v for k, v in env.items() if v is not None}


def test_gunicorn_refuses_production_with_two_workers_and_no_redis(tmp_path):
    """Accepting one worker, or Redis, is checked on the settings (test_config_security)."""
    server = GunicornApp(tmp_path, _production_env(tmp_path, REDIS_URL=None), workers=2,
                         migrate=False)
    try:
        with pytest.raises(RuntimeError, match="gunicorn exited"):
            server.start(timeout_s=60)
    finally:
        server.stop()
    assert "REDIS_URL must be set when APP_ENV=production runs 2 web workers" in server.log_text()
