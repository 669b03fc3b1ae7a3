"""Every scheduled job, declared as data: name, function, interval and timeout (§12)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from app.appeals import reminders, retention
from app.drafting import jobs as drafting_jobs
from app.email import jobs as email_jobs
from app.fulfilment import mailing
from app.jobs import maintenance
from app.webhooks import jobs as webhook_jobs


@dataclass(frozen=True)
class Job:
    name: str
    func: Callable[[], str | None]  # returns a short summary for the run record
    interval_s: int
    timeout_s: int  # lease length: a runner that dies frees the job after this


JOBS: tuple[Job, ...] = (
    Job("email_outbox", email_jobs.send_outbox, 30, 120),
    Job("dead_letters", email_jobs.dead_letters, 900, 300),
    Job("webhook_retry", webhook_jobs.retry_failed_webhooks, 60, 300),
    Job("ai_queue", drafting_jobs.run_ai_queue, 15, 120),
    Job("followups", email_jobs.followups, 3600, 600),
    Job("cache_purge", maintenance.cache_purge, 600, 60),
    Job("retention", retention.retention, 86400, 3600),
    Job("remind_abandoned", reminders.remind_abandoned, 3600, 600),
    Job("mail_letters", mailing.mail_letters, 60, 600),
)


def by_name(name: str) -> Job:
    for job in JOBS:
        if job.name == name:
            return job
    raise KeyError(name)
