"""The letter mailer interface (§17): a printed letter in, a receipt or a typed failure out.

What each failure means to the mailing job:
  MailTransientError  the provider is down, slow or limiting us, or its breaker is open:
                      try again later (near the deadline: the print queue, with an alert);
  MailRejected        the provider refused this letter (an address it cannot deliver to, a
                      file it cannot print): retrying would be refused again, so the letter
                      goes to the print queue with the reason;
  MailConfigError     our key or base URL is wrong: nothing will go until an operator fixes it.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

MAIL_CLASSES = ("standard", "certified")


class MailError(Exception):
    """Base of the mailer's errors."""


class MailTransientError(MailError):
    def __init__(self, message: str, *, circuit_open: bool = False):
        super().__init__(message)
        self.circuit_open = circuit_open  # refused without trying: wait, do not count an attempt


class MailRejected(MailError):
    def __init__(self, message: str, *, code: str = "", status: int | None = None):
        super().__init__(message)
        self.code, self.status = code, status  # e.g. "failed_deliverability_strictness", 422


class MailConfigError(MailError):
    """The provider does not accept our credentials or address (401, 403, 404)."""


@dataclass(frozen=True)
class PostalAddress:
    name: str
    line1: str
    city: str
    state: str
    zip: str
    line2: str = ""
    company: str = ""


@dataclass(frozen=True)
class MailRequest:
    appeal_public_id: str
    letter_version: int
    mail_class: str  # "standard" (First Class) or "certified"
    to: PostalAddress
    sender: PostalAddress
    pdf: bytes
    return_receipt: bool = False  # certified only: the city's data asks for proof of receipt


@dataclass(frozen=True)
class MailReceipt:
    provider: str  # "lob" or "manual"
    status: str  # "submitted" (the provider has it) or "queued_for_print"
    idempotency_key: str
    letter_id: str | None = None  # Lob's ltr_…
    tracking_number: str | None = None  # certified only
    expected_delivery_date: date | None = None
    send_date: datetime | None = None


class LetterMailer(Protocol):
    name: str

    def mail(self, letter: MailRequest) -> MailReceipt: ...


def idempotency_key(appeal_public_id: str, letter_version: int) -> str:
    """One letter per appeal and letter version, however often the job retries it."""
    if not appeal_public_id or not isinstance(letter_version, int) or letter_version < 1:
        raise ValueError("an appeal id and a letter version of 1 or more are needed")
    return f"fct-letter-{appeal_public_id}-v{letter_version}"
