"""The payments tests share the webhook tests' local Stripe server and Stripe-configured app."""
from tests.webhooks.conftest import fake_stripe, stripe_app, stripe_client  # noqa: F401
