"""A local SMTP server (aiosmtpd) that can accept, defer (4xx) or reject (5xx) mail.

The outbox tests need a mail server that really speaks SMTP to smtplib, that can say
"try later" or "never" on demand, and that can vanish mid-work (stop() makes the port
refuse connections; start() brings it back on the same port). Each received message is
kept parsed, with its envelope, so tests can check exactly-once delivery by Message-ID.

    server = SMTPServer(auth=("mailer", "secret")).start()
    server.mode = "defer"           # accept | defer | reject
    server.fail_at = "data"         # where defer/reject happen: "rcpt" (default) or "data"
    server.reject_recipients.add("bounce@example.com")   # always 550 at RCPT
    server.message_ids()

STARTTLS is offered when a self-signed certificate can be made (see tls.py; clients use
tls.client_context() to trust it); `tls` says whether it is. AUTH (PLAIN/LOGIN) is offered
when `auth` is given, also without TLS, so tests need no certificates to log in.
"""
from __future__ import annotations

import email
import email.policy
import threading
from dataclasses import dataclass
from email.message import EmailMessage

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from testkit.fakes import tls
from testkit.process import free_port

MODES = ("accept", "defer", "reject")
DEFER = "451 4.3.0 Temporary failure, please try again later"
REJECT = "550 5.7.1 Delivery not authorized, message refused"


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage
    raw: bytes


class _Handler:
    """aiosmtpd hooks; they run on the controller's event loop thread."""

    def __init__(self, fake: SMTPServer):
        self.fake = fake

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        verdict = self.fake._verdict("rcpt", address)
        if verdict:
            return verdict
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        verdict = self.fake._verdict("data")
        if verdict:
            return verdict
        self.fake._record(envelope)
        return "250 2.0.0 Message accepted for delivery"


class SMTPServer:
    host = "127.0.0.1"
    handler_class = _Handler  # the aiosmtpd hooks; a subclass may bring its own

    def __init__(self, *, port: int = 0, auth: tuple[str, str] | None = None,
                 auth_required: bool = False, starttls: bool = True):
        self.port = port or free_port()
        self.mode = "accept"
        self.fail_at = "rcpt"
        self.reject_recipients: set[str] = set()
        self.defer_recipients: set[str] = set()
        self.auth, self.auth_required = auth, auth_required
        self._tls_context = tls.server_context() if starttls else None
        self._received: list[Received] = []
        self._cond = threading.Condition()
        self._controller: Controller | None = None

    @property
    def tls(self) -> bool:
        return self._tls_context is not None

    def start(self) -> "SMTPServer":
        if self._controller is None:
            kwargs = {"tls_context": self._tls_context} if self._tls_context else {}
            if self.auth:
                kwargs.update(authenticator=self._authenticate, auth_required=self.auth_required,
                              auth_require_tls=False)
            controller = Controller(self.handler_class(self), hostname=self.host, port=self.port,
                                    ready_timeout=10, server_hostname="localhost", **kwargs)
            controller.start()  # a new controller each time: a stopped one's loop is closed
            self._controller = controller
        return self

    def stop(self) -> None:
        controller, self._controller = self._controller, None
        if controller is not None:
            controller.stop()

    def restart(self) -> "SMTPServer":
        self.stop()
        return self.start()

    def is_running(self) -> bool:
        return self._controller is not None

    # -- what arrived ------------------------------------------------------------------------
    @property
    def messages(self) -> list[Received]:
        with self._cond:
            return list(self._received)

    def message_ids(self) -> list[str]:
        return [m.message["Message-ID"] for m in self.messages]

    def clear(self) -> None:
        with self._cond:
            self._received.clear()

    def wait_for_messages(self, n: int, timeout: float = 10.0) -> list[Received]:
        """Wait (bounded) until at least n messages were accepted."""
        with self._cond:
            if not self._cond.wait_for(lambda: len(self._received) >= n, timeout):
                raise TimeoutError(f"SMTPServer: {len(self._received)} of {n} messages")
            return list(self._received)

    # -- decisions ---------------------------------------------------------------------------
    def _verdict(self, stage: str, address: str | None = None) -> str | None:
        if self.mode not in MODES:
            raise ValueError(f"unknown mode {self.mode!r}; one of {MODES}")
        if address is not None and address.lower() in {a.lower() for a in self.reject_recipients}:
            return REJECT
        if address is not None and address.lower() in {a.lower() for a in self.defer_recipients}:
            return DEFER
        if self.fail_at == stage and self.mode != "accept":
            return DEFER if self.mode == "defer" else REJECT
        return None

    def _record(self, envelope) -> None:
        raw = envelope.original_content or envelope.content
        message = email.message_from_bytes(raw, policy=email.policy.default)
        with self._cond:
            self._received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), message, raw))
            self._cond.notify_all()

    def _authenticate(self, server, session, envelope, mechanism, auth_data) -> AuthResult:
        ok = (isinstance(auth_data, LoginPassword) and self.auth is not None
              and (auth_data.login.decode(), auth_data.password.decode()) == tuple(self.auth))
        return AuthResult(success=ok, handled=False)
