"""The JSON consent API: unsubscribe, revoke consent, status; limits and bad input."""
from __future__ import annotations

import time

from app.email.outbox import enqueue
from app.extensions import db
from app.models import AdminUser, EmailOutbox
from app.unsubscribe.consent import record_consent
from tests.unsubscribe.conftest import audit, consent, token_for

UA = {"User-Agent": "curl/8.0"}


def post(app, path: str, **kwargs):
    kwargs.setdefault("environ_base", {"REMOTE_ADDR": "203.0.113.20"})
    return app.test_client().post(path, headers=UA, **kwargs)


def test_unsubscribe_answers_alike_for_known_and_unknown_addresses(unsub_app):
    with unsub_app.app_context():
        record_consent("known@example.com", "consent_given", "web_form", wording_version="v1")
        db.session.commit()
    known = post(unsub_app, "/api/unsubscribe", json={"email": "Known@Example.com", "reason": "moving"})
    unknown = post(unsub_app, "/api/unsubscribe", json={"email": "new@example.com"})
    assert known.status_code == unknown.status_code == 200
    assert known.get_json() == {"email": "known@example.com", "status": "unsubscribed"}
    assert unknown.get_json() == {"email": "new@example.com", "status": "unsubscribed"}
    row = audit(unsub_app, "known@example.com")[-1]
    assert (row.action, row.source, row.reason, row.ip_address, row.user_agent) == (
        "unsubscribe", "api", "moving", "203.0.113.20", "curl/8.0")
    assert consent(unsub_app, "known@example.com").marketing is False
    assert consent(unsub_app, "new@example.com").marketing is False


def test_revoke_consent_erases_from_marketing_and_suppresses_queued_mail(unsub_app):
    with unsub_app.app_context():
        record_consent("dana@example.com", "consent_given", "web_form", wording_version="v1")
        for key, category in (("news", "marketing"), ("follow", "followup"),
                              ("receipt", "transactional")):
            enqueue("Dana@example.com", "appeal_link", {"appeal_url": "u", "citation_number": "1"},
                    idempotency_key=key, category=category)
        db.session.commit()
    response = post(unsub_app, "/api/revoke-consent", json={"email": "dana@example.com", "reason": "GDPR"})
    assert response.status_code == 200 and response.get_json()["status"] == "consent_revoked"
    row = consent(unsub_app, "dana@example.com")
    assert row.marketing is False and row.erased_at is not None
    with unsub_app.app_context():
        statuses = dict(db.session.execute(db.select(EmailOutbox.idempotency_key, EmailOutbox.status)).all())
    assert statuses == {"news": "suppressed", "follow": "suppressed", "receipt": "pending"}
    assert [(r.action, r.reason) for r in audit(unsub_app)][-1] == ("revoke_consent", "GDPR")
    # Consent given again later (a ticked box) lifts the erasure.
    with unsub_app.app_context():
        record_consent("dana@example.com", "resubscribe", "web_form", wording_version="v2")
        db.session.commit()
    row = consent(unsub_app, "dana@example.com")
    assert row.marketing is True and row.erased_at is None and row.wording_version == "v2"


def test_bad_input_gets_a_plain_4xx(unsub_app):
    for path in ("/api/unsubscribe", "/api/revoke-consent"):
        not_json = post(unsub_app, path, data="email=dana@example.com")
        assert not_json.status_code == 400 and not_json.mimetype == "application/problem+json"
        assert "JSON object" in not_json.get_json()["detail"]
        for body in ({}, {"email": "not-an-email"}, {"email": 7}, ["x"], {"email": "a@" + "b" * 300 + ".com"}):
            response = post(unsub_app, path, json=body)
            assert response.status_code in (400, 422), body
            assert response.mimetype == "application/problem+json"
        reason = post(unsub_app, path, json={"email": "dana@example.com", "reason": {"x": 1}})
        assert reason.status_code == 422
    long = post(unsub_app, "/api/unsubscribe", json={"email": "dana@example.com", "reason": "x" * 5000})
    assert long.status_code == 200 and len(audit(unsub_app)[-1].reason) == 1000
    assert all(r.action == "unsubscribe" for r in audit(unsub_app))


def test_status_needs_a_token_for_that_address_or_an_operator(unsub_app):
    with unsub_app.app_context():
        record_consent("known@example.com", "consent_given", "web_form")
        db.session.commit()
    client = unsub_app.test_client()

    def refusal(email, **query):
        response = client.get(f"/api/unsubscribe/status/{email}", query_string=query)
        assert response.status_code == 403
        body = response.get_json()
        return {k: v for k, v in body.items() if k not in ("request_id", "instance")}

    assert refusal("known@example.com") == refusal("unknown@example.com")
    assert refusal("known@example.com", token="garbage") == refusal("unknown@example.com", token="garbage")
    other = token_for(unsub_app, "someone@example.com")
    assert refusal("known@example.com", token=other) == refusal("unknown@example.com", token=other)

    own = client.get("/api/unsubscribe/status/known@example.com",
                     query_string={"token": token_for(unsub_app, "known@example.com")})
    assert own.status_code == 200 and own.get_json() == {"email": "known@example.com", "subscribed": True}

    with unsub_app.app_context():
        user = AdminUser(email="ops@fightcitytickets.test")
        user.set_password("a long operator password")
        db.session.add(user)
        db.session.commit()
        user_id = user.id
    with client.session_transaction() as session:
        session.update(admin_user_id=user_id, admin_email="ops@fightcitytickets.test",
                       admin_seen_at=time.time())
    for email, subscribed in (("known@example.com", True), ("unknown@example.com", False)):
        response = client.get(f"/api/unsubscribe/status/{email}")
        assert response.status_code == 200 and response.get_json()["subscribed"] is subscribed


def test_unsubscribe_endpoints_are_rate_limited_per_ip(app):
    client = app.test_client()
    codes = [client.post("/api/unsubscribe", json={"email": f"u{i}@example.com"}).status_code
             for i in range(11)]
    assert codes[:10] == [200] * 10 and codes[10] == 429
    limited = client.get("/unsubscribe/whatever")
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) > 0
    other_ip = client.post("/api/unsubscribe", json={"email": "z@example.com"},
                           environ_base={"REMOTE_ADDR": "203.0.113.99"})
    assert other_ip.status_code == 200
