"""Fixtures for the webhook tests: the local Stripe API server and an app pointed at it."""
from __future__ import annotations

import pytest

from tests.support.fixtures import fake_stripe  # noqa: F401  (fixture)
from tests.webhooks.helpers import STRIPE_ENV


@pytest.fixture
def stripe_app(app_factory, fake_stripe):  # noqa: F811  (the fixture imported above)
    # A 1 s breaker reset keeps recovery tests short; fail_max stays at the spec's 3.
    return app_factory(STRIPE_API_BASE=fake_stripe.url, BREAKER_STRIPE_RESET_S=1, **STRIPE_ENV)


@pytest.fixture
def stripe_client(stripe_app):
    return stripe_app.test_client()
