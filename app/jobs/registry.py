"""Every scheduled job, declared as data: name, function, interval and timeout (§12)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from app.jobs import maintenance


@dataclass(frozen=True)
class Job:
    name: str
    func: Callable[[], str | None]  # returns a short summary for the run record
    interval_s: int
    timeout_s: int  # lease length: a runner that dies frees the job after this


JOBS: tuple[Job, ...] = (
    Job("cache_purge", maintenance.cache_purge, 600, 60),
)


def by_name(name: str) -> Job:
    for job in JOBS:
        if job.name == name:
            return job
    raise KeyError(name)
