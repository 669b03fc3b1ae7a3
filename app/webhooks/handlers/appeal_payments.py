"""Moving an appeal through its payment states from facts read from Stripe (§4, §8).

Every function runs inside the caller's transaction with the appeal row locked, and
queues its email there too, so the state change and its email commit together or not at
all. Events arrive out of order, so each move is decided from the appeal's state now:
- money counts only for the exact checkout session, amount, currency, mail class and
  letter version the appeal expects now (`expected.mismatch`); any other payment (an older
  session, another appeal's, a second one after payment) is refused, changes nothing, and
  is raised to operators to refund, once per payment;
- a completion for an appeal already paid by the same payment changes nothing;
- a refund that overtakes its completion records the payment and ends `refunded` at once
  (a refunded charge is proof the charge succeeded); the completion that follows finds a
  refunded appeal and is refused, so it never moves back to `paid`;
- a refund or a failure of a payment the appeal does not hold (the refused payment an
  operator refunded, an abandoned session's declined card) leaves the appeal alone.
A refusal is recorded as the event's outcome (`stripe_events.outcome = refused`), logged
and counted by `processing.finish`, and stored as an operator alert row (`operator_alerts`).
"""
from __future__ import annotations

import logging

from app.email.outbox import enqueue
from app.extensions import db
from app.models import Appeal, AppealStatus
from app.webhooks.handlers.expected import Payment, mismatch, same_payment
from app.webhooks.handlers.result import Alert, Result, ignored, processed, refused
from app.appeals.service import format_price
from app.urls import absolute_url

log = logging.getLogger(__name__)
S = AppealStatus


def object_id(value) -> str | None:
    """Stripe fields hold an id, or the object itself when expanded."""
    return value.get("id") if isinstance(value, dict) else value


def find_appeal(*, appeal_id: str | None = None, session_id: str | None = None,
                payment_intent_id: str | None = None) -> Appeal | None:
    """The appeal behind a Stripe object, locked for this transaction (FOR UPDATE on PostgreSQL).

    Our own records first (the session or payment the appeal recorded), the metadata's
    appeal id last: whether the payment is really that appeal's is `mismatch`'s to decide.
    """
    for column, value in ((Appeal.stripe_checkout_session_id, session_id),
                          (Appeal.stripe_payment_intent_id, payment_intent_id),
                          (Appeal.public_id, appeal_id)):
        if value:
            appeal = db.session.execute(
                db.select(Appeal).where(column == value).with_for_update()).scalars().first()
            if appeal is not None:
                return appeal
    return None


def refund_alert(appeal: Appeal, payment: Payment, reason: str) -> Alert:
    """One alert per payment: a redelivery or a second event about it does not repeat it."""
    return Alert(f"payment-refused:{payment.reference}"[:128],
                 f"Payment {payment.describe()} for appeal {appeal.public_id} was refused "
                 f"({reason}); the appeal is unchanged. Refund the payment in Stripe.")


def mark_paid(appeal: Appeal, payment: Payment) -> Result:
    if appeal.status in (S.PAID, S.MAILED):
        if same_payment(appeal, payment):
            return processed("already paid by this payment")
        reason = "the appeal was already paid by another payment"
        return refused(reason, refund_alert(appeal, payment, reason))
    if appeal.status == S.REFUNDED:
        if same_payment(appeal, payment):
            return refused("completion arrived after its refund; the appeal stays refunded")
        reason = "the appeal was refunded"
        return refused(reason, refund_alert(appeal, payment, reason))
    if not appeal.can_move_to(S.PAID):
        reason = f"the appeal is {appeal.status}, not waiting for a payment"
        return refused(reason, refund_alert(appeal, payment, reason))
    reason = mismatch(appeal, payment)
    if reason:
        return refused(reason, refund_alert(appeal, payment, reason))
    _record_payment(appeal, payment)
    appeal.move_to(S.PAID)
    _email(appeal, "receipt", email_context(appeal), f"receipt:{appeal.id}")
    return processed("appeal paid")


def mark_failed(appeal: Appeal, reference: str) -> Result:
    """The caller has checked that the failed payment is the one the appeal expects."""
    if appeal.status == S.PAYMENT_FAILED:
        return processed("already marked payment_failed")
    if appeal.status != S.AWAITING_PAYMENT:
        return refused(f"payment failure reported while the appeal is {appeal.status}")
    appeal.move_to(S.PAYMENT_FAILED)
    _email(appeal, "payment_failed", email_context(appeal),
           f"payment_failed:{appeal.id}:{reference}")
    return processed("payment failed")


def mark_refunded(appeal: Appeal, payment: Payment, *, full: bool, amount_refunded: int) -> Result:
    if appeal.stripe_payment_intent_id and payment.payment_intent_id != appeal.stripe_payment_intent_id:
        return ignored("refund of a payment this appeal was not paid with; status unchanged")
    if appeal.status == S.REFUNDED:
        return processed("already refunded")
    if not full and appeal.status != S.MAILED:
        # Policy refunds are full before mailing; a partial one is an operator's gesture.
        return ignored(f"partial refund while {appeal.status}; status unchanged")
    if full and appeal.status in (S.AWAITING_PAYMENT, S.PAYMENT_FAILED):
        reason = mismatch(appeal, payment, by_session=False)
        if reason:  # e.g. the refused payment of an older session, refunded by an operator
            return ignored(f"refund of a payment the appeal never took ({reason}); status unchanged")
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
    """Only which payment it was: amount, currency and mail class already matched the appeal."""
    if payment.payment_intent_id:
        appeal.stripe_payment_intent_id = payment.payment_intent_id


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
