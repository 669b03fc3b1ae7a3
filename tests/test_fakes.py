"""The local stand-ins, each driven by the real client library: if these pass, a test that
uses a fake exercises the same protocol the app speaks in production.

Every server is stopped by the test that started it, and a check after each test makes
sure no thread the test started is still running.
"""
from __future__ import annotations

import json
import os
import shutil
import smtplib
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from email.message import EmailMessage

import openai
import psycopg
import pytest
import redis
import sentry_sdk
import stripe

from testkit.fakes import tls
from testkit.fakes.openai_server import OpenAIServer
from testkit.fakes.sentry_sink import SentrySink, parse_envelope
from testkit.fakes.smtp_server import SMTPServer
from testkit.fakes.stripe_api import StripeAPIServer, fixture, make_event, sign_event
from testkit.servers import PostgresServer, RedisServer
from tests.support.threads import no_leaked_threads  # noqa: F401  (autouse)

SECRET = "whsec_test_local"


@pytest.fixture
def stripe_server():
    server = StripeAPIServer().start()
    yield server
    server.stop()


def stripe_client(server, timeout: float = 5) -> stripe.StripeClient:
    return stripe.StripeClient("sk_test_x", base_addresses={"api": server.url}, max_network_retries=0,
                               http_client=stripe.RequestsClient(timeout=timeout))


CHECKOUT = {"mode": "payment", "client_reference_id": "A1",
            "line_items": [{"quantity": 1, "price_data": {"currency": "usd", "unit_amount": 989,
                                                          "product_data": {"name": "Appeal letter"}}}],
            "metadata": {"appeal_id": "A1", "letter_version": "2"},
            "payment_intent_data": {"metadata": {"appeal_id": "A1"}},
            "success_url": "http://app.test/ok", "cancel_url": "http://app.test/cancel"}


def test_stripe_checkout_session_through_the_sdk(stripe_server):
    client = stripe_client(stripe_server)
    session = client.v1.checkout.sessions.create(CHECKOUT, {"idempotency_key": "appeal-A1-v2"})
    assert session.id.startswith("cs_test_") and session.status == "open"
    assert session.amount_total == 989 and session.metadata["appeal_id"] == "A1"
    assert set(session.to_dict()) >= set(fixture("checkout.session"))
    again = client.v1.checkout.sessions.create(CHECKOUT, {"idempotency_key": "appeal-A1-v2"})
    assert again.id == session.id and stripe_server.count("POST", "/v1/checkout/sessions") == 2
    with pytest.raises(stripe.IdempotencyError):
        client.v1.checkout.sessions.create({**CHECKOUT, "client_reference_id": "B2"},
                                           {"idempotency_key": "appeal-A1-v2"})

    intent_id, charge_id = stripe_server.pay_session(session.id)
    paid = client.v1.checkout.sessions.retrieve(session.id, {"expand": ["payment_intent"]})
    assert paid.payment_status == "paid" and paid.payment_intent.id == intent_id
    assert paid.payment_intent.metadata["appeal_id"] == "A1"
    assert client.v1.charges.retrieve(charge_id).payment_intent == intent_id
    with pytest.raises(stripe.InvalidRequestError) as missing:
        client.v1.payment_intents.retrieve("pi_missing")
    assert missing.value.http_status == 404 and missing.value.code == "resource_missing"


def test_stripe_seeding_module_level_api_base_and_refunds(stripe_server, monkeypatch):
    monkeypatch.setattr(stripe, "api_base", stripe_server.url)
    monkeypatch.setattr(stripe, "api_key", "sk_test_x")
    monkeypatch.setattr(stripe, "max_network_retries", 0)
    stripe_server.put_payment_intent("pi_seeded", amount=1500, metadata={"appeal_id": "A9"})
    stripe_server.put_charge("ch_seeded", amount=1500, payment_intent="pi_seeded")
    stripe_server.put_payment_intent("pi_seeded", latest_charge="ch_seeded")
    assert stripe.PaymentIntent.retrieve("pi_seeded").metadata["appeal_id"] == "A9"
    refund = stripe.Refund.create(payment_intent="pi_seeded", amount=500)
    assert refund.status == "succeeded" and refund.charge == "ch_seeded"
    stripe.Refund.create(charge="ch_seeded")
    charge = stripe.Charge.retrieve("ch_seeded")
    assert charge.refunded and charge.amount_refunded == 1500
    with pytest.raises(stripe.InvalidRequestError, match="already been refunded"):
        stripe.Refund.create(charge="ch_seeded")


