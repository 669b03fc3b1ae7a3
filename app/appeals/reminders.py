"""One reminder for an abandoned appeal: its letter is ready, it is not paid for, and it can
still reach the city in time ("your letter is ready — N days left").

Abandoned means: a letter, an email address, a status before payment, and no change for
REMINDER_AFTER_HOURS. The email goes through the outbox as a follow-up (List-Unsubscribe,
suppressed for an address that opted out); an address that has opted out is not even
queued. `reminder_sent_at` is set by a conditional UPDATE in the same transaction as the
outbox row, so each appeal is reminded once, whatever runs the job or how often. "In time"
is the checkout's own rule (app/cities/mailing.py): some mail class still arrives, or is
postmarked, by the city's last day.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import select, update

from app.cities import registry
from app.cities.mailing import mail_options
from app.cities.model import long_date
from app.config import current_settings
from app.email.consent import FOLLOWUP, may_receive
from app.email.outbox import enqueue
from app.extensions import db
from app.models import Appeal, AppealStatus
from app.models.base import utcnow
from app.urls import absolute_url

log = logging.getLogger(__name__)
# Before payment, with a letter the driver could pay for.
UNPAID = (AppealStatus.LETTER_READY, AppealStatus.WRITING_NEEDED, AppealStatus.AWAITING_PAYMENT,
          AppealStatus.PAYMENT_FAILED)
BATCH = 500  # abandoned appeals are deleted after 30 days (retention), so this is plenty
TEMPLATE = "appeal_reminder"


def remind_abandoned() -> str:
    """The job: queue the reminders that are due; returns a summary for the run record."""
    now = utcnow()
    settings = current_settings()
    quiet_since = now - timedelta(hours=settings.reminder_after_hours)
    candidates = db.session.execute(
        select(Appeal.id).where(Appeal.reminder_sent_at.is_(None), Appeal.email.is_not(None),
                                Appeal.letter_text.is_not(None), Appeal.letter_text != "",
                                Appeal.status.in_(UNPAID), Appeal.updated_at <= quiet_since)
        # Newest first: those are the ones that can still make it.
        .order_by(Appeal.updated_at.desc()).limit(BATCH)).scalars().all()
    db.session.commit()
    sent = 0
    for appeal_id in candidates:
        sent += remind(appeal_id, now)
    return f"{sent} reminders queued of {len(candidates)} abandoned appeals"


def remind(appeal_id: int, now: datetime) -> int:
    """Queue one appeal's reminder if it is still due and reachable; 1 if queued."""
    appeal = db.session.get(Appeal, appeal_id)
    deadline = reachable_deadline(appeal, now)
    if deadline is None or not may_receive(appeal.email, FOLLOWUP):
        db.session.rollback()
        return 0
    claimed = db.session.execute(
        update(Appeal).where(Appeal.id == appeal_id, Appeal.reminder_sent_at.is_(None),
                             Appeal.status.in_(UNPAID))
        .values(reminder_sent_at=now)).rowcount
    if claimed != 1:  # paid, or reminded, in the meantime
        db.session.rollback()
        return 0
    enqueue(appeal.email, TEMPLATE, {
        "driver_name": appeal.driver_name, "citation_number": appeal.citation_number,
        "appeal_url": absolute_url("appeals.status", public_id=appeal.public_id), **deadline,
    }, idempotency_key=f"reminder:{appeal.id}", category=FOLLOWUP, appeal_id=appeal.id)
    db.session.commit()
    return 1


def reachable_deadline(appeal: Appeal, now: datetime) -> dict | None:
    """{"days_left", "deadline"} (both None when the city has no fixed deadline), or None
    when no mail class can reach the city in time any more."""
    city = registry.get(appeal.city_slug)
    options = mail_options(city, ticket_date=appeal.violation_date,
                           notice_date=appeal.notice_date, now=now)
    if not options.offered:
        return None
    last = options.last_day
    if last is None:
        return {"days_left": None, "deadline": None}
    return {"days_left": (last - city.today()).days, "deadline": long_date(last)}
