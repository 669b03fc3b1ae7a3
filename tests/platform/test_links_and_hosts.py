"""Links in email point at PUBLIC_BASE_URL whatever Host or X-Forwarded-Host a client sends.

Each flow runs as an attacker would run it: every request of the session carries a hostile
Host and X-Forwarded-Host, behind one trusted proxy (so ProxyFix is in place), and the
emails are delivered by the outbox job to a local SMTP server and read from there.
"""
from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from flask.testing import FlaskClient
from werkzeug.datastructures import Headers

from tests.appeals.conftest import NO_LIMITS, STORY, csrf_token, ready_to_pay, start_appeal, \
    tell_story, token_for
from tests.email.conftest import queue
from tests.email.test_followups import mailed_appeal

EVIL_HOST, EVIL_FORWARDED = "evil-host.example", "evil-forwarded.example"
CONFIGURED = "https://fightcitytickets.test"
DEV_DEFAULT = "http://127.0.0.1:5000"  # PUBLIC_BASE_URL unset outside production
BASES = [pytest.param({"PUBLIC_BASE_URL": CONFIGURED}, CONFIGURED, id="configured"),
         pytest.param({}, DEV_DEFAULT, id="unset")]
OPERATOR, PASSWORD = "ops@fightcitytickets.com", "correct horse battery staple"
URL = re.compile(r"https?://[^\s\"'<>]+")


class HostileClient(FlaskClient):
    """Every request comes with Host and X-Forwarded-Host naming the attacker's site."""

    def open(self, *args, **kwargs):
        kwargs.setdefault("base_url", f"http://{EVIL_HOST}")
        headers = Headers(kwargs.pop("headers", None) or {})
        headers.setdefault("X-Forwarded-Host", EVIL_FORWARDED)
        return super().open(*args, headers=headers, **kwargs)


@pytest.fixture
def hostile(app_factory, smtp):
    """`hostile(**env)`: an app behind one proxy sending mail to `smtp`, and an attacker's client."""
    def build(**env):
        app = app_factory(TRUSTED_PROXY_COUNT="1", EMAIL_BACKEND="smtp", SMTP_HOST="127.0.0.1",
                          SMTP_PORT=smtp.port, SMTP_STARTTLS="false", **NO_LIMITS, **env)
        app.test_client_class = HostileClient
        return app, app.test_client()
    return build


def deliver(app, smtp, count: int):
    result = app.test_cli_runner().invoke(args=["jobs", "run-once", "email_outbox"])
    assert result.exit_code == 0 and "email_outbox: ok" in result.output, result.output
    return [received.message for received in smtp.wait_for_messages(count)]


def links(message) -> list[str]:
    """Every URL in the message: both bodies and the List-Unsubscribe header."""
    text = "".join(part.get_content() for part in message.walk()
                   if part.get_content_type() in ("text/plain", "text/html"))
    text += " " + (message.get("List-Unsubscribe") or "")
    return URL.findall(text.replace("&amp;", "&"))


def assert_links_point_at(message, base: str, expected: str) -> None:
    found = links(message)
    assert expected in found, found
    assert all(url.startswith(base + "/") for url in found), found
    assert "evil" not in message.as_string()


def sign_in(app, client) -> None:
    created = app.test_cli_runner().invoke(args=["admin", "create-user", OPERATOR],
                                           input=f"{PASSWORD}\n")
    assert created.exit_code == 0, created.output
    page = client.get("/admin/login").get_data(as_text=True)
    response = client.post("/admin/login", data={"email": OPERATOR, "password": PASSWORD,
                                                  "csrf_token": csrf_token(page)})
    assert response.status_code == 303, response.get_data(as_text=True)[-1500:]


def run_now(client, job: str) -> None:
    token = token_for(client, "/admin/jobs")
    response = client.post(f"/admin/jobs/{job}/run", data={"csrf_token": token})
    assert response.status_code == 303, response.get_data(as_text=True)[:500]


@pytest.mark.parametrize("env,base", BASES)
def test_find_my_appeal_emails_a_link_on_our_address(hostile, smtp, env, base):
    app, client = hostile(**env)
    public_id = start_appeal(client)
    tell_story(client, public_id)
    response = client.post("/appeals/find", data={
        "csrf_token": token_for(client, "/appeals/find"), "citation_number": "912345678",
        "email": STORY["email"]})
    assert response.status_code == 303  # post/redirect/get, to a path: never the request's host
    assert response.headers["Location"] == "/appeals/find?sent=1"
    [message] = deliver(app, smtp, 1)
    assert_links_point_at(message, base, f"{base}/appeals/{public_id}")


