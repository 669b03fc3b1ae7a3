"""The appeal page (and its cache when the database is down), find my appeal, policy pages."""
import pytest

from app.extensions import db
from app.models import EmailOutbox
from tests.appeals.conftest import NO_LIMITS, STORY, ready_to_pay, start_appeal, tell_story, token_for

STALE = "may be out of date"


def test_status_page_names_the_status_and_the_next_step(web):
    public_id = start_appeal(web)
    html = web.get(f"/appeals/{public_id}").get_data(as_text=True)
    assert "Started" in html and "San Francisco" in html and "912345678" in html
    assert "Appeal deadline" in html and "days left" in html and STALE not in html
    assert f'href="/appeals/{public_id}/story">Tell us what happened' in html
    public_id = ready_to_pay(web)
    html = web.get(f"/appeals/{public_id}").get_data(as_text=True)
    assert "ready for you to review" in html and "I ask you to dismiss" in html
    assert f'href="/appeals/{public_id}/review">Review your letter' in html


@pytest.mark.postgres
def test_status_page_is_served_from_cache_when_the_database_stops(app_factory, postgres):
    app = app_factory(**NO_LIMITS)
    client = app.test_client()
    public_id = ready_to_pay(client)
    other_id = start_appeal(client)  # never viewed on its appeal page, so never cached
    fresh = client.get(f"/appeals/{public_id}")
    assert fresh.status_code == 200 and STALE not in fresh.get_data(as_text=True)

    postgres.stop()
    try:
        cached = client.get(f"/appeals/{public_id}")
        html = cached.get_data(as_text=True)
        assert cached.status_code == 200
        assert STALE in html and "912345678" in html and "I ask you to dismiss" in html
        for path in (f"/appeals/{public_id}/review", f"/appeals/{other_id}"):
            needs_db = client.get(path)
            assert needs_db.status_code == 503, path
            assert int(needs_db.headers["Retry-After"]) > 0
            assert "Traceback" not in needs_db.get_data(as_text=True)
        posted = client.post(f"/appeals/{public_id}/review", data={"letter_text": "x"})
        assert posted.status_code in (400, 503)  # no CSRF token here; never a 500
    finally:
        postgres.start()
    assert client.get("/health/ready").status_code == 200  # closes the database breaker
    again = client.get(f"/appeals/{public_id}")
    assert again.status_code == 200 and STALE not in again.get_data(as_text=True)


def _find(client, citation, email):
    return client.post("/appeals/find", data={"csrf_token": token_for(client, "/appeals/find"),
                                              "citation_number": citation, "email": email})


def _outbox(app):
    with app.app_context():
        return db.session.execute(db.select(EmailOutbox)).scalars().all()


def test_find_answers_the_same_whether_or_not_the_appeal_exists(web, open_app):
    public_id = start_appeal(web)
    tell_story(web, public_id)
    hit = _find(web, "9123-45678", STORY["email"].upper())
    miss = _find(web, "912345678", "someone.else@example.com")
    assert hit.status_code == miss.status_code == 303  # post/redirect/get
    assert hit.headers["Location"] == miss.headers["Location"] == "/appeals/find?sent=1"
    assert "we've emailed its link" in web.get(hit.headers["Location"]).get_data(as_text=True)
    [message] = _outbox(open_app)
    assert message.recipient == STORY["email"] and public_id in message.body_text


def test_find_validates_and_is_limited_per_address_and_citation(app_factory):
    app = app_factory(RATELIMIT_EMAIL_USER="3/minute", RATELIMIT_EMAIL_IP="4/hour")
    client = app.test_client()
    bad = _find(client, "", "nope")
    assert bad.status_code == 422
    html = bad.get_data(as_text=True)
    assert 'id="citation_number-error" role="alert"' in html and 'id="email-error" role="alert"' in html
    statuses = [_find(client, "912345678", "a@example.com").status_code for _ in range(3)]
    assert statuses == [303, 303, 303]
    refused = _find(client, "912 345 678", "A@example.com")  # the same address and citation
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    # another address: email_ip's 4/hour is used up (the 422 counted too)
    assert _find(client, "912345678", "b@example.com").status_code == 429
    assert client.get("/appeals/find").status_code == 200  # reading the page is never limited


def test_policy_pages_and_footer_links(web):
    for path, words in (("/privacy", "location data"), ("/terms", "not a law firm"),
                        ("/refunds", "minus the postage")):
        page = web.get(path)
        html = page.get_data(as_text=True)
        assert page.status_code == 200 and words in html and "Fight City Tickets" in html
        for link in ("/privacy", "/terms", "/refunds"):
            assert f'href="{link}"' in html
    refunds = web.get("/refunds").get_data(as_text=True)
    assert "full fee" in refunds and "never depend on whether your appeal succeeds" in refunds
