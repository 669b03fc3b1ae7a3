"""Engine options and the `database` breaker around new connections.

Every new DBAPI connection is opened through the breaker: once the database has failed
`fail_max` times, requests fail at once (503) instead of each waiting for a connect
timeout. The readiness probe pings the database directly and closes the breaker as soon as
it answers again, so recovery does not wait out the 300 s reset timeout.

A pooled connection is pinged before use only when it has sat idle in the pool for
PING_AFTER_IDLE_S: that is when the server may have gone away under it (a restart, a
failover, PgBouncer or a proxy closing idle connections), and a busy worker does not pay a
round trip per checkout (SQLAlchemy's pool_pre_ping, which this replaces, pinged every
time). A ping that fails discards the connection and the pool hands out another. A server
that dies while a connection sits idle for less than that is caught by the error itself:
SQLAlchemy sees the disconnect, invalidates the whole pool, and only that request fails
(503, or the appeal page's snapshot).
"""
from __future__ import annotations

import logging
import time
from contextvars import ContextVar

import pybreaker
from flask import Flask
from sqlalchemy import event, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError, InterfaceError, OperationalError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from app.config import Settings
from app.extensions import db
from app.observability import metrics
from app.resilience.breakers import breaker_registry
from app.resilience.circuit import calling

log = logging.getLogger(__name__)
_bypass_breaker: ContextVar[bool] = ContextVar("bypass_database_breaker", default=False)

# The database itself failing (unreachable, pool exhausted, breaker open), as opposed to a
# statement it refused: callers answer 503 or fall back, and nothing was recorded.
DATABASE_DOWN = (OperationalError, InterfaceError, PoolTimeout, pybreaker.CircuitBreakerError)
PING_AFTER_IDLE_S = 1.0
_RETURNED_AT = "fct_returned_at"  # in the pool record's info: when the connection came back


def engine_options(settings: Settings) -> dict:
    if settings.database_url.startswith("sqlite"):
        return {"connect_args": {"timeout": settings.db_pool_timeout, "check_same_thread": False}}
    guardrails = (f"-c statement_timeout={settings.db_statement_timeout_ms} "
                  f"-c idle_in_transaction_session_timeout={settings.db_idle_in_tx_timeout_ms}")
    return {
        "pool_size": settings.db_pool_size,
        "max_overflow": settings.db_max_overflow,
        "pool_timeout": settings.db_pool_timeout,
        "pool_pre_ping": False,  # pinged after idling instead, see _ping_after_idle
        "pool_recycle": 1800,
        "connect_args": {
            "connect_timeout": max(1, int(settings.db_pool_timeout)),
            "options": guardrails,
            # PgBouncer in transaction mode cannot keep server-side prepared statements.
            "prepare_threshold": None,
        },
    }


def init_app(app: Flask) -> None:
    breaker = app.extensions["breakers"]["database"]
    with app.app_context():
        engine = db.engine

    @event.listens_for(engine, "do_connect")
    def _connect_through_breaker(dialect, conn_rec, cargs, cparams):
        if _bypass_breaker.get():
            return dialect.connect(*cargs, **cparams)
        with calling(breaker):
            return dialect.connect(*cargs, **cparams)

    if engine.dialect.name == "sqlite":
        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _rec):
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=5000")
            cursor.close()

    if engine.dialect.name != "sqlite":
        _ping_after_idle(engine)  # first: a failed ping must not count as a checkout
    _track_pool(engine)

    @app.teardown_appcontext
    def _close_session_on_a_dead_connection(_exc):
        # Runs before Flask-SQLAlchemy's own teardown (teardowns run in reverse). When the
        # server has just terminated the connection (a restart, a failover), the session's
        # closing rollback raises after the response is made and the worker answers 500
        # instead; the connection is gone either way, so forget it and keep the answer.
        try:
            db.session.remove()
        except SQLAlchemyError as error:
            log.warning("database session closed on a dead connection",
                        extra={"error": type(error).__name__})
            db.session.registry.clear()


def _track_pool(engine: Engine) -> None:
    @event.listens_for(engine, "checkout")
    def _out(*_):
        metrics.DB_POOL_IN_USE.inc()

    @event.listens_for(engine, "checkin")
    def _in(*_):
        metrics.DB_POOL_IN_USE.dec()


def _ping_after_idle(engine: Engine) -> None:
    @event.listens_for(engine, "checkin")
    def _returned(_dbapi_conn, record):
        if record is not None:
            record.info[_RETURNED_AT] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping(dbapi_conn, record, _proxy):
        returned_at = record.info.get(_RETURNED_AT)  # None: opened just now, for this checkout
        if returned_at is None or time.monotonic() - returned_at < PING_AFTER_IDLE_S:
            return
        try:
            alive = engine.dialect.do_ping(dbapi_conn)
        except Exception as error:  # noqa: BLE001 - any failure means this connection is gone
            raise DisconnectionError(f"idle connection is gone ({type(error).__name__})") from error
        if not alive:
            raise DisconnectionError("idle connection is gone")


def ping() -> None:
    """Raise unless the database answers; closes an open `database` breaker when it does.

    It bypasses the breaker because it is the recovery probe.
    """
    token = _bypass_breaker.set(True)
    try:
        with db.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    finally:
        _bypass_breaker.reset(token)
    breaker = breaker_registry()["database"]
    if breaker.current_state != pybreaker.STATE_CLOSED:
        log.warning("database answers again, closing its breaker")
        breaker.close()
