"""The demo "Pay" action: play Stripe's part, then deliver the event a real webhook would.

Nothing about the appeal's payment state is decided here: the completed event goes through
`ingest`, the same code the signed endpoint runs after verification.
"""
from __future__ import annotations

import time

from sqlalchemy import select

from app.extensions import db
from app.integrations.payments.demo import (SESSION_PREFIX, DemoGateway, is_paid,
                                            payment_intent_for)
from app.models import Appeal, AppealStatus
from app.webhooks.ingest import ingest


class DemoCheckoutGone(Exception):
    """The appeal behind the demo session no longer exists."""


class DemoCheckoutOutdated(Exception):
    """The appeal changed since this checkout began (letter edited, other mail class, paid)."""


def find_appeal(details: dict) -> Appeal | None:
    return db.session.execute(
        select(Appeal).where(Appeal.public_id == details["appeal_id"])).scalar_one_or_none()


def pay(details: dict, gateway: DemoGateway) -> str:
    """Mark the demo session paid and ingest its checkout.session.completed; returns the outcome."""
    session_id = details["sid"]
    appeal = db.session.execute(
        select(Appeal).where(Appeal.public_id == details["appeal_id"]).with_for_update()
    ).scalar_one_or_none()
    if appeal is None:
        db.session.rollback()
        raise DemoCheckoutGone()
    if not is_paid(appeal, session_id):
        current = (appeal.status == AppealStatus.AWAITING_PAYMENT
                   and str(appeal.letter_version) == details["letter_version"]
                   and (appeal.mail_class or "standard") == details["mail_class"]
                   and appeal.stripe_checkout_session_id in (None, session_id))
        if not current:
            db.session.rollback()
            raise DemoCheckoutOutdated()
        # The "Stripe side" of the demo: the session is this appeal's and it is paid.
        appeal.stripe_checkout_session_id = session_id
        appeal.stripe_payment_intent_id = payment_intent_for(session_id)
    db.session.commit()
    return ingest(completed_event(gateway.retrieve_checkout_session(session_id)), gateway)


def completed_event(session: dict) -> dict:
    """A checkout.session.completed event shaped like Stripe's; one id per session, so a
    second press of Pay is a duplicate delivery."""
    return {
        "id": "evt_demo_" + session["id"].removeprefix(SESSION_PREFIX),
        "object": "event", "api_version": None, "created": int(time.time()), "livemode": False,
        "pending_webhooks": 0, "request": {"id": None, "idempotency_key": None},
        "type": "checkout.session.completed", "data": {"object": session},
    }
