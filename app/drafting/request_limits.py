"""The AI request limits (§6, §9), counted in the database rather than in Flask-Limiter.

ai_refine (5/minute): a request past the limit is not refused but scheduled, so the limit
has to answer "when does the window free up", not "yes/no". The `ai_requests` rows already
carry every scheduled run time (`run_after`), are shared by all instances without Redis,
and survive restarts; a sliding window over them gives the time directly and keeps at most
N runs in any window, queued ones included. It is counted per appeal and per driver: the
client IP and, once the story is saved, the email address. Opening more appeals does not
multiply it.

Counting and recording must not interleave between two requests of one driver, or both see
a free window: `serialize` makes the caller's transaction the only one counting for those
drivers until it ends (the token budget in `budget` relies on it too).

appeal_writes (per IP) is counted by the draft route with `resilience.limits.hit_shared_limit`
rather than the decorator: a decorated view gets Flask-Limiter's Retry-After (the window's
reset) on every answer, and the pool-full 503 must say `Retry-After: 5`.
"""
from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from limits import parse_many
from sqlalchemy import select, text

from app.config import current_settings
from app.extensions import db
from app.models import AiRequest, Appeal
from app.models.base import as_utc


def _windows() -> list[tuple[int, int]]:
    spec = current_settings().limits["ai_refine"]
    return [(item.amount, item.get_expiry()) for item in parse_many(spec)]


def serialize(*drivers: str | None) -> None:
    """Hold, until this transaction ends, the right to count for these drivers (`ip:…`,
    `email:…`).

    PostgreSQL: transaction-level advisory locks, taken in sorted order so two requests
    never wait on each other in a circle. SQLite allows one writer at a time, and a
    transaction that starts with a write holds that lock from then on (with WAL, its reads
    then see every commit): callers write their new row before they count.
    """
    if db.session.get_bind().dialect.name != "postgresql":
        return
    for driver in sorted({d for d in drivers if d}):
        digest = hashlib.blake2b(f"fct-ai-driver:{driver}".encode(), digest_size=8).digest()
        db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"),
                           {"key": int.from_bytes(digest, "big", signed=True)})


def next_run_at(appeal: Appeal, client_ip: str | None, now: datetime, *,
                exclude: int | None = None) -> datetime | None:
    """None when a request may run now, else the earliest time that keeps every one of the
    appeal's and its driver's windows within the limit. `exclude`: the caller's own row."""
    scopes = [AiRequest.appeal_id == appeal.id]
    if client_ip:
        scopes.append(AiRequest.client_ip == client_ip)
    if appeal.email:
        scopes.append(AiRequest.appeal_id.in_(select(Appeal.id).where(Appeal.email == appeal.email)))
    latest: datetime | None = None
    for scope in scopes:
        for amount, seconds in _windows():
            query = select(AiRequest.run_after).where(scope)
            if exclude is not None:
                query = query.where(AiRequest.id != exclude)
            times = db.session.execute(
                query.order_by(AiRequest.run_after.desc()).limit(amount)).scalars().all()
            if len(times) < amount:
                continue
            free_at = as_utc(times[-1]) + timedelta(seconds=seconds)
            if free_at > now and (latest is None or free_at > latest):
                latest = free_at
    return latest