def test_stripe_failure_modes_and_restart_on_the_same_port(stripe_server):
    client = stripe_client(stripe_server, timeout=0.5)
    stripe_server.put_session("cs_test_1")
    stripe_server.mode = "error"
    with pytest.raises(stripe.APIError) as failed:
        client.v1.checkout.sessions.retrieve("cs_test_1")
    assert failed.value.http_status == 500
    stripe_server.mode = "rate_limit"
    with pytest.raises(stripe.RateLimitError):
        client.v1.checkout.sessions.retrieve("cs_test_1")
    stripe_server.mode = "hang"
    with pytest.raises(stripe.APIConnectionError):
        client.v1.checkout.sessions.retrieve("cs_test_1")
    port = stripe_server.port
    stripe_server.stop()
    with pytest.raises(stripe.APIConnectionError):
        client.v1.checkout.sessions.retrieve("cs_test_1")
    stripe_server.mode = "ok"
    stripe_server.start()
    assert stripe_server.port == port
    assert client.v1.checkout.sessions.retrieve("cs_test_1").id == "cs_test_1"


def test_stripe_webhook_signature_is_the_real_scheme():
    event = make_event("checkout.session.completed", fixture("checkout.session"), event_id="evt_1")
    payload = json.dumps(event)
    header = sign_event(payload, SECRET)
    parsed = stripe.Webhook.construct_event(payload, header, SECRET)
    assert parsed.id == "evt_1" and parsed.type == "checkout.session.completed"
    assert parsed.data.object.object == "checkout.session"
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(payload.replace("evt_1", "evt_2"), header, SECRET)
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(payload, sign_event(payload, "whsec_other"), SECRET)
    with pytest.raises(stripe.SignatureVerificationError):
        stale = sign_event(payload, SECRET, timestamp=int(time.time()) - 3600)
        stripe.Webhook.construct_event(payload, stale, SECRET)


@pytest.fixture
def ai():
    server = OpenAIServer(reply="Dear Hearing Officer,", prompt_tokens=11, completion_tokens=7).start()
    yield server
    server.stop()


def ai_client(base_url: str, timeout: float = 5) -> openai.OpenAI:
    return openai.OpenAI(base_url=base_url, api_key="sk-test", max_retries=0, timeout=timeout)


def test_openai_sdk_gets_a_completion_on_both_paths(ai):
    for base in (ai.url, ai.base_url):
        with ai_client(base) as client:
            done = client.chat.completions.create(
                model="deepseek-chat", messages=[{"role": "user", "content": f"write via {base}"}])
        assert done.choices[0].message.content == "Dear Hearing Officer,"
        assert (done.usage.prompt_tokens, done.usage.completion_tokens, done.usage.total_tokens) == (11, 7, 18)
    assert [p[0]["content"] for p in ai.prompts()] == [f"write via {ai.url}", f"write via {ai.base_url}"]
    assert [r.route for r in ai.requests] == ["/chat/completions", "/v1/chat/completions"]


def test_openai_sdk_surfaces_errors_hangs_and_a_stopped_server(ai):
    messages = [{"role": "user", "content": "hi"}]
    with ai_client(ai.base_url, timeout=0.5) as client:
        ai.mode = "error"
        with pytest.raises(openai.InternalServerError):
            client.chat.completions.create(model="deepseek-chat", messages=messages)
        ai.mode = "rate_limit"
        with pytest.raises(openai.RateLimitError) as limited:
            client.chat.completions.create(model="deepseek-chat", messages=messages)
        assert limited.value.response.headers["retry-after"] == "1"
        ai.mode = "hang"
        with pytest.raises(openai.APITimeoutError):
            client.chat.completions.create(model="deepseek-chat", messages=messages)
        ai.stop()
        with pytest.raises(openai.APIConnectionError):
            client.chat.completions.create(model="deepseek-chat", messages=messages)
        ai.start()
        ai.mode = "ok"
        assert client.chat.completions.create(model="m", messages=messages).choices[0].message.content


