"""Dependency checks behind /health/ready and /health/detailed.

No check makes a paid provider call: providers are judged by their breakers. Each check
returns a dict with `status` (pass, warn, fail), `time_ms`, and details;
`detailed_report(show_details=False)` keeps the statuses only.
"""
from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path
from typing import Callable

from alembic.script import ScriptDirectory
from alembic.config import Config as AlembicConfig
from flask import current_app
from sqlalchemy import func, select, text

from app.config import current_settings
from app.database import ping as ping_database
from app.extensions import db
from app.jobs.registry import JOBS
from app.models import EmailOutbox, FailedWebhook, JobRun, OutboxStatus
from app.models.base import as_utc, utcnow
from app.resilience.breakers import breaker_registry
from app.resilience.shared_store import shared_store

PROVIDER_BREAKERS = ("stripe", "deepseek", "email")


def _timed(fn: Callable[[], dict]) -> dict:
    t0 = time.perf_counter()
    try:
        result = fn()
    except Exception as exc:
        db.session.rollback()
        result = {"status": "fail", "error": f"{type(exc).__name__}"}
    result["time_ms"] = round((time.perf_counter() - t0) * 1000, 2)
    return result


def migration_head() -> str | None:
    cache = current_app.extensions.setdefault("migration_head", {})
    if "head" not in cache:
        directory = Path(current_app.extensions["migrate"].directory)
        config = AlembicConfig()
        config.set_main_option("script_location", str(directory))
        cache["head"] = ScriptDirectory.from_config(config).get_current_head()
    return cache["head"]


def check_database() -> dict:
    ping_database()
    current = db.session.execute(text("SELECT version_num FROM alembic_version")).scalar()
    db.session.commit()
    head = migration_head()
    result = {"status": "pass" if current == head else "fail", "schema": current,
              "schema_head": head}
    if current != head:
        result["error"] = "schema is not at the migration head"
    return result


def database_version() -> str | None:
    if db.engine.dialect.name == "postgresql":
        return db.session.execute(text("SHOW server_version")).scalar()
    return "sqlite " + db.session.execute(text("select sqlite_version()")).scalar()


def check_redis() -> dict:
    store = shared_store()
    if not store.configured:
        return {"status": "pass", "mode": "in-process"}
    info = store.run(lambda r: r.info("server"), fallback=None)
    if info is None:
        return {"status": "warn", "mode": "in-process fallback", "error": "unreachable"}
    return {"status": "pass", "mode": "shared", "version": info.get("redis_version")}


def check_breaker(name: str) -> dict:
    snap = breaker_registry().snapshot(name)
    return {"status": "pass" if snap["state"] == "closed" else "warn", "breaker": snap}


def check_scheduler() -> dict:
    rows = {r.job_name: r for r in db.session.execute(select(JobRun)).scalars()}
    db.session.commit()
    now, stale = utcnow(), []
    for job in JOBS:
        row = rows.get(job.name)
        last = as_utc(row.last_finished_at) if row else None
        if last is None or now - last > timedelta(seconds=job.interval_s * 3 + 60):
            stale.append(job.name)
    mode = current_settings().scheduler_mode
    status = "warn" if stale and rows else "pass"
    return {"status": status, "mode": mode, "stale_jobs": stale, "jobs_seen": len(rows)}


def check_outbox() -> dict:
    counts = dict(db.session.execute(
        select(EmailOutbox.status, func.count()).group_by(EmailOutbox.status)).all())
    db.session.commit()
    pending = counts.get(OutboxStatus.PENDING, 0) + counts.get(OutboxStatus.SENDING, 0)
    dead = counts.get(OutboxStatus.DEAD, 0)
    return {"status": "warn" if dead else "pass", "pending": pending, "dead": dead}


def check_failed_webhooks() -> dict:
    counts = dict(db.session.execute(
        select(FailedWebhook.status, func.count()).group_by(FailedWebhook.status)).all())
    db.session.commit()
    dead = counts.get("dead", 0)
    return {"status": "warn" if dead else "pass", "pending": counts.get("pending", 0), "dead": dead}


def check_ai_queue() -> dict:
    pool = current_app.extensions.get("ai_pool")
    if pool is None:
        return {"status": "pass", "depth": 0, "capacity": 0}
    depth, capacity = pool.depth(), pool.capacity
    return {"status": "warn" if depth > 0.8 * capacity else "pass", "depth": depth,
            "capacity": capacity}


def detailed_report(show_details: bool) -> tuple[str, dict]:
    checks = {"database": _timed(check_database), "redis": _timed(check_redis)}
    for name in PROVIDER_BREAKERS:
        checks[name] = _timed(lambda n=name: check_breaker(n))
    database_up = checks["database"]["status"] == "pass"
    for name, fn in (("scheduler", check_scheduler), ("outbox", check_outbox),
                     ("failed_webhooks", check_failed_webhooks)):
        checks[name] = _timed(fn) if database_up else {"status": "fail", "error": "database unavailable"}
    checks["ai_queue"] = _timed(check_ai_queue)
    checks["database"]["breaker"] = breaker_registry().snapshot("database")
    checks["redis"]["breaker"] = breaker_registry().snapshot("redis")
    if database_up and show_details:
        checks["database"]["version"] = _safe(database_version)

    if not database_up:
        overall = "outage"
    elif any(c["status"] != "pass" for c in checks.values()):
        overall = "degraded"
    else:
        overall = "healthy"
    if not show_details:
        # Statuses only: breaker settings, failure counts and queue depths tell an outsider
        # when and how hard to push.
        checks = {name: {"status": c["status"]} for name, c in checks.items()}
    return overall, checks


def _safe(fn):
    try:
        return fn()
    except Exception:
        db.session.rollback()
        return None
