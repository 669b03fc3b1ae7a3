"""Lob's print-and-mail API over plain HTTP, guarded by a breaker and the retry policy (§9, §17).

Plain httpx rather than lob-python: the SDK cannot upload a PDF (it sends JSON, where
`file` must be a URL, HTML or a template id), and it retries inside urllib3 by default.
One client is reused for every call; each has connect, read and write timeouts.
Every create carries an `Idempotency-Key` made from the appeal and the letter version, so a
retry after a timeout or a lost answer gets the letter already made instead of a second
one: that is what makes retrying a POST safe here (see lob_retry for what is retried).
A 4xx answer means Lob is up and said no: not retried, and not counted by the breaker.
The breaker is passed in (the app's `mail` breaker), so this module reads no configuration.
"""
from __future__ import annotations

from typing import Callable

import httpx
import pybreaker

from app.integrations.mail.base import (MailConfigError, MailReceipt, MailRequest,
                                        MailTransientError, idempotency_key)
from app.integrations.mail.lob_form import letter_form, receipt, refusal
from app.integrations.mail.lob_retry import TransientAnswer, answered, lob_retrying
from app.resilience.circuit import calling

DEFAULT_BASE_URL = "https://api.lob.com/v1"
DEFAULT_TIMEOUT = httpx.Timeout(connect=5.0, read=30.0, write=30.0, pool=5.0)
CALL_BUDGET_S = 60.0  # no retry starts after this long: the job tries again on its next run


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
            return receipt(_json(answer), key)
        except (KeyError, TypeError) as exc:
            # Lob may have made the letter: the same key fetches it on the next try
            raise MailTransientError("Lob answered without a letter id") from exc

    def retrieve(self, letter_id: str) -> dict:
        """The letter as Lob holds it now (status, tracking events, `deleted`)."""
        return _json(self._call(lambda: self._http.get(f"/letters/{_path_id(letter_id)}")))

    def cancel(self, letter_id: str) -> bool:
        """Cancel before it is mailed; MailRejected("not_deletable") once it is too late."""
        answer = self._call(lambda: self._http.delete(f"/letters/{_path_id(letter_id)}"))
        return _json(answer).get("deleted") is True

    def close(self) -> None:
        self._http.close()

    def _call(self, send: Callable[[], httpx.Response]) -> httpx.Response:
        attempted = False
        try:
            with calling(self._breaker):
                attempted = True
                answer = lob_retrying(self._call_budget_s)(answered, send)
        except pybreaker.CircuitBreakerError as exc:
            # The call that trips the breaker ends here too; only one refused without
            # trying is "circuit open" (a retrying job then waits instead of counting it).
            raise MailTransientError("the mail circuit breaker is open",
                                     circuit_open=not attempted) from exc
        except httpx.UnsupportedProtocol as exc:
            raise MailConfigError(f"Lob's base URL is not usable: {exc}") from exc
        except (TransientAnswer, httpx.HTTPError) as exc:
            raise MailTransientError(f"Lob unavailable: {exc or type(exc).__name__}") from exc
        if answer.status_code >= 400:
            raise refusal(answer)
        return answer


def _json(answer: httpx.Response) -> dict:
    try:
        body = answer.json()
    except ValueError as exc:
        raise MailTransientError("Lob answered with something other than JSON") from exc
    if not isinstance(body, dict):
        raise MailTransientError("Lob answered with something other than an object")
    return body


def _path_id(letter_id: str) -> str:
    if not letter_id.startswith("ltr_") or not letter_id[4:].isalnum():
        raise ValueError(f"not a Lob letter id: {letter_id!r}")
    return letter_id
