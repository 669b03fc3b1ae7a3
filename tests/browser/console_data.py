"""An operator account and one row of each kind the console shows, for the browser tests."""
import pybreaker
import pytest
import requests

from app.extensions import db
from app.models import (AdminUser, Appeal, AppealStatus, ConsentAuditLog, EmailOutbox,
                        FailedWebhook, OutboxStatus)
from app.resilience.breakers import guard
from testkit.fakes.stripe_objects import fixture, make_event

OPERATOR, PASSWORD = "ops@fightcitytickets.com", "correct horse battery staple"


def seed(app) -> dict:
    with app.app_context():
        user = AdminUser(email=OPERATOR)
        user.set_password(PASSWORD)
        appeal = Appeal(city_slug="sf", citation_number="912345678", status=AppealStatus.PAID,
                        driver_name="Dana Driver", email="dana@example.com",
                        return_address="1 Main St\nSan Francisco, CA 94110",
                        letter_text="To whom it may concern,\nI was parked legally.",
                        letter_source="template", letter_version=1)
        event = make_event("charge.dispute.created", fixture("dispute"), event_id="evt_dead_1")
        dead_webhook = FailedWebhook(event_id="evt_dead_1", type=event["type"], payload=event,
                                     last_error="ConnectionError: Stripe unreachable", attempts=3,
                                     status="dead")
        letter = EmailOutbox(recipient="dana@example.com", subject="Your receipt", body_text="Thanks",
                             headers={}, idempotency_key="receipt:test", message_id="<m1@fct>",
                             status=OutboxStatus.DEAD, attempts=5, last_error="451 try later")
        consent = ConsentAuditLog(email="dana@example.com", action="consent_given",
                                  source="web_form", ip_address="203.0.113.5", user_agent="Phone",
                                  wording_version="v1")
        db.session.add_all([user, appeal, dead_webhook, letter, consent])
        db.session.commit()
        for _ in range(3):  # a real failing dependency (connection refused) opens the breaker
            with pytest.raises((requests.ConnectionError, pybreaker.CircuitBreakerError)):
                with guard("stripe"):
                    requests.get("http://127.0.0.1:1/", timeout=1)
        return {"appeal": appeal.public_id, "letter": letter.id}
