"""The retry policy for outbound calls (§9), built on tenacity.

At most 3 retries, base delay 100 ms doubling each time, ±25% jitter, and only for
transient failures: connection errors, timeouts, HTTP 429 and 5xx. Never use it for a
request that could act twice unless that request carries an idempotency key.
"""
from __future__ import annotations

import random
from typing import Callable

from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt
from tenacity.wait import wait_base

MAX_RETRIES = 3
BASE_DELAY_S = 0.1
MULTIPLIER = 2.0
JITTER = 0.25


class wait_exponential_jitter_pct(wait_base):
    """base * multiplier**n, then scaled by a random factor in [1 - jitter, 1 + jitter].

    tenacity's own `wait_exponential_jitter` adds an absolute jitter; the policy asks for
    a relative one, so this small strategy fills the gap.
    """

    def __init__(self, base: float, multiplier: float, jitter: float):
        self.base, self.multiplier, self.jitter = base, multiplier, jitter

    def __call__(self, retry_state: RetryCallState) -> float:
        delay = self.base * self.multiplier ** (retry_state.attempt_number - 1)
        return delay * random.uniform(1 - self.jitter, 1 + self.jitter)


def policy(is_transient: Callable[[BaseException], bool], *, retries: int = MAX_RETRIES,
           sleep: Callable[[float], None] | None = None) -> Retrying:
    """A tenacity `Retrying` applying the policy to errors `is_transient` accepts."""
    kwargs = {"sleep": sleep} if sleep else {}
    return Retrying(
        stop=stop_after_attempt(retries + 1),
        wait=wait_exponential_jitter_pct(BASE_DELAY_S, MULTIPLIER, JITTER),
        retry=retry_if_exception(is_transient),
        reraise=True,
        **kwargs,
    )


def is_transient_http_status(status: int | None) -> bool:
    return status is not None and (status == 429 or status >= 500)
