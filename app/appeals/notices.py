"""What the driver's pages hand to email and consent: the appeal link and marketing consent.

The email feature is meant to provide `app.email.driver.send_appeal_link` and
`app.unsubscribe.consent.record_consent`; until it does, these two do the same work with
the outbox and the consent tables (the interface notes allow it for the appeal link). When
it lands, each body becomes a call to its function.
"""
from __future__ import annotations

import uuid

from app.email.outbox import enqueue
from app.extensions import db
from app.models import Appeal, Consent, ConsentAction, ConsentAuditLog
from app.models.base import utcnow


def send_appeal_link(appeal: Appeal, appeal_url: str) -> None:
    """Queue the link in the caller's transaction; each request is its own message (the
    email_user and email_ip limits bound how many)."""
    enqueue(appeal.email, "appeal_link",
            {"appeal_url": appeal_url, "citation_number": appeal.citation_number,
             "driver_name": appeal.driver_name},
            idempotency_key=f"appeal-link:{appeal.public_id}:{uuid.uuid4().hex}", appeal_id=appeal.id)


def record_marketing_consent(email: str, ip: str | None, user_agent: str | None,
                             wording_version: str) -> None:
    """The ticked marketing box: the current state, and an append-only audit row."""
    consent = db.session.execute(db.select(Consent).filter_by(email=email)).scalar_one_or_none()
    if consent is None:
        consent = Consent(email=email)
        db.session.add(consent)
    consent.marketing, consent.wording_version, consent.erased_at = True, wording_version, None
    db.session.add(ConsentAuditLog(email=email, action=ConsentAction.GIVEN, created_at=utcnow(),
                                   ip_address=ip, user_agent=(user_agent or "")[:512] or None,
                                   source="web_form", wording_version=wording_version))
