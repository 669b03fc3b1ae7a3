"""Moving an appeal through its payment states from facts read from Stripe (§4, §8).

Every function runs inside the caller's transaction with the appeal row locked, and
queues its email there too, so the state change and its email commit together or not at
all. Events arrive out of order, so each move is decided from the appeal's state now:
- a completion for an appeal already paid by the same payment changes nothing;
- a refund that overtakes its completion records the payment and ends `refunded` at once
  (a refunded charge is proof the charge succeeded); the completion that follows finds a
  refunded appeal and is refused, so it never moves back to `paid`;
- money received for an appeal that cannot take it (letter edited, already paid by another
  session) is refused and raised to operators, who refund it.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

from app.email.outbox import enqueue
from app.extensions import db
from app.models import Appeal, AppealStatus
from app.webhooks.handlers.result import Alert, Result, ignored, processed, refused
from app.appeals.service import format_price
from app.urls import absolute_url

log = logging.getLogger(__name__)
S = AppealStatus


@dataclass(frozen=True)
class Payment:
    payment_intent_id: str | None
    amount_cents: int | None
    currency: str | None
    session_id: str | None = None
    letter_version: str | None = None


def object_id(value) -> str | None:
    """Stripe fields hold an id, or the object itself when expanded."""
    return value.get("id") if isinstance(value, dict) else value


def find_appeal(*, appeal_id: str | None = None, session_id: str | None = None,
                payment_intent_id: str | None = None) -> Appeal | None:
    """The appeal behind a Stripe object, locked for this transaction (FOR UPDATE on PostgreSQL)."""
    for column, value in ((Appeal.public_id, appeal_id),
                          (Appeal.stripe_checkout_session_id, session_id),
                          (Appeal.stripe_payment_intent_id, payment_intent_id)):
        if value:
            appeal = db.session.execute(
                db.select(Appeal).where(column == value).with_for_update()).scalars().first()
            if appeal is not None:
                return appeal
    return None


def mark_paid(appeal: Appeal, payment: Payment) -> Result:
    ref = appeal.public_id
    same_payment = (appeal.stripe_payment_intent_id is None
                    or payment.payment_intent_id in (None, appeal.stripe_payment_intent_id))
    if appeal.status in (S.PAID, S.MAILED):
        if same_payment:
            appeal.stripe_payment_intent_id = (appeal.stripe_payment_intent_id
                                               or payment.payment_intent_id)
            return processed("already paid by this payment")
        return refused("already paid by another payment", Alert(
            f"payment-twice:{ref}", f"Appeal {ref} was paid twice (payment "
                                    f"{payment.payment_intent_id}); refund the second one in Stripe."))
    if appeal.status == S.REFUNDED:
        if same_payment:
            return refused("completion arrived after its refund; the appeal stays refunded")
        return refused("payment received for a refunded appeal", Alert(
            f"payment-refused:{ref}", f"Payment {payment.payment_intent_id} arrived for refunded "
                                      f"appeal {ref}; refund it in Stripe."))
    if not appeal.can_move_to(S.PAID):
        return refused(f"payment received while the appeal is {appeal.status}", Alert(
            f"payment-refused:{ref}", f"Payment {payment.payment_intent_id} arrived for appeal {ref} "
                                      f"in status {appeal.status}; check it and refund if needed."))
    if payment.letter_version and payment.letter_version != str(appeal.letter_version):
        log.warning("paid checkout was created for another letter version",
                    extra={"appeal": ref, "paid_version": payment.letter_version,
                           "current_version": appeal.letter_version})
    _record_payment(appeal, payment)
    appeal.move_to(S.PAID)
    _email(appeal, "receipt", email_context(appeal), f"receipt:{appeal.id}")
    return processed("appeal paid")


def mark_failed(appeal: Appeal, reference: str) -> Result:
    if appeal.status == S.PAYMENT_FAILED:
        return processed("already marked payment_failed")
    if appeal.status != S.AWAITING_PAYMENT:
        return refused(f"payment failure reported while the appeal is {appeal.status}")
    appeal.move_to(S.PAYMENT_FAILED)
    _email(appeal, "payment_failed", email_context(appeal),
           f"payment_failed:{appeal.id}:{reference}")
    return processed("payment failed")


def mark_refunded(appeal: Appeal, payment: Payment, *, full: bool, amount_refunded: int) -> Result:
    if appeal.status == S.REFUNDED:
        return processed("already refunded")
    if not full and appeal.status != S.MAILED:
        # Policy refunds are full before mailing; a partial one is an operator's gesture.
        return ignored(f"partial refund while {appeal.status}; status unchanged")
    if full and appeal.status in (S.AWAITING_PAYMENT, S.PAYMENT_FAILED):
        _record_payment(appeal, payment)  # the refund overtook the completion
        appeal.move_to(S.PAID)
    if not appeal.can_move_to(S.REFUNDED):
        return refused(f"refund reported while the appeal is {appeal.status}")
    appeal.move_to(S.REFUNDED)
    context = email_context(appeal)
    context.update(amount_refunded_cents=amount_refunded,
                   amount_refunded=format_price(amount_refunded, appeal.currency or "usd"))
    _email(appeal, "refunded", context, f"refunded:{appeal.id}")
    return processed("appeal refunded")


def _email(appeal: Appeal, template: str, context: dict, key: str) -> None:
    """Queued in this transaction, once per key. An appeal reaches payment with an email;
    should one not have it, the state change still stands and operators see the log."""
    if not appeal.email:
        log.warning("no email address for appeal", extra={"appeal": appeal.public_id,
                                                          "template": template})
        return
    enqueue(appeal.email, template, context, idempotency_key=key, appeal_id=appeal.id)


def _record_payment(appeal: Appeal, payment: Payment) -> None:
    if payment.payment_intent_id:
        appeal.stripe_payment_intent_id = payment.payment_intent_id
    if payment.session_id:
        appeal.stripe_checkout_session_id = payment.session_id
    if payment.amount_cents is not None:
        appeal.price_cents = payment.amount_cents
    if payment.currency:
        appeal.currency = payment.currency.lower()


def email_context(appeal: Appeal) -> dict:
    cents, currency = appeal.price_cents or 0, appeal.currency or "usd"
    return {
        "appeal": appeal, "appeal_id": appeal.public_id, "appeal_url": appeal_url(appeal.public_id),
        "citation_number": appeal.citation_number, "city_slug": appeal.city_slug,
        "driver_name": appeal.driver_name, "mail_class": appeal.mail_class,
        "amount_cents": cents, "currency": currency, "amount": format_price(cents, currency),
    }


def appeal_url(public_id: str) -> str:
    """The appeal page on PUBLIC_BASE_URL, never on the host a request came with."""
    return absolute_url("appeals.status", public_id=public_id)
