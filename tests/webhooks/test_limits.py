"""The webhook endpoint's own rate limit (100/minute per IP by default, §9)."""
from __future__ import annotations

import json

from tests.webhooks.helpers import STRIPE_ENV, deliver, stripe_events
from testkit.fakes.stripe_objects import fixture, make_event


def test_webhook_limit_is_per_ip_and_429_is_problem_json(app_factory, fake_stripe):
    app = app_factory(STRIPE_API_BASE=fake_stripe.url, RATELIMIT_WEBHOOK="3/minute", **STRIPE_ENV)
    client = app.test_client()
    events = [make_event("plan.created", fixture("plan")) for _ in range(4)]
    responses = [deliver(client, event) for event in events]
    assert [r.status_code for r in responses] == [200, 200, 200, 429]
    limited = responses[-1]
    assert limited.mimetype == "application/problem+json" and int(limited.headers["Retry-After"]) > 0
    assert limited.headers["X-RateLimit-Limit"] == "3"
    assert events[-1]["id"] not in stripe_events(app)  # refused before anything was recorded
    other_ip = client.post("/webhooks/stripe", data=json.dumps(events[-1]),
                           environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert other_ip.status_code == 400  # counted separately (and unsigned, so refused)


def test_default_webhook_limit_is_100_per_minute(stripe_app):
    assert stripe_app.extensions["settings"].limits["webhook"] == "100/minute"
