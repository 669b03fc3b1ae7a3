"""Story step: 2000 characters at most, contact details, an unticked marketing box (§5.3)."""
import re

import pytest

from app.extensions import db
from app.models import ConsentAuditLog
from tests.appeals.conftest import STORY, load, start_appeal, tell_story, token_for


def _post(client, public_id, **fields):
    url = f"/appeals/{public_id}/story"
    return client.post(url, data={"csrf_token": token_for(client, url), **STORY, **fields})


def test_story_page_has_labelled_fields_and_an_unticked_marketing_box(web):
    public_id = start_appeal(web)
    html = web.get(f"/appeals/{public_id}/story").get_data(as_text=True)
    for field in ("story", "driver_name", "email", "plate", "marketing"):
        assert f'<label for="{field}">' in html, field
    box = re.search(r'<input[^>]*id="marketing"[^>]*>', html).group(0)
    assert 'type="checkbox"' in box and "checked" not in box
    assert 'maxlength="2000"' in html
    assert "drafts" not in html and "/draft" not in html  # nothing to write from yet


def test_saving_the_story_offers_write_my_letter(web, open_app):
    public_id = start_appeal(web)
    response = _post(web, public_id, email="Dana@Example.com ")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/appeals/{public_id}/story#write")
    appeal = load(open_app, public_id)
    assert appeal.story == STORY["story"] and appeal.email == "dana@example.com"
    assert appeal.plate == "7ABC123" and appeal.driver_name == "Dana Driver"
    html = web.get(f"/appeals/{public_id}/story").get_data(as_text=True)
    form = re.search(rf'<form method="post" action="/appeals/{public_id}/draft">(.*?)</form>',
                     html, re.S)
    assert form and 'name="csrf_token"' in form.group(1) and "Write my letter" in form.group(1)


def test_a_story_of_2001_characters_is_422_with_the_count(web, open_app):
    public_id = start_appeal(web)
    response = _post(web, public_id, story="x" * 2001)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert re.search(r'id="story-error" role="alert">[^<]*2,001 characters', html)
    assert 'aria-describedby="story-hint story-error"' in html
    assert load(open_app, public_id).story is None
    # 2000 with Windows line breaks is still 2000 (a browser's maxlength counts them as one)
    assert _post(web, public_id, story=("y" * 99 + "\r\n") * 20).status_code == 303


def test_bad_email_and_missing_name_are_announced(web):
    public_id = start_appeal(web)
    html = _post(web, public_id, email="not-an-email", driver_name="").get_data(as_text=True)
    assert 'id="email-error" role="alert"' in html and 'id="driver_name-error" role="alert"' in html


@pytest.mark.both_databases
def test_ticked_marketing_box_is_recorded_in_the_consent_audit_log(web, open_app):
    public_id = start_appeal(web)
    tell_story(web, public_id)  # unticked: nothing recorded
    with open_app.app_context():
        assert db.session.execute(db.select(ConsentAuditLog)).scalars().all() == []
    response = _post(web, public_id, marketing="y")
    assert response.status_code == 303
    with open_app.app_context():
        [row] = db.session.execute(db.select(ConsentAuditLog)).scalars().all()
        assert (row.email, row.action, row.source) == ("dana@example.com", "consent_given", "web_form")
        assert row.ip_address == "127.0.0.1" and row.wording_version
        assert row.user_agent
