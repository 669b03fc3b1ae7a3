"""The AI token budget per client IP (AI_TOKENS_PER_IP_PER_DAY, §6): reserved before the
provider call, settled with the usage the provider reports.

Checking the budget and charging it only after the call let concurrent drafts from one IP
each see it unspent, and all of them call the provider. So each accepted request now
reserves, in the transaction that records it (under `request_limits.serialize`), what its call
can cost at most: the prompt estimate plus the completion ceiling it will be given
(`max_tokens`, lowered so that the reservation fits what is left). The reservation is the
request row's `tokens_used` until the call ends; the runner then replaces it by the usage
the provider reports, which gives the difference back. The budget is the sum over the
IP's rows of the last 24 hours, in the database every worker and instance shares, so it
holds across all of them, with or without Redis.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select

from app.config import current_settings
from app.extensions import db
from app.models import AiRequest
from app.models.base import as_utc

TOKEN_WINDOW = timedelta(days=1)
# Below this a letter would be cut off: no call is made for less.
MIN_COMPLETION_TOKENS = 256


@dataclass(frozen=True)
class Grant:
    tokens: int  # reserved; 0 when even the prompt and a short letter do not fit
    retry_after: int = 0  # seconds until they would, when refused


def completion_ceiling(reserved: int, prompt_tokens: int, most: int) -> int:
    """`max_tokens` for a call whose prompt is estimated at `prompt_tokens`, within
    `reserved`; below MIN_COMPLETION_TOKENS the call is not worth making."""
    ceiling = min(most, reserved - prompt_tokens)
    return ceiling if ceiling >= MIN_COMPLETION_TOKENS else 0


def reserve(client_ip: str | None, prompt_tokens: int, most: int, now: datetime) -> Grant:
    """Reserve for one call; the caller holds `serialize` and stores `tokens` on its row."""
    budget = current_settings().ai_tokens_per_ip_per_day
    rows = _charges(client_ip, now)
    left = budget - sum(tokens for _, tokens in rows)
    wanted = prompt_tokens + most
    if completion_ceiling(min(left, wanted), prompt_tokens, most):
        return Grant(min(left, wanted))
    return Grant(0, _retry_after(rows, budget, prompt_tokens + MIN_COMPLETION_TOKENS, now))


def _charges(client_ip: str | None, now: datetime) -> list[tuple[datetime, int]]:
    """The IP's reservations and settled usage within the window, oldest first. A row counts
    from when it finished, or from when it was accepted while it is still reserved."""
    counted_from = func.coalesce(AiRequest.finished_at, AiRequest.created_at)
    ip = AiRequest.client_ip == client_ip if client_ip else AiRequest.client_ip.is_(None)
    return [(as_utc(at), tokens) for at, tokens in db.session.execute(
        select(counted_from, AiRequest.tokens_used)
        .where(ip, AiRequest.tokens_used > 0, counted_from >= now - TOKEN_WINDOW)
        .order_by(counted_from)).all()]


def _retry_after(rows: list[tuple[datetime, int]], budget: int, need: int, now: datetime) -> int:
    """Seconds until enough of the window has aged out for `need` tokens."""
    if need > budget:
        return int(TOKEN_WINDOW.total_seconds())
    used = sum(tokens for _, tokens in rows)
    free_at = now
    for counted_at, tokens in rows:
        if budget - used >= need:
            break
        used -= tokens
        free_at = counted_at + TOKEN_WINDOW
    return max(1, int((free_at - now).total_seconds()) + 1)
