"""The one way to send email: write it to the outbox inside the caller's transaction.

The row is the message: rendered bodies, headers and a Message-ID fixed here, so every
retry sends the same message and receivers can de-duplicate. The idempotency key is
unique; asking twice (even from two transactions at once) queues it once.
"""
from __future__ import annotations

import re
import uuid

from flask import render_template
from app.email.consent import UNSUBSCRIBABLE
from app.email.links import mail_domain, unsubscribe_link
from app.email.upsert import ignoring_conflicts
from app.extensions import db
from app.models import EmailCategory, EmailOutbox

WHITESPACE = re.compile(r"\s+")


def enqueue(recipient: str, template: str, context: dict, *, idempotency_key: str,
            category: str = EmailCategory.TRANSACTIONAL, appeal_id: int | None = None) -> EmailOutbox:
    """Queue `template` for `recipient` once per idempotency key; the caller commits.

    Marketing and follow-up mail gets the List-Unsubscribe headers and an `unsubscribe_url`
    in the template context. Whether the address may receive it is decided when it is sent
    (consent can change meanwhile); without consent the row ends `suppressed`.
    """
    existing = find(idempotency_key)
    if existing is not None:
        return existing
    recipient = recipient.strip()
    context, headers = dict(context), {}
    if category in UNSUBSCRIBABLE:
        link = unsubscribe_link(recipient)
        context.setdefault("unsubscribe_url", link.url)
        headers = link.headers
    subject = WHITESPACE.sub(" ", render_template(f"email/{template}.subject.txt", **context)).strip()
    values = dict(
        recipient=recipient, subject=subject[:255],
        body_text=render_template(f"email/{template}.txt", **context),
        body_html=render_template(f"email/{template}.html", **context),
        headers=headers, category=category, template=template, idempotency_key=idempotency_key,
        message_id=f"<{uuid.uuid4().hex}@{mail_domain()}>", appeal_id=appeal_id,
    )
    # A concurrent twin neither fails this transaction nor doubles up. The new row comes
    # back from the INSERT itself; only a twin's needs reading.
    inserted = db.session.scalars(ignoring_conflicts(EmailOutbox, values, ["idempotency_key"])
                                  .returning(EmailOutbox)).first()
    return inserted if inserted is not None else find(idempotency_key)


def find(idempotency_key: str) -> EmailOutbox | None:
    return db.session.execute(
        db.select(EmailOutbox).filter_by(idempotency_key=idempotency_key)).scalar_one_or_none()