def test_a_hung_request_is_answered_when_the_mode_changes_and_never_blocks_stop(ai):
    ai.mode = "hang"
    with ai_client(ai.url, timeout=30) as client, ThreadPoolExecutor(2) as pool:
        late = pool.submit(client.chat.completions.create, model="m", messages=[{"role": "user", "content": "a"}])
        ai.wait_for_requests(1)
        ai.mode = "ok"
        assert late.result(timeout=10).choices[0].message.content == "Dear Hearing Officer,"
        ai.mode = "hang"
        held = pool.submit(client.chat.completions.create, model="m", messages=[{"role": "user", "content": "b"}])
        ai.wait_for_requests(2)
        started = time.monotonic()
        ai.stop()
        assert time.monotonic() - started < 5
        with pytest.raises(openai.APIConnectionError):
            held.result(timeout=10)


def test_hang_can_answer_late_like_a_slow_service(ai):
    ai.mode, ai.hang_limit, ai.hang_answers = "hang", 0.3, True
    started = time.monotonic()
    with ai_client(ai.url, timeout=10) as client:
        done = client.chat.completions.create(model="m", messages=[{"role": "user", "content": "a"}])
    assert done.choices[0].message.content and time.monotonic() - started >= 0.3


@pytest.fixture
def smtp():
    server = SMTPServer(auth=("mailer", "s3cret")).start()
    yield server
    server.stop()


def letter(to: str, message_id: str) -> EmailMessage:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "appeals@fct.test", to, "Your appeal"
    message["Message-ID"] = message_id
    message.set_content("Your letter is on its way.")
    return message


def send(server: SMTPServer, message: EmailMessage, to: list[str] | None = None):
    with smtplib.SMTP(server.host, server.port, timeout=5) as client:
        return client.send_message(message, to_addrs=to)


def test_smtp_accepts_records_and_refuses_per_recipient(smtp):
    send(smtp, letter("jane@example.com", "<m1@fct.test>"))
    [received] = smtp.wait_for_messages(1)
    assert received.mail_from == "appeals@fct.test" and received.rcpt_tos == ["jane@example.com"]
    assert received.message["Subject"] == "Your appeal" and smtp.message_ids() == ["<m1@fct.test>"]
    smtp.reject_recipients.add("bounce@example.com")
    refused = send(smtp, letter("jane@example.com", "<m2@fct.test>"), ["jane@example.com", "bounce@example.com"])
    assert refused["bounce@example.com"][0] == 550
    assert smtp.message_ids() == ["<m1@fct.test>", "<m2@fct.test>"]


@pytest.mark.parametrize("mode, code", [("defer", 451), ("reject", 550)])
def test_smtp_defer_and_reject_at_rcpt_and_data(smtp, mode, code):
    smtp.mode = mode
    with pytest.raises(smtplib.SMTPRecipientsRefused) as at_rcpt:
        send(smtp, letter("jane@example.com", "<r@fct.test>"))
    assert at_rcpt.value.recipients["jane@example.com"][0] == code
    smtp.fail_at = "data"
    with pytest.raises(smtplib.SMTPDataError) as at_data:
        send(smtp, letter("jane@example.com", "<d@fct.test>"))
    assert at_data.value.smtp_code == code and smtp.messages == []


def test_smtp_stopped_refuses_connections_then_restarts_on_the_same_port(smtp):
    port = smtp.port
    smtp.stop()
    with pytest.raises(ConnectionRefusedError):
        send(smtp, letter("jane@example.com", "<x@fct.test>"))
    smtp.start()
    assert smtp.port == port
    send(smtp, letter("jane@example.com", "<y@fct.test>"))
    assert smtp.message_ids() == ["<y@fct.test>"]


