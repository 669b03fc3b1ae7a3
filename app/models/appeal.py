"""The appeal aggregate: the appeal, its evidence photos and its queued AI requests."""
from __future__ import annotations

import re
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import TimestampMixin, public_id, utcnow


class AppealStatus(StrEnum):
    STARTED = "started"
    LETTER_READY = "letter_ready"
    WRITING_NEEDED = "appeal_writing_needed"
    AWAITING_PAYMENT = "awaiting_payment"
    PAID = "paid"
    MAILING = "mailing"  # handed to the mail provider; its answer not yet recorded
    PRINT_QUEUE = "print_queue"  # an operator prints and posts it
    MAILED = "mailed"
    DELIVERED = "delivered"
    RETURNED = "returned"  # returned to sender by the post
    PAYMENT_FAILED = "payment_failed"
    REFUNDED = "refunded"
    CANCELLED = "cancelled"


# Allowed moves of the status machine; anything else is refused.
TRANSITIONS: dict[str, frozenset[str]] = {
    AppealStatus.STARTED: frozenset({
        AppealStatus.LETTER_READY, AppealStatus.WRITING_NEEDED, AppealStatus.CANCELLED}),
    AppealStatus.LETTER_READY: frozenset({
        AppealStatus.LETTER_READY, AppealStatus.WRITING_NEEDED, AppealStatus.AWAITING_PAYMENT,
        AppealStatus.CANCELLED}),
    AppealStatus.WRITING_NEEDED: frozenset({
        AppealStatus.LETTER_READY, AppealStatus.WRITING_NEEDED, AppealStatus.AWAITING_PAYMENT,
        AppealStatus.CANCELLED}),
    AppealStatus.AWAITING_PAYMENT: frozenset({
        AppealStatus.PAID, AppealStatus.PAYMENT_FAILED, AppealStatus.LETTER_READY,
        AppealStatus.WRITING_NEEDED, AppealStatus.CANCELLED}),
    AppealStatus.PAYMENT_FAILED: frozenset({
        AppealStatus.AWAITING_PAYMENT, AppealStatus.PAID, AppealStatus.LETTER_READY,
        AppealStatus.CANCELLED}),
    # After payment (§17): paid → mailing → mailed → delivered or returned, the print queue
    # when a person must post it; a refund is possible from each until it is delivered.
    AppealStatus.PAID: frozenset({
        AppealStatus.MAILING, AppealStatus.PRINT_QUEUE, AppealStatus.MAILED,
        AppealStatus.REFUNDED}),
    AppealStatus.MAILING: frozenset({
        AppealStatus.MAILED, AppealStatus.PRINT_QUEUE, AppealStatus.REFUNDED}),
    AppealStatus.PRINT_QUEUE: frozenset({AppealStatus.MAILED, AppealStatus.REFUNDED}),
    AppealStatus.MAILED: frozenset({
        AppealStatus.DELIVERED, AppealStatus.RETURNED, AppealStatus.REFUNDED}),
    # USPS can scan a letter delivered and then return it (refused, misdelivered): the
    # return is the later fact, so it wins.
    AppealStatus.DELIVERED: frozenset({AppealStatus.RETURNED}),
    AppealStatus.RETURNED: frozenset({AppealStatus.REFUNDED}),
    AppealStatus.REFUNDED: frozenset(),
    AppealStatus.CANCELLED: frozenset(),
}


# Paid for, whatever has happened to the letter since.
PAID_STATES = frozenset({AppealStatus.PAID, AppealStatus.MAILING, AppealStatus.PRINT_QUEUE,
                         AppealStatus.MAILED, AppealStatus.DELIVERED, AppealStatus.RETURNED})


class IllegalTransition(ValueError):
    def __init__(self, current: str, target: str):
        super().__init__(f"appeal cannot move from {current} to {target}")
        self.current, self.target = current, target


