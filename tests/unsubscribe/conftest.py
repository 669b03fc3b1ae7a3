"""Unsubscribe fixtures: an app with a roomy unsubscribe limit, tokens, consent helpers."""
from __future__ import annotations

import time

import pytest
from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from app.email.unsubscribe_tokens import SALT, make_token
from app.extensions import db
from app.models import Consent, ConsentAuditLog

BASE_URL = "https://fightcitytickets.test"


@pytest.fixture
def unsub_app(app_factory):
    return app_factory(RATELIMIT_UNSUBSCRIBE="1000/minute", PUBLIC_BASE_URL=BASE_URL)


def token_for(app, email: str) -> str:
    with app.app_context():
        return make_token(email)


def old_token(secret: str, email: str, age_s: int) -> str:
    """A genuine token signed `age_s` seconds ago (itsdangerous's own timestamp hook)."""
    class Back(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) - age_s

    return URLSafeTimedSerializer(secret, salt=SALT, signer=Back).dumps({"e": email})


def audit(app, email: str | None = None) -> list[ConsentAuditLog]:
    with app.app_context():
        query = db.select(ConsentAuditLog).order_by(ConsentAuditLog.id)
        if email:
            query = query.filter_by(email=email)
        found = db.session.execute(query).scalars().all()
        db.session.expunge_all()
        return found


def consent(app, email: str) -> Consent | None:
    with app.app_context():
        row = db.session.execute(db.select(Consent).filter_by(email=email)).scalar_one_or_none()
        db.session.expunge_all()
        return row


from tests.email.conftest import mail_app  # noqa: E402,F401  (shared; smtp comes from tests/conftest.py)
