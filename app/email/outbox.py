"""The one way to send email: write it to the outbox inside the caller's transaction."""
from __future__ import annotations

import uuid

from flask import render_template

from app.extensions import db
from app.models import EmailCategory, EmailOutbox


def enqueue(recipient: str, template: str, context: dict, *, idempotency_key: str,
            category: str = EmailCategory.TRANSACTIONAL, appeal_id: int | None = None) -> EmailOutbox:
    """Queue `template` for `recipient` once per idempotency key; the caller commits."""
    existing = db.session.execute(
        db.select(EmailOutbox).filter_by(idempotency_key=idempotency_key)).scalar_one_or_none()
    if existing is not None:
        return existing
    subject = render_template(f"email/{template}.subject.txt", **context).strip()
    message = EmailOutbox(
        recipient=recipient, subject=subject,
        body_text=render_template(f"email/{template}.txt", **context),
        body_html=render_template(f"email/{template}.html", **context),
        headers={}, category=category, template=template, idempotency_key=idempotency_key,
        message_id=f"<{uuid.uuid4().hex}@fightcitytickets.com>", appeal_id=appeal_id,
    )
    db.session.add(message)
    return message
