"""The two AI limits (§6, §9), counted in the database rather than in Flask-Limiter.

ai_refine (5/minute per appeal): a request past the limit is not refused but scheduled, so
the limit has to answer "when does the window free up", not "yes/no". The appeal's own
`ai_requests` rows already carry every scheduled run time (`run_after`), are shared by all
instances without Redis, and survive restarts; a sliding window over them gives the time
directly and keeps at most N runs in any window, queued ones included.

appeal_writes (per IP) is counted here by hand in Flask-Limiter's own storage, under the
same identifiers its `@limited` views use, rather than with the decorator: a decorated view
gets Flask-Limiter's Retry-After (the window's reset) on every answer, and the pool-full
503 must say `Retry-After: 5`.

ai_tokens (AI_TOKENS_PER_IP_PER_DAY): the cost is only known after the call
(`usage.total_tokens`), and the finished `ai_requests` rows record it per client IP, so the
budget is their sum over the last 24 hours; Retry-After is when enough of it ages out.
"""
from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta

from flask import current_app
from limits import parse_many
from sqlalchemy import select

from app.extensions import db, limiter
from app.models import AiRequest
from app.models.base import as_utc

log = logging.getLogger(__name__)
TOKEN_WINDOW = timedelta(days=1)


def _windows() -> list[tuple[int, int]]:
    spec = current_app.extensions["settings"].limits["ai_refine"]
    return [(item.amount, item.get_expiry()) for item in parse_many(spec)]


def next_run_at(appeal_id: int, now: datetime) -> datetime | None:
    """None when a request may run now, else the earliest time that keeps within the limit."""
    latest: datetime | None = None
    for amount, seconds in _windows():
        times = db.session.execute(
            select(AiRequest.run_after).where(AiRequest.appeal_id == appeal_id)
            .order_by(AiRequest.run_after.desc()).limit(amount)).scalars().all()
        if len(times) < amount:
            continue
        free_at = as_utc(times[-1]) + timedelta(seconds=seconds)
        if free_at > now and (latest is None or free_at > latest):
            latest = free_at
    return latest


def token_budget(client_ip: str | None, now: datetime) -> tuple[int, int]:
    """(tokens left today for this IP, seconds until some budget frees up when none is left)."""
    budget = current_app.extensions["settings"].ai_tokens_per_ip_per_day
    if not client_ip:
        return budget, 0
    rows = db.session.execute(
        select(AiRequest.finished_at, AiRequest.tokens_used)
        .where(AiRequest.client_ip == client_ip, AiRequest.tokens_used > 0,
               AiRequest.finished_at >= now - TOKEN_WINDOW)
        .order_by(AiRequest.finished_at)).all()
    used = sum(tokens for _, tokens in rows)
    if used < budget:
        return budget - used, 0
    free_at = now
    for finished_at, tokens in rows:  # oldest first: when has enough aged out?
        used -= tokens
        free_at = as_utc(finished_at) + TOKEN_WINDOW
        if used < budget:
            break
    return 0, max(1, int((free_at - now).total_seconds()) + 1)


def hit_shared_limit(name: str, key: str) -> int:
    """Count one request against the named limit; 0 if allowed, else seconds to wait."""
    try:
        for item in parse_many(current_app.extensions["settings"].limits[name]):
            if not limiter.limiter.hit(item, key, name):
                reset_at = limiter.limiter.get_window_stats(item, key, name).reset_time
                return max(1, int(reset_at - time.time()) + 1)
    except Exception:  # the limit store is down and its fallback too: let the request through
        log.warning("rate limit store unavailable", extra={"limit": name})
    return 0
