"""What the driver sees when the AI writer answers, fails, rate-limits, hangs or is cut off (§6)."""
import time

import pytest
import sentry_sdk
from prometheus_client import REGISTRY

from tests.drafts.conftest import JSON, draft, load, make_appeal, poll, requests_of

MARKDOWN_REPLY = ("**March 5, 2025**\n\n# SFMTA Customer Service Center\n\nRe: Appeal of parking "
                  "citation 912345678\n\nDear Hearing Officer,\n\n- The meter was *broken*.\n\n"
                  "Sincerely,\nJane Driver\n")


def ai_count(outcome: str) -> float:
    return REGISTRY.get_sample_value("fct_ai_requests_total", {"outcome": outcome}) or 0.0


@pytest.mark.both_databases
def test_ai_letter_is_plain_text_and_tokens_are_charged(ai_app, llm):
    llm.reply, llm.tokens = MARKDOWN_REPLY, 321
    app = ai_app()
    client = app.test_client()
    appeal_id = make_appeal(app)
    before = ai_count("ai")

    response = draft(client, appeal_id)
    assert response.status_code == 202
    assert response.headers["Location"] == f"/appeals/{appeal_id}/draft"
    accepted = response.get_json()
    assert accepted["state"] in ("queued", "running", "done")
    assert accepted["poll_url"] == f"/appeals/{appeal_id}/draft" and accepted["run_at"]

    body = poll(client, appeal_id)
    assert body["state"] == "done" and body["source"] == "ai" and body["outcome"] == "ai"
    letter = body["letter"]
    assert "**" not in letter and "#" not in letter and "- The" not in letter
    assert "The meter was broken." in letter and "Re: Appeal of parking citation 912345678" in letter
    assert body["review_url"] == f"/appeals/{appeal_id}/review"

    appeal = load(app, appeal_id)
    assert appeal.status == "letter_ready" and appeal.letter_source == "ai"
    assert appeal.letter_version == 1 and appeal.ai_tokens_used == 321
    [row] = requests_of(app, appeal_id)
    assert row.tokens_used == 321 and row.client_ip == "127.0.0.1"
    assert ai_count("ai") == before + 1

    [sent] = llm.bodies
    system, user = sent["messages"][0]["content"], sent["messages"][1]["content"]
    assert sent["model"] == "deepseek-chat"
    assert "not a law firm" in system and "never cite laws" in system
    assert "Current system status" not in system  # everything is working
    assert "912345678" in user and "Jane Driver" in user and "kiosk across the street" in user


def test_server_error_gives_the_template_letter(ai_app, llm, caplog):
    llm.set_mode("error")
    app = ai_app()
    client = app.test_client()
    appeal_id = make_appeal(app)
    before = ai_count("template")

    accepted = draft(client, appeal_id)
    assert accepted.status_code == 202
    body = poll(client, appeal_id)
    assert body["state"] == "done" and body["source"] == "template"
    assert "912345678" in body["letter"] and "Jane Driver" in body["letter"]
    assert "template" in body["message"] and "Traceback" not in body["message"]
    assert "500" not in body["message"] and "Error" not in body["message"]
    assert len(llm.bodies) == 4  # the first try and 3 retries of a 5xx
    assert load(app, appeal_id).status == "letter_ready"
    assert ai_count("template") == before + 1
    [failure] = [r for r in caplog.records if r.getMessage() == "AI letter writer failed"]
    assert failure.request_id == accepted.headers["X-Request-ID"]  # the driver's request
    assert failure.ai_request == accepted.get_json()["request_id"] and "500" in failure.error


def test_rate_limited_is_retried_then_templated(ai_app, llm):
    llm.set_mode("rate_limit")
    app = ai_app()
    client = app.test_client()
    appeal_id = make_appeal(app)

    draft(client, appeal_id)
    body = poll(client, appeal_id)
    assert body["source"] == "template"
    assert len(llm.bodies) == 4
    [row] = requests_of(app, appeal_id)
    assert row.outcome == "template" and "RateLimitError" in row.error


def test_hung_writer_moves_the_appeal_to_writing_needed_in_time(ai_app, llm):
    llm.set_mode("hang")
    app = ai_app(DEEPSEEK_TIMEOUT_S="1")
    client = app.test_client()
    appeal_id = make_appeal(app)
    before = ai_count("timeout")

    started = time.monotonic()
    assert draft(client, appeal_id).status_code == 202
    body = poll(client, appeal_id, timeout=5)
    elapsed = time.monotonic() - started
    assert elapsed < 2.0, elapsed
    assert body["state"] == "failed" and body["outcome"] == "timeout"
    assert "write your letter" in body["message"]
    assert "letter" not in body or body.get("letter") is None
    assert body["review_url"] == f"/appeals/{appeal_id}/review"
    appeal = load(app, appeal_id)
    assert appeal.status == "appeal_writing_needed" and appeal.letter_text is None
    assert len(llm.bodies) == 1  # timeouts are never retried
    assert ai_count("timeout") == before + 1


