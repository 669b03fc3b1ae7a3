"""The JSON request log keeps each path's shape but never an appeal id or an unsubscribe token."""
from __future__ import annotations

import json
import logging

import pytest

from app.email.unsubscribe_tokens import make_token
from tests.appeals.conftest import NO_LIMITS, start_appeal

SECRET_ARGS = {"public_id", "token", "email", "session_id"}
SAMPLE = "Zq9SecretValue0123456789"


@pytest.fixture
def logged(app_factory, capsys):
    """An app logging at info, and a function returning the JSON lines written since the last call."""
    root = logging.getLogger()
    level = root.level
    app = app_factory(LOG_LEVEL="info", **NO_LIMITS)
    capsys.readouterr()

    def lines() -> list[dict]:
        out = capsys.readouterr().out
        return [json.loads(line) for line in out.splitlines() if line.startswith("{")]

    yield app, lines
    root.setLevel(level)


def access_paths(lines: list[dict]) -> list[str]:
    return [line["path"] for line in lines if line.get("logger") == "fct.access"]


def test_appeal_ids_and_tokens_are_masked_in_access_lines(logged):
    app, lines = logged
    client = app.test_client()
    public_id = start_appeal(client)
    with app.app_context():
        token = make_token("dana@example.com")
    lines()
    client.get(f"/appeals/{public_id}")
    client.get(f"/appeals/{public_id}/photos")
    client.get(f"/appeals/{public_id}/no-such-page")  # unrouted: masked all the same
    client.get(f"/admin/appeals/{public_id}")
    client.get(f"/unsubscribe/{token}")
    client.get(f"/api/unsubscribe/status/dana@example.com?token={token}")
    client.get("/appeals/find")
    written = lines()
    text = json.dumps(written)
    assert public_id not in text and token not in text and "dana@" not in text
    assert access_paths(written) == [
        "/appeals/***", "/appeals/***/photos", "/appeals/***/no-such-page", "/admin/appeals/***",
        "/unsubscribe/***", "/api/unsubscribe/status/***", "/appeals/find"]


def test_every_route_with_a_credential_in_its_path_is_masked(logged):
    """Walks the URL map, so a new route carrying an appeal id or a token is covered too."""
    app, lines = logged
    client = app.test_client()
    checked = []
    for rule in app.url_map.iter_rules():
        secret = rule.arguments & SECRET_ARGS
        if not secret:
            continue
        values = {arg: SAMPLE if arg in secret else "1" for arg in rule.arguments}
        with app.test_request_context():
            path = app.url_map.bind("localhost").build(rule.endpoint, values)
        method = "GET" if "GET" in rule.methods else sorted(rule.methods - {"OPTIONS"})[0]
        client.open(path, method=method)
        checked.append(path)
    written = lines()
    assert len(checked) >= 10  # appeals, drafts, unsubscribe, admin appeals, demo checkout
    assert SAMPLE not in json.dumps(written)
    assert len(access_paths(written)) == len(checked)


def test_extras_naming_an_appeal_or_token_are_masked(logged):
    app, lines = logged
    with app.test_request_context(f"/appeals/{SAMPLE}"):
        logging.getLogger("fct.test").warning(
            "no email address for appeal", extra={"appeal": SAMPLE, "public_id": SAMPLE,
                                                  "token": SAMPLE, "city": "sf"})
    [line] = [line for line in lines() if line.get("logger") == "fct.test"]
    assert SAMPLE not in json.dumps(line)
    assert line["appeal"] == line["public_id"] == line["token"] == "***" and line["city"] == "sf"
    assert line["path"] == "/appeals/***"
