"""Every POST of the appeal pages counts against one appeal_writes limit per IP (§9)."""
from tests.appeals.conftest import ADDRESS, start_appeal, tell_story, token_for, write_letter


def test_appeal_page_posts_share_the_appeal_writes_limit(app_factory):
    client = app_factory(RATELIMIT_APPEAL_WRITES="3/minute").test_client()
    public_id = start_appeal(client)
    tell_story(client, public_id)
    write_letter(client, public_id)
    url = f"/appeals/{public_id}/sign"
    refused = client.post(url, data={"csrf_token": token_for(client, url), "signature_name": "Dana", **ADDRESS})
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0 and refused.headers["X-RateLimit-Limit"] == "3"
    assert "try again" in refused.get_data(as_text=True).lower()
    # pages are still readable, and another client is not affected
    assert client.get(f"/appeals/{public_id}").status_code == 200
    other = client.post(url, data={"csrf_token": token_for(client, url), "signature_name": "Dana", **ADDRESS},
                        environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert other.status_code == 303
