"""Shared fixtures: settings, per-test databases (SQLite and PostgreSQL), app and clients.

Real PostgreSQL and Redis servers are started once per session, on free loopback ports,
only when a test asks for them. Each test gets its own database cloned from a migrated
template, so tests never see each other's rows.
"""
from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

import pytest

from app import create_app
from app.config import Settings
from tests.email.smtp_helpers import StoppableSMTPServer

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"

BASE_ENV = {
    "APP_ENV": "test",
    "SECRET_KEY": "test-secret-key",
    "SCHEDULER_MODE": "off",
}


def pytest_configure(config):
    config.addinivalue_line("markers", "both_databases: run the test on SQLite and PostgreSQL")
    config.addinivalue_line("markers", "postgres: needs the PostgreSQL server")
    config.addinivalue_line("markers", "chaos: failure drills with real servers")


def pytest_generate_tests(metafunc):
    if "backend" in metafunc.fixturenames:
        if metafunc.definition.get_closest_marker("both_databases"):
            metafunc.parametrize("backend", ["sqlite", "postgresql"], indirect=True)
        elif metafunc.definition.get_closest_marker("postgres"):
            metafunc.parametrize("backend", ["postgresql"], indirect=True)


@pytest.fixture(scope="session")
def services_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("services")


@pytest.fixture(scope="session")
def postgres(services_dir):
    from testkit.servers import PostgresServer

    server = PostgresServer(services_dir / "pg")
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def redis_server(services_dir):
    from testkit.servers import RedisServer

    server = RedisServer(services_dir / "redis")
    server.start()
    yield server
    server.stop()


@pytest.fixture
def redis_url(redis_server) -> str:
    """A Redis URL for one test; the server is flushed first so tests do not share state."""
    import redis

    if not redis_server.is_running():
        redis_server.start()
    redis.Redis.from_url(redis_server.url()).flushall()
    return redis_server.url()


def make_settings(instance: Path, **env) -> Settings:
    values = dict(BASE_ENV)
    values.update({k: str(v) for k, v in env.items()})
    return Settings.from_env(values, instance_path=str(instance))


def _migrate(settings: Settings) -> None:
    from flask_migrate import upgrade

    app = create_app(settings)
    with app.app_context():
        upgrade()
        from app.extensions import db

        db.engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("sqlite-template")
    path = directory / "template.db"
    _migrate(make_settings(directory, DATABASE_URL=f"sqlite:///{path}"))
    return path


@pytest.fixture(scope="session")
def pg_template(postgres) -> str:
    postgres.create_database("fct_template")
    _migrate(make_settings(Path(postgres.base_dir) / "instance",
                           DATABASE_URL=postgres.url("fct_template")))
    return "fct_template"


@pytest.fixture
def backend(request) -> str:
    return getattr(request, "param", "sqlite")


@pytest.fixture
def database_url(request, backend, tmp_path) -> str:
    """A fresh, migrated database for this test on the chosen backend."""
    if backend == "sqlite":
        template = request.getfixturevalue("sqlite_template")
        path = tmp_path / "app.db"
        shutil.copy(template, path)
        return f"sqlite:///{path}"
    postgres = request.getfixturevalue("postgres")
    template = request.getfixturevalue("pg_template")
    name = f"t_{uuid.uuid4().hex[:12]}"
    postgres.create_database(name, template=template)
    request.addfinalizer(lambda: postgres.drop_database(name))
    return postgres.url(name)


@pytest.fixture
def app_factory(tmp_path, database_url):
    """Build an app on this test's database with extra environment variables."""
    built = []

    def factory(**env):
        env.setdefault("DATABASE_URL", database_url)
        env.setdefault("UPLOAD_DIR", str(tmp_path / "uploads"))
        app = create_app(make_settings(tmp_path / "instance", **env))
        built.append(app)
        return app

    yield factory
    from app.extensions import db

    for app in built:
        app.extensions["ticket_reader"].close()  # stops OCR workers if a test started them
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def app(app_factory):
    return app_factory()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture
def smtp():
    """A local SMTP server (aiosmtpd) that can be stopped mid-test."""
    server = StoppableSMTPServer(starttls=False).start()
    yield server
    server.stop()
