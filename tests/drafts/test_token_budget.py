"""The AI token budget per client IP (§6): reserved before the call, settled with the usage
the provider reports, and held under real concurrency across workers.

Drafts go through HTTP from parallel threads to the app (or to two app instances on one
database, as two gunicorn workers would), whose worker pool calls the local
OpenAI-compatible server; the server answers slowly, so the calls overlap, and reports
`usage` for each. What the provider reported in total is compared with the budget.
"""
from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import AiRequest
from tests.drafts.conftest import JSON, LETTER_TEXT, draft, load, make_appeal, poll, requests_of
from testkit.fakes.openai_server import DEFAULT_REPLY, OpenAIServer

PARALLEL = 8
USAGE = 375  # what the provider reports for each call


def slow_reply(_body: dict) -> str:
    time.sleep(0.3)  # the calls overlap, as real ones (seconds each) do
    return DEFAULT_REPLY


def parallel_drafts(apps, appeal_ids: list[str]) -> list[int]:
    """One refine per appeal, all sent at once from one client IP; returns the statuses."""
    statuses: list[int] = [0] * len(appeal_ids)
    start = threading.Barrier(len(appeal_ids))

    def send(n: int) -> None:
        client = apps[n % len(apps)].test_client()
        start.wait()
        statuses[n] = client.post(f"/appeals/{appeal_ids[n]}/draft",
                                  json={"instructions": "Make it shorter."}, headers=JSON).status_code

    threads = [threading.Thread(target=send, args=(n,)) for n in range(len(appeal_ids))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return statuses


def charged(app) -> int:
    with app.app_context():
        total = db.session.execute(select(func.coalesce(func.sum(AiRequest.tokens_used), 0))).scalar_one()
        db.session.remove()
        return total


def _overspend_attempt(apps, llm) -> list[int]:
    llm.reply, llm.tokens = slow_reply, USAGE
    appeal_ids = [make_appeal(apps[0], citation_number=f"91234{n:04d}", letter_text=LETTER_TEXT,
                              status="letter_ready") for n in range(PARALLEL)]
    statuses = parallel_drafts(apps, appeal_ids)
    client = apps[0].test_client()
    for appeal_id, status in zip(appeal_ids, statuses):
        if status == 202:
            poll(client, appeal_id)
    return statuses


@pytest.mark.both_databases
def test_parallel_drafts_from_one_ip_stay_within_the_budget(ai_app, llm):
    app = ai_app(AI_TOKENS_PER_IP_PER_DAY="1000", AI_WORKERS=str(PARALLEL),
                 RATELIMIT_AI_REFINE="100/minute")

    statuses = _overspend_attempt([app], llm)

    assert set(statuses) <= {202, 429} and 202 in statuses
    spent = len(llm.bodies) * USAGE  # what the provider charged, by its own account
    assert 0 < spent <= 1000
    assert charged(app) == spent  # every reservation was settled to the reported usage


@pytest.mark.postgres
def test_two_workers_share_one_budget(ai_app, llm, redis_url, backend):
    """Two app instances on one PostgreSQL database and one Redis, as two gunicorn workers."""
    env = dict(AI_TOKENS_PER_IP_PER_DAY="1000", AI_WORKERS=str(PARALLEL),
               RATELIMIT_AI_REFINE="100/minute", REDIS_URL=redis_url)
    first, second = ai_app(**env), ai_app(**env)

    statuses = _overspend_attempt([first, second], llm)

    assert set(statuses) <= {202, 429}
    assert 0 < len(llm.bodies) * USAGE <= 1000
    assert charged(first) == len(llm.bodies) * USAGE


def test_what_a_call_did_not_use_goes_back_to_the_budget(ai_app, llm):
    llm.tokens = USAGE
    app = ai_app(AI_TOKENS_PER_IP_PER_DAY="3000", RATELIMIT_AI_REFINE="100/minute")
    client = app.test_client()
    appeal_id = make_appeal(app, letter_text=LETTER_TEXT, status="letter_ready")
    statuses = []
    while not statuses or statuses[-1] == 202:
        statuses.append(draft(client, appeal_id, instructions="Shorter.").status_code)
        if statuses[-1] == 202:
            poll(client, appeal_id)
        assert len(statuses) < 20

    # Each call reserved far more than it used (prompt estimate + up to 1,200): only the
    # refunds let more than two of them fit in 3,000.
    assert statuses[-1] == 429 and len(llm.bodies) >= 5
    assert [r.tokens_used for r in requests_of(app, appeal_id)] == [USAGE] * len(llm.bodies)
    assert len(llm.bodies) * USAGE <= 3000


def test_the_completion_is_capped_to_what_is_left(ai_app, llm):
    llm.tokens = 600
    app = ai_app(AI_TOKENS_PER_IP_PER_DAY="1200", DEEPSEEK_TIMEOUT_S="30")
    client = app.test_client()
    appeal_id = make_appeal(app)
    draft(client, appeal_id)
    body = poll(client, appeal_id)
    assert body["source"] == "ai", body

    [sent] = llm.bodies
    writer = app.extensions["letter_writer"]
    assert 256 <= sent["max_tokens"] < 1200
    assert writer.estimate_prompt_tokens(sent["messages"]) + sent["max_tokens"] <= 1200


class NoUsageServer(OpenAIServer):
    """An OpenAI-compatible server that answers without `usage` (it is optional)."""

    def respond(self, request):
        status, body = super().respond(request)
        body.pop("usage", None)
        return status, body


def test_a_call_whose_usage_is_not_reported_keeps_its_whole_reservation(ai_app):
    server = NoUsageServer().start()
    try:
        app = ai_app(DEEPSEEK_BASE_URL=server.base_url, AI_TOKENS_PER_IP_PER_DAY="2500",
                     DEEPSEEK_TIMEOUT_S="30")
        client = app.test_client()
        appeal_id = make_appeal(app)
        draft(client, appeal_id)
        body = poll(client, appeal_id)
        assert body["source"] == "ai", body
        [row] = requests_of(app, appeal_id)
        [sent] = server.bodies
        writer = app.extensions["letter_writer"]
        assert row.tokens_used == writer.estimate_prompt_tokens(sent["messages"]) + sent["max_tokens"]
        assert row.tokens_used > 1000
    finally:
        server.stop()


def test_a_letter_cut_off_at_max_tokens_is_not_used_but_is_charged(ai_app, llm):
    llm.finish_reason, llm.tokens = "length", 700
    app = ai_app()
    client = app.test_client()
    appeal_id = make_appeal(app, letter_text=LETTER_TEXT, status="letter_ready")
    draft(client, appeal_id, instructions="Longer.")
    body = poll(client, appeal_id)
    assert body["state"] == "failed" and body["outcome"] == "kept"
    assert load(app, appeal_id).letter_text == LETTER_TEXT
    [row] = requests_of(app, appeal_id)
    assert row.tokens_used == 700
