"""The demo "Pay" action: play Stripe's part, then deliver the event a real webhook would.

Nothing about the appeal's payment state is decided here: the completed event goes through
`ingest`, the same code the signed endpoint runs after verification, and the state machine
refuses a session the appeal no longer expects exactly as it would refuse Stripe's money.
"""
from __future__ import annotations

import secrets
import time


from app.extensions import db
from app.integrations.payments.demo_gateway import DemoPaymentGateway, is_paid, payment_intent_for
from app.models import Appeal, AppealStatus, appeal_by_public_id
from app.models.appeal import PAID_STATES
from app.webhooks.handlers import Outcome
from app.webhooks.ingest import ingest

# The demo's "Stripe side" keeps one payment per appeal (in the appeal row), so a second
# one cannot be made once the appeal holds a payment.
HOLDS_A_PAYMENT = PAID_STATES | {AppealStatus.REFUNDED}


class DemoCheckoutGone(Exception):
    """The appeal behind the demo session no longer exists."""


class DemoCheckoutOutdated(Exception):
    """The appeal changed since this checkout began (letter edited, other mail class, paid)."""


def find_appeal(details: dict) -> Appeal | None:
    return appeal_by_public_id(details["appeal_id"])


def pay(details: dict, gateway: DemoPaymentGateway) -> str:
    """Mark the demo session paid and ingest its checkout.session.completed; returns the
    outcome, or raises DemoCheckoutOutdated when the appeal did not take the payment."""
    session_id = details["sid"]
    appeal = appeal_by_public_id(details["appeal_id"], for_update=True)
    if appeal is None:
        db.session.rollback()
        raise DemoCheckoutGone()
    if not is_paid(appeal, session_id):
        if appeal.status in HOLDS_A_PAYMENT:
            db.session.rollback()
            raise DemoCheckoutOutdated()
        # The "Stripe side" of the demo: the driver paid this session.
        appeal.stripe_payment_intent_id = payment_intent_for(session_id)
    db.session.commit()
    outcome = ingest(completed_event(gateway.retrieve_checkout_session(session_id)), gateway)
    if outcome == Outcome.REFUSED:
        raise DemoCheckoutOutdated()
    return outcome


def completed_event(session: dict) -> dict:
    """A checkout.session.completed event shaped like Stripe's, one per press of Pay (as
    Stripe sends one per payment): a second press finds the appeal paid by this session
    and changes nothing, and a session refused earlier can be paid once it is current again."""
    return {
        "id": "evt_demo_" + secrets.token_hex(12),
        "object": "event", "api_version": None, "created": int(time.time()), "livemode": False,
        "pending_webhooks": 0, "request": {"id": None, "idempotency_key": None},
        "type": "checkout.session.completed", "data": {"object": session},
    }
