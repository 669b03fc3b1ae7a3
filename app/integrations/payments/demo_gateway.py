"""Demo payments: no Stripe keys outside production, and no card is ever charged (§5.7).

The "Stripe side" of a demo payment needs no table. A session id says what the session
was made for, as Stripe remembers it: `demo_cs_<appeal>.<letter version>.<mail class>.
<amount>.<currency>.<mac>`, the mac (keyed with SECRET_KEY) making ids nobody else can
mint. So an older session reads back with its own amount and mail class, never with what
the appeal holds now, and the state machine can refuse it. Whether a session is paid lives
in the appeal row, so every gunicorn worker sees it: the demo Pay button sets
`stripe_payment_intent_id` to the session's demo PaymentIntent id. The checkout URL carries
a signed token with the return URLs, so nothing is kept in process memory.
"""
from __future__ import annotations

import hashlib
import hmac

from flask import url_for
from itsdangerous import BadSignature, URLSafeSerializer

from app.integrations.payments.base import CheckoutSession, PaymentsRejected, checkout_metadata
from app.models import Appeal, appeal_by_public_id

SESSION_PREFIX = "demo_cs_"
INTENT_PREFIX = "demo_pi_"
TOKEN_SALT = "fct-demo-checkout"
MAC_CHARS = 16


def payment_intent_for(session_id: str) -> str:
    return INTENT_PREFIX + session_id.removeprefix(SESSION_PREFIX)


def is_paid(appeal: Appeal, session_id: str) -> bool:
    return appeal.stripe_payment_intent_id == payment_intent_for(session_id)


class DemoPaymentGateway:
    name = "demo"

    def __init__(self, secret_key: str):
        self._secret = secret_key.encode()
        self._tokens = URLSafeSerializer(secret_key, salt=TOKEN_SALT)

    def create_checkout_session(self, appeal, *, mail_class: str, amount_cents: int,
                                currency: str, success_url: str,
                                cancel_url: str) -> CheckoutSession:
        # The same appeal, letter version, mail class and price give the same id, like
        # Stripe answering the same idempotency key twice.
        body = ".".join((appeal.public_id, str(appeal.letter_version), mail_class,
                         str(int(amount_cents)), currency.lower()))
        session_id = f"{SESSION_PREFIX}{body}.{self._mac(body)}"
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
        facts, appeal = self._session(session_id, SESSION_PREFIX, "checkout.session")
        paid = is_paid(appeal, session_id)
        return {
            "id": session_id, "object": "checkout.session", "mode": "payment", "livemode": False,
            "status": "complete" if paid else "open",
            "payment_status": "paid" if paid else "unpaid",
            "amount_total": facts["amount"], "currency": facts["currency"],
            "payment_intent": payment_intent_for(session_id) if paid else None,
            "client_reference_id": facts["appeal_id"], "metadata": facts["metadata"],
        }

    def retrieve_payment_intent(self, payment_intent_id: str) -> dict:
        facts, appeal = self._session(payment_intent_id, INTENT_PREFIX, "payment_intent")
        paid = appeal.stripe_payment_intent_id == payment_intent_id
        return {
            "id": payment_intent_id, "object": "payment_intent",
            "status": "succeeded" if paid else "requires_payment_method",
            "amount": facts["amount"], "amount_received": facts["amount"] if paid else 0,
            "currency": facts["currency"], "latest_charge": None, "livemode": False,
            "metadata": facts["metadata"],
        }

    def retrieve_charge(self, charge_id: str) -> dict:
        raise PaymentsRejected(f"No such charge: {charge_id} (demo payments create no charges)")

    def _mac(self, body: str) -> str:
        return hmac.new(self._secret, body.encode(), hashlib.sha256).hexdigest()[:MAC_CHARS]

    def _session(self, object_id: str, prefix: str, kind: str) -> tuple[dict, Appeal]:
        """What the session behind a demo id was made for, and its appeal; as Stripe would,
        an id we never made (or whose appeal is gone) is "No such ..."."""
        body, _, mac = object_id.removeprefix(prefix).rpartition(".")
        parts = body.split(".")
        if not (object_id.startswith(prefix) and len(parts) == 5
                and hmac.compare_digest(mac.encode(), self._mac(body).encode())):
            raise PaymentsRejected(f"No such {kind}: {object_id}")
        public_id, version, mail_class, amount, currency = parts
        appeal = appeal_by_public_id(public_id)
        if appeal is None:
            raise PaymentsRejected(f"No such {kind}: {object_id}")
        metadata = {"appeal_id": public_id, "letter_version": version, "mail_class": mail_class}
        return {"appeal_id": public_id, "amount": int(amount), "currency": currency,
                "metadata": metadata}, appeal
