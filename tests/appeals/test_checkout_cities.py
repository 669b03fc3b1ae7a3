"""What the checkout sells per city and date (§5.7, §17): only a mail class that can still
reach the city by its last day; where none can, no money is taken, the city's own way and
the free letter are shown, and a forged form is refused before Stripe is called.

The clock is set explicitly (time-machine) so the business days and the noon hand-over
cut-off are the same on every run: Monday December 7, 2026, 1 p.m. in Dallas and Chicago
(11 a.m. in San Francisco), so a Dallas letter reaches the printer on Tuesday the 8th.
"""
from __future__ import annotations

import html
import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from app.cities import registry
from tests.appeals.conftest import (NO_LIMITS, load, sign_typed, tell_story, token_for,
                                    write_letter)
from tests.support.fixtures import fake_stripe  # noqa: F401  (fixture)
from tests.webhooks.helpers import STRIPE_ENV

NOW = datetime(2026, 12, 7, 13, 0, tzinfo=ZoneInfo("America/Chicago"))
SESSIONS = "/v1/checkout/sessions"


@pytest.fixture
def shop(app_factory, fake_stripe, time_machine):  # noqa: F811
    time_machine.move_to(NOW, tick=False)
    """(client, the local Stripe server): payments go to a real Stripe protocol server."""
    app = app_factory(STRIPE_API_BASE=fake_stripe.url, **STRIPE_ENV, **NO_LIMITS)
    return app, app.test_client(), fake_stripe


def ready(client, slug: str, ticket_date: date) -> str:
    """An appeal in `slug`, written and signed, for a ticket dated `ticket_date`."""
    with client.application.app_context():
        number = registry.get(slug).example_citation
    token = token_for(client, "/")
    response = client.post("/appeals", data={
        "csrf_token": token, "city": slug, "citation_number": number,
        "violation_date": ticket_date.isoformat(), "plate": "7ABC123", "plate_state": "CA",
        "violation": "Expired meter", "location": "100 Main St"})
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    public_id = re.search(r"/appeals/([A-Za-z0-9_-]+)/", response.headers["Location"]).group(1)
    tell_story(client, public_id)
    write_letter(client, public_id)
    sign_typed(client, public_id)
    return public_id


def page(client, public_id: str) -> tuple[int, str]:
    response = client.get(f"/appeals/{public_id}/checkout")
    return response.status_code, readable(response.get_data(as_text=True))


def readable(markup: str) -> str:
    """The page with its inline tags (<strong>, <br>) gone and its entities decoded; the
    attributes of inputs and links are kept, so both what is read and what is posted show."""
    markup = re.sub(r"</?(?:strong|em|span)[^>]*>", "", markup)
    return html.unescape(re.sub(r"\s+", " ", markup))


def pay(client, public_id: str, mail_class: str):
    url = f"/appeals/{public_id}/checkout"
    # The review page's token: where no mail is sold, the checkout page has no form.
    token = token_for(client, f"/appeals/{public_id}/review")
    return client.post(url, data={"csrf_token": token, "mail_class": mail_class,
                                  "return_address": "1 Market St\nSan Francisco, CA 94105"})


def assert_nothing_sold(app, stripe, public_id: str, before_status: str) -> None:
    appeal = load(app, public_id)
    assert stripe.count("POST", SESSIONS) == 0
    assert appeal.status == before_status and appeal.stripe_checkout_session_id is None
    assert appeal.price_cents is None and appeal.mail_class is None


