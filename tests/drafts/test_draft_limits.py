"""The bounded pool, the per-appeal window and the per-IP token budget (§6, §9)."""
from datetime import datetime, timedelta, timezone

import pytest
from prometheus_client import REGISTRY
from sqlalchemy import update

from app.extensions import db
from app.jobs.runner import run_job
from app.models import AiRequest
from tests.drafts.conftest import JSON, draft, load, make_appeal, poll, requests_of, wait_for


def test_full_queue_answers_503_with_retry_after(ai_app, llm):
    llm.set_mode("hang")
    app = ai_app(AI_WORKERS="1", AI_QUEUE_SIZE="1", DEEPSEEK_TIMEOUT_S="5", HEALTH_TOKEN="h")
    client = app.test_client()
    running, waiting, refused = (make_appeal(app) for _ in range(3))

    assert draft(client, running).status_code == 202
    assert draft(client, waiting).status_code == 202
    pool = app.extensions["ai_pool"]
    assert pool.capacity == 1 and pool.depth() + pool.busy() == 2
    wait_for(lambda: len(llm.bodies) == 1)  # the worker is inside the provider call
    with app.app_context():  # the hung call holds a thread, not a database connection
        assert db.engine.pool.checkedout() == 0

    response = draft(client, refused)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    body = response.get_json()
    assert "very busy" in body["detail"] and "try again" in body["detail"]
    assert requests_of(app, refused) == []  # nothing was accepted

    page = client.post(f"/appeals/{refused}/draft")  # a browser gets a friendly page
    assert page.status_code == 503 and page.headers["Retry-After"] == "5"
    assert "very busy" in page.get_data(as_text=True)

    health = client.get("/health/detailed", headers={"Authorization": "Bearer h"}).get_json()  # operators see the full queue
    assert health["checks"]["ai_queue"] == {"status": "warn", "depth": 1, "capacity": 1,
                                            "time_ms": health["checks"]["ai_queue"]["time_ms"]}
    page = client.get(f"/appeals/{waiting}/draft").get_data(as_text=True)
    assert "very busy" in page  # the agent-aware note: the queue is over 80% full


@pytest.mark.both_databases
def test_sixth_request_in_a_minute_is_queued_and_run_by_the_job(ai_app, llm):
    app = ai_app()
    client = app.test_client()
    appeal_id = make_appeal(app)
    for _ in range(5):
        assert draft(client, appeal_id).status_code == 202
        poll(client, appeal_id)
    assert len(llm.bodies) == 5
    queued_before = REGISTRY.get_sample_value("fct_ai_requests_total", {"outcome": "queued"}) or 0

    response = draft(client, appeal_id, instructions="Mention that I paid at the kiosk.")
    assert response.status_code == 202
    body = response.get_json()
    assert body["state"] == "queued"
    assert REGISTRY.get_sample_value("fct_ai_requests_total", {"outcome": "queued"}) == queued_before + 1
    run_at = datetime.fromisoformat(body["run_at"])
    first = requests_of(app, appeal_id)[0]
    assert run_at > datetime.now(timezone.utc) + timedelta(seconds=30)
    assert abs((run_at - first.run_after.replace(tzinfo=timezone.utc)).total_seconds() - 60) < 1
    assert "starts in about" in client.get(f"/appeals/{appeal_id}/draft").get_data(as_text=True)

    assert run_job(app, "ai_queue") == "ok"  # not due yet: stays queued
    assert poll(client, appeal_id, states=("queued",))["state"] == "queued"
    assert len(llm.bodies) == 5

    with app.app_context():  # setup: let the window pass
        db.session.execute(update(AiRequest).where(AiRequest.status == "queued")
                           .values(run_after=datetime.now(timezone.utc) - timedelta(seconds=1)))
        db.session.commit()
        db.session.remove()
    assert run_job(app, "ai_queue") == "ok"
    done = poll(client, appeal_id)
    assert done["state"] == "done" and done["kind"] == "refine"
    assert len(llm.bodies) == 6
    assert "Mention that I paid at the kiosk." in llm.bodies[-1]["messages"][1]["content"]
    assert load(app, appeal_id).letter_version == 6


@pytest.mark.both_databases
def test_token_budget_keeps_the_current_letter(ai_app, llm):
    llm.tokens = 1000  # what is left of 1,200 cannot hold another prompt and letter
    app = ai_app(AI_TOKENS_PER_IP_PER_DAY="1200")
    client = app.test_client()
    appeal_id = make_appeal(app)
    draft(client, appeal_id)
    letter = poll(client, appeal_id)["letter"]

    response = draft(client, appeal_id, instructions="Make it friendlier.")
    assert response.status_code == 429
    retry_after = int(response.headers["Retry-After"])
    assert 86000 < retry_after <= 86401
    assert "used today's AI writing help" in response.get_json()["detail"]
    assert load(app, appeal_id).letter_text == letter
    assert len(requests_of(app, appeal_id)) == 1 and len(llm.bodies) == 1

    page = client.post(f"/appeals/{appeal_id}/draft", data={"instructions": "Friendlier."})
    assert page.status_code == 303 and page.headers["Location"].endswith(f"/appeals/{appeal_id}/review")

    # Another appeal from the same address has no letter yet: it still gets one, from the template.
    other = make_appeal(app, citation_number="987654321")
    assert draft(client, other).status_code == 202
    assert poll(client, other)["source"] == "template"
    assert len(llm.bodies) == 1


def test_budget_is_per_client_ip(ai_app, llm):
    llm.tokens = 1000
    app = ai_app(AI_TOKENS_PER_IP_PER_DAY="1200", TRUSTED_PROXY_COUNT="1")
    client = app.test_client()
    appeal_id = make_appeal(app)
    first_ip = {"X-Forwarded-For": "203.0.113.7", **JSON}
    client.post(f"/appeals/{appeal_id}/draft", headers=first_ip)
    poll(client, appeal_id)
    again = client.post(f"/appeals/{appeal_id}/draft", json={"instructions": "Shorter."},
                        headers=first_ip)
    assert again.status_code == 429
    other_ip = {"X-Forwarded-For": "198.51.100.9", **JSON}
    assert client.post(f"/appeals/{appeal_id}/draft", json={"instructions": "Shorter."},
                       headers=other_ip).status_code == 202
    assert poll(client, appeal_id)["source"] == "ai"
    assert [r.client_ip for r in requests_of(app, appeal_id)] == ["203.0.113.7", "198.51.100.9"]


def test_draft_posts_count_against_appeal_writes_per_ip(ai_app, llm):
    app = ai_app(RATELIMIT_APPEAL_WRITES="2/minute")
    client = app.test_client()
    appeal_id = make_appeal(app)
    assert draft(client, appeal_id).status_code == 202
    assert draft(client, appeal_id).status_code == 202
    refused = draft(client, appeal_id)
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 61
    assert "wait a moment" in refused.get_json()["detail"]
    assert len(requests_of(app, appeal_id)) == 2


def test_a_flood_of_rewrites_is_not_queued_without_end(ai_app, llm):
    app = ai_app(RATELIMIT_AI_REFINE="1/minute")
    client = app.test_client()
    appeal_id = make_appeal(app)
    answers = [draft(client, appeal_id) for _ in range(8)]
    assert [a.status_code for a in answers[:6]] == [202] * 6  # now, then +1 ... +5 minutes
    assert answers[6].status_code == 429 and int(answers[6].headers["Retry-After"]) > 0
    assert "many rewrites" in answers[6].get_json()["detail"]
    assert len(requests_of(app, appeal_id)) == 6
