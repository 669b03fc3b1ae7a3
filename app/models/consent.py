"""Marketing consent: the current state per address and its append-only audit trail."""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, DateTime, String, Text, event
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import TimestampMixin, utcnow


class ConsentAction(StrEnum):
    GIVEN = "consent_given"
    UNSUBSCRIBE = "unsubscribe"
    REVOKE = "revoke_consent"
    RESUBSCRIBE = "resubscribe"


class Consent(TimestampMixin, db.Model):
    __tablename__ = "consents"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True, nullable=False)
    marketing: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    wording_version: Mapped[str | None] = mapped_column(String(32))
    erased_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ConsentAuditLog(db.Model):
    __tablename__ = "consent_audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), nullable=False, index=True)
    action: Mapped[str] = mapped_column(String(32), nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False,
                                                 default=utcnow, index=True)
    ip_address: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(512))
    reason: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(32), nullable=False)  # web_form, one_click, api, admin
    wording_version: Mapped[str | None] = mapped_column(String(32))


@event.listens_for(ConsentAuditLog, "before_update")
@event.listens_for(ConsentAuditLog, "before_delete")
def _audit_log_is_append_only(mapper, connection, target):  # pragma: no cover - guard
    raise RuntimeError("consent_audit_log is append-only")
