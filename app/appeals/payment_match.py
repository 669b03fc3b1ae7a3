"""Is this money the payment an appeal expects now? (§8)

A Checkout Session is made for one appeal, letter version, mail class, amount and currency,
and Stripe keeps it payable until it expires, also after the driver went back and started
another one (certified instead of standard, or after editing the letter). So a payment
counts for an appeal only when it is for the checkout session the appeal recorded last, at
the amount, currency, mail class and letter version the appeal holds now. The payment's
side comes from Stripe (read from its API, never from an event's payload), the appeal's
side from what our own checkout recorded: nothing a client sends decides what was paid.
"""
from __future__ import annotations

from dataclasses import dataclass

from app.models import Appeal


@dataclass(frozen=True)
class Payment:
    """One payment as Stripe describes it (the session's or the charge's facts)."""

    payment_intent_id: str | None
    amount_cents: int | None
    currency: str | None
    session_id: str | None = None
    letter_version: str | None = None
    mail_class: str | None = None
    appeal_id: str | None = None  # the appeal the checkout was made for (its metadata)

    @property
    def reference(self) -> str:
        """What operators look the payment up by in the Stripe dashboard."""
        return self.payment_intent_id or self.session_id or "unknown payment"

    def describe(self) -> str:
        amount = "unknown amount" if self.amount_cents is None else (
            f"{self.amount_cents / 100:.2f} {(self.currency or '').upper()}".strip())
        return f"{self.reference} ({amount}, {self.mail_class or 'unknown'} mail)"


def same_payment(appeal: Appeal, payment: Payment) -> bool:
    """The payment the appeal already recorded (a redelivery or a second event about it)."""
    if payment.payment_intent_id and appeal.stripe_payment_intent_id:
        return payment.payment_intent_id == appeal.stripe_payment_intent_id
    return bool(payment.session_id) and payment.session_id == appeal.stripe_checkout_session_id


def mismatch(appeal: Appeal, payment: Payment, *, by_session: bool = True) -> str | None:
    """Why `payment` is not the one the appeal expects now, or None when it is.

    `by_session=False` for facts that carry no session (a charge, a PaymentIntent): the
    letter version and mail class in its metadata then stand for the session, as they make
    its idempotency key.
    """
    if payment.appeal_id != appeal.public_id:
        return f"the checkout was made for appeal {payment.appeal_id or '(none)'}"
    if by_session and (not payment.session_id
                       or payment.session_id != appeal.stripe_checkout_session_id):
        return "it is not the appeal's current checkout session"
    if appeal.price_cents is None or payment.amount_cents != appeal.price_cents:
        return f"amount {payment.amount_cents} where {appeal.price_cents} is expected"
    if (payment.currency or "").lower() != (appeal.currency or "").lower():
        return f"currency {payment.currency} where {appeal.currency} is expected"
    if payment.mail_class != appeal.mail_class:
        return f"{payment.mail_class} mail where {appeal.mail_class} is expected"
    if payment.letter_version != str(appeal.letter_version):
        return f"letter version {payment.letter_version} where {appeal.letter_version} is expected"
    return None


def owner(metadata: dict | None, client_reference_id: str | None = None) -> str | None:
    """The appeal a Stripe object names; None when it names none, or two different ones."""
    named = {value for value in ((metadata or {}).get("appeal_id"), client_reference_id) if value}
    return named.pop() if len(named) == 1 else None


def object_id(value) -> str | None:
    """Stripe fields hold an id, or the object itself when expanded."""
    return value.get("id") if isinstance(value, dict) else value
