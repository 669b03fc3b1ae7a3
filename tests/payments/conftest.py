"""The payments tests share the webhook tests' local Stripe server and Stripe-configured app."""
from tests.webhooks.conftest import stripe_app, stripe_client, stripe_fake  # noqa: F401
