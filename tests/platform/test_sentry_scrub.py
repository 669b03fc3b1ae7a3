"""What reaches Sentry from a request on an appeal's page: no appeal id, token or query string."""
from __future__ import annotations

import json

import sentry_sdk

from tests.appeals.conftest import NO_LIMITS, ready_to_pay, token_for
from tests.support.fixtures import sentry_sink  # noqa: F401  (fixture)
from testkit.process import refused_url


def test_breaker_alert_raised_on_an_appeal_page_carries_no_appeal_id(app_factory, sentry_sink):
    app = app_factory(STRIPE_SECRET_KEY="sk_test_x", STRIPE_WEBHOOK_SECRET="whsec_x",
                      STRIPE_PUBLISHABLE_KEY="pk_test_x", STRIPE_API_BASE=refused_url(),
                      SENTRY_DSN=sentry_sink.dsn(), **NO_LIMITS)
    try:
        client = app.test_client()
        public_id = ready_to_pay(client)
        url = f"/appeals/{public_id}/checkout"
        for _attempt in range(3):  # Stripe refuses: the third failure opens its breaker
            response = client.post(f"{url}?from=email&id={public_id}", headers={
                "Referer": f"http://localhost/appeals/{public_id}/sign"}, data={
                "csrf_token": token_for(client, url), "mail_class": "standard",
                "return_address": "1 Market St\nSan Francisco, CA 94105"})
            assert response.status_code == 503
        sentry_sdk.flush(5)
        events = [e for e in sentry_sink.wait_for_events(1) if e.get("request")]
        assert events, "the breaker alert reached Sentry with its request"
        for event in events:
            assert public_id not in json.dumps(event)
            assert event["request"]["url"] == "http://localhost/appeals/***/checkout"
            assert event["request"]["headers"]["Referer"] == "http://localhost/appeals/***/sign"
    finally:
        sentry_sdk.init()  # sentry-sdk is process-global: switch it off for the next tests
