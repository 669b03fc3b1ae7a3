"""SMTP delivery with smtplib: one connection per batch, STARTTLS and AUTH when configured.

The conversation is driven step by step (MAIL, RCPT, DATA) rather than with `sendmail`, so
the reply code of the step that failed decides whether the failure is transient (4xx) or
permanent (5xx), and the final reply gives the provider's queue id.
"""
from __future__ import annotations

import re
import smtplib
import ssl
from contextlib import contextmanager
from email.message import EmailMessage
from email.utils import getaddresses, parseaddr
from typing import Iterator

from app.integrations.email.base import PermanentMailError, TransientMailError

QUEUED_AS = re.compile(r"queued as ([\w.@<>-]+)", re.IGNORECASE)


class SMTPMailer:
    name = "smtp"

    def __init__(self, host: str, port: int, *, username: str = "", password: str = "",
                 starttls: bool = True, timeout_s: float = 10.0, mail_from: str = ""):
        self.host, self.port = host, port
        self.username, self.password = username, password
        self.starttls, self.timeout_s = starttls, timeout_s
        self.envelope_from = parseaddr(mail_from)[1]

    @contextmanager
    def session(self) -> Iterator["SMTPSession"]:
        session = SMTPSession(self)
        try:
            yield session
        finally:
            session.close()

    def connect(self) -> smtplib.SMTP:
        """An open, greeted (and, when configured, encrypted and logged-in) connection."""
        try:
            conn = smtplib.SMTP(self.host, self.port, timeout=self.timeout_s)
        except (OSError, smtplib.SMTPException) as exc:
            raise TransientMailError(f"cannot connect to {self.host}:{self.port}: {exc}") from exc
        try:
            conn.ehlo()
            if self.starttls:
                conn.starttls(context=ssl.create_default_context())
                conn.ehlo()
            if self.username:
                conn.login(self.username, self.password)
        except (OSError, smtplib.SMTPException) as exc:
            # Greeting, TLS and login failures are about our set-up, never about one
            # message, so they are retried (and counted by the breaker), not dead-lettered.
            _quit(conn)
            raise TransientMailError(f"SMTP session set-up failed: {exc}") from exc
        return conn


class SMTPSession:
    def __init__(self, mailer: SMTPMailer):
        self.mailer = mailer
        self.conn: smtplib.SMTP | None = None

    def send(self, message: EmailMessage) -> str:
        if self.conn is None:
            self.conn = self.mailer.connect()
        recipients = [addr for _, addr in getaddresses(message.get_all("To", []))]
        sender = self.mailer.envelope_from or parseaddr(message["From"])[1]
        try:
            self._step(*self.conn.mail(sender))
            for recipient in recipients:
                self._step(*self.conn.rcpt(recipient), ok=(250, 251))
            code, reply = self.conn.data(message.as_bytes())  # built with the SMTP policy
            self._step(code, reply)
        except (TransientMailError, PermanentMailError):
            self._reset()
            raise
        except smtplib.SMTPResponseException as exc:  # e.g. DATA refused before the body
            self._reset()
            raise _classify(exc.smtp_code, exc.smtp_error) from exc
        except OSError as exc:  # disconnected, refused, timed out (smtplib errors are OSErrors)
            self.close()  # the next message opens a new connection
            raise TransientMailError(f"SMTP connection lost: {exc}") from exc
        text = reply.decode(errors="replace")
        match = QUEUED_AS.search(text)
        return (match.group(1) if match else f"{code} {text}")[:255]

    @staticmethod
    def _step(code: int, reply: bytes, ok: tuple[int, ...] = (250,)) -> None:
        if code not in ok:
            raise _classify(code, reply)

    def _reset(self) -> None:
        """After a refused message the server expects RSET before the next MAIL."""
        try:
            self.conn.rset()
        except (OSError, smtplib.SMTPException):
            self.close()

    def close(self) -> None:
        conn, self.conn = self.conn, None
        if conn is not None:
            _quit(conn)


def _classify(code: int, reply) -> TransientMailError | PermanentMailError:
    text = reply.decode(errors="replace") if isinstance(reply, bytes) else str(reply)
    detail = f"{code} {text}"[:1000]
    if 500 <= code < 600:
        return PermanentMailError(detail, code)
    return TransientMailError(detail, code)


def _quit(conn: smtplib.SMTP) -> None:
    try:
        conn.quit()
    except (OSError, smtplib.SMTPException):
        conn.close()