@pytest.mark.parametrize("slug, ticket_date, why, city_way", [
    # New York wants the paper ticket back: mail it yourself, to the Hearings By Mail box
    ("nyc", date(2026, 11, 30), "only with the original paper ticket enclosed", "P.O. Box 29021"),
    # Oakland too, and it can be contested in person
    ("oakland", date(2026, 11, 30), "only with the original paper ticket enclosed",
     "270 Frank H. Ogawa Plaza"),
    # Denver: in person only
    ("denver", date(2026, 11, 30), "Denver does not accept appeals by mail", "1437 Bannock St."),
    # Seattle: a hearing is requested first
    ("seattle", date(2026, 11, 30), "a hearing has to be requested first",
     "https://www.seattle.gov/courts/"),
    # Chicago's contest address is not confirmed by an official source
    ("chicago", date(2026, 12, 4), "could not confirm Chicago's mailing address",
     "https://parkingtickets.chicago.gov/"),
    # San Francisco counts receipt: two days before the last day nothing can arrive in time
    ("sf", date(2026, 11, 18), "could not be received by December 9, 2026", "https://www.sfmta.com/"),
])
def test_no_mail_is_sold_where_it_cannot_count(shop, slug, ticket_date, why, city_way):
    app, client, stripe = shop
    public_id = ready(client, slug, ticket_date)
    before = load(app, public_id).status
    status, text = page(client, public_id)
    assert status == 200
    assert why in text and city_way in text
    assert "Nothing has been charged" in text
    assert f'href="/appeals/{public_id}/letter.pdf"' in text  # the free letter
    assert 'name="mail_class"' not in text and "Continue to payment" not in text
    with app.app_context():
        for note in registry.get(slug).process_notes:
            assert note in text
    # A forged form is refused, plainly, before anything is recorded or sent to Stripe.
    for mail_class in ("standard", "certified"):
        response = pay(client, public_id, mail_class)
        assert response.status_code == 409
        assert why in readable(response.get_data(as_text=True))
    assert_nothing_sold(app, stripe, public_id, before)


def test_two_days_before_a_postmark_deadline_only_standard_is_sold(shop):
    """Dallas counts the postmark. Last day Wednesday Dec 9: standard is postmarked the 9th
    (printed Tuesday), certified needs a day more for its acceptance scan (the 10th)."""
    app, client, stripe = shop
    public_id = ready(client, "dallas", date(2026, 11, 24))
    before = load(app, public_id).status
    status, text = page(client, public_id)
    assert status == 200
    assert "The last day to contest this ticket is December 9, 2026" in text
    assert 'id="mail_class-standard"' in text and 'id="mail_class-certified"' not in text
    assert "Postmarked by December 9, 2026" in text and "$9.89" in text
    assert "Certified mail with return receipt is not offered" in text
    assert "December 10, 2026, after the last day" in text
    response = pay(client, public_id, "certified")  # forged: certified is not on the page
    body = readable(response.get_data(as_text=True))
    assert response.status_code == 422
    assert ("Certified mail with return receipt can no longer reach Dallas by December 9, 2026"
            in body) and 'id="mail_class-error" role="alert"' in body
    assert_nothing_sold(app, stripe, public_id, before)

    response = pay(client, public_id, "standard")
    assert response.status_code == 303 and stripe.count("POST", SESSIONS) == 1
    appeal = load(app, public_id)
    assert (appeal.mail_class, appeal.price_cents, appeal.status) == ("standard", 989, "awaiting_payment")


def test_a_mailable_city_shows_both_classes_with_their_dates_and_notes(shop):
    app, client, _stripe = shop
    public_id = ready(client, "sf", date(2026, 12, 1))  # last day December 22
    status, text = page(client, public_id)
    assert status == 200
    assert "The last day to contest this ticket is December 22, 2026" in text
    # printed Monday the 7th (before noon in San Francisco), mailed the 8th (certified: 9th)
    assert "Arrives by December 15, 2026" in text and "Arrives by December 16, 2026" in text
    assert "$9.89" in text and "$19.89" in text and "not offered" not in text
    assert "Continue to payment" in text and "11 South Van Ness Avenue" in text
    with app.app_context():
        assert all(note in text for note in registry.get("sf").process_notes)


def test_an_earlier_choice_that_can_no_longer_make_it_is_not_preselected(shop, time_machine):
    """Chosen (certified) on Monday morning, back on the checkout at 1 p.m.: standard only."""
    _app, client, stripe = shop
    time_machine.move_to(NOW.replace(hour=9), tick=False)
    public_id = ready(client, "dallas", date(2026, 11, 24))
    assert 'id="mail_class-certified"' in page(client, public_id)[1]
    assert pay(client, public_id, "certified").status_code == 303
    time_machine.move_to(NOW, tick=False)
    status, text = page(client, public_id)
    assert status == 200 and 'id="mail_class-certified"' not in text
    assert re.search(r'<input[^>]*checked[^>]*value="standard"|value="standard"[^>]*checked', text)
    # a retry of the certified checkout is refused; no second session is made
    assert pay(client, public_id, "certified").status_code == 422
    assert stripe.count("POST", SESSIONS) == 1
