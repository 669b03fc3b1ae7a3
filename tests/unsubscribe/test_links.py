"""The unsubscribe link: a GET only shows a page; the one-click POST (RFC 8058) unsubscribes."""
from __future__ import annotations

import pytest

from app.email.consent import UNSUBSCRIBE_WORDING_VERSION, record_consent
from app.email.outbox import enqueue
from app.extensions import db
from tests.email.conftest import rows, send
from tests.unsubscribe.conftest import audit, consent, old_token, token_for

ONE_CLICK = "List-Unsubscribe=One-Click"


def marketing(app, email: str, key: str):
    with app.app_context():
        enqueue(email, "appeal_link", {"appeal_url": "https://fightcitytickets.test/",
                                       "citation_number": "912345678"},
                idempotency_key=key, category="marketing")
        db.session.commit()


def one_click(app, path: str, **environ):
    """What a mail provider sends: no cookie, no CSRF token, exactly the RFC 8058 body."""
    return app.test_client(use_cookies=False).post(
        path, data=ONE_CLICK, content_type="application/x-www-form-urlencoded",
        headers={"User-Agent": "ProviderOneClick/1.0"}, environ_base=environ)


def test_one_click_from_a_delivered_email_then_marketing_is_suppressed(mail_app, smtp):
    app = mail_app(RATELIMIT_UNSUBSCRIBE="1000/minute")
    assert app.config.get("WTF_CSRF_ENABLED", True)  # the exemption is what lets this through
    with app.app_context():
        record_consent("dana@example.com", "consent_given", "web_form", ip="198.51.100.2",
                       user_agent="Phone", wording_version="story-v1")
        db.session.commit()
    marketing(app, "dana@example.com", "news:1")
    send(app)
    [received] = smtp.wait_for_messages(1)
    assert received.message["List-Unsubscribe-Post"] == ONE_CLICK
    https = received.message["List-Unsubscribe"].split(",")[0].strip(" <>")
    path = https.removeprefix("https://fightcitytickets.test")

    response = one_click(app, path, REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 200 and "You are unsubscribed" in response.get_data(as_text=True)
    given, unsubscribed = audit(app, "dana@example.com")
    assert (given.action, given.source) == ("consent_given", "web_form")
    assert (unsubscribed.action, unsubscribed.source, unsubscribed.ip_address,
            unsubscribed.user_agent, unsubscribed.wording_version) == (
        "unsubscribe", "one_click", "203.0.113.9", "ProviderOneClick/1.0", UNSUBSCRIBE_WORDING_VERSION)
    assert consent(app, "dana@example.com").marketing is False

    marketing(app, "dana@example.com", "news:2")
    with app.app_context():
        enqueue("dana@example.com", "appeal_link", {"appeal_url": "u", "citation_number": "9"},
                idempotency_key="receipt-like")  # transactional mail still goes
        db.session.commit()
    send(app)
    by_key = {r.idempotency_key: r.status for r in rows(app)}
    assert by_key == {"news:1": "sent", "news:2": "suppressed", "receipt-like": "sent"}
    assert len(smtp.wait_for_messages(2)) == 2


def test_marketing_without_any_consent_is_suppressed(mail_app, smtp):
    app = mail_app()
    marketing(app, "stranger@example.com", "news:x")
    send(app)
    [row] = rows(app)
    assert row.status == "suppressed" and row.attempts == 0 and smtp.messages == []


def test_get_shows_a_confirmation_page_and_changes_nothing(unsub_app):
    token = token_for(unsub_app, "dana@example.com")
    response = unsub_app.test_client().get(f"/unsubscribe/{token}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "dana@example.com" in html
    assert f'action="/unsubscribe/{token}"' in html and 'method="post"' in html
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert audit(unsub_app) == [] and consent(unsub_app, "dana@example.com") is None


def test_the_page_form_records_a_reason(unsub_app):
    token = token_for(unsub_app, "Dana@Example.com")
    response = unsub_app.test_client().post(f"/unsubscribe/{token}", data={"reason": "Too many emails"},
                                            environ_base={"REMOTE_ADDR": "203.0.113.10"})
    assert response.status_code == 303  # post/redirect/get: a reload asks nothing again
    assert response.headers["Location"] == f"/unsubscribe/{token}/done"
    [row] = audit(unsub_app)
    assert (row.email, row.source, row.reason, row.ip_address) == (
        "dana@example.com", "web_form", "Too many emails", "203.0.113.10")


def test_tampered_and_expired_tokens_are_refused_and_change_nothing(unsub_app):
    token = token_for(unsub_app, "dana@example.com")
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    for method in ("get", "post"):
        response = getattr(unsub_app.test_client(), method)(f"/unsubscribe/{tampered}")
        assert response.status_code == 400
        assert "not valid" in response.get_data(as_text=True)
    expired = old_token("test-secret-key", "dana@example.com", age_s=91 * 24 * 3600)
    for method in ("get", "post"):
        response = getattr(unsub_app.test_client(), method)(f"/unsubscribe/{expired}")
        assert response.status_code == 410 and "has expired" in response.get_data(as_text=True)
    assert one_click(unsub_app, "/unsubscribe/not-a-token").status_code == 400
    assert audit(unsub_app) == []


def test_links_signed_with_a_rotated_key_still_work(app_factory):
    app = app_factory(SECRET_KEY="the-new-key", SECRET_KEY_FALLBACKS="test-secret-key")
    old = old_token("test-secret-key", "dana@example.com", age_s=60)
    assert one_click(app, f"/unsubscribe/{old}").status_code == 200
    stranger = old_token("someone-elses-key", "dana@example.com", age_s=60)
    assert one_click(app, f"/unsubscribe/{stranger}").status_code == 400
    assert [row.source for row in audit(app)] == ["one_click"]


def test_the_audit_ip_is_the_client_behind_the_trusted_proxy(app_factory):
    app = app_factory(TRUSTED_PROXY_COUNT="1")
    token = token_for(app, "dana@example.com")
    response = app.test_client(use_cookies=False).post(
        f"/unsubscribe/{token}", data=ONE_CLICK, content_type="application/x-www-form-urlencoded",
        headers={"X-Forwarded-For": "1.2.3.4, 198.51.100.77"}, environ_base={"REMOTE_ADDR": "10.0.0.2"})
    assert response.status_code == 200
    assert audit(app)[0].ip_address == "198.51.100.77"  # the spoofable first hop is ignored


@pytest.mark.both_databases
def test_a_nul_in_the_reason_or_user_agent_still_unsubscribes(app_factory):
    # PostgreSQL text cannot hold NUL: it used to fail the insert and answer 503.
    app = app_factory(RATELIMIT_UNSUBSCRIBE="1000/minute")
    token = token_for(app, "dana@example.com")
    client = app.test_client()
    page = client.post(f"/unsubscribe/{token}", data={"reason": "too\x00many"},
                       headers={"User-Agent": "Mail\x00Client"})
    revoke = client.post(f"/unsubscribe/{token}/revoke", data={"reason": "x\x00"})
    api = client.post("/api/unsubscribe", json={"token": token, "reason": "a\x00b"})
    assert (page.status_code, revoke.status_code, api.status_code) == (303, 303, 200)
    assert [(r.reason, r.user_agent) for r in audit(app)][0] == ("toomany", "MailClient")
    assert [r.reason for r in audit(app)][1:] == ["x", "ab"]


def test_the_page_after_unsubscribing_can_be_reloaded_and_changes_nothing(unsub_app):
    token = token_for(unsub_app, "dana@example.com")
    client = unsub_app.test_client()
    assert client.get(f"/unsubscribe/{token}/done").headers["Location"] == f"/unsubscribe/{token}"
    response = client.post(f"/unsubscribe/{token}", data={"reason": ""})
    assert response.status_code == 303
    for _ in range(3):  # reloads of the page the driver lands on
        page = client.get(response.headers["Location"])
        assert page.status_code == 200 and "You are unsubscribed" in page.get_data(as_text=True)
    assert len(audit(unsub_app)) == 1
