"""Marketing consent: the current state per address, its append-only audit trail, and who
may be mailed what (§10). No `request` here: routes pass the client's IP and user agent.

Categories: transactional mail (receipts, links) always goes out; marketing needs consent
given (and not withdrawn); follow-ups about the driver's own appeal go out unless the
address has opted out (unsubscribed or revoked). The caller commits.
"""
from __future__ import annotations

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, select, update

from app.extensions import db
from app.models import (Consent, ConsentAction, ConsentAuditLog, EmailCategory, EmailOutbox,
                        OutboxStatus)
from app.models.base import utcnow

FOLLOWUP = "followup"  # outbox category of appeal follow-ups
UNSUBSCRIBABLE = (EmailCategory.MARKETING, FOLLOWUP)
UNSUBSCRIBE_WORDING_VERSION = "unsubscribe-v1"  # the wording on our unsubscribe page
ACTIONS = (ConsentAction.GIVEN, ConsentAction.UNSUBSCRIBE, ConsentAction.REVOKE,
           ConsentAction.RESUBSCRIBE)
SOURCES = ("web_form", "one_click", "api", "admin", "mailto")
REASON_MAX = 1000


def normalize_email(raw: object) -> str | None:
    """The address lower-cased, or None when it is not a plausible email address."""
    if not isinstance(raw, str) or not raw.strip() or len(raw) > 254:
        return None
    try:
        return validate_email(raw.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        return None


def current(email: str) -> Consent | None:
    return db.session.execute(select(Consent).filter_by(email=email.lower())).scalar_one_or_none()


def record_consent(email: str, action: str, source: str, ip: str | None = None,
                   user_agent: str | None = None, reason: str | None = None,
                   wording_version: str | None = None) -> Consent:
    """Append the audit row and update the current state; the caller commits.

    Withdrawing (unsubscribe, revoke) also suppresses the address's queued marketing and
    follow-up mail; revoking marks the address erased from marketing lists.
    """
    if action not in ACTIONS:
        raise ValueError(f"unknown consent action {action!r}")
    if source not in SOURCES:
        raise ValueError(f"unknown consent source {source!r}")
    email, now = email.strip().lower(), utcnow()
    db.session.add(ConsentAuditLog(
        email=email, action=action, created_at=now, ip_address=(ip or None) and ip[:64],
        user_agent=_text(user_agent, 512), reason=_text(reason, REASON_MAX),
        source=source, wording_version=wording_version))
    consent = current(email)
    if consent is None:
        consent = Consent(email=email)
        db.session.add(consent)
    giving = action in (ConsentAction.GIVEN, ConsentAction.RESUBSCRIBE)
    consent.marketing = giving
    if wording_version:
        consent.wording_version = wording_version
    if giving:
        consent.erased_at = None
    else:
        if action == ConsentAction.REVOKE:
            consent.erased_at = now
        suppress_queued(email)
    return consent


def _text(value: str | None, limit: int) -> str | None:
    """Free text as stored: NUL removed (PostgreSQL text cannot hold it, and refusing an
    unsubscribe over a stray character would be worse), cut to `limit`."""
    return (value or "").replace("\x00", "")[:limit] or None


def suppress_queued(email: str) -> int:
    """Queued marketing and follow-up mail to `email` is marked suppressed, not sent."""
    result = db.session.execute(
        update(EmailOutbox)
        .where(func.lower(EmailOutbox.recipient) == email.lower(),
               EmailOutbox.category.in_(UNSUBSCRIBABLE),
               EmailOutbox.status == OutboxStatus.PENDING)
        .values(status=OutboxStatus.SUPPRESSED, last_error="recipient unsubscribed",
                updated_at=utcnow())
        .execution_options(synchronize_session=False))
    return result.rowcount or 0


def is_subscribed(email: str) -> bool:
    consent = current(email)
    return bool(consent and consent.marketing)


def may_receive(email: str, category: str) -> bool:
    """Whether mail of `category` may go to `email` now."""
    if category == EmailCategory.MARKETING:
        return is_subscribed(email)
    if category == FOLLOWUP:
        consent = current(email)
        return consent is None or consent.marketing
    return True
