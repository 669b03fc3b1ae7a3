"""Turning an outbox row into the MIME message handed to the mailer."""
from __future__ import annotations

import email.policy
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime

from app.models import EmailOutbox
from app.models.base import as_utc

# SMTP line endings, but headers are not folded below 998 characters: the default 78 would
# turn the long List-Unsubscribe URLs into RFC 2047 encoded words, which mail providers
# do not decode in that header.
POLICY = email.policy.SMTP.clone(max_line_length=998)


@dataclass(frozen=True)
class Outgoing:
    """A claimed row, copied so no ORM object (and no DB connection) is needed to send it."""
    id: int
    recipient: str
    subject: str
    body_text: str
    body_html: str | None
    headers: dict
    message_id: str
    category: str
    attempts: int  # including the attempt being made: the claim's token
    created_at: datetime

    @classmethod
    def of(cls, row: EmailOutbox) -> "Outgoing":
        return cls(row.id, row.recipient, row.subject, row.body_text, row.body_html,
                   dict(row.headers or {}), row.message_id, row.category, row.attempts,
                   as_utc(row.created_at))


def build(item: Outgoing, mail_from: str) -> EmailMessage:
    """Raises ValueError for a message that can never be sent (e.g. a newline in a header)."""
    message = EmailMessage(policy=POLICY)
    message["From"] = mail_from
    message["To"] = item.recipient
    message["Subject"] = item.subject
    message["Message-ID"] = item.message_id  # the same on every retry
    message["Date"] = format_datetime(item.created_at)
    for name, value in item.headers.items():
        message[name] = value
    message.set_content(item.body_text)
    if item.body_html:
        message.add_alternative(item.body_html, subtype="html")
    return message
