"""A ticket photo read before its appeal exists (§18): held until the driver starts the appeal.

Only the cleaned photo is kept (pixels and colour profile; `app.appeals.evidence.clean`),
in the database rather than the file store: it becomes a stored exhibit only when the
driver continues, and the retention job deletes whatever has expired.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Integer, LargeBinary, String, func
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import utcnow


class PendingTicketPhoto(db.Model):
    __tablename__ = "pending_ticket_photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    # sha256 of the random key the driver's form carries: the key itself is never stored.
    key_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    data: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    content_type: Mapped[str] = mapped_column(String(64), nullable=False)
    size_bytes: Mapped[int] = mapped_column(Integer, nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False,
                                                 default=utcnow, server_default=func.now())
