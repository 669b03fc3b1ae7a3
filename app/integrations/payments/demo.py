"""Demo payments: no Stripe keys outside production, and no card is ever charged (§5.7).

The "Stripe side" of a demo payment lives in the appeal row, so every gunicorn worker sees
the same state: the session id is the appeal's `stripe_checkout_session_id`, and the demo
Pay button marks it paid by setting `stripe_payment_intent_id` to the session's demo
PaymentIntent id. The checkout URL carries a signed token with what Stripe would have been
told (amount, letter version, return URLs), so nothing is kept in process memory.
"""
from __future__ import annotations

import hashlib
import hmac

from flask import url_for
from itsdangerous import BadSignature, URLSafeSerializer

from app.extensions import db
from app.integrations.payments.base import (CheckoutSession, PaymentsRejected, checkout_metadata,
                                            idempotency_key)
from app.models import Appeal

SESSION_PREFIX = "demo_cs_"
INTENT_PREFIX = "demo_pi_"
TOKEN_SALT = "fct-demo-checkout"


def payment_intent_for(session_id: str) -> str:
    return INTENT_PREFIX + session_id.removeprefix(SESSION_PREFIX)


def is_paid(appeal: Appeal, session_id: str) -> bool:
    return appeal.stripe_payment_intent_id == payment_intent_for(session_id)


class DemoGateway:
    name = "demo"

    def __init__(self, secret_key: str):
        self._secret = secret_key.encode()
        self._tokens = URLSafeSerializer(secret_key, salt=TOKEN_SALT)

    def create_checkout_session(self, appeal, *, mail_class: str, amount_cents: int,
                                currency: str, success_url: str,
                                cancel_url: str) -> CheckoutSession:
        # Derived from the idempotency key, like Stripe answering the same key twice.
        digest = hmac.new(self._secret, idempotency_key(appeal, mail_class).encode(),
                          hashlib.sha256).hexdigest()[:24]
        session_id = SESSION_PREFIX + digest
        token = self._tokens.dumps({
            "sid": session_id, "amount": amount_cents, "currency": currency,
            "success_url": success_url, "cancel_url": cancel_url,
            **checkout_metadata(appeal, mail_class),
        })
        return CheckoutSession(id=session_id,
                               url=url_for("webhooks.demo_checkout", session_id=session_id, t=token))

    def read_token(self, session_id: str, token: str) -> dict | None:
        """The signed checkout details behind a demo URL, or None if forged or mismatched."""
        try:
            data = self._tokens.loads(token or "")
        except BadSignature:
            return None
        return data if isinstance(data, dict) and data.get("sid") == session_id else None

    def retrieve_checkout_session(self, session_id: str) -> dict:
        appeal = _one(Appeal.stripe_checkout_session_id == session_id, "checkout.session", session_id)
        paid = is_paid(appeal, session_id)
        return {
            "id": session_id, "object": "checkout.session", "mode": "payment", "livemode": False,
            "status": "complete" if paid else "open",
            "payment_status": "paid" if paid else "unpaid",
            "amount_total": appeal.price_cents, "currency": appeal.currency,
            "payment_intent": appeal.stripe_payment_intent_id if paid else None,
            "client_reference_id": appeal.public_id,
            "metadata": checkout_metadata(appeal, appeal.mail_class or "standard"),
        }

    def retrieve_payment_intent(self, payment_intent_id: str) -> dict:
        appeal = _one(Appeal.stripe_payment_intent_id == payment_intent_id, "payment_intent",
                      payment_intent_id)
        return {
            "id": payment_intent_id, "object": "payment_intent", "status": "succeeded",
            "amount": appeal.price_cents, "amount_received": appeal.price_cents,
            "currency": appeal.currency, "latest_charge": None, "livemode": False,
            "metadata": checkout_metadata(appeal, appeal.mail_class or "standard"),
        }

    def retrieve_charge(self, charge_id: str) -> dict:
        raise PaymentsRejected(f"No such charge: {charge_id} (demo payments create no charges)")


def _one(condition, kind: str, object_id: str) -> Appeal:
    appeal = None
    if object_id.startswith((SESSION_PREFIX, INTENT_PREFIX)):
        appeal = db.session.execute(db.select(Appeal).where(condition)).scalar_one_or_none()
    if appeal is None:
        raise PaymentsRejected(f"No such {kind}: {object_id}")
    return appeal
