"""Which Lob failures are worth another try with the same idempotency key, and when.

Connection errors, timeouts and a dropped answer (the letter may exist: the key fetches
it), 429 and 5xx. A 429 or 503 may say when to come back (Retry-After, in seconds or as an
HTTP date): that wait replaces the policy's backoff, capped so a job is never parked for long.
"""
from __future__ import annotations

import email.utils
from datetime import datetime, timezone
from typing import Callable

import httpx
from tenacity import Retrying, stop_after_delay
from tenacity.wait import wait_base

from app.resilience.retry import is_transient_http_status, policy

MAX_RETRY_AFTER_S = 10.0
RETRIED = (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError)


class TransientAnswer(Exception):
    """Lob answered 429 or 5xx."""

    def __init__(self, status: int, retry_after: float | None):
        super().__init__(f"Lob answered {status}")
        self.status, self.retry_after = status, retry_after


def is_transient(exc: BaseException) -> bool:
    return isinstance(exc, (TransientAnswer, *RETRIED))


class wait_retry_after(wait_base):
    """Lob's Retry-After when it sent one (capped), else the policy's backoff."""

    def __init__(self, otherwise: wait_base):
        self.otherwise = otherwise

    def __call__(self, retry_state) -> float:
        hinted = getattr(retry_state.outcome.exception(), "retry_after", None)
        return min(hinted, MAX_RETRY_AFTER_S) if hinted is not None else self.otherwise(retry_state)


def lob_retrying(call_budget_s: float) -> Retrying:
    """The retry policy (§9), with Retry-After honoured and no retry started past the budget."""
    retrying = policy(is_transient)
    return retrying.copy(stop=retrying.stop | stop_after_delay(call_budget_s),
                         wait=wait_retry_after(retrying.wait))


def answered(send: Callable[[], httpx.Response]) -> httpx.Response:
    """`send()`'s answer; TransientAnswer (to retry) when it is a 429 or a 5xx."""
    answer = send()
    if is_transient_http_status(answer.status_code):
        raise TransientAnswer(answer.status_code, retry_after(answer.headers.get("retry-after")))
    return answer


def retry_after(value: str | None) -> float | None:
    """Retry-After in seconds, given as seconds or as an HTTP date; None when unreadable."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return max(0.0, (moment - datetime.now(timezone.utc)).total_seconds())
