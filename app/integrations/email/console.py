"""The development mailer: messages are logged, not sent (EMAIL_BACKEND=console)."""
from __future__ import annotations

import logging
from collections import deque
from contextlib import contextmanager
from email.message import EmailMessage
from typing import Iterator

log = logging.getLogger("app.mail.console")


class ConsoleMailer:
    name = "console"

    def __init__(self, keep: int = 100, log_bodies: bool = True):
        # The last messages, so a developer (or a test) can read what would have gone out.
        self.sent: deque[EmailMessage] = deque(maxlen=keep)
        # Bodies hold appeal links: logged for a developer, never in production logs.
        self.log_bodies = log_bodies

    @contextmanager
    def session(self) -> Iterator["ConsoleMailer"]:
        yield self

    def send(self, message: EmailMessage) -> str:
        self.sent.append(message)
        extra = {"message_id": message["Message-ID"], "subject": message["Subject"]}
        body = message.get_body(("plain",))
        if self.log_bodies and body is not None:
            extra["text"] = body.get_content()
        log.info("email (console backend, not sent)", extra=extra)
        return f"console:{message['Message-ID']}"
