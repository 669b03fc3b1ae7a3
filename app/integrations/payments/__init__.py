"""The payments integration: one interface, the provider chosen from Settings.

`app.extensions["payments"]` is Stripe when STRIPE_SECRET_KEY is set, else (never in
production) the local demo gateway whose page says "Demo — no card is charged".
"""
from __future__ import annotations

from flask import Flask, current_app

from app.config import Settings
from app.integrations.payments.base import (CheckoutSession, PaymentsError, PaymentsGateway,
                                            PaymentsRejected, PaymentsUnavailable)
from app.integrations.payments.demo_gateway import DemoPaymentGateway
from app.integrations.payments.stripe_gateway import StripeGateway

__all__ = ["CheckoutSession", "DemoPaymentGateway", "PaymentsError", "PaymentsGateway",
           "PaymentsRejected", "PaymentsUnavailable", "StripeGateway", "init_app", "payments_gateway"]


def init_app(app: Flask, settings: Settings) -> None:
    """Bind the configured payments provider to `app.extensions`."""
    gateway: PaymentsGateway
    if settings.demo_payments:
        gateway = DemoPaymentGateway(settings.secret_key)
    else:
        gateway = StripeGateway(settings.stripe_secret_key, settings.stripe_api_base)
    app.extensions["payments"] = gateway


def payments_gateway() -> PaymentsGateway:
    """The running app's payments provider: Stripe, or the demo gateway."""
    return current_app.extensions["payments"]
