"""Stripe event handlers, by event type (§8).

A handler has two halves: `fetch` reads the object's current state from the payments
gateway (network only, no database transaction held open while Stripe answers), and
`apply` changes the database from those facts inside the transaction that records the
event. Types without a handler are recorded and acknowledged.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from app.integrations.payments import PaymentsGateway
from app.webhooks.handlers import charges, checkout
from app.appeals.payment_result import Alert, Outcome, Result


@dataclass(frozen=True)
class Handler:
    fetch: Callable[[dict, PaymentsGateway], Any]
    apply: Callable[[dict, Any], Result]


HANDLERS: dict[str, Handler] = {
    "checkout.session.completed": Handler(checkout.fetch_session, checkout.apply_succeeded),
    "checkout.session.async_payment_succeeded": Handler(checkout.fetch_session,
                                                        checkout.apply_succeeded),
    "checkout.session.async_payment_failed": Handler(checkout.fetch_session,
                                                     checkout.apply_async_failed),
    "checkout.session.expired": Handler(checkout.fetch_session, checkout.apply_expired),
    "payment_intent.payment_failed": Handler(charges.fetch_intent, charges.apply_payment_failed),
    "charge.refunded": Handler(charges.fetch_refund, charges.apply_refund),
    "charge.dispute.created": Handler(charges.fetch_nothing, charges.apply_dispute),
}


def handler_for(event_type: str) -> Handler | None:
    return HANDLERS.get(event_type)


__all__ = ["Alert", "HANDLERS", "Handler", "Outcome", "Result", "handler_for"]
