"""A letter's tracking state from the provider's events (§17): recorded once, never backwards.

Lob delivers events at least once and in any order. Each event is recorded once by its id
(a unique row in letter_events, the letter's timeline); the letter's tracking state only
moves forward: in transit < in local area < processed for delivery < delivered. A
re-routing is kept in the timeline without moving the state; returned to sender is final
(it wins over anything, and nothing follows it). The letter row is locked while an event
is applied, so two concurrent deliveries cannot both move it, nor both record one event.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.fulfilment import notices
from app.models import Appeal, AppealStatus, Letter, LetterEvent, TrackingStatus
from app.models.base import utcnow
from app.observability.alerts import raise_alert

# Lob event type -> the tracking state it reports (None: a timeline entry only).
_NORMAL = {
    "in_transit": TrackingStatus.IN_TRANSIT,
    "in_local_area": TrackingStatus.IN_LOCAL_AREA,
    "processed_for_delivery": TrackingStatus.PROCESSED_FOR_DELIVERY,
    "delivered": TrackingStatus.DELIVERED,
    "re-routed": TrackingStatus.RE_ROUTED,
    "returned_to_sender": TrackingStatus.RETURNED,
}
EVENT_STATES: dict[str, TrackingStatus] = {
    **{f"letter.{name}": state for name, state in _NORMAL.items()},
    **{f"letter.certified.{name}": state for name, state in _NORMAL.items()},
}
# Recorded in the timeline and shown to the driver, without a tracking state of their own.
TIMELINE_ONLY = frozenset({
    "letter.created", "letter.rendered_pdf", "letter.mailed", "letter.certified.mailed",
    "letter.certified.pickup_available", "letter.certified.issue",
})
# Forward order; re-routed has no rank (it never moves the state), returned is final.
RANK = {TrackingStatus.IN_TRANSIT: 1, TrackingStatus.IN_LOCAL_AREA: 2,
        TrackingStatus.PROCESSED_FOR_DELIVERY: 3, TrackingStatus.DELIVERED: 4,
        TrackingStatus.RETURNED: 5}
# The appeal's status once its letter gets there (a refunded appeal stays refunded).
APPEAL_STATES = {TrackingStatus.DELIVERED: AppealStatus.DELIVERED,
                 TrackingStatus.RETURNED: AppealStatus.RETURNED}


class Outcome:
    RECORDED = "recorded"  # in the timeline; the state may or may not have moved
    DUPLICATE = "duplicate"  # this event id was recorded before
    UNKNOWN_LETTER = "unknown_letter"  # not one of our letters: nothing to do


@dataclass(frozen=True)
class Applied:
    outcome: str
    moved_to: str | None = None  # the new tracking state, when this event moved it
    letter_id: int | None = None


def next_state(current: str | None, reported: str | None) -> str | None:
    """The state after an event reporting `reported`; `current` when it would go backwards."""
    if reported is None or reported == TrackingStatus.RE_ROUTED:
        return current
    if current == TrackingStatus.RETURNED:
        return current
    if current is None or current == TrackingStatus.RE_ROUTED or RANK[reported] > RANK[current]:
        return reported
    return current


def apply_tracking_event(*, provider_letter_id: str, event_id: str, event_type: str,
                         occurred_at: datetime, detail: str | None = None,
                         tracking_number: str | None = None) -> Applied:
    """Record one provider event for the letter and move its tracking state forward.

    Commits; the driver's email (delivered, returned) is queued in the same transaction.
    The database being down propagates (the webhook answers 503 and Lob redelivers).
    """
    letter = db.session.execute(select(Letter).where(
        Letter.provider_letter_id == provider_letter_id).with_for_update()).scalar_one_or_none()
    if letter is None:
        db.session.rollback()
        return Applied(Outcome.UNKNOWN_LETTER)
    if db.session.execute(select(LetterEvent.id).where(
            LetterEvent.provider_event_id == event_id)).first() is not None:
        db.session.rollback()
        return Applied(Outcome.DUPLICATE, letter_id=letter.id)
    db.session.add(LetterEvent(letter_id=letter.id, provider_event_id=event_id,
                               event_type=event_type[:64], occurred_at=occurred_at,
                               detail=(detail or None) and detail[:500]))
    try:
        db.session.flush()
    except IntegrityError:  # SQLite has no row lock: a concurrent delivery got there first
        db.session.rollback()
        return Applied(Outcome.DUPLICATE, letter_id=letter.id)
    if tracking_number and not letter.tracking_number:
        letter.tracking_number = tracking_number[:64]
    before = letter.tracking_status
    after = next_state(before, EVENT_STATES.get(event_type))
    if after != before:
        letter.tracking_status, letter.tracking_updated_at = after, utcnow()
        _move_appeal(letter, after, occurred_at)
    db.session.commit()
    if after != before and after == TrackingStatus.RETURNED:
        # After the commit: the alert is about a fact that is recorded.
        raise_alert(f"letter_returned:{letter.id}",
                    f"Letter {letter.id} (appeal {letter.appeal_id}) was returned to sender: "
                    "check the return address and the city's address, then mail it again.")
    return Applied(Outcome.RECORDED, after if after != before else None, letter.id)


def _move_appeal(letter: Letter, state: str, occurred_at: datetime) -> None:
    """The appeal follows its letter to delivered or returned, and the driver is told."""
    target = APPEAL_STATES.get(state)
    if target is None:
        return
    appeal = db.session.get(Appeal, letter.appeal_id)
    if appeal is not None and appeal.can_move_to(target):
        appeal.move_to(target)
    if state == TrackingStatus.DELIVERED:
        notices.notify_delivered(letter, delivered_on=occurred_at.date())
    else:
        notices.notify_returned(letter)


def letters_of(appeal: Appeal) -> list[Letter]:
    """The appeal's letter rows, one per letter version mailed or waiting, oldest first."""
    return list(db.session.execute(select(Letter).filter_by(appeal_id=appeal.id)
                                   .order_by(Letter.letter_version)).scalars())


def timeline(letter: Letter) -> list[LetterEvent]:
    """The letter's recorded events, oldest first (the order they happened, not arrived)."""
    return sorted(letter.events, key=lambda e: (e.occurred_at, e.id))
