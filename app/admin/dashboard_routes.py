"""Dashboard: health, breakers (with reset), queue depths, jobs (with run now), alerts."""
from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from sqlalchemy import select

from app.admin.auth import audit, login_required
from app.extensions import db
from app.health.checks import detailed_report
from app.jobs.registry import JOBS
from app.jobs.runner import run_job
from app.models import JobRun
from app.observability.alerts import recent_alerts
from app.resilience.breakers import breaker_registry

bp = Blueprint("dashboard", __name__)


@bp.get("/")
@login_required
def index():
    overall, checks = detailed_report(show_details=True)
    registry = breaker_registry()
    breakers = {name: registry.snapshot(name) for name in registry.names()}
    return render_template("admin/dashboard.html", overall=overall, checks=checks,
                           breakers=breakers, alerts=recent_alerts(), runs=_job_runs(),
                           all_jobs=JOBS)


@bp.post("/breakers/<name>/reset")
@login_required
def reset_breaker(name: str):
    registry = breaker_registry()
    if name not in registry.names():
        abort(404, description="There is no breaker of that name.")
    registry.reset(name)
    audit("reset_breaker", breaker=name)
    flash(f"The {name} breaker is closed again.", "info")
    return redirect(url_for("admin.dashboard.index"), code=303)


@bp.get("/jobs")
@login_required
def jobs():
    return render_template("admin/jobs.html", all_jobs=JOBS, runs=_job_runs())


@bp.post("/jobs/<name>/run")
@login_required
def run_now(name: str):
    if name not in {job.name for job in JOBS}:
        abort(404, description="There is no job of that name.")
    audit("run_job", job=name)
    outcome = run_job(current_app._get_current_object(), name)
    flash(f"{name}: {outcome}", "info" if outcome == "ok" else "warning")
    return redirect(url_for("admin.dashboard.jobs"), code=303)


def _job_runs() -> dict:
    return {run.job_name: run for run in db.session.execute(select(JobRun)).scalars()}
