"""Fixtures for the letter drafting tests: the fake AI server, apps wired to it, appeals."""
from __future__ import annotations

import time
from datetime import date, timedelta

import pytest

from app.extensions import db
from app.models import Appeal, AiRequest

from tests.support.fixtures import fake_openai, sentry_sink  # noqa: F401

JSON = {"Accept": "application/json"}
STORY = "The parking meter on my block was broken, so I paid at the kiosk across the street."
LETTER_TEXT = ("To the SFMTA,\n\nI ask for a review of citation 912345678: the meter was broken, "
               "so I paid at the kiosk across the street.\n\nSincerely,\nJane Driver")


@pytest.fixture
def llm(fake_openai):
    """The local OpenAI-compatible server standing in for DeepSeek (modes ok/error/rate_limit/hang)."""
    fake_openai.tokens = 120
    return fake_openai


@pytest.fixture
def ai_app(app_factory, llm):
    """Build an app whose letter writer talks to the fake server (CSRF off unless asked)."""
    built = []

    def build(csrf: bool = False, **env):
        env.setdefault("DEEPSEEK_API_KEY", "sk-test-local")
        env.setdefault("DEEPSEEK_BASE_URL", llm.base_url)
        env.setdefault("DEEPSEEK_TIMEOUT_S", "5")
        # Each draft reserves its prompt estimate plus up to 1,200 completion tokens, more
        # than the default daily budget holds twice: tests not about the budget lift it.
        env.setdefault("AI_TOKENS_PER_IP_PER_DAY", "1000000")
        app = app_factory(**env)
        app.config["WTF_CSRF_ENABLED"] = csrf
        built.append(app)
        return app

    yield build
    llm.set_mode("ok")
    llm.release()
    for app in built:
        app.extensions["ai_pool"].shutdown(wait=True)


def make_appeal(app, **values) -> str:
    """Create an appeal directly with the models (these tests are about drafting, not the pages)."""
    fields = dict(city_slug="sf", citation_number="912345678", driver_name="Jane Driver",
                  email="jane@example.com", return_address="1 Main St\nSan Francisco, CA 94110",
                  story=STORY, violation_date=date.today() - timedelta(days=3), plate="7ABC123")
    fields.update(values)
    with app.app_context():
        appeal = Appeal(**fields)
        db.session.add(appeal)
        db.session.commit()
        public_id = appeal.public_id
        db.session.remove()
    return public_id


def load(app, public_id: str) -> Appeal:
    with app.app_context():
        appeal = db.session.execute(db.select(Appeal).filter_by(public_id=public_id)).scalar_one()
        db.session.expunge(appeal)
        db.session.remove()
        return appeal


def requests_of(app, public_id: str) -> list[AiRequest]:
    with app.app_context():
        rows = db.session.execute(
            db.select(AiRequest).join(Appeal, Appeal.id == AiRequest.appeal_id)
            .where(Appeal.public_id == public_id).order_by(AiRequest.id)).scalars().all()
        for row in rows:
            db.session.expunge(row)
        db.session.remove()
        return rows


def poll(client, public_id: str, states=("done", "failed"), timeout: float = 10.0) -> dict:
    """GET the draft until it reaches one of `states` (bounded deadline, short steps)."""
    deadline = time.monotonic() + timeout
    while True:
        response = client.get(f"/appeals/{public_id}/draft", headers=JSON)
        assert response.status_code == 200, response.get_data(as_text=True)
        body = response.get_json()
        if body["state"] in states:
            return body
        if time.monotonic() > deadline:
            raise AssertionError(f"draft still {body['state']} after {timeout} s")
        time.sleep(0.05)


def wait_for(predicate, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.02)


def draft(client, public_id: str, **json_body):
    return client.post(f"/appeals/{public_id}/draft", json=json_body or {}, headers=JSON)