@pytest.mark.parametrize("env,base", BASES)
def test_checkout_return_and_receipt_point_at_our_address(hostile, smtp, env, base):
    app, client = hostile(**env)
    public_id = ready_to_pay(client)
    url = f"/appeals/{public_id}/checkout"
    checkout = client.post(url, data={"csrf_token": token_for(client, url), "mail_class": "standard",
                                      "return_address": "1 Market St\nSan Francisco, CA 94105"})
    assert checkout.status_code == 303
    demo = urlsplit(checkout.headers["Location"])
    page = client.get(f"{demo.path}?{demo.query}").get_data(as_text=True)
    token = re.search(r'name="token"[^>]*value="([^"]*)"|value="([^"]*)"[^>]*name="token"', page)
    paid = client.post(demo.path, data={"csrf_token": csrf_token(page),
                                        "token": token.group(1) or token.group(2)})
    assert paid.status_code == 303
    assert paid.headers["Location"] == f"{base}/appeals/{public_id}/success"  # Stripe's return
    [receipt] = deliver(app, smtp, 1)
    assert "payment received" in receipt["Subject"]
    assert_links_point_at(receipt, base, f"{base}/appeals/{public_id}")


@pytest.mark.parametrize("env,base", BASES)
def test_followups_run_from_the_admin_pages_link_to_our_address(hostile, smtp, env, base):
    app, client = hostile(**env)
    mailed_appeal(app, days_ago=15)
    sign_in(app, client)
    run_now(client, "followups")
    [followup] = deliver(app, smtp, 1)
    assert followup["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe = followup["List-Unsubscribe"].split(",")[0].strip(" <>")
    assert unsubscribe.startswith(f"{base}/unsubscribe/")
    assert_links_point_at(followup, base, unsubscribe)


@pytest.mark.parametrize("env,base", BASES)
def test_dead_letter_alert_links_to_our_admin_pages(hostile, smtp, env, base):
    app, client = hostile(ADMIN_ALERT_EMAIL="alerts@fightcitytickets.test", **env)
    smtp.reject_recipients.add("gone0@example.com")
    queue(app, 1, recipient="gone{i}@example.com")
    deliver(app, smtp, 0)  # refused for good: a dead letter
    sign_in(app, client)
    run_now(client, "dead_letters")
    [alert] = deliver(app, smtp, 1)
    assert alert["To"] == "alerts@fightcitytickets.test"
    found = [url for url in links(alert) if "/admin/" in url]
    assert found and all(url == f"{base}/admin/email/?status=dead" for url in found), found
    assert "evil" not in alert.as_string()


PRODUCTION = {"APP_ENV": "production", "SECRET_KEY": "s" * 40, "STRIPE_SECRET_KEY": "sk_test_x",
              "STRIPE_PUBLISHABLE_KEY": "pk_test_x", "STRIPE_WEBHOOK_SECRET": "whsec_x",
              "PUBLIC_BASE_URL": CONFIGURED, "WEB_CONCURRENCY": "1", "TRUSTED_PROXY_COUNT": "1"}


@pytest.mark.parametrize("method,path", [("GET", "/"), ("POST", "/appeals/find"), ("GET", "/health"),
                                         ("POST", "/webhooks/stripe"), ("GET", "/admin/"),
                                         ("GET", "/no-such-page")])
def test_production_answers_an_untrusted_host_with_a_plain_400(app_factory, method, path):
    client = app_factory(**PRODUCTION).test_client()
    response = client.open(path, method=method, base_url=f"https://{EVIL_HOST}")
    assert response.status_code == 400
    assert response.mimetype == "text/plain"
    assert response.get_data(as_text=True) == "Unknown host.\n"


def test_production_serves_its_own_host_and_ignores_x_forwarded_host(app_factory):
    client = app_factory(**PRODUCTION).test_client()
    assert client.get("/", base_url=CONFIGURED).status_code == 200
    # Behind the proxy, the forwarded host would have replaced ours; it names nothing now.
    forwarded = client.get("/", base_url=CONFIGURED, headers={"X-Forwarded-Host": EVIL_FORWARDED})
    assert forwarded.status_code == 200
    also_trusted = app_factory(**PRODUCTION, TRUSTED_HOSTS="fightcitytickets.test,.fly.dev")
    assert also_trusted.test_client().get("/health", base_url="http://fct.fly.dev").status_code == 200
