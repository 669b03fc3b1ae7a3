"""A mailed letter: one row per appeal and letter version, and the provider's tracking events.

The row is the mailing job's ledger. Each step is committed before the next provider call,
so a crash between two steps is found and finished by the next run, never repeated: the
idempotency key makes the provider answer a repeated call with the letter it already has.
"""
from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import TimestampMixin, utcnow


class LetterStatus(StrEnum):
    QUEUED = "queued"  # paid, waiting for the mailing job
    MAILING = "mailing"  # committed before the provider call; its answer is not yet recorded
    MAILED = "mailed"  # the provider has it, or an operator recorded the date it was posted
    PRINT_QUEUE = "print_queue"  # waiting for an operator to print and post it
    CANCELLED = "cancelled"  # refunded before it went


class TrackingStatus(StrEnum):
    """Where the envelope is, in the order it can get there; the state never goes backwards."""

    IN_TRANSIT = "in_transit"
    IN_LOCAL_AREA = "in_local_area"
    PROCESSED_FOR_DELIVERY = "processed_for_delivery"
    RE_ROUTED = "re_routed"
    DELIVERED = "delivered"
    RETURNED = "returned_to_sender"


class Letter(TimestampMixin, db.Model):
    __tablename__ = "letters"
    __table_args__ = (UniqueConstraint("appeal_id", "letter_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    appeal_id: Mapped[int] = mapped_column(ForeignKey("appeals.id", ondelete="CASCADE"),
                                           nullable=False, index=True)
    letter_version: Mapped[int] = mapped_column(Integer, nullable=False)
    mail_class: Mapped[str] = mapped_column(String(16), nullable=False)  # standard, certified
    backend: Mapped[str] = mapped_column(String(16), nullable=False)  # lob, manual
    status: Mapped[str] = mapped_column(String(16), nullable=False, default=LetterStatus.QUEUED,
                                        index=True)
    idempotency_key: Mapped[str] = mapped_column(String(80), nullable=False, unique=True)
    deliver_by: Mapped[date | None] = mapped_column(Date, index=True)  # last day it may arrive
    provider_letter_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    tracking_number: Mapped[str | None] = mapped_column(String(64))
    expected_delivery_date: Mapped[date | None] = mapped_column(Date)
    mailed_on: Mapped[date | None] = mapped_column(Date)
    tracking_status: Mapped[str | None] = mapped_column(String(32))
    tracking_updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False,
                                                      default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text)
    print_reason: Mapped[str | None] = mapped_column(Text)  # why a person must post it

    events: Mapped[list["LetterEvent"]] = relationship(
        back_populates="letter", cascade="all, delete-orphan", order_by="LetterEvent.occurred_at")


class LetterEvent(db.Model):
    """A provider's tracking event, recorded once by its id (events arrive twice and late)."""

    __tablename__ = "letter_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    letter_id: Mapped[int] = mapped_column(ForeignKey("letters.id", ondelete="CASCADE"),
                                           nullable=False, index=True)
    provider_event_id: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    event_type: Mapped[str] = mapped_column(String(64), nullable=False)
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False,
                                                  default=utcnow)
    detail: Mapped[str | None] = mapped_column(Text)

    letter: Mapped[Letter] = relationship(back_populates="events")
