"""Follow-ups after an appeal is mailed: #1 at +14 days, #2 at +30 days (§10).

Creating them is idempotent through UNIQUE(appeal_id, followup_number), and each one's
email is queued once through its idempotency key, so the job can run any number of times.
"""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import and_, exists, select

from app.email.consent import FOLLOWUP
from app.email.outbox import enqueue
from app.email.upsert import insert_ignoring_conflicts
from app.extensions import db
from app.models import Appeal, AppealStatus, FollowupEvent
from app.models.base import as_utc, utcnow
from app.urls import absolute_url

SCHEDULE = ((1, 14), (2, 30))  # (followup number, days after mailing)
BATCH = 500


def template_for(number: int) -> str:
    return f"followup_{number}"


def schedule() -> int:
    """Create the missing follow-ups of mailed appeals; returns how many were created."""
    last = SCHEDULE[-1][0]
    appeals = db.session.execute(
        select(Appeal.id, Appeal.mailed_at)
        .where(Appeal.status == AppealStatus.MAILED, Appeal.mailed_at.is_not(None),
               ~exists().where(and_(FollowupEvent.appeal_id == Appeal.id,
                                    FollowupEvent.followup_number == last)))
        .order_by(Appeal.id).limit(BATCH)).all()
    created, now = 0, utcnow()
    for appeal_id, mailed_at in appeals:
        for number, days in SCHEDULE:
            created += insert_ignoring_conflicts(FollowupEvent, {
                "appeal_id": appeal_id, "followup_number": number, "kind": template_for(number),
                "due_at": as_utc(mailed_at) + timedelta(days=days), "created_at": now,
            }, ["appeal_id", "followup_number"])
    db.session.commit()
    return created


def queue_due() -> int:
    """Queue the email of each due, unsent follow-up of a still-mailed appeal."""
    now = utcnow()
    due = db.session.execute(
        select(FollowupEvent, Appeal).join(Appeal, Appeal.id == FollowupEvent.appeal_id)
        .where(FollowupEvent.sent_at.is_(None), FollowupEvent.due_at <= now,
               Appeal.status == AppealStatus.MAILED, Appeal.email.is_not(None))
        .order_by(FollowupEvent.due_at).limit(BATCH)).all()
    for event, appeal in due:
        enqueue(appeal.email, template_for(event.followup_number), _context(appeal),
                idempotency_key=f"followup:{appeal.id}:{event.followup_number}",
                category=FOLLOWUP, appeal_id=appeal.id)
        event.sent_at = now  # queued: the outbox owns delivery from here
    db.session.commit()
    return len(due)


def _context(appeal: Appeal) -> dict:
    mailed = as_utc(appeal.mailed_at)
    return {"driver_name": appeal.driver_name, "citation_number": appeal.citation_number,
            "appeal_url": absolute_url("appeals.status", public_id=appeal.public_id),
            "mailed_on": f"{mailed:%B} {mailed.day}, {mailed.year}" if mailed else ""}
