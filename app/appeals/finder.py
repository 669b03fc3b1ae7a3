"""Find my appeal: email the appeal link to the address the driver gave for that citation."""
from __future__ import annotations

import re
from typing import Callable

from sqlalchemy import func

from app.appeals.notices import send_appeal_link
from app.extensions import db
from app.models import Appeal

SEPARATORS = re.compile(r"[\s.\-]+")
MAX_MATCHES = 3  # one citation, one address: more would be someone starting over and over


def normalize(raw: str) -> str:
    """As the city registry normalises numbers: spaces, dashes and dots ignored, upper case."""
    return SEPARATORS.sub("", raw or "").upper()[:40]


def email_links(citation_number: str, email: str, link_for: Callable[[str], str]) -> int:
    """Queue the link (`link_for(public_id)`) of each matching appeal to `email`; returns how
    many matched.

    The caller answers the same way whatever this returns.
    """
    appeals = db.session.execute(
        db.select(Appeal)
        .where(Appeal.citation_number == normalize(citation_number),
               func.lower(Appeal.email) == email.strip().lower())
        .order_by(Appeal.created_at.desc()).limit(MAX_MATCHES)).scalars().all()
    for appeal in appeals:
        send_appeal_link(appeal, link_for(appeal.public_id))
    db.session.commit()
    return len(appeals)
