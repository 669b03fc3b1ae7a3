"""Template letters (no AI key) read as a formal letter around the driver's own words."""
import re
from datetime import date

from app.extensions import db
from app.fulfilment.appeal_letter import exhibit_photos
from app.models import Appeal, EvidencePhoto
from tests.drafts.conftest import JSON, load, make_appeal, poll, requests_of

STORY = ("i parked next to the meter at 8am\nand paid with the app, the receipt shows it\n\n"
         "THE SIGN SAID STREET CLEANING ON TUESDAYS BUT THIS WAS A MONDAY AND MY PLATE 7ABC123 "
         "WAS ON THE RECEIPT")


def _template_app(app_factory):
    app = app_factory()  # no DEEPSEEK_API_KEY: the template writes every letter
    app.config["WTF_CSRF_ENABLED"] = False
    return app


def _add_photos(app, public_id: str, kinds: list[tuple[str, str]]) -> None:
    """Photo rows in this order (the letter only reads their kind, type and order)."""
    with app.app_context():
        appeal = db.session.execute(db.select(Appeal).filter_by(public_id=public_id)).scalar_one()
        for n, (kind, content_type) in enumerate(kinds):
            db.session.add(EvidencePhoto(appeal=appeal, storage_key=f"k/{public_id}/{n}",
                                         content_type=content_type, size_bytes=10,
                                         sha256=f"{n:064d}", kind=kind))
        db.session.commit()
        db.session.remove()


def test_the_template_frames_the_story_with_facts_and_enclosures(app_factory):
    app = _template_app(app_factory)
    client = app.test_client()
    public_id = make_appeal(app, story=STORY, plate="7ABC123", plate_state="CA",
                            vehicle_make="Toyota", violation="TRC7.2.22 Street cleaning",
                            location="100 Market St")
    # Added in this order; the ticket photo came last but is Exhibit 1. A PDF does not print.
    _add_photos(app, public_id, [("evidence", "image/jpeg"), ("evidence", "application/pdf"),
                                 ("evidence", "image/png"), ("ticket", "image/jpeg")])

    assert client.post(f"/appeals/{public_id}/draft", data={}).status_code == 303
    body = poll(client, public_id)
    letter = body["letter"]
    assert body["source"] == "template"

    # The frame: subject, salutation, opening, facts, the account, request, closing, name.
    parts = ["Re: Protest of citation 912345678", "Dear Sir or Madam:",
             "I am writing to protest citation 912345678",
             'The ticket gives the violation as "TRC7.2.22 Street cleaning" at 100 Market St.',
             "The vehicle is a Toyota with CA license plate 7ABC123.",
             "In my own words, this is what happened:",
             "I parked next to the meter at 8am and paid with the app, the receipt shows it.",
             "The sign said street cleaning on tuesdays but this was a monday and my plate "
             "7ABC123 was on the receipt.",
             "Enclosed are Exhibit 1 (the parking ticket), Exhibit 2 (a photo) and "
             "Exhibit 3 (a photo).",
             "I ask that the citation be reviewed", "Sincerely,", "Jane Driver"]
    positions = [letter.find(part) for part in parts]
    assert -1 not in positions, [p for p, at in zip(parts, positions) if at == -1]
    assert positions == sorted(positions)
    assert STORY not in letter and "i parked" not in letter  # framed, not pasted verbatim
    assert "THE SIGN SAID" not in letter

    # The numbering is the printed letter's: the same photos, in the same order.
    with app.app_context():
        appeal = db.session.execute(db.select(Appeal).filter_by(public_id=public_id)).scalar_one()
        printed = ["the parking ticket" if p.kind == "ticket" else "a photo"
                   for p in exhibit_photos(appeal)]
        db.session.remove()
    listed = re.findall(r"Exhibit (\d+) \(([^)]+)\)", letter)
    assert listed == [(str(n), caption) for n, caption in enumerate(printed, start=1)]


def test_without_photos_or_facts_the_letter_has_no_empty_sentences(app_factory):
    app = _template_app(app_factory)
    client = app.test_client()
    public_id = make_appeal(app, story="The meter was broken.", plate=None)
    client.post(f"/appeals/{public_id}/draft", data={})
    letter = poll(client, public_id)["letter"]
    assert "Enclosed" not in letter and "The vehicle is" not in letter
    assert "The ticket gives" not in letter and "license plate" not in letter
    assert "In my own words, this is what happened:\n\nThe meter was broken.\n" in letter


def test_no_rewrite_is_offered_or_accepted_without_a_writer(app_factory):
    app = _template_app(app_factory)
    client = app.test_client()
    public_id = make_appeal(app)
    client.post(f"/appeals/{public_id}/draft", data={})
    poll(client, public_id)
    page = client.get(f"/appeals/{public_id}/draft").get_data(as_text=True)
    assert "Review and edit your letter" in page
    assert "Rewrite my letter" not in page and 'name="instructions"' not in page
    review = client.get(f"/appeals/{public_id}/review").get_data(as_text=True)
    assert "Refine with AI" not in review

    client.post(f"/appeals/{public_id}/review", data={"letter_text": "My own letter."})
    refused = client.post(f"/appeals/{public_id}/draft", json={"instructions": "shorter"},
                          headers=JSON)
    assert refused.status_code == 409 and "writing assistant" in refused.get_json()["detail"]
    form = client.post(f"/appeals/{public_id}/draft", data={"instructions": "shorter"})
    assert form.status_code == 409 and "Traceback" not in form.get_data(as_text=True)
    assert load(app, public_id).letter_text == "My own letter."
    assert len(requests_of(app, public_id)) == 1  # only the first draft was accepted


def test_reloading_the_letter_page_writes_no_new_version(app_factory):
    app = _template_app(app_factory)
    client = app.test_client()
    public_id = make_appeal(app)
    response = client.post(f"/appeals/{public_id}/draft", data={})
    assert response.status_code == 303
    page_url = response.headers["Location"]
    poll(client, public_id)
    for _ in range(25):  # what a driver's reloads of the result page send
        reload = client.get(page_url)
        assert reload.status_code == 200 and "Your appeal letter" in reload.get_data(as_text=True)
    assert load(app, public_id).letter_version == 1
    assert len(requests_of(app, public_id)) == 1


def test_the_ai_prompt_names_the_facts_and_the_exhibits(ai_app, llm):
    app = ai_app()
    client = app.test_client()
    public_id = make_appeal(app, vehicle_make="Toyota", violation="Expired meter",
                            location="5th and Main", notice_date=date(2026, 1, 5))
    _add_photos(app, public_id, [("evidence", "image/webp"), ("ticket", "image/png")])
    client.post(f"/appeals/{public_id}/draft", json={}, headers=JSON)
    poll(client, public_id)
    prompt = llm.bodies[-1]["messages"][1]["content"]
    for line in ("Vehicle make: Toyota", "Violation on the ticket: Expired meter",
                 "Location on the ticket: 5th and Main", "Date of the later notice: January 5, 2026",
                 "Enclosed are Exhibit 1 (the parking ticket) and Exhibit 2 (a photo)."):
        assert line in prompt, line
