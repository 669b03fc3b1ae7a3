"""`flask` commands: jobs, admin users and operational helpers."""
from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from app.admin.cli import admin_cli
from app.jobs.registry import JOBS
from app.jobs.runner import build_scheduler, run_job
from app.webhooks.cli import webhooks_cli

jobs_cli = AppGroup("jobs", help="Run the scheduled jobs.")


@jobs_cli.command("run")
def jobs_run() -> None:
    """Run the scheduler in this process (the `worker` process)."""
    scheduler = build_scheduler(current_app._get_current_object(), blocking=True)
    click.echo("scheduler starting: " + ", ".join(job.id for job in scheduler.get_jobs()))
    scheduler.start()


@jobs_cli.command("run-once")
@click.argument("name")
def jobs_run_once(name: str) -> None:
    """Run one job now and print its outcome."""
    if name not in {job.name for job in JOBS}:
        raise click.UsageError(f"unknown job {name!r}; jobs: {', '.join(j.name for j in JOBS)}")
    outcome = run_job(current_app._get_current_object(), name)
    click.echo(f"{name}: {outcome}")
    if outcome == "failed":
        raise SystemExit(1)


@jobs_cli.command("list")
def jobs_list() -> None:
    for job in JOBS:
        click.echo(f"{job.name}\tevery {job.interval_s}s")


def register(app: Flask) -> None:
    for group in (jobs_cli, admin_cli, webhooks_cli):
        app.cli.add_command(group)
