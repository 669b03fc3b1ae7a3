"""The `mail_letters` job (§17): paid appeals, most urgent first, paid → mailing → mailed.

Each letter: claimed `mailing` and committed (letter_queue), prepared (mail_request), handed
to the configured mailer with no transaction open, and its outcome committed:
  mailed        the provider's letter id, tracking number, expected delivery and the day;
  print queue   the provider refused it (an address it cannot deliver to: never retried),
                something only a person can fix, MAIL_BACKEND=manual, or the provider is
                still failing within MAIL_SAFETY_DAYS of the last day (with one alert);
  retry later   the provider is down, slow or limiting us: back off, same idempotency key.
Exactly once: the key is made from the appeal and the letter version, so however a run ends
(crash, SIGKILL, a lost answer, two runners) the provider holds at most one letter for it.
"""
from __future__ import annotations

import logging
import time
from collections import Counter

from app.config import current_settings
from app.extensions import db
from app.fulfilment import letter_queue, ledger
from app.fulfilment.mail_request import Prepared, last_day, prepare
from app.integrations.mail import letter_mailer
from app.integrations.mail.base import (LetterMailer, MailConfigError, MailReceipt, MailRejected,
                                        MailTransientError)
from app.models import Appeal, Letter, LetterStatus
from app.models.base import utcnow
from app.observability.alerts import raise_alert
from app.resilience.breakers import breaker_registry, open_remaining_s

log = logging.getLogger(__name__)
RUN_BUDGET_S = 240.0  # no new letter is claimed after this; the job's lease is 600 s
MAX_ATTEMPTS = 12  # with no deadline near, the provider's failures end in the print queue here
OUTAGE_ALERT = "mail-print-queue:provider-failing"
CONFIG_ALERT = "mail-config"


def mail_letters() -> str:
    settings = current_settings()
    mailer, safety = letter_mailer(), settings.mail_safety_days
    opened = letter_queue.open_letters(lambda appeal: last_day(appeal, utcnow(), safety),
                                       mailer.name)
    outcomes: Counter[str] = Counter()
    started = time.monotonic()
    while time.monotonic() - started < RUN_BUDGET_S:
        letter = letter_queue.claim_next()
        if letter is None:
            break
        outcome = mail_one(letter.id, mailer, safety)
        outcomes[outcome] += 1
        if outcome == "config_error":
            break  # every letter would be refused the same way until an operator fixes it
    parts = [f"{name} {count}" for name, count in sorted(outcomes.items())]
    return f"opened {opened}; " + (", ".join(parts) or "nothing due")


def mail_one(letter_id: int, mailer: LetterMailer, safety_days: int) -> str:
    """Mail one claimed letter and commit its outcome; returns the outcome's name."""
    letter = db.session.get(Letter, letter_id)
    appeal = db.session.get(Appeal, letter.appeal_id)
    # While the breaker refuses calls, printing the PDF would be wasted work.
    circuit_open = mailer.name != "manual" and open_remaining_s(breaker_registry()["mail"]) > 0
    try:
        prepared = prepare(letter, appeal, utcnow(), safety_days,
                           with_pdf=mailer.name != "manual" and not circuit_open)
    except Exception as exc:  # e.g. the file store is down: try again later
        db.session.rollback()
        log.exception("letter not prepared", extra={"letter": letter_id})
        return _finish(letter_id, lambda row: letter_queue.retry_later(row, f"not prepared: {exc}"),
                       "retry")
    attempts = letter.attempts
    db.session.commit()  # no transaction (nor connection) is held during the provider call
    if circuit_open and prepared.reason is None:
        return _failed(letter_id, prepared, "the mail circuit breaker is open", attempts,
                       "breaker_open", attempted=False)
    if prepared.request is None:
        reason = prepared.reason or "manual mailing"
        return _print_queue(letter_id, reason, alert=prepared.reason is not None)
    try:
        receipt = mailer.mail(prepared.request)
    except MailRejected as exc:
        return _print_queue(letter_id, f"the mail provider refused it: {exc}", alert=True)
    except MailConfigError as exc:
        raise_alert(CONFIG_ALERT, f"The mail provider refuses our configuration: {exc}")
        return _failed(letter_id, prepared, str(exc), attempts, "config_error")
    except MailTransientError as exc:
        return _failed(letter_id, prepared, str(exc), attempts,
                       "breaker_open" if exc.circuit_open else "retry",
                       attempted=not exc.circuit_open)
    except ValueError as exc:  # the form could not be built (no PDF, unknown class)
        return _print_queue(letter_id, f"the letter could not be sent: {exc}", alert=True)
    return _mailed(letter_id, receipt)


def _mailed(letter_id: int, receipt: MailReceipt) -> str:
    def record(letter: Letter) -> None:
        mailed_on = (receipt.send_date or utcnow()).date()
        ledger.record_mailed(letter, mailed_on=mailed_on, provider_letter_id=receipt.letter_id,
                             tracking_number=receipt.tracking_number,
                             expected_delivery_date=receipt.expected_delivery_date)
    return _finish(letter_id, record, "mailed")


def _failed(letter_id: int, prepared: Prepared, error: str, attempts: int, outcome: str, *,
            attempted: bool = True) -> str:
    """Near the deadline (or after MAX_ATTEMPTS) a person mails it; otherwise back off."""
    if prepared.urgent or attempts >= MAX_ATTEMPTS:
        why = "the deadline is near" if prepared.urgent else f"{attempts} tries"
        _print_queue(letter_id, f"the mail provider is failing and {why}: {error}", alert=False)
        raise_alert(OUTAGE_ALERT, "The mail provider is failing: letters near their deadline "
                    "are in the print queue for an operator to post", details={"error": error})
        return "print_queue"
    return _finish(letter_id, lambda row: letter_queue.retry_later(row, error, attempted=attempted),
                   outcome)


def _print_queue(letter_id: int, reason: str, *, alert: bool) -> str:
    outcome = _finish(letter_id, lambda row: ledger.record_print_queue(row, reason), "print_queue")
    if alert:
        raise_alert(f"mail-print-queue:{letter_id}",
                    f"A letter went to the print queue: {reason}", severity="warning")
    return outcome


def _finish(letter_id: int, apply, outcome: str) -> str:
    """Apply an outcome to the locked row, if it is still open, and commit."""
    try:
        letter = letter_queue.locked(letter_id)
        if letter.status == LetterStatus.MAILING or outcome == "mailed":
            apply(letter)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return outcome