def test_smtp_auth_with_and_without_starttls(smtp):
    with smtplib.SMTP(smtp.host, smtp.port, timeout=5) as client:
        with pytest.raises(smtplib.SMTPAuthenticationError):
            client.login("mailer", "wrong")
        client.login("mailer", "s3cret")
        client.send_message(letter("jane@example.com", "<plain@fct.test>"))
    if not smtp.tls:
        pytest.skip("no way to make a certificate here: STARTTLS is not offered")
    with smtplib.SMTP(smtp.host, smtp.port, timeout=5) as client:
        client.starttls(context=tls.client_context())
        client.login("mailer", "s3cret")
        client.send_message(letter("jane@example.com", "<tls@fct.test>"))
    assert smtp.message_ids() == ["<plain@fct.test>", "<tls@fct.test>"]


def test_sentry_sdk_events_reach_the_sink():
    sink = SentrySink().start()
    client = sentry_sdk.Client(dsn=sink.dsn(), default_integrations=False, auto_enabling_integrations=False)
    try:
        with sentry_sdk.isolation_scope(), sentry_sdk.new_scope() as scope:
            scope.set_client(client)
            sentry_sdk.capture_message("the letter writer is down")
        client.flush(timeout=5)
        [event] = sink.wait_for_events(1)
        assert event["message"] == "the letter writer is down" and event["level"] == "info"
        assert sink.requests[0].route == "/api/1/envelope/"
    finally:
        client.close(timeout=5)
        sink.stop()


def test_envelope_items_with_and_without_length():
    body = b'{"event_id":"e1"}\n{"type":"event","length":13}\n{"message":1}\n{"type":"attachment"}\nraw\n'
    header, items = parse_envelope(body)
    assert header == {"event_id": "e1"}
    assert items == [({"type": "event", "length": 13}, b'{"message":1}'), ({"type": "attachment"}, b"raw")]


def need(binary: str) -> None:
    """Skip without the binary on a developer machine; on CI (CI set) a missing one fails."""
    if shutil.which(binary) is None and not os.path.exists(f"/usr/lib/postgresql/15/bin/{binary}"):
        if os.environ.get("CI", "").lower() in ("", "0", "false"):
            pytest.skip(f"{binary} is not installed")
        pytest.fail(f"{binary} is not installed, and CI must run every test")


def test_postgres_starts_stops_and_restarts_on_the_same_port(tmp_path):
    need("pg_ctl")
    server = PostgresServer(tmp_path / "pg")
    try:
        server.start()
        server.create_database("fakes")
        with psycopg.connect(server.dsn("fakes"), autocommit=True) as conn:
            conn.execute("CREATE TABLE kept (n int)")
            conn.execute("INSERT INTO kept VALUES (1)")
        port = server.port
        server.stop()
        assert not server.is_running()
        with pytest.raises(psycopg.OperationalError):
            psycopg.connect(server.dsn("fakes"), connect_timeout=2)
        server.start()
        server.kill()
        server.restart()
        assert server.port == port and server.url("fakes").endswith(f"127.0.0.1:{port}/fakes")
        with psycopg.connect(server.dsn("fakes")) as conn:
            assert conn.execute("SELECT n FROM kept").fetchall() == [(1,)]
        server.drop_database("fakes")
    finally:
        server.cleanup()
    assert not server.is_running()
    assert os.geteuid() != 0 or not server.cluster_dir.exists()


def test_redis_starts_stops_and_restarts_on_the_same_port(tmp_path):
    need("redis-server")
    server = RedisServer(tmp_path / "redis")
    try:
        client = redis.Redis.from_url(server.start().url(), socket_timeout=2, socket_connect_timeout=2)
        assert client.set("k", "v") and client.get("k") == b"v"
        port = server.port
        server.stop()
        with pytest.raises(redis.ConnectionError):
            client.ping()
        server.start()
        assert server.port == port and client.ping()
        client.close()
    finally:
        server.cleanup()
    assert not server.is_running()
