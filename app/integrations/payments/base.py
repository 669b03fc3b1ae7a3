"""The payments gateway interface (§8): what checkout and the webhook handlers may ask of it.

Two providers implement it: Stripe (`stripe_gateway.py`) and the local demo (`demo_gateway.py`),
used when there are no Stripe keys outside production. Objects come back as plain dicts
shaped like Stripe's, so handlers never depend on which provider answered.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


class PaymentsError(Exception):
    """Base of the gateway's errors."""


class PaymentsUnavailable(PaymentsError):
    """Stripe is down, slow or refusing us, or its breaker is open.

    Checkout answers "payments are temporarily unavailable — your appeal is saved".
    `circuit_open` tells a retrying job that waiting is better than counting an attempt.
    """

    def __init__(self, message: str = "payments are temporarily unavailable", *,
                 circuit_open: bool = False):
        super().__init__(message)
        self.circuit_open = circuit_open


class PaymentsRejected(PaymentsError):
    """Stripe answered, but refused the request (4xx other than 429): e.g. no such object."""


@dataclass(frozen=True)
class CheckoutSession:
    id: str
    url: str


class PaymentsGateway(Protocol):
    name: str

    def create_checkout_session(self, appeal, *, mail_class: str, amount_cents: int,
                                currency: str, success_url: str,
                                cancel_url: str) -> CheckoutSession: ...

    def retrieve_checkout_session(self, session_id: str) -> dict: ...

    def retrieve_payment_intent(self, payment_intent_id: str) -> dict: ...

    def retrieve_charge(self, charge_id: str) -> dict: ...


def idempotency_key(appeal, mail_class: str) -> str:
    """One Checkout Session per appeal, letter version and mail class, however often asked."""
    return f"checkout:{appeal.public_id}:v{appeal.letter_version}:{mail_class}"


def checkout_metadata(appeal, mail_class: str) -> dict[str, str]:
    """Ids only: Stripe metadata never carries personal data (§13)."""
    return {"appeal_id": appeal.public_id, "letter_version": str(appeal.letter_version),
            "mail_class": mail_class}
