"""The draft endpoints as a browser and a JSON client use them: pages, CSRF, bad input."""
import re

from app.extensions import db
from app.models import Appeal
from tests.drafts.conftest import JSON, draft, load, make_appeal, poll

REFRESH = re.compile(r'<meta http-equiv="refresh" content="(\d+);url=([^"]+)">')


def test_browser_form_post_gets_a_refreshing_page_then_the_letter(ai_app, llm):
    llm.set_mode("hang")
    app = ai_app()
    client = app.test_client()
    appeal_id = make_appeal(app)

    response = client.post(f"/appeals/{appeal_id}/draft", data={})
    assert response.status_code == 303  # post/redirect/get: the page itself is a GET
    assert response.headers["Location"] == f"/appeals/{appeal_id}/draft"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    seconds, url = REFRESH.search(page).groups()
    assert url == f"/appeals/{appeal_id}/draft" and 1 <= int(seconds) <= 15
    assert not re.search(r"<script(?![^>]*\bsrc=)", page)  # the CSP forbids inline scripts
    assert "Fight City Tickets" in page and "not a law firm" in page
    poll(client, appeal_id, states=("running",))  # the worker has it (and hangs)
    waiting = client.get(url).get_data(as_text=True)
    assert REFRESH.search(waiting) and "writing your letter now" in waiting

    llm.set_mode("ok")
    llm.release()  # the hung call is dropped; the retry gets an answer
    body = poll(client, appeal_id)
    assert body["source"] == "ai"

    done = client.get(url).get_data(as_text=True)
    assert not REFRESH.search(done)
    assert f'href="/appeals/{appeal_id}/review"' in done
    assert "Dear Hearing Officer" in done and "Written with our AI writing assistant" in done
    assert 'name="instructions"' in done  # the driver can ask for a rewrite from here


def test_timeout_page_links_to_the_review_page_to_write_it(ai_app, llm):
    llm.set_mode("hang")
    app = ai_app(DEEPSEEK_TIMEOUT_S="0.5")
    client = app.test_client()
    appeal_id = make_appeal(app)
    client.post(f"/appeals/{appeal_id}/draft")
    poll(client, appeal_id)
    page = client.get(f"/appeals/{appeal_id}/draft").get_data(as_text=True)
    assert "took too long" in page and ">Write your letter</a>" in page
    assert f'href="/appeals/{appeal_id}/review"' in page


def test_start_page_before_any_request(ai_app):
    app = ai_app(csrf=True)
    client = app.test_client()
    appeal_id = make_appeal(app)
    page = client.get(f"/appeals/{appeal_id}/draft")
    assert page.status_code == 200 and "Write my letter" in page.get_data(as_text=True)
    assert client.get(f"/appeals/{appeal_id}/draft", headers=JSON).status_code == 404


def test_csrf_is_required_and_the_header_works_for_json(ai_app):
    app = ai_app(csrf=True)
    client = app.test_client()
    appeal_id = make_appeal(app)

    refused = client.post(f"/appeals/{appeal_id}/draft", json={}, headers=JSON)
    assert refused.status_code == 400
    assert "expired" in refused.get_json()["detail"]
    assert client.post(f"/appeals/{appeal_id}/draft").status_code == 400

    page = client.get(f"/appeals/{appeal_id}/draft").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    accepted = client.post(f"/appeals/{appeal_id}/draft", json={},
                           headers={"X-CSRFToken": token, **JSON})
    assert accepted.status_code == 202
    assert client.post(f"/appeals/{appeal_id}/draft", data={"csrf_token": token}).status_code == 303


def test_bad_input_gets_a_plain_4xx(ai_app):
    app = ai_app()
    client = app.test_client()
    appeal_id = make_appeal(app)

    missing = draft(client, "nosuchappeal000000000")
    assert missing.status_code == 404
    assert client.get("/appeals/nosuchappeal000000000/draft").status_code == 404

    too_long = draft(client, appeal_id, instructions="x" * 1001)
    assert too_long.status_code == 422 and "1000 characters" in too_long.get_json()["detail"]
    not_text = draft(client, appeal_id, instructions=["a"])
    assert not_text.status_code == 422
    not_object = client.post(f"/appeals/{appeal_id}/draft", data="[1]",
                             content_type="application/json", headers=JSON)
    assert not_object.status_code == 400

    storyless = make_appeal(app, story="")
    response = draft(client, storyless)
    assert response.status_code == 422 and "what happened" in response.get_json()["detail"]


def test_paid_appeal_letter_cannot_be_redrafted(ai_app, llm):
    app = ai_app()
    client = app.test_client()
    appeal_id = make_appeal(app, status="paid", letter_text="Paid letter", letter_source="ai")
    response = draft(client, appeal_id)
    assert response.status_code == 409 and "already been paid" in response.get_json()["detail"]
    assert llm.bodies == []
    assert load(app, appeal_id).letter_text == "Paid letter"


def test_a_letter_paid_for_while_drafting_is_not_overwritten(ai_app, llm):
    llm.set_mode("hang")
    app = ai_app()
    client = app.test_client()
    appeal_id = make_appeal(app, status="letter_ready", letter_text="My letter", letter_source="driver")
    draft(client, appeal_id)
    with app.app_context():  # setup: the driver pays while the writer works
        appeal = db.session.execute(db.select(Appeal).filter_by(public_id=appeal_id)).scalar_one()
        appeal.move_to("awaiting_payment")
        appeal.move_to("paid")
        db.session.commit()
        db.session.remove()
    llm.set_mode("ok")
    llm.release()
    body = poll(client, appeal_id)
    assert body["state"] == "failed"
    appeal = load(app, appeal_id)
    assert appeal.letter_text == "My letter" and appeal.status == "paid"
