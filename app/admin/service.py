"""Operator queries and actions on appeals and the consent log (no `request` here)."""
from __future__ import annotations

import csv
import io
from datetime import datetime

from sqlalchemy import or_, select

from app.extensions import db
from app.models import Appeal, ConsentAuditLog, EmailOutbox

PAGE_SIZE = 50
# Row ids in URLs are checked against the smallest integer column we run on (PostgreSQL's
# 4-byte integer) before they reach the database, which would otherwise fail on them.
MAX_ROW_ID = 2**31 - 1


def search_appeals(query: str = "", status: str = "") -> list[Appeal]:
    stmt = select(Appeal).order_by(Appeal.created_at.desc()).limit(PAGE_SIZE)
    query = query.strip()
    if query:
        normalized = "".join(ch for ch in query.upper() if ch.isalnum())
        stmt = stmt.where(or_(Appeal.citation_number == normalized,
                              Appeal.email == query.lower(),
                              Appeal.public_id == query))
    if status:
        stmt = stmt.where(Appeal.status == status)
    return list(db.session.execute(stmt).scalars())


def outbox_message(message_id: int) -> EmailOutbox | None:
    return db.session.get(EmailOutbox, message_id) if 0 < message_id <= MAX_ROW_ID else None


def appeal_emails(appeal: Appeal) -> list[EmailOutbox]:
    return list(db.session.execute(
        select(EmailOutbox).filter_by(appeal_id=appeal.id).order_by(EmailOutbox.created_at)
    ).scalars())


def search_consent_log(email: str = "", limit: int = 500) -> list[ConsentAuditLog]:
    stmt = select(ConsentAuditLog).order_by(ConsentAuditLog.created_at.desc()).limit(limit)
    if email.strip():
        stmt = stmt.where(ConsentAuditLog.email == email.strip().lower())
    return list(db.session.execute(stmt).scalars())


CSV_COLUMNS = ("created_at", "email", "action", "source", "ip_address", "user_agent", "reason",
               "wording_version")


def consent_log_csv(rows: list[ConsentAuditLog]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        values = [getattr(row, column) for column in CSV_COLUMNS]
        writer.writerow([v.isoformat() if isinstance(v, datetime) else _csv_safe(v) for v in values])
    return buffer.getvalue()


def _csv_safe(value) -> str:
    """Neutralise spreadsheet formulas in user-supplied text (CSV injection)."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text

