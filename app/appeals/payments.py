"""The appeal's payment state machine: moves from facts read from Stripe (§4, §8).

Called by the webhook handlers (app/webhooks/handlers/) and nothing else.

Every function runs inside the caller's transaction with the appeal row locked, and
queues its email there too, so the state change and its email commit together or not at
all. Events arrive out of order, so each move is decided from the appeal's state now:
- money counts only for the exact checkout session, amount, currency, mail class and
  letter version the appeal expects now (`payment_match.mismatch`); any other payment (an older
  session, another appeal's, a second one after payment) is refused, changes nothing, and
  is raised to operators to refund, once per payment;
- a completion for an appeal already paid by the same payment changes nothing;
- a refund that overtakes its completion records the payment and ends `refunded` at once
  (a refunded charge is proof the charge succeeded); the completion that follows finds a
  refunded appeal and is refused, so it never moves back to `paid`;
- a refund or a failure of a payment the appeal does not hold (the refused payment an
  operator refunded, an abandoned session's declined card) leaves the appeal alone.
A refusal is recorded as the event's outcome (`stripe_events.outcome = refused`), logged
and counted by the webhook's `processing.finish`, and stored as an operator alert row
(`operator_alerts`).
"""
from __future__ import annotations

from app.appeals.driver_notifications import email_context, notify
from app.appeals.payment_match import Payment, mismatch, same_payment
from app.appeals.payment_result import Alert, Result, ignored, processed, refused
from app.appeals.service import format_price
from app.extensions import db
from app.models import Appeal, AppealStatus
from app.models.appeal import PAID_STATES

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
    if appeal.status in PAID_STATES:  # paid, and perhaps mailed since
        if same_payment(appeal, payment):
            return processed("already paid by this payment")
        reason = "the appeal was already paid by another payment"
        return refused(reason, refund_alert(appeal, payment, reason))
    if appeal.status == AppealStatus.REFUNDED:
        if same_payment(appeal, payment):
            return refused("completion arrived after its refund; the appeal stays refunded")
        reason = "the appeal was refunded"
        return refused(reason, refund_alert(appeal, payment, reason))
    if not appeal.can_move_to(AppealStatus.PAID):
        reason = f"the appeal is {appeal.status}, not waiting for a payment"
        return refused(reason, refund_alert(appeal, payment, reason))
    reason = mismatch(appeal, payment)
    if reason:
        return refused(reason, refund_alert(appeal, payment, reason))
    _record_payment(appeal, payment)
    appeal.move_to(AppealStatus.PAID)
    notify(appeal, "receipt", email_context(appeal), f"receipt:{appeal.id}")
    return processed("appeal paid")


def mark_failed(appeal: Appeal, reference: str) -> Result:
    """The caller has checked that the failed payment is the one the appeal expects."""
    if appeal.status == AppealStatus.PAYMENT_FAILED:
        return processed("already marked payment_failed")
    if appeal.status != AppealStatus.AWAITING_PAYMENT:
        return refused(f"payment failure reported while the appeal is {appeal.status}")
    appeal.move_to(AppealStatus.PAYMENT_FAILED)
    notify(appeal, "payment_failed", email_context(appeal),
           f"payment_failed:{appeal.id}:{reference}")
    return processed("payment failed")


def mark_refunded(appeal: Appeal, payment: Payment, *, full: bool, amount_refunded: int) -> Result:
    if appeal.stripe_payment_intent_id and payment.payment_intent_id != appeal.stripe_payment_intent_id:
        return ignored("refund of a payment this appeal was not paid with; status unchanged")
    if appeal.status == AppealStatus.REFUNDED:
        return processed("already refunded")
    if not full and appeal.status != AppealStatus.MAILED:
        # Policy refunds are full before mailing; a partial one is an operator's gesture.
        return ignored(f"partial refund while {appeal.status}; status unchanged")
    if full and appeal.status in (AppealStatus.AWAITING_PAYMENT, AppealStatus.PAYMENT_FAILED):
        reason = mismatch(appeal, payment, by_session=False)
        if reason:  # e.g. the refused payment of an older session, refunded by an operator
            return ignored(f"refund of a payment the appeal never took ({reason}); status unchanged")
        _record_payment(appeal, payment)  # the refund overtook the completion
        appeal.move_to(AppealStatus.PAID)
    if not appeal.can_move_to(AppealStatus.REFUNDED):
        return refused(f"refund reported while the appeal is {appeal.status}")
    appeal.move_to(AppealStatus.REFUNDED)
    context = email_context(appeal)
    context.update(amount_refunded_cents=amount_refunded,
                   amount_refunded=format_price(amount_refunded, appeal.currency or "usd"))
    notify(appeal, "refunded", context, f"refunded:{appeal.id}")
    return processed("appeal refunded")


def mark_checkout_expired(appeal: Appeal, session_id: str) -> Result:
    """Back to letter_ready so the driver can check out again; otherwise nothing changes."""
    if appeal.status != AppealStatus.AWAITING_PAYMENT:
        return ignored(f"appeal is {appeal.status}; it stays")
    if appeal.stripe_checkout_session_id != session_id:
        return ignored("a newer checkout session is the appeal's current one")
    appeal.move_to(AppealStatus.LETTER_READY)
    return processed("checkout expired; appeal back to letter_ready")


def _record_payment(appeal: Appeal, payment: Payment) -> None:
    """Only which payment it was: amount, currency and mail class already matched the appeal."""
    if payment.payment_intent_id:
        appeal.stripe_payment_intent_id = payment.payment_intent_id
