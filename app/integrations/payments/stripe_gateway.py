"""Stripe through the official SDK, behind the `stripe` breaker and the retry policy (§8, §9).

The SDK's own retries are off (`max_network_retries=0`): our policy retries transient
failures, which is safe for the POST because it carries an idempotency key and for GETs
by nature. Every call has its own HTTP timeout; the breaker only counts. A 4xx answer
means Stripe is up and said no, so it does not count against the breaker.
"""
from __future__ import annotations

import json
import logging
from typing import Callable
from urllib.parse import quote

import sentry_sdk
import stripe
from tenacity import stop_after_delay

from app.integrations.payments.base import (CheckoutSession, PaymentsRejected, PaymentsUnavailable,
                                            checkout_metadata, idempotency_key)
from app.resilience.breakers import OpenCircuit, guard
from app.resilience.retry import is_transient_http_status, policy

log = logging.getLogger(__name__)
CONNECT_TIMEOUT_S = 3.0
READ_TIMEOUT_S = 8.0
# No retry starts once a call has taken this long: a hanging Stripe costs a driver at most
# two read timeouts, not four.
CALL_BUDGET_S = 10.0
MAIL_CLASS_NAMES = {"standard": "standard mail", "certified": "certified mail with return receipt"}


def is_transient(exc: BaseException) -> bool:
    """Connection errors, timeouts, 429 and 5xx (and unreadable answers) are worth a retry."""
    if isinstance(exc, (stripe.APIConnectionError, stripe.RateLimitError)):
        return True
    if isinstance(exc, stripe.APIError) and exc.http_status is None:
        return True
    return isinstance(exc, stripe.StripeError) and is_transient_http_status(exc.http_status)


class StripeGateway:
    name = "stripe"

    def __init__(self, api_key: str, api_base: str = "", *,
                 timeout: tuple[float, float] = (CONNECT_TIMEOUT_S, READ_TIMEOUT_S)):
        self._client = stripe.StripeClient(
            api_key,
            base_addresses={"api": api_base} if api_base else None,
            max_network_retries=0,
            http_client=stripe.RequestsClient(timeout=timeout),
        )

    def create_checkout_session(self, appeal, *, mail_class: str, amount_cents: int,
                                currency: str, success_url: str,
                                cancel_url: str) -> CheckoutSession:
        metadata = checkout_metadata(appeal, mail_class)
        params = {
            "mode": "payment",
            "line_items": [{"quantity": 1, "price_data": {
                "currency": currency, "unit_amount": amount_cents,
                "product_data": {"name": "Fight City Tickets appeal letter, "
                                         + MAIL_CLASS_NAMES.get(mail_class, mail_class)}}}],
            "client_reference_id": appeal.public_id,
            "metadata": metadata,
            # The PaymentIntent carries the ids too, so payment_intent.* and charge.* events
            # can be matched to the appeal before checkout.session.completed arrives.
            "payment_intent_data": {"metadata": metadata},
            "success_url": success_url,
            "cancel_url": cancel_url,
        }
        options = {"idempotency_key": idempotency_key(appeal, mail_class)}
        try:
            session = self._call(lambda: self._client.v1.checkout.sessions.create(params, options))
        except PaymentsRejected as exc:
            # Stripe refused our request (bad key, bad parameters): ours to fix, but the
            # driver still gets the calm "temporarily unavailable" page.
            log.error("stripe refused checkout session", extra={"error": str(exc)})
            sentry_sdk.capture_exception(exc)
            raise PaymentsUnavailable("stripe refused the checkout session") from exc
        return CheckoutSession(id=session["id"], url=session["url"])

    def retrieve_checkout_session(self, session_id: str) -> dict:
        return self._retrieve("/v1/checkout/sessions", session_id)

    def retrieve_payment_intent(self, payment_intent_id: str) -> dict:
        return self._retrieve("/v1/payment_intents", payment_intent_id)

    def retrieve_charge(self, charge_id: str) -> dict:
        return self._retrieve("/v1/charges", charge_id)

    def _retrieve(self, collection: str, object_id: str) -> dict:
        # The SDK's raw request (errors still raise the SDK's exceptions), read as plain
        # JSON: the handlers want dicts, so StripeObjects would only be flattened again.
        url = f"{collection}/{quote(object_id, safe='')}"
        return json.loads(self._call(lambda: self._client.raw_request("get", url)).body)

    @staticmethod
    def _retrying():
        retrying = policy(is_transient)
        return retrying.copy(stop=retrying.stop | stop_after_delay(CALL_BUDGET_S))

    def _call(self, request: Callable):
        refused: stripe.StripeError | None = None
        attempted = False
        try:
            with guard("stripe"):
                attempted = True
                try:
                    return self._retrying()(request)
                except stripe.StripeError as exc:
                    if is_transient(exc):
                        raise
                    refused = exc  # leave the breaker's block normally: Stripe answered
        except OpenCircuit as exc:
            # The call that trips the breaker also ends here; only a call refused without
            # trying is "circuit open" (a retrying job then waits instead of counting it).
            raise PaymentsUnavailable("the stripe circuit breaker is open",
                                      circuit_open=not attempted) from exc
        except stripe.StripeError as exc:
            raise PaymentsUnavailable(f"stripe unavailable: {type(exc).__name__}") from exc
        raise PaymentsRejected(f"stripe refused the request: {type(refused).__name__} "
                               f"({refused.http_status}): {refused.user_message or refused}"
                               ) from refused
