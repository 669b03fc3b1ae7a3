"""The jobs framework through the CLI: run-once, run records, the cross-instance lock."""
import threading

from app.extensions import db
from app.jobs.lock import job_lock
from app.models import JobRun


def test_run_once_records_the_run(app, runner):
    result = runner.invoke(args=["jobs", "run-once", "cache_purge"])
    assert result.exit_code == 0, result.output
    assert "cache_purge: ok" in result.output
    with app.app_context():
        run = db.session.get(JobRun, "cache_purge")
        assert run.last_outcome == "ok"
        assert run.last_started_at is not None and run.last_finished_at is not None
        assert "in-memory limit counters" in run.last_summary
        assert run.lease_owner is None  # released


def test_unknown_job_is_a_usage_error(runner):
    result = runner.invoke(args=["jobs", "run-once", "make_coffee"])
    assert result.exit_code == 2
    assert "unknown job" in result.output


def test_jobs_list_names_every_job(runner):
    result = runner.invoke(args=["jobs", "list"])
    for name in ("email_outbox", "dead_letters", "webhook_retry", "ai_queue", "followups",
                 "cache_purge", "retention"):
        assert name in result.output


def _contend(app, name="cache_purge"):
    """Hold the lock in one thread and try it from another; returns what the second saw."""
    held, release, seen = threading.Event(), threading.Event(), {}

    def first():
        with app.app_context():
            with job_lock(name, 30) as got:
                seen["first"] = got
                held.set()
                release.wait(10)
            db.session.remove()

    thread = threading.Thread(target=first)
    thread.start()
    assert held.wait(10)
    with app.app_context():
        with job_lock(name, 30) as got:
            seen["second"] = got
        db.session.remove()
    release.set()
    thread.join(10)
    with app.app_context():
        with job_lock(name, 30) as got:
            seen["after"] = got
        db.session.remove()
    return seen


def test_lease_lock_lets_one_runner_in_without_redis(app):
    assert _contend(app) == {"first": True, "second": False, "after": True}


def test_redis_lock_lets_one_runner_in(app_factory, redis_url):
    app = app_factory(REDIS_URL=redis_url)
    assert _contend(app) == {"first": True, "second": False, "after": True}


def test_lock_falls_back_to_the_lease_when_redis_is_down(app_factory):
    app = app_factory(REDIS_URL="redis://127.0.0.1:1/0")  # nothing listens there
    assert _contend(app) == {"first": True, "second": False, "after": True}


def test_expired_lease_is_taken_over(app):
    """A runner that died leaves a lease; once it runs out the job is free again."""
    from datetime import timedelta

    from app.models.base import utcnow

    with app.app_context():
        db.session.add(JobRun(job_name="cache_purge", lease_owner="dead-runner",
                              lease_until=utcnow() - timedelta(seconds=1)))
        db.session.commit()
        with job_lock("cache_purge", 30) as got:
            assert got
        db.session.remove()
