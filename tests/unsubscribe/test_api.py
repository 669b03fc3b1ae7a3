"""The JSON consent API: a change needs the address's signed token; without one the address
is only mailed a confirmation link. Status, limits and bad input."""
from __future__ import annotations

import re

from app.email.consent import record_consent
from app.email.outbox import enqueue
from app.extensions import db
from app.models import AdminUser, EmailOutbox
from tests.admin.conftest import sign_in
from tests.email.conftest import rows, send
from tests.unsubscribe.conftest import audit, consent, old_token, token_for

UA = {"User-Agent": "curl/8.0"}


def post(app, path: str, **kwargs):
    kwargs.setdefault("environ_base", {"REMOTE_ADDR": "203.0.113.20"})
    return app.test_client().post(path, headers=UA, **kwargs)


def given(app, email: str) -> None:
    with app.app_context():
        record_consent(email, "consent_given", "web_form", wording_version="v1")
        db.session.commit()


def confirmations(app) -> list[EmailOutbox]:
    return [row for row in rows(app) if row.template == "consent_confirm"]


def test_without_a_token_nothing_changes_and_only_the_address_is_mailed(unsub_app):
    given(unsub_app, "victim@example.com")
    for path in ("/api/unsubscribe", "/api/revoke-consent"):
        for attempt in range(2):  # asked twice: still one mail per address and action
            known = post(unsub_app, path, json={"email": "Victim@Example.com",
                                                "reason": "words put in the victim's mouth"})
            unknown = post(unsub_app, path, json={"email": "stranger@example.com"})
            assert known.status_code == unknown.status_code == 202
            assert known.get_json() == {"email": "victim@example.com", "status": "confirmation_sent"}
            assert unknown.get_json() == {"email": "stranger@example.com", "status": "confirmation_sent"}

    assert [(r.action, r.email) for r in audit(unsub_app)] == [("consent_given", "victim@example.com")]
    assert consent(unsub_app, "victim@example.com").marketing is True
    assert consent(unsub_app, "stranger@example.com") is None
    mails = confirmations(unsub_app)
    assert sorted((m.recipient, m.category) for m in mails) == [
        ("stranger@example.com", "transactional")] * 2 + [("victim@example.com", "transactional")] * 2
    assert all("words put in" not in m.body_text for m in mails)


def test_the_mailed_links_are_what_change_consent(mail_app, smtp):
    app = mail_app(RATELIMIT_UNSUBSCRIBE="1000/minute")
    given(app, "dana@example.com")
    assert post(app, "/api/unsubscribe", json={"email": "dana@example.com"}).status_code == 202
    assert post(app, "/api/revoke-consent", json={"email": "dana@example.com"}).status_code == 202
    send(app)
    received = smtp.wait_for_messages(2)
    links = {}
    for message in received:
        text = message.message.get_body(("plain",)).get_content()
        [url] = re.findall(r"https://fightcitytickets\.test(/unsubscribe/\S+)", text)
        links["revoke" if url.endswith("/revoke") else "unsubscribe"] = url
        assert "Nothing has changed yet" in text

    client = app.test_client()
    assert "Withdraw" in client.get(links["revoke"]).get_data(as_text=True)  # a page, no change
    assert len(audit(app)) == 1
    done = client.post(links["revoke"], data={"reason": "I asked for it"},
                       environ_base={"REMOTE_ADDR": "198.51.100.8"}, follow_redirects=True)
    assert [r.status_code for r in done.history] == [303]  # post/redirect/get
    assert done.status_code == 200 and "consent is withdrawn" in done.get_data(as_text=True)
    row = consent(app, "dana@example.com")
    assert row.marketing is False and row.erased_at is not None
    last = audit(app)[-1]
    assert (last.action, last.source, last.reason, last.ip_address) == (
        "revoke_consent", "web_form", "I asked for it", "198.51.100.8")
    assert client.post(links["unsubscribe"]).status_code == 303
    assert audit(app)[-1].action == "unsubscribe"


def test_with_the_token_the_change_is_made_and_audited(unsub_app):
    given(unsub_app, "known@example.com")
    token = token_for(unsub_app, "known@example.com")
    response = post(unsub_app, "/api/unsubscribe", json={"email": "Known@Example.com",
                                                         "token": token, "reason": "moving"})
    assert response.status_code == 200
    assert response.get_json() == {"email": "known@example.com", "status": "unsubscribed"}
    row = audit(unsub_app, "known@example.com")[-1]
    assert (row.action, row.source, row.reason, row.ip_address, row.user_agent) == (
        "unsubscribe", "api", "moving", "203.0.113.20", "curl/8.0")
    assert consent(unsub_app, "known@example.com").marketing is False
    token_only = post(unsub_app, "/api/unsubscribe", json={"token": token})  # the email is in it
    assert token_only.status_code == 200 and token_only.get_json()["email"] == "known@example.com"


