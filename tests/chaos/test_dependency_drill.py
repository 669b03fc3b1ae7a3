"""The AI server hangs and the Stripe API refuses connections, with the app under gunicorn on
PostgreSQL and Redis. A few drivers pay the price of finding out (the breakers count their
failures); after the breakers open, drafts and checkout answer at once with their fallbacks
(the template letter; the "payments are unavailable, your appeal is saved" page), for a
load of drivers sent from a second process.
"""
import time

import pytest
import requests

from tests.appeals.conftest import NO_LIMITS, ready_to_pay, start_appeal, tell_story, token_for
from tests.chaos.drill import HttpClient, Load, summarize, wait_until
from testkit.gunicorn_app import GunicornApp
from tests.support.fixtures import fake_openai  # noqa: F401 (fixture)
from testkit.process import refused_url

pytestmark = [pytest.mark.chaos, pytest.mark.postgres]

TRIPS = 3  # failures that open each breaker (BREAKER_*_FAIL_MAX below)
DRIVERS = 10  # drafts and checkouts sent by the load once the breakers are open
JSON = {"Accept": "application/json"}
HEALTH_AUTH = {"Authorization": "Bearer drill-health"}  # breaker details need HEALTH_TOKEN


def breaker_state(web, name: str) -> str:
    checks = requests.get(web.url + "/health/detailed", headers=HEALTH_AUTH, timeout=10).json()["checks"]
    return checks[name]["breaker"]["state"]


def draft_state(client: HttpClient, public_id: str) -> dict:
    page = client.session.get(f"{client.base_url}/appeals/{public_id}/draft", headers=JSON, timeout=10)
    assert page.status_code == 200, page.text[:300]
    return page.json()


def post_draft(client: HttpClient, public_id: str, token: str) -> requests.Response:
    return client.session.post(f"{client.base_url}/appeals/{public_id}/draft", json={},
                               headers={**JSON, "X-CSRFToken": token}, timeout=15)


def test_hung_ai_and_refused_stripe_answer_at_once_once_the_breakers_open(
        app_factory, backend, redis_url, fake_openai, tmp_path):
    fake_openai.set_mode("hang")
    database_url = app_factory().extensions["settings"].database_url
    web = GunicornApp(tmp_path / "web", {
        **NO_LIMITS, "DATABASE_URL": database_url, "REDIS_URL": redis_url,
        "DEEPSEEK_API_KEY": "sk-local", "DEEPSEEK_BASE_URL": fake_openai.base_url,
        "DEEPSEEK_TIMEOUT_S": "1", "BREAKER_DEEPSEEK_FAIL_MAX": str(TRIPS),
        "STRIPE_SECRET_KEY": "sk_test_local", "STRIPE_PUBLISHABLE_KEY": "pk_test_local",
        "STRIPE_WEBHOOK_SECRET": "whsec_local", "STRIPE_API_BASE": refused_url(),
        "BREAKER_STRIPE_FAIL_MAX": str(TRIPS), "HEALTH_TOKEN": "drill-health",
    }, workers=2)
    web.start()
    try:
        client = HttpClient(web.url)
        to_draft = []
        for n in range(TRIPS + DRIVERS):
            public_id = start_appeal(client, number=f"91234{n:04d}")
            tell_story(client, public_id)
            to_draft.append(public_id)
        to_pay = [ready_to_pay(client) for _ in range(TRIPS + DRIVERS)]
        token = token_for(client, f"/appeals/{to_draft[0]}/story")

        # The first drivers wait out the hung AI server (1 s each) and find Stripe down.
        tripping = []
        for public_id in to_draft[:TRIPS]:
            started = time.monotonic()
            assert post_draft(client, public_id, token).status_code == 202
            body = wait_until(lambda: (s := draft_state(client, public_id))["state"] in ("done", "failed") and s,
                              10, what="the hung draft to give up")
            tripping.append(("draft", body["state"], body.get("outcome"), time.monotonic() - started))
        for public_id in to_pay[:TRIPS]:
            url = f"/appeals/{public_id}/checkout"
            started = time.monotonic()
            page = client.post(url, data={"csrf_token": token_for(client, url), "mail_class": "standard",
                                          "return_address": "1 Market St\nSan Francisco, CA 94105"})
            tripping.append(("checkout", page.status_code, None, time.monotonic() - started))
            assert page.status_code == 503
        assert breaker_state(web, "deepseek") == "open" and breaker_state(web, "stripe") == "open"
        calls_to_ai = len(fake_openai.bodies)

        # Now the load: each remaining driver asks for a draft or pays, once, concurrently.
        cookies = client.cookies()
        requests_ = [{"name": "POST /appeals/<id>/draft", "method": "POST", "once": True,
                      "path": f"/appeals/{public_id}/draft", "json": {}, "cookies": cookies,
                      "headers": {**JSON, "X-CSRFToken": token}} for public_id in to_draft[TRIPS:]]
        requests_ += [{"name": "POST /appeals/<id>/checkout", "method": "POST", "once": True,
                       "path": f"/appeals/{public_id}/checkout", "cookies": cookies,
                       "data": {"csrf_token": token, "mail_class": "certified",
                                "return_address": "1 Market St\nSan Francisco, CA 94105"}}
                      for public_id in to_pay[TRIPS:]]
        answers = Load(tmp_path / "load", web.url, requests_, threads=4, duration_s=60,
                       max_requests=len(requests_)).start().wait()
        letters = [wait_until(lambda: (s := draft_state(client, public_id))["state"] == "done" and s,
                              5, what="the template letter") for public_id in to_draft[TRIPS:]]
    finally:
        fake_openai.release()
        web.stop()

    rows = summarize("AI server hanging, Stripe refusing (gunicorn 2x4, breakers open)", answers, {
        "first drivers (finding out)": [(kind, state, outcome, f"{s:.2f} s")
                                        for kind, state, outcome, s in tripping],
        "calls to the AI server after the breaker opened": len(fake_openai.bodies) - calls_to_ai,
        "letters from the template": sum(1 for b in letters if b["source"] == "template")})
    assert len(answers) == 2 * DRIVERS and all(a.status for a in answers)
    drafts, checkouts = rows["POST /appeals/<id>/draft"], rows["POST /appeals/<id>/checkout"]
    assert drafts["statuses"] == {202: DRIVERS} and checkouts["statuses"] == {503: DRIVERS}
    assert all(a.retry_after and int(a.retry_after) > 0 for a in answers if a.status == 503)
    # ms: nobody waits on a dead dependency (finding out cost 0.7-1.2 s each, above)
    assert drafts["p50"] < 200 and checkouts["p50"] < 200
    assert drafts["max"] < 600 and checkouts["max"] < 600
    assert all(b["source"] == "template" for b in letters)
    assert len(fake_openai.bodies) == calls_to_ai
    assert all(state == "failed" and outcome == "timeout" for kind, state, outcome, _ in tripping
               if kind == "draft")
