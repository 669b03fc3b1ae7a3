"""payment_intent.payment_failed, charge.refunded and charge.dispute.created."""
from __future__ import annotations

from app.appeals.payment_match import Payment, mismatch, object_id, owner
from app.appeals.payment_result import Alert, Result, ignored, processed
from app.appeals.payments import find_appeal, mark_failed, mark_refunded
from app.integrations.payments import PaymentsGateway

STILL_GOING = ("succeeded", "processing", "requires_capture")


def fetch_intent(event: dict, gateway: PaymentsGateway) -> dict:
    return gateway.retrieve_payment_intent(event["data"]["object"]["id"])


def apply_payment_failed(event: dict, intent: dict) -> Result:
    if intent.get("status") in STILL_GOING:
        return ignored(f"stale event: the payment intent is {intent.get('status')} now")
    metadata = intent.get("metadata") or {}
    appeal = find_appeal(payment_intent_id=intent.get("id"), appeal_id=owner(metadata))
    if appeal is None:
        return ignored("no appeal for this payment intent")
    reason = mismatch(appeal, _payment(intent.get("id"), intent, metadata), by_session=False)
    if reason:  # e.g. a declined card on a session the driver has since replaced
        return ignored(f"failure of a payment the appeal does not expect ({reason})")
    return mark_failed(appeal, reference=intent["id"])


def fetch_refund(event: dict, gateway: PaymentsGateway) -> dict:
    """The charge now, and its PaymentIntent when only that carries our appeal id."""
    charge = gateway.retrieve_charge(event["data"]["object"]["id"])
    intent_id = object_id(charge.get("payment_intent"))
    intent = None
    if intent_id and not (charge.get("metadata") or {}).get("appeal_id"):
        intent = gateway.retrieve_payment_intent(intent_id)
    return {"charge": charge, "intent": intent}


def apply_refund(event: dict, facts: dict) -> Result:
    charge, intent = facts["charge"], facts["intent"] or {}
    refunded = int(charge.get("amount_refunded") or 0)
    amount = int(charge.get("amount") or 0)
    full = bool(charge.get("refunded")) or (amount > 0 and refunded >= amount)
    if not full and refunded <= 0:
        return ignored("stale event: the charge shows no refund now")
    intent_id = object_id(charge.get("payment_intent"))
    metadata = charge.get("metadata") or intent.get("metadata") or {}
    appeal = find_appeal(payment_intent_id=intent_id, appeal_id=owner(metadata))
    if appeal is None:
        return ignored("no appeal for this charge")
    return mark_refunded(appeal, _payment(intent_id, charge, metadata),
                         full=full, amount_refunded=refunded)


def _payment(intent_id: str | None, obj: dict, metadata: dict) -> Payment:
    """A charge's or PaymentIntent's facts; its metadata says which checkout it paid for."""
    return Payment(payment_intent_id=intent_id, amount_cents=obj.get("amount"),
                   currency=obj.get("currency"), letter_version=metadata.get("letter_version"),
                   mail_class=metadata.get("mail_class"), appeal_id=owner(metadata))


def fetch_nothing(event: dict, gateway: PaymentsGateway) -> None:
    """A dispute changes no state, so its alert does not wait for the Stripe API."""
    return None


def apply_dispute(event: dict, _facts: None) -> Result:
    dispute = event["data"]["object"]
    intent_id = object_id(dispute.get("payment_intent"))
    appeal = find_appeal(payment_intent_id=intent_id) if intent_id else None
    who = f"appeal {appeal.public_id}" if appeal is not None else "an unknown appeal"
    amount = dispute.get("amount")
    message = (f"Stripe dispute {dispute.get('id')} opened for {who} (charge "
               f"{object_id(dispute.get('charge'))}, {amount} {dispute.get('currency') or ''}, reason "
               f"{dispute.get('reason') or 'unknown'}). Respond in the Stripe dashboard.")
    return processed("operator alerted", Alert(f"dispute:{dispute.get('id')}", message))
