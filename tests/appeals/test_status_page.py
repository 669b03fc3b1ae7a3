"""The appeal page after payment: the deadline, the mail class, what happens next, the
letter's journey as Lob reports it (through the signed webhook), and the driver's copy."""
from __future__ import annotations

import html as html_text
import re
from datetime import datetime, timedelta, timezone

import pytest

from app.extensions import db
from app.integrations.payments.demo_gateway import payment_intent_for
from app.models import Appeal, Letter
from tests.appeals.conftest import NO_LIMITS, sf_today
from tests.fulfilment.lob_tracking import LOB_ENV, lob_event, mailed_letter, post_event


@pytest.fixture
def app(app_factory):
    return app_factory(**NO_LIMITS, **LOB_ENV)


def _paid_appeal(app, *, mail_class="standard", signed=True, status="paid") -> str:
    with app.app_context():
        appeal = Appeal(city_slug="sf", citation_number="912345678",
                        violation_date=sf_today() - timedelta(days=4), status=status,
                        email="dana@example.com", driver_name="Dana Driver",
                        return_address="1 Main St\nSan Francisco, CA 94110",
                        letter_text="To the SFMTA: I was parked legally.", letter_version=1,
                        signature_name="Dana Driver" if signed else None, mail_class=mail_class,
                        price_cents=989, currency="usd", paid_at=datetime.now(timezone.utc))
        db.session.add(appeal)
        db.session.commit()
        return appeal.public_id


def _page(client, public_id) -> str:
    response = client.get(f"/appeals/{public_id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _timeline(html: str) -> list[str]:
    block = re.search(r'<ol class="timeline" id="mailing-timeline">(.*?)</ol>', html, re.S)
    assert block, "no mailing timeline on the page"
    return [html_text.unescape(re.sub(r"<[^>]+>", "", item)).strip()
            for item in re.findall(r"<li>(.*?)</li>", block.group(1))]


def test_a_paid_appeal_still_shows_its_deadline_mail_class_and_next_steps(app, client):
    public_id = _paid_appeal(app, mail_class="certified")
    html = _page(client, public_id)
    assert "Appeal deadline" in html and "days left" in html
    assert "Certified mail with return receipt" in html and "by USPS Certified Mail" in html
    assert "What happens next" in html and "We email you when it is mailed" in html
    assert [step.split(": ", 1)[1] for step in _timeline(html)] == ["Paid"]


def test_the_drivers_copy_is_linked_before_and_after_mailing(app, client):
    public_id = _paid_appeal(app)
    link = f'href="/appeals/{public_id}/letter.pdf"'
    assert link in _page(client, public_id)
    copy = client.get(f"/appeals/{public_id}/letter.pdf")
    assert copy.status_code == 200 and copy.data.startswith(b"%PDF-")
    with app.app_context():
        appeal = db.session.execute(db.select(Appeal).filter_by(public_id=public_id)).scalar_one()
        appeal.status = "mailed"
        db.session.commit()
    assert link in _page(client, public_id)
    unsigned = _paid_appeal(app, signed=False, status="letter_ready")
    assert "letter.pdf" not in _page(client, unsigned)


def test_the_letters_journey_follows_lobs_events_in_the_order_they_happened(app, client):
    letter = mailed_letter(app, mail_class="certified")
    with app.app_context():
        row = db.session.get(Letter, letter["letter_id"])
        row.tracking_number = "9407111899223197428490"
        db.session.commit()
    lob = letter["lob"]
    for minutes, event_type in [(3000, "letter.certified.delivered"), (60, "letter.certified.in_transit"),
                                (1500, "letter.certified.in_local_area"), (3000, "letter.delivered"),
                                (60, "letter.certified.in_transit")]:
        assert post_event(client, lob_event(event_type, lob, minutes=minutes)).status_code == 200
    html = _page(client, letter["public_id"])
    steps = [step.split(": ", 1)[1] for step in _timeline(html)]
    assert steps == ["Paid", "Mailed to the city", "In transit with USPS",
                     "At a post office near the city's office", "Delivered to the city's office"]
    assert "Delivered to the city" in html and "reached the city's office" in html
    assert "https://tools.usps.com/go/TrackConfirmAction?tLabels=9407111899223197428490" in html


def test_a_returned_letter_says_so_and_where_to_ask(app, client):
    letter = mailed_letter(app)
    assert post_event(client, lob_event("letter.returned_to_sender", letter["lob"])).status_code == 200
    html = _page(client, letter["public_id"])
    assert "Returned by the post office" in html and "Returned to us by USPS" in html
    assert "mailto:" in html


def test_the_demo_checkout_of_a_paid_appeal_shows_it_paid_not_a_pay_button(app, client):
    public_id = _paid_appeal(app, status="awaiting_payment")
    with app.test_request_context():
        appeal = db.session.execute(db.select(Appeal).filter_by(public_id=public_id)).scalar_one()
        session = app.extensions["payments"].create_checkout_session(
            appeal, mail_class="standard", amount_cents=989, currency="usd",
            success_url=f"http://localhost/appeals/{public_id}/success",
            cancel_url=f"http://localhost/appeals/{public_id}/checkout")
        appeal.stripe_checkout_session_id = session.id
        db.session.commit()
    unpaid = client.get(session.url).get_data(as_text=True)
    assert "Pay 9.89 USD (demo)" in unpaid and 'id="demo-paid"' not in unpaid
    for status in ("paid", "mailed", "delivered"):
        with app.app_context():
            appeal = db.session.execute(db.select(Appeal).filter_by(public_id=public_id)).scalar_one()
            appeal.status, appeal.stripe_payment_intent_id = status, payment_intent_for(session.id)
            db.session.commit()
        page = client.get(session.url)
        html = page.get_data(as_text=True)
        assert page.status_code == 200, status
        assert 'id="demo-paid"' in html and "already paid" in html and "(demo)</button>" not in html
        assert f'href="/appeals/{public_id}"' in html