def test_revoke_with_the_token_erases_and_suppresses_queued_mail(unsub_app):
    given(unsub_app, "dana@example.com")
    with unsub_app.app_context():
        for key, category in (("news", "marketing"), ("follow", "followup"),
                              ("receipt", "transactional")):
            enqueue("Dana@example.com", "appeal_link", {"appeal_url": "u", "citation_number": "1"},
                    idempotency_key=key, category=category)
        db.session.commit()
    response = post(unsub_app, "/api/revoke-consent", json={
        "email": "dana@example.com", "reason": "GDPR", "token": token_for(unsub_app, "dana@example.com")})
    assert response.status_code == 200 and response.get_json()["status"] == "consent_revoked"
    row = consent(unsub_app, "dana@example.com")
    assert row.marketing is False and row.erased_at is not None
    statuses = {r.idempotency_key: r.status for r in rows(unsub_app)}
    assert statuses == {"news": "suppressed", "follow": "suppressed", "receipt": "pending"}
    assert [(r.action, r.reason) for r in audit(unsub_app)][-1] == ("revoke_consent", "GDPR")
    # Consent given again later (a ticked box) lifts the erasure.
    with unsub_app.app_context():
        record_consent("dana@example.com", "resubscribe", "web_form", wording_version="v2")
        db.session.commit()
    row = consent(unsub_app, "dana@example.com")
    assert row.marketing is True and row.erased_at is None and row.wording_version == "v2"


def test_someone_elses_forged_or_expired_token_changes_nothing(unsub_app):
    given(unsub_app, "victim@example.com")
    mine = token_for(unsub_app, "attacker@example.com")
    forged = old_token("not-our-key", "victim@example.com", age_s=0)
    expired = old_token("test-secret-key", "victim@example.com", age_s=91 * 24 * 3600)
    for path in ("/api/unsubscribe", "/api/revoke-consent"):
        for token, status in ((mine, 403), (forged, 403), ("garbage", 403), (expired, 410)):
            response = post(unsub_app, path, json={"email": "victim@example.com", "token": token})
            assert response.status_code == status, (path, token, response.status_code)
            assert response.mimetype == "application/problem+json"
    assert len(audit(unsub_app)) == 1 and consent(unsub_app, "victim@example.com").marketing is True
    assert confirmations(unsub_app) == []


def test_bad_input_gets_a_plain_4xx(unsub_app):
    token = token_for(unsub_app, "dana@example.com")
    for path in ("/api/unsubscribe", "/api/revoke-consent"):
        not_json = post(unsub_app, path, data="email=dana@example.com")
        assert not_json.status_code == 400 and not_json.mimetype == "application/problem+json"
        assert "JSON object" in not_json.get_json()["detail"]
        for body in ({}, {"email": "not-an-email"}, {"email": 7}, ["x"], {"email": "a@" + "b" * 300 + ".com"},
                     {"email": "dana@example.com", "token": 7}, {"token": ""},
                     {"email": "dana@example.com", "reason": {"x": 1}}):
            response = post(unsub_app, path, json=body)
            assert response.status_code in (400, 422), body
            assert response.mimetype == "application/problem+json"
    long = post(unsub_app, "/api/unsubscribe", json={"token": token, "reason": "x" * 5000})
    assert long.status_code == 200 and len(audit(unsub_app)[-1].reason) == 1000
    assert [r.action for r in audit(unsub_app)] == ["unsubscribe"]


def test_status_needs_a_token_for_that_address_or_an_operator(unsub_app):
    given(unsub_app, "known@example.com")
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
        user = AdminUser(email="ops@fightcitytickets.com")
        user.set_password("a long operator password")
        db.session.add(user)
        db.session.commit()
    assert sign_in(client, "ops@fightcitytickets.com", "a long operator password").status_code == 303
    for email, subscribed in (("known@example.com", True), ("unknown@example.com", False)):
        response = client.get(f"/api/unsubscribe/status/{email}")
        assert response.status_code == 200 and response.get_json()["subscribed"] is subscribed


def test_unsubscribe_endpoints_are_rate_limited_per_ip(app):
    client = app.test_client()
    codes = [client.post("/api/unsubscribe", json={"email": f"u{i}@example.com"}).status_code
             for i in range(11)]
    assert codes[:10] == [202] * 10 and codes[10] == 429
    limited = client.get("/unsubscribe/whatever")
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) > 0
    other_ip = client.post("/api/unsubscribe", json={"email": "z@example.com"},
                           environ_base={"REMOTE_ADDR": "203.0.113.99"})
    assert other_ip.status_code == 202
