"""The servers one bench run needs, all on 127.0.0.1, all stopped at the end, even on failure.

PostgreSQL and Redis are the test suite's throwaway servers; the fake Stripe answers the
app's "read the Checkout Session" calls during the webhook benchmark. The hardened app runs
under gunicorn through tests/chaos/gunicorn_app.py; the bare app (bare_app.py) runs under
the same gunicorn.conf.py with the same worker and thread counts. `control` is the same
hardened app built in this process, on the same database and Redis, to create fixtures,
read results and look at the breaker state the gunicorn workers share through Redis.
"""
from __future__ import annotations

import base64
import contextlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import psycopg
import redis
import requests
from flask import Flask

from app import create_app
from app.config import DEFAULT_LIMITS, Settings
from app.extensions import db
from testkit.gunicorn_app import GunicornApp
from testkit.servers import PostgresServer, RedisServer
from testkit.fakes.stripe_api import StripeAPIServer

WORKERS, THREADS = 2, 4  # gunicorn gthread, for both apps
BENCH_DB = "bench"
WEBHOOK_SECRET = "whsec_bench"
# High enough that no benchmark is throttled: every request comes from 127.0.0.1.
UNTHROTTLED = "1000000/minute"
# A loaded shared machine can take far longer than the drills' 30 s to boot two workers.
START_TIMEOUT_S = 180
BASE_ENV = {"APP_ENV": "test", "SECRET_KEY": "drill-secret", "SCHEDULER_MODE": "off"}


@dataclass
class Services:
    workdir: Path
    postgres: PostgresServer
    redis: RedisServer
    stripe: StripeAPIServer
    hardened: GunicornApp
    control: Flask
    bare: GunicornApp | None = None
    _stack: contextlib.ExitStack = field(default_factory=contextlib.ExitStack, repr=False)

    def start_bare(self, responses: dict[str, dict]) -> GunicornApp:
        """Start the bare app serving `responses` (from capture_responses)."""
        directory = self.workdir / "bare"
        directory.mkdir(parents=True, exist_ok=True)
        responses_file = directory / "responses.json"
        responses_file.write_text(json.dumps(responses))
        # The same gunicorn.conf.py (gthread, workers, threads, keep-alive); only the WSGI
        # app differs, and it owns no tables to migrate.
        bare = GunicornApp(directory, {"BARE_RESPONSES": str(responses_file),
                                       "BARE_DATABASE_URL": self.postgres.url(BENCH_DB)},
                           workers=WORKERS, threads=THREADS, wsgi="bench.bare_app:app",
                           migrate=False)
        self._stack.callback(bare.stop)
        bare.start(timeout_s=START_TIMEOUT_S)
        self.bare = bare
        return bare

    def start_hardened(self, name: str, env: dict[str, str], start: bool = True) -> GunicornApp:
        """Another gunicorn running the hardened app on the same services, `env` on top."""
        app = GunicornApp(self.workdir / name, {**self.hardened.env, **env}, workers=WORKERS,
                          threads=THREADS, migrate=False)
        app.env.update({"BIND": f"127.0.0.1:{app.port}",
                        "INSTANCE_PATH": str(app.workdir / "instance"),
                        "PROMETHEUS_MULTIPROC_DIR": str(app.workdir / "prometheus")})
        self._stack.callback(app.stop)
        if start:
            app.start(START_TIMEOUT_S)
        return app

    def server_versions(self) -> dict[str, str]:
        """What the benchmarks actually ran against, asked of the running servers."""
        with psycopg.connect(self.postgres.dsn(), connect_timeout=5) as conn:
            postgres = conn.execute("SHOW server_version").fetchone()[0]
        client = redis.Redis.from_url(self.redis.url(), socket_timeout=5)
        try:
            redis_version = client.info("server")["redis_version"]
        finally:
            client.close()
        return {"PostgreSQL": postgres, "Redis": redis_version}


def capture_responses(base_url: str, paths: list[str]) -> dict[str, dict]:
    """The hardened app's answer to each path, once, for the bare app to serve verbatim."""
    captured = {}
    for path in paths:
        response = requests.get(base_url + path, timeout=10)
        if response.status_code != 200:
            raise RuntimeError(f"GET {path} answered {response.status_code}, not 200")
        captured[path] = {"status": response.status_code,
                          "content_type": response.headers.get("Content-Type", "text/plain"),
                          "body": base64.b64encode(response.content).decode()}
    return captured


def hardened_env(postgres: PostgresServer, redis_server: RedisServer, stripe: StripeAPIServer,
                 workdir: Path) -> dict[str, str]:
    env = {"DATABASE_URL": postgres.url(BENCH_DB), "REDIS_URL": redis_server.url(),
           "UPLOAD_DIR": str(workdir / "uploads"),
           "STRIPE_SECRET_KEY": "sk_test_bench", "STRIPE_PUBLISHABLE_KEY": "pk_test_bench",
           "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET, "STRIPE_API_BASE": stripe.url,
           # The test default, stated so the figures do not move if it changes: no JSON
           # log line per request (production writes one, at info).
           "LOG_LEVEL": "warning"}
    env.update({f"RATELIMIT_{name.upper()}": UNTHROTTLED for name in DEFAULT_LIMITS})
    return env


def build_app(env: dict[str, str], instance: Path) -> Flask:
    """The real app in this process, configured like the gunicorn one plus `env`."""
    return create_app(Settings.from_env({**BASE_ENV, **env}, instance_path=str(instance)))


def dispose_engine(app: Flask) -> None:
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@contextlib.contextmanager
def running(workdir: Path) -> Iterator[Services]:
    """PostgreSQL, Redis, the fake Stripe and the hardened app; everything stops on exit."""
    with contextlib.ExitStack() as stack:
        postgres = PostgresServer(workdir / "postgres")
        stack.callback(postgres.cleanup)  # registered first, so it runs last
        postgres.start()
        postgres.create_database(BENCH_DB)
        redis_server = RedisServer(workdir / "redis")
        stack.callback(redis_server.stop)
        redis_server.start()
        stripe = StripeAPIServer().start()
        stack.callback(stripe.stop)

        env = hardened_env(postgres, redis_server, stripe, workdir)
        hardened = GunicornApp(workdir / "hardened", env, workers=WORKERS, threads=THREADS)
        stack.callback(hardened.stop)
        hardened.start(START_TIMEOUT_S)  # runs `flask db upgrade` on the bench database first

        control = build_app(env, workdir / "control")
        stack.callback(dispose_engine, control)  # before PostgreSQL stops
        services = Services(workdir, postgres, redis_server, stripe, hardened, control)
        stack.enter_context(services._stack)  # the bare app, when started, stops first
        yield services
