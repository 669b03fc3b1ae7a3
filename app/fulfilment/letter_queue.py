"""The mailing job's queue in the `letters` table: open a row per paid letter, claim, release.

A paid appeal whose current letter version has no row gets one (status `queued`, the
provider's idempotency key, the last day it may arrive), so no payment path has to create
it and no paid appeal is left behind. A claim takes the most urgent due row, marks it
`mailing` with a lease and commits before the provider is called. On PostgreSQL the row is
picked FOR UPDATE SKIP LOCKED, so concurrent runners take different rows; SQLite has no
row locks but serializes writers, and the claim is one conditional UPDATE, so there too a
row goes to one runner. A runner that dies leaves its row `mailing`; when the lease runs
out the row is due again and is sent with the same idempotency key, so the provider answers
with the letter it already made instead of printing a second one.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, exists, select, update

from app.email.upsert import insert_ignoring_conflicts
from app.extensions import db
from app.integrations.mail.base import idempotency_key
from app.models import Appeal, AppealStatus, Letter, LetterStatus
from app.models.base import utcnow

LEASE_S = 120  # a provider call's budget (60 s) and its timeouts, with room
BACKOFF_S = (60, 300, 900, 1800, 3600)  # after failed tries 1, 2, 3, 4, then hourly
DUE_STATUSES = (LetterStatus.QUEUED, LetterStatus.MAILING)


def open_letters(deliver_by, backend: str, limit: int = 500) -> int:
    """A `queued` row for each paid appeal whose letter version has none; commits.

    `deliver_by(appeal)` is the last day the letter may arrive (None: no fixed deadline).
    """
    missing = ~exists().where(Letter.appeal_id == Appeal.id,
                              Letter.letter_version == Appeal.letter_version)
    appeals = db.session.execute(
        select(Appeal).where(Appeal.status == AppealStatus.PAID, Appeal.letter_version >= 1,
                             missing).order_by(Appeal.paid_at, Appeal.id).limit(limit)
    ).scalars().all()
    opened = 0
    for appeal in appeals:
        opened += insert_ignoring_conflicts(Letter, dict(
            appeal_id=appeal.id, letter_version=appeal.letter_version,
            mail_class=appeal.mail_class or "standard", backend=backend,
            status=LetterStatus.QUEUED, deliver_by=deliver_by(appeal), attempts=0,
            idempotency_key=idempotency_key(appeal.public_id, appeal.letter_version),
            next_attempt_at=utcnow(), created_at=utcnow(), updated_at=utcnow()),
            ["idempotency_key"])
    db.session.commit()
    return opened


def _due(now: datetime):
    return and_(Letter.status.in_(DUE_STATUSES), Letter.next_attempt_at <= now)


def claim_next(now: datetime | None = None) -> Letter | None:
    """The most urgent due letter, now `mailing` under a lease and committed; None if none.

    A letter whose appeal was refunded or cancelled meanwhile is cancelled instead.
    """
    now = now or utcnow()
    try:
        picked = db.session.execute(
            select(Letter.id).where(_due(now))
            .order_by(Letter.deliver_by.is_(None), Letter.deliver_by, Letter.id).limit(1)
            .with_for_update(skip_locked=True)).scalar_one_or_none()  # PostgreSQL only
        if picked is None:
            db.session.commit()
            return None
        claimed = db.session.execute(
            update(Letter).where(Letter.id == picked, _due(now))
            .values(status=LetterStatus.MAILING, attempts=Letter.attempts + 1,
                    next_attempt_at=now + timedelta(seconds=LEASE_S), updated_at=now)
            .execution_options(synchronize_session=False)).rowcount
        if not claimed:
            db.session.commit()
            return claim_next(now)
        letter = db.session.execute(select(Letter).where(Letter.id == picked)
                                    .execution_options(populate_existing=True)).scalar_one()
        appeal = db.session.execute(select(Appeal).where(Appeal.id == letter.appeal_id)
                                    .with_for_update()).scalar_one()
        if appeal.status in (AppealStatus.REFUNDED, AppealStatus.CANCELLED):
            letter.status = LetterStatus.CANCELLED
        elif appeal.can_move_to(AppealStatus.MAILING):
            appeal.move_to(AppealStatus.MAILING)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return letter if letter.status == LetterStatus.MAILING else claim_next(now)


def locked(letter_id: int) -> Letter:
    """The letter row, locked for this transaction (FOR UPDATE on PostgreSQL), re-read."""
    return db.session.execute(select(Letter).where(Letter.id == letter_id).with_for_update()
                              .execution_options(populate_existing=True)).scalar_one()


def retry_later(letter: Letter, error: str, *, attempted: bool = True) -> None:
    """Back off (stays `mailing`: the provider may hold it; the same key asks again)."""
    if not attempted:
        letter.attempts = max(letter.attempts - 1, 0)
    delay = BACKOFF_S[min(max(letter.attempts, 1), len(BACKOFF_S)) - 1]
    letter.next_attempt_at = utcnow() + timedelta(seconds=delay)
    letter.last_error = error[:2000]
