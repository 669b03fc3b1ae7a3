"""Lob's print-and-mail API over plain HTTP, guarded by a breaker and the retry policy (§9, §17).

Plain httpx rather than lob-python: the SDK cannot upload a PDF (it sends JSON, where
`file` must be a URL, HTML or a template id), and it retries inside urllib3 by default.
One client is reused for every call; each has connect, read and write timeouts.
Every create carries an `Idempotency-Key` made from the appeal and the letter version, so a
retry after a timeout or a lost answer gets the letter already made instead of a second
one: that is what makes retrying a POST safe here. Retried: connection errors, timeouts, a
dropped answer, 429 (after its Retry-After, capped) and 5xx. A 4xx answer means Lob is up
and said no, so it is not retried and does not count against the breaker.
"""
from __future__ import annotations

import email.utils
from datetime import datetime, timezone
from typing import Callable

import httpx
import pybreaker
from tenacity import stop_after_delay
from tenacity.wait import wait_base

from app.integrations.mail.base import (MailReceipt, MailRequest, MailTransientError,
                                        idempotency_key)
from app.integrations.mail.lob_form import letter_form, receipt, refusal
from app.resilience.circuit import calling
from app.resilience.retry import is_transient_http_status, policy

DEFAULT_BASE_URL = "https://api.lob.com/v1"
DEFAULT_TIMEOUT = httpx.Timeout(connect=5.0, read=30.0, write=30.0, pool=5.0)
CALL_BUDGET_S = 60.0  # no retry starts after this long: the job tries again on its next run
MAX_RETRY_AFTER_S = 10.0
RETRIED = (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError)


class TransientAnswer(Exception):
    """Lob answered 429 or 5xx: worth another try, after `retry_after` seconds if it said so."""

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


class LobMailer:
    name = "lob"

    def __init__(self, api_key: str, *, breaker: pybreaker.CircuitBreaker,
                 base_url: str = DEFAULT_BASE_URL, timeout: httpx.Timeout = DEFAULT_TIMEOUT,
                 call_budget_s: float = CALL_BUDGET_S):
        self._breaker, self._call_budget_s = breaker, call_budget_s
        # Building the client opens no connection; the first request does.
        self._http = httpx.Client(base_url=base_url.rstrip("/"), auth=(api_key, ""),
                                  timeout=timeout, headers={"Accept": "application/json"})

    def mail(self, letter: MailRequest) -> MailReceipt:
        key = idempotency_key(letter.appeal_public_id, letter.letter_version)
        form = letter_form(letter)
        answer = self._call(lambda: self._http.post(
            "/letters", data=form, files={"file": ("appeal.pdf", letter.pdf, "application/pdf")},
            headers={"Idempotency-Key": key}))
        try:
            return receipt(answer.json(), key)
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            # Lob may have made the letter: the same key fetches it on the next try
            raise MailTransientError("Lob answered without a readable letter") from exc

    def retrieve(self, letter_id: str) -> dict:
        """The letter as Lob holds it now (status, tracking events, `deleted`)."""
        return self._call(lambda: self._http.get(f"/letters/{_path_id(letter_id)}")).json()

    def cancel(self, letter_id: str) -> bool:
        """Cancel before it is mailed; MailRejected("not_deletable") once it is too late."""
        return bool(self._call(lambda: self._http.delete(f"/letters/{_path_id(letter_id)}")
                               ).json().get("deleted"))

    def close(self) -> None:
        self._http.close()

    def _call(self, send: Callable[[], httpx.Response]) -> httpx.Response:
        attempted = False
        try:
            with calling(self._breaker):
                attempted = True
                answer = self._retrying()(_answered, send)
        except pybreaker.CircuitBreakerError as exc:
            # The call that trips the breaker ends here too; only one refused without
            # trying is "circuit open" (a retrying job then waits instead of counting it).
            raise MailTransientError("the mail circuit breaker is open",
                                     circuit_open=not attempted) from exc
        except (TransientAnswer, httpx.HTTPError) as exc:
            raise MailTransientError(f"Lob unavailable: {exc or type(exc).__name__}") from exc
        if answer.status_code >= 400:
            raise refusal(answer)
        return answer

    def _retrying(self):
        retrying = policy(is_transient)
        return retrying.copy(stop=retrying.stop | stop_after_delay(self._call_budget_s),
                             wait=wait_retry_after(retrying.wait))


def _answered(send: Callable[[], httpx.Response]) -> httpx.Response:
    answer = send()
    if is_transient_http_status(answer.status_code):
        raise TransientAnswer(answer.status_code, _retry_after(answer.headers.get("retry-after")))
    return answer


def _retry_after(value: str | None) -> float | None:
    """Retry-After in seconds, given as seconds or as an HTTP date."""
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


def _path_id(letter_id: str) -> str:
    if not letter_id.startswith("ltr_") or not letter_id[4:].isalnum():
        raise ValueError(f"not a Lob letter id: {letter_id!r}")
    return letter_id