class Appeal(TimestampMixin, db.Model):
    __tablename__ = "appeals"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True, nullable=False, default=public_id)
    city_slug: Mapped[str] = mapped_column(String(32), nullable=False, index=True)
    citation_number: Mapped[str] = mapped_column(String(32), nullable=False, index=True)
    violation_date: Mapped[date | None] = mapped_column(Date)
    plate: Mapped[str | None] = mapped_column(String(16))
    plate_state: Mapped[str | None] = mapped_column(String(2))
    vehicle_make: Mapped[str | None] = mapped_column(String(40))
    violation: Mapped[str | None] = mapped_column(String(200))  # code or description
    location: Mapped[str | None] = mapped_column(String(200))
    notice_date: Mapped[date | None] = mapped_column(Date)  # when the second window is used
    status: Mapped[str] = mapped_column(String(32), nullable=False, default=AppealStatus.STARTED,
                                        index=True)
    driver_name: Mapped[str | None] = mapped_column(String(120))
    email: Mapped[str | None] = mapped_column(String(254), index=True)
    return_address: Mapped[str | None] = mapped_column(Text)
    # The same address in the parts a mail provider needs (line1 … zip); Text above is for show.
    return_line1: Mapped[str | None] = mapped_column(String(64))
    return_line2: Mapped[str | None] = mapped_column(String(64))
    return_city: Mapped[str | None] = mapped_column(String(64))
    return_state: Mapped[str | None] = mapped_column(String(2))
    return_zip: Mapped[str | None] = mapped_column(String(10))
    reminder_sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    story: Mapped[str | None] = mapped_column(Text)
    letter_text: Mapped[str | None] = mapped_column(Text)
    letter_source: Mapped[str | None] = mapped_column(String(16))  # ai, template, driver
    letter_version: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    signature_key: Mapped[str | None] = mapped_column(String(255))  # stored PNG
    signature_name: Mapped[str | None] = mapped_column(String(120))  # typed
    mail_class: Mapped[str | None] = mapped_column(String(16))  # standard, certified
    ai_tokens_used: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    price_cents: Mapped[int | None] = mapped_column(Integer)
    currency: Mapped[str | None] = mapped_column(String(3))
    stripe_checkout_session_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    stripe_payment_intent_id: Mapped[str | None] = mapped_column(String(255), index=True)
    paid_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    mailed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    photos: Mapped[list["EvidencePhoto"]] = relationship(
        back_populates="appeal", cascade="all, delete-orphan", order_by="EvidencePhoto.id"
    )

    def can_move_to(self, target: str) -> bool:
        return target in TRANSITIONS.get(self.status, frozenset())

    def move_to(self, target: str) -> None:
        if not self.can_move_to(target):
            raise IllegalTransition(self.status, target)
        self.status = target
        if target == AppealStatus.PAID and self.paid_at is None:
            self.paid_at = utcnow()
        if target == AppealStatus.MAILED and self.mailed_at is None:
            self.mailed_at = utcnow()


class EvidencePhoto(TimestampMixin, db.Model):
    __tablename__ = "evidence_photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    appeal_id: Mapped[int] = mapped_column(ForeignKey("appeals.id", ondelete="CASCADE"),
                                           nullable=False, index=True)
    storage_key: Mapped[str] = mapped_column(String(255), nullable=False, unique=True)
    content_type: Mapped[str] = mapped_column(String(64), nullable=False)
    size_bytes: Mapped[int] = mapped_column(Integer, nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    kind: Mapped[str] = mapped_column(String(16), nullable=False, default="evidence",
                                      server_default="evidence")  # evidence, ticket

    appeal: Mapped[Appeal] = relationship(back_populates="photos")

    @property
    def print_copy_key(self) -> str:
        """The letter's greyscale print copy of this photo, beside it; deleted with it."""
        return f"{self.storage_key.rsplit('.', 1)[0]}-print.jpg"


class AiRequestStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class AiRequest(TimestampMixin, db.Model):
    """A draft or refine job behind the 202 answer; `run_after` delays those past the limit."""

    __tablename__ = "ai_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True, nullable=False, default=public_id)
    appeal_id: Mapped[int] = mapped_column(ForeignKey("appeals.id", ondelete="CASCADE"),
                                           nullable=False, index=True)
    kind: Mapped[str] = mapped_column(String(16), nullable=False, default="draft")  # draft, refine
    instructions: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default=AiRequestStatus.QUEUED,
                                        index=True)
    client_ip: Mapped[str | None] = mapped_column(String(64))
    run_after: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False,
                                                default=utcnow, index=True)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    outcome: Mapped[str | None] = mapped_column(String(16))  # ai, template, timeout
    tokens_used: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    error: Mapped[str | None] = mapped_column(Text)


# What `public_id()` makes (22 URL-safe characters), with room: anything else is not ours.
PUBLIC_ID = re.compile(r"^[A-Za-z0-9_-]{16,32}$")


def appeal_by_public_id(public_id: str | None, *, for_update: bool = False) -> Appeal | None:
    """The one appeal lookup by the id in its URL; an id we could not have made costs no query.

    `for_update` locks the row for the caller's transaction (FOR UPDATE on PostgreSQL).
    """
    if not PUBLIC_ID.match(public_id or ""):
        return None
    stmt = db.select(Appeal).filter_by(public_id=public_id)
    if for_update:
        stmt = stmt.with_for_update()
    return db.session.execute(stmt).scalar_one_or_none()