def test_open_breaker_gives_the_template_without_calling_the_writer(ai_app, llm):
    llm.set_mode("error")
    app = ai_app(BREAKER_DEEPSEEK_FAIL_MAX="2")
    client = app.test_client()
    first = make_appeal(app)
    draft(client, first)
    assert poll(client, first)["source"] == "template"
    assert len(llm.bodies) == 2  # the second failure opened the breaker: no more tries
    assert app.extensions["breakers"].snapshot("deepseek")["state"] == "open"

    llm.set_mode("ok")
    second = make_appeal(app, citation_number="987654321")
    started = time.monotonic()
    draft(client, second)
    body = poll(client, second)
    assert time.monotonic() - started < 1.0
    assert body["source"] == "template" and "987654321" in body["letter"]
    assert len(llm.bodies) == 2  # the fake saw nothing new
    assert any("AI writing assistant is unavailable" in n for n in body["system_status"])


def test_failed_refinement_keeps_the_current_letter(ai_app, llm):
    app = ai_app()
    client = app.test_client()
    appeal_id = make_appeal(app)
    draft(client, appeal_id)
    letter = poll(client, appeal_id)["letter"]

    llm.set_mode("error")
    assert draft(client, appeal_id, instructions="Make it shorter.").status_code == 202
    body = poll(client, appeal_id)
    assert body["state"] == "failed" and body["outcome"] == "kept"
    assert "current letter is kept" in body["message"]
    appeal = load(app, appeal_id)
    assert appeal.letter_text == letter and appeal.letter_source == "ai" and appeal.letter_version == 1


def test_refinement_sends_the_current_letter_and_the_drivers_change(ai_app, llm):
    app = ai_app()
    client = app.test_client()
    appeal_id = make_appeal(app)
    draft(client, appeal_id)
    poll(client, appeal_id)
    llm.reply = "Dear Hearing Officer,\n\nShorter now.\n"

    draft(client, appeal_id, instructions="Please make it shorter.")
    body = poll(client, appeal_id)
    assert body["kind"] == "refine" and body["letter"].startswith("Dear Hearing Officer")
    user = llm.bodies[-1]["messages"][1]["content"]
    assert "current letter" in user and "Please make it shorter." in user
    assert load(app, appeal_id).letter_version == 2


def test_system_status_note_reaches_the_prompt_and_the_page(ai_app, llm):
    app = ai_app()
    client = app.test_client()
    appeal_id = make_appeal(app)
    app.extensions["breakers"]["stripe"].open()  # setup: payments are down

    draft(client, appeal_id)
    body = poll(client, appeal_id)
    system = llm.bodies[-1]["messages"][0]["content"]
    assert "Current system status" in system and "Payments are temporarily unavailable" in system
    assert any("Payments are temporarily unavailable" in n for n in body["system_status"])
    page = client.get(f"/appeals/{appeal_id}/draft").get_data(as_text=True)
    assert "Current system status" in page and "Payments are temporarily unavailable" in page


def test_without_an_api_key_letters_come_from_the_template(app_factory, llm):
    app = app_factory()  # no DEEPSEEK_API_KEY
    app.config["WTF_CSRF_ENABLED"] = False
    client = app.test_client()
    appeal_id = make_appeal(app)
    assert client.post(f"/appeals/{appeal_id}/draft", headers=JSON).status_code == 202
    body = poll(client, appeal_id)
    assert body["source"] == "template" and "912345678" in body["letter"]
    assert "unavailable" not in body["message"]  # nothing failed: this is the configuration
    assert llm.bodies == []
    app.extensions["ai_pool"].shutdown(wait=True)


def test_refine_without_instructions_polishes_the_drivers_edited_letter(ai_app, llm):
    app = ai_app()
    client = app.test_client()
    appeal_id = make_appeal(app, status="letter_ready", letter_text="my own letter, edited by me",
                            letter_source="driver", letter_version=1)
    assert client.post(f"/appeals/{appeal_id}/draft", data={"instructions": ""}).status_code == 303
    body = poll(client, appeal_id)
    assert body["kind"] == "refine" and body["source"] == "ai"
    user = llm.bodies[-1]["messages"][1]["content"]
    assert "my own letter, edited by me" in user and "polish the wording" in user
    assert load(app, appeal_id).letter_version == 2


def test_failures_reach_sentry_with_the_request_id(ai_app, llm, sentry_sink):
    llm.set_mode("error")
    app = ai_app(SENTRY_DSN=sentry_sink.dsn())
    try:
        client = app.test_client()
        appeal_id = make_appeal(app)
        accepted = draft(client, appeal_id)
        poll(client, appeal_id)
        sentry_sdk.flush(5)
        [event] = [e for e in sentry_sink.wait_for_events(1) if e.get("tags", {}).get("ai_request")]
        assert event["tags"]["request_id"] == accepted.headers["X-Request-ID"]
        types = [value["type"] for value in event["exception"]["values"]]
        assert "WriterFailed" in types and "InternalServerError" in types
        assert "Jane Driver" not in str(event) and "kiosk" not in str(event)  # no driver data
    finally:
        sentry_sdk.init()  # sentry-sdk is process-global: switch it off for the next tests
