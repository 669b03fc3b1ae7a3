"""Sending due outbox messages through the mailer and the `email` breaker (§10).

The database is touched only around the claim and each outcome; the SMTP conversation runs
with no connection checked out. One mailer session (one SMTP connection) serves the batch.
"""
from __future__ import annotations

import logging
import time
from collections import Counter

from app.config import current_settings
from app.email import claims, composition
from app.integrations.email import MailError, PermanentMailError, TransientMailError, mailer
from app.observability import metrics
from app.resilience.breakers import OpenCircuit, breaker_registry, guard, open_remaining_s

log = logging.getLogger(__name__)
BATCH_SIZE = 50


def send_due(batch_size: int = BATCH_SIZE) -> Counter:
    """Claim and send one batch; returns the count of each outcome."""
    outcomes: Counter = Counter()
    if breaker_waiting():
        # Nothing is claimed while the circuit is open: no attempts are spent on a mail
        # server known to be down; the first run after the reset timeout makes the trial.
        outcomes["breaker_open"] += 1
        return outcomes
    batch, outcomes["suppressed"] = claims.claim(batch_size)
    metrics.EMAILS.labels(outcome="suppressed").inc(outcomes["suppressed"])
    if not batch:
        return outcomes
    settings = current_settings()
    # Stop well before the lease runs out, or another runner could claim and resend.
    deadline = time.monotonic() + claims.LEASE_S - 4 * settings.smtp_timeout_s
    with mailer().session() as session:
        for item in batch:
            if time.monotonic() > deadline:
                claims.release(item)
                outcomes["released"] += 1
                continue
            outcome = _send_one(session, item, settings.mail_from)
            outcomes[outcome] += 1
            metrics.EMAILS.labels(outcome=outcome).inc()
    return outcomes


def breaker_waiting() -> bool:
    """True while the email circuit is open and its reset timeout has not passed."""
    return open_remaining_s(breaker_registry()["email"]) > 0


def _send_one(session, item: composition.Outgoing, mail_from: str) -> str:
    try:
        mime = composition.build(item, mail_from)
    except (ValueError, TypeError) as exc:
        log.error("email cannot be built", extra={"outbox_id": item.id, "error": type(exc).__name__})
        return claims.mark_failed(item, f"message cannot be built: {exc}", permanent=True)
    rejected: PermanentMailError | None = None
    try:
        with guard("email"):
            try:
                provider_id = session.send(mime)
            except PermanentMailError as exc:
                # The server answered and refused this one message: it is up, so the
                # breaker must not count it as a failure.
                rejected = exc
    except (TransientMailError, OpenCircuit) as exc:
        error = _describe(exc)
        log.warning("email deferred", extra={"outbox_id": item.id, "attempt": item.attempts,
                                             "error": error})
        return claims.mark_failed(item, error, permanent=False)
    except Exception as exc:  # a surprise from the mail library: retried, and the batch goes on
        log.exception("email failed unexpectedly", extra={"outbox_id": item.id})
        return claims.mark_failed(item, f"{type(exc).__name__}: {exc}", permanent=False)
    if rejected is not None:
        log.warning("email rejected", extra={"outbox_id": item.id, "error": rejected.detail})
        return claims.mark_failed(item, rejected.detail, permanent=True)
    claims.mark_sent(item, provider_id)
    return "sent"


def _describe(exc: Exception) -> str:
    """pybreaker replaces the failure that trips it with its own error; keep the cause."""
    cause = exc.__cause__ or exc.__context__
    if isinstance(exc, OpenCircuit) and isinstance(cause, MailError):
        return f"{cause.detail} (email breaker opened)"
    if isinstance(exc, OpenCircuit):
        return "email breaker open: not tried"
    return exc.detail if isinstance(exc, MailError) else str(exc)
