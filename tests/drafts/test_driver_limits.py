"""The ai_refine limit (5 a minute, §6) counts per driver as well as per appeal: opening
more appeals from one IP, or under one email address, does not multiply it. Past it the
request is queued and still answered 202 with its run time; past the queue's reach, 429."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from tests.drafts.conftest import JSON, make_appeal, poll, requests_of


def _appeals(app, n: int, **values) -> list[str]:
    return [make_appeal(app, citation_number=f"91234{i:04d}", **values) for i in range(n)]


def test_a_sixth_appeal_from_one_ip_in_a_minute_is_queued(ai_app, llm):
    app = ai_app()
    client = app.test_client()
    appeal_ids = _appeals(app, 6)
    for appeal_id in appeal_ids[:5]:
        assert client.post(f"/appeals/{appeal_id}/draft", headers=JSON).status_code == 202
        poll(client, appeal_id)

    response = client.post(f"/appeals/{appeal_ids[5]}/draft", headers=JSON)

    assert response.status_code == 202
    body = response.get_json()
    assert body["state"] == "queued"
    first = requests_of(app, appeal_ids[0])[0].run_after.replace(tzinfo=timezone.utc)
    run_at = datetime.fromisoformat(body["run_at"])
    assert abs((run_at - first).total_seconds() - 60) < 1
    assert len(llm.bodies) == 5


def test_one_email_across_addresses_is_one_driver(ai_app, llm):
    app = ai_app(TRUSTED_PROXY_COUNT="1")
    client = app.test_client()
    appeal_ids = _appeals(app, 6, email="jane@example.com")
    for n, appeal_id in enumerate(appeal_ids):
        response = client.post(f"/appeals/{appeal_id}/draft",
                               headers={"X-Forwarded-For": f"198.51.100.{n + 1}", **JSON})
        assert response.status_code == 202
        if n < 5:
            assert poll(client, appeal_id)["state"] == "done"
    body = response.get_json()  # the sixth waits for the first one's minute to pass
    assert body["state"] == "queued"
    assert datetime.fromisoformat(body["run_at"]) > datetime.now(timezone.utc) + timedelta(seconds=30)
    assert len({r.client_ip for a in appeal_ids for r in requests_of(app, a)}) == 6


def test_past_the_queue_the_driver_is_told_to_wait(ai_app, llm):
    app = ai_app(RATELIMIT_AI_REFINE="1/minute")
    client = app.test_client()
    appeal_ids = _appeals(app, 7)
    answers = [client.post(f"/appeals/{appeal_id}/draft", headers=JSON) for appeal_id in appeal_ids]

    assert [a.status_code for a in answers[:6]] == [202] * 6  # now, then +1 ... +5 minutes
    assert [a.get_json()["state"] for a in answers[1:6]] == ["queued"] * 5
    run_ats = [datetime.fromisoformat(a.get_json()["run_at"]) for a in answers[1:6]]
    assert all(later - earlier >= timedelta(seconds=59) for earlier, later in zip(run_ats, run_ats[1:]))
    assert answers[6].status_code == 429 and int(answers[6].headers["Retry-After"]) > 0
    assert "many rewrites" in answers[6].get_json()["detail"]
    assert requests_of(app, appeal_ids[6]) == []
