"""The mail interface: a backend opens a session; a session sends one message at a time.

Outcomes are told apart by exception type, because the outbox treats them differently:
a `TransientMailError` (4xx, connection refused or dropped, timeout) is retried later with
backoff; a `PermanentMailError` (5xx to this message) goes to the dead letters at once.
"""
from __future__ import annotations

from contextlib import AbstractContextManager
from email.message import EmailMessage
from typing import Protocol


class MailError(Exception):
    def __init__(self, detail: str, code: int | None = None):
        super().__init__(detail)
        self.detail, self.code = detail, code


class TransientMailError(MailError):
    """Try again later: the server deferred, or could not be reached."""


class PermanentMailError(MailError):
    """The server refused this message for good (SMTP 5xx)."""


class MailSession(Protocol):
    def send(self, message: EmailMessage) -> str:
        """Deliver `message` to the recipients in its To header; returns the provider's id."""


class Mailer(Protocol):
    name: str

    def session(self) -> AbstractContextManager[MailSession]:
        """One connection for a batch of messages, closed when the block ends."""
