"""Running jobs: one run with its lock and record, and the APScheduler set-up.

`SCHEDULER_MODE=embedded` starts a BackgroundScheduler beside the web app when it serves its
first request (wsgi.py); `flask jobs run` runs a BlockingScheduler in its own process. Runs coalesce, never overlap
in a process (max_instances=1) and, through `job_lock`, never overlap across instances.
"""
from __future__ import annotations

import logging
import random
import threading
import time
from datetime import timedelta

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask

from app.extensions import db
from app.jobs.lock import job_lock
from app.jobs.registry import JOBS, Job, by_name
from app.models import JobRun
from app.models.base import utcnow
from app.observability import metrics

log = logging.getLogger(__name__)
START_JITTER_S = 10


def run_job(app: Flask, name: str) -> str:
    """Run one job now; returns its outcome: ok, failed or skipped (another instance has it)."""
    job = by_name(name)
    with app.app_context():
        try:
            with job_lock(job.name, job.timeout_s) as held:
                if not held:
                    metrics.JOB_RUNS.labels(job=job.name, outcome="skipped").inc()
                    return "skipped"
                return _run_locked(job)
        except Exception:
            # The lock itself needs the database or Redis; both being down is logged, not fatal.
            db.session.rollback()
            log.exception("job could not start", extra={"job": job.name})
            metrics.JOB_RUNS.labels(job=job.name, outcome="failed").inc()
            return "failed"
        finally:
            db.session.remove()


def _run_locked(job: Job) -> str:
    started = utcnow()
    _record(job.name, last_started_at=started)
    t0 = time.perf_counter()
    try:
        summary = job.func()
        outcome, error = "ok", None
    except Exception as exc:
        db.session.rollback()
        log.exception("job failed", extra={"job": job.name})
        summary, outcome, error = None, "failed", f"{type(exc).__name__}: {exc}"[:2000]
    duration = time.perf_counter() - t0
    metrics.JOB_RUNS.labels(job=job.name, outcome=outcome).inc()
    _record(job.name, last_finished_at=utcnow(), last_outcome=outcome,
            last_duration_s=round(duration, 3), last_error=error,
            last_summary=(summary or "")[:2000] or None)
    log.info("job finished", extra={"job": job.name, "outcome": outcome,
                                    "duration_ms": round(duration * 1000, 1)})
    return outcome


def _record(name: str, **values) -> None:
    try:
        row = db.session.get(JobRun, name) or JobRun(job_name=name)
        for key, value in values.items():
            setattr(row, key, value)
        db.session.add(row)
        db.session.commit()
    except Exception:
        db.session.rollback()
        log.warning("job run not recorded", extra={"job": name})


def build_scheduler(app: Flask, blocking: bool) -> BaseScheduler:
    scheduler = (BlockingScheduler if blocking else BackgroundScheduler)(
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 60},
        timezone="UTC",
    )
    for job in JOBS:
        scheduler.add_job(run_job, "interval", args=(app, job.name), id=job.name, name=job.name,
                          seconds=job.interval_s, jitter=START_JITTER_S,
                          next_run_time=_first_run())
    return scheduler


def _first_run():
    return utcnow() + timedelta(seconds=random.uniform(1, START_JITTER_S))


def start_embedded_when_serving(app: Flask) -> None:
    """In embedded mode, start the scheduler with the first request this process serves.

    wsgi.py is also what every `flask` command loads (`flask --app wsgi:app admin ...`,
    the release's `flask db upgrade`, the `flask jobs run` worker): starting at import would
    run jobs inside each of them. Only a web process (gunicorn, `flask run`) serves requests.
    """
    if app.extensions["settings"].scheduler_mode != "embedded":
        return
    starting = threading.Lock()

    @app.before_request
    def _start_scheduler() -> None:
        if "scheduler" in app.extensions:
            return
        with starting:  # the first requests may arrive together on several threads
            if "scheduler" not in app.extensions:
                scheduler = build_scheduler(app, blocking=False)
                scheduler.start()
                app.extensions["scheduler"] = scheduler
