"""The payments tests share the webhook tests' local Stripe server and Stripe-configured app."""
from tests.webhooks.conftest import (_fresh_alert_claims, stripe_app,  # noqa: F401
                                     stripe_client, stripe_fake)
