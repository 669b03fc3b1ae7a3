"""At most one run of a job at a time across all instances.

With Redis: `SET NX PX` with a token, released only by its owner. Without Redis (or while
it is down): a lease on the job's `job_runs` row taken by one conditional UPDATE. A
PostgreSQL advisory lock would pin a connection for the whole run, and jobs must hold a
connection only around their own queries; the lease works on SQLite too.
"""
from __future__ import annotations

import os
import socket
import uuid
from contextlib import contextmanager
from datetime import timedelta
from typing import Iterator

from sqlalchemy import or_, update
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import JobRun
from app.models.base import utcnow
from app.resilience.shared_store import shared_store

UNREACHABLE = object()
OWNER = f"{socket.gethostname()}:{os.getpid()}"
RELEASE_SCRIPT = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end
"""


@contextmanager
def job_lock(name: str, ttl_s: int) -> Iterator[bool]:
    """Yield True if this process holds the job's lock for the body, False if another does."""
    store = shared_store()
    token = f"{OWNER}:{uuid.uuid4().hex}"
    key = f"fct:job:{name}"
    if store.configured:
        # SET NX answers None when someone else holds the key, so "unreachable" needs its own mark.
        got = store.run(lambda r: r.set(key, token, nx=True, px=ttl_s * 1000), fallback=UNREACHABLE)
        if got is not UNREACHABLE:  # Redis answered: its word is final
            try:
                yield bool(got)
            finally:
                if got:
                    store.run(lambda r: r.eval(RELEASE_SCRIPT, 1, key, token))
            return
    got = _take_lease(name, token, ttl_s)
    try:
        yield got
    finally:
        if got:
            _release_lease(name, token)


def _take_lease(name: str, token: str, ttl_s: int) -> bool:
    now = utcnow()
    if db.session.get(JobRun, name) is None:
        try:
            db.session.add(JobRun(job_name=name))
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
    result = db.session.execute(
        update(JobRun)
        .where(JobRun.job_name == name, or_(JobRun.lease_until.is_(None), JobRun.lease_until < now))
        .values(lease_owner=token[:64], lease_until=now + timedelta(seconds=ttl_s))
    )
    db.session.commit()
    return result.rowcount == 1


def _release_lease(name: str, token: str) -> None:
    db.session.execute(update(JobRun).where(JobRun.job_name == name,
                                            JobRun.lease_owner == token[:64])
                       .values(lease_owner=None, lease_until=None))
    db.session.commit()
