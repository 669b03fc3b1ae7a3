"""checkout.session.* events: read the session as it is now, then move the appeal."""
from __future__ import annotations

from app.appeals.payment_match import Payment, object_id, owner
from app.appeals.payment_result import Result, ignored
from app.appeals.payments import find_appeal, mark_checkout_expired, mark_failed, mark_paid
from app.integrations.payments import PaymentsGateway

PAID = ("paid", "no_payment_required")


def fetch_session(event: dict, gateway: PaymentsGateway) -> dict:
    return gateway.retrieve_checkout_session(event["data"]["object"]["id"])


def _appeal(session: dict):
    return find_appeal(session_id=session.get("id"),
                       payment_intent_id=object_id(session.get("payment_intent")),
                       appeal_id=_owner(session))


def _owner(session: dict) -> str | None:
    return owner(session.get("metadata"), session.get("client_reference_id"))


def payment_of(session: dict) -> Payment:
    metadata = session.get("metadata") or {}
    return Payment(payment_intent_id=object_id(session.get("payment_intent")),
                   amount_cents=session.get("amount_total"), currency=session.get("currency"),
                   session_id=session.get("id"), letter_version=metadata.get("letter_version"),
                   mail_class=metadata.get("mail_class"), appeal_id=_owner(session))


def apply_succeeded(event: dict, session: dict) -> Result:
    """checkout.session.completed and checkout.session.async_payment_succeeded."""
    if session.get("payment_status") not in PAID:
        # Delayed payment methods complete unpaid; async_payment_succeeded follows.
        return ignored(f"checkout session payment_status is {session.get('payment_status')}")
    appeal = _appeal(session)
    if appeal is None:
        return ignored("no appeal for this checkout session")
    return mark_paid(appeal, payment_of(session))


def apply_async_failed(event: dict, session: dict) -> Result:
    if session.get("payment_status") in PAID:
        return ignored("stale event: the checkout session is paid now")
    appeal = _appeal(session)
    if appeal is None:
        return ignored("no appeal for this checkout session")
    if appeal.stripe_checkout_session_id != session["id"]:
        return ignored("a checkout session the appeal no longer expects; status unchanged")
    return mark_failed(appeal, reference=session["id"])


def apply_expired(event: dict, session: dict) -> Result:
    """Back to letter_ready so the driver can check out again; otherwise nothing changes."""
    if session.get("status") != "expired":
        return ignored(f"stale event: the checkout session is {session.get('status')} now")
    appeal = _appeal(session)
    if appeal is None:
        return ignored("no appeal for this checkout session")
    return mark_checkout_expired(appeal, session["id"])
