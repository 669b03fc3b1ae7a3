"""Email fixtures: a real SMTP server (aiosmtpd) and apps that send to it."""
from __future__ import annotations

import time
from datetime import timedelta

import pytest
from sqlalchemy import update

from app.email.outbox import enqueue
from app.email.sender import breaker_waiting
from app.extensions import db
from app.jobs.runner import run_job
from app.models import EmailCategory, EmailOutbox, OutboxStatus
from app.models.base import utcnow

BASE_URL = "https://fightcitytickets.test"


@pytest.fixture
def mail_app(app_factory, smtp):
    """`mail_app(**env)`: an app whose outbox sends to the local SMTP server."""
    def build(**env):
        env = {"EMAIL_BACKEND": "smtp", "SMTP_HOST": "127.0.0.1", "SMTP_PORT": smtp.port,
               "SMTP_STARTTLS": "false", "SMTP_TIMEOUT_S": "5", "PUBLIC_BASE_URL": BASE_URL,
               **env}
        return app_factory(**env)
    return build


def queue(app, count: int, *, recipient: str = "driver{i}@example.com",
          category: str = EmailCategory.TRANSACTIONAL, prefix: str = "test") -> list[str]:
    """Queue `count` receipts the way features do; returns their Message-IDs."""
    ids = []
    with app.app_context():
        for i in range(count):
            row = enqueue(recipient.format(i=i), "appeal_link",
                          {"appeal_url": f"{BASE_URL}/appeals/x{i}", "citation_number": f"91234567{i}",
                           "driver_name": "Dana"},
                          idempotency_key=f"{prefix}:{i}", category=category)
            ids.append(row.message_id)
        db.session.commit()
    return ids


def rows(app) -> list[EmailOutbox]:
    with app.app_context():
        found = db.session.execute(db.select(EmailOutbox).order_by(EmailOutbox.id)).scalars().all()
        db.session.expunge_all()
        return found


def make_due(app) -> None:
    """Test set-up in place of waiting out the backoff: pending rows are due now."""
    with app.app_context():
        db.session.execute(update(EmailOutbox).where(EmailOutbox.status == OutboxStatus.PENDING)
                           .values(next_attempt_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()


def send(app) -> str:
    outcome = run_job(app, "email_outbox")
    assert outcome == "ok"
    return outcome


def breaker(app) -> dict:
    return app.extensions["breakers"].snapshot("email")


def circuit_ready(app) -> bool:
    """The email breaker will let a trial call through (closed, or reset timeout passed)."""
    with app.app_context():
        return not breaker_waiting()


def poll(predicate, timeout: float = 10.0, interval: float = 0.05):
    """Wait, with a deadline, until predicate() is truthy; returns its value."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError("condition not met in time")
        time.sleep(interval)
