"""Demo payments (no Stripe keys): the "Demo — no card is charged" page completes the
appeal through the same ingest path as a signed webhook, with state kept in the database."""
from __future__ import annotations

import pytest

import re
from urllib.parse import urlsplit

from app.extensions import db
from app.models import Appeal, OperatorAlert
from tests.webhooks.helpers import appeal_row, make_appeal, outbox, stripe_events

def _hidden(html: str, name: str) -> str:
    match = re.search(rf'<input[^>]*name="{name}"[^>]*>', html)
    assert match, html
    return re.search(r'value="([^"]*)"', match.group(0)).group(1)


def _start_demo_checkout(app, public_id: str) -> str:
    """What the checkout page does: create the session, record it, redirect to its URL."""
    with app.test_request_context():
        appeal = db.session.execute(db.select(Appeal).filter_by(public_id=public_id)).scalar_one()
        session = app.extensions["payments"].create_checkout_session(
            appeal, mail_class="standard", amount_cents=989, currency="usd",
            success_url=f"http://localhost/appeals/{public_id}/success",
            cancel_url=f"http://localhost/appeals/{public_id}/checkout")
        appeal.stripe_checkout_session_id = session.id
        db.session.commit()
    assert session.id.startswith("demo_cs_")
    return session.url


@pytest.mark.both_databases
def test_demo_pay_completes_the_appeal_through_ingest(app, client):
    public_id = make_appeal(app, price_cents=989)
    url = _start_demo_checkout(app, public_id)

    page = client.get(url)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Demo — no card is charged" in html and "Fight City Tickets" in html
    assert f"/appeals/{public_id}/checkout" in html  # the Cancel link

    paid = client.post(urlsplit(url).path, data={"csrf_token": _hidden(html, "csrf_token"),
                                                 "token": _hidden(html, "token")})
    assert paid.status_code == 303
    assert paid.headers["Location"] == f"http://localhost/appeals/{public_id}/success"
    row = appeal_row(app, public_id)
    assert row["status"] == "paid" and row["payment_intent"].startswith("demo_pi_")
    assert len(outbox(app, "receipt")) == 1
    [event] = stripe_events(app).values()
    assert event.type == "checkout.session.completed" and event.outcome == "processed"
    assert event.event_id.startswith("evt_demo_")

    twice = client.post(urlsplit(url).path, data={"csrf_token": _hidden(html, "csrf_token"),
                                                  "token": _hidden(html, "token")})
    assert twice.status_code == 303  # the second press finds the appeal paid by this session
    assert sorted(e.outcome for e in stripe_events(app).values()) == ["processed", "processed"]
    assert appeal_row(app, public_id)["status"] == "paid"
    assert len(outbox(app, "receipt")) == 1


def test_demo_state_survives_another_process(app_factory):
    """Two app instances (two workers) on one database: page from one, Pay on the other."""
    first, second = app_factory(), app_factory()
    public_id = make_appeal(first, price_cents=989)
    url = _start_demo_checkout(first, public_id)
    client = first.test_client()
    html = client.get(url).get_data(as_text=True)
    other = second.test_client()  # the other worker, with its own session and CSRF token
    html_other = other.get(url).get_data(as_text=True)
    response = other.post(urlsplit(url).path, data={"csrf_token": _hidden(html_other, "csrf_token"),
                                                    "token": _hidden(html, "token")})
    assert response.status_code == 303
    assert appeal_row(first, public_id)["status"] == "paid"


def test_demo_pay_without_csrf_token_is_refused(app, client):
    public_id = make_appeal(app)
    url = _start_demo_checkout(app, public_id)
    html = client.get(url).get_data(as_text=True)
    response = client.post(urlsplit(url).path, data={"token": _hidden(html, "token")})
    assert response.status_code == 400
    assert "text/html" in response.content_type and "expired" in response.get_data(as_text=True)
    assert appeal_row(app, public_id)["status"] == "awaiting_payment"
    assert stripe_events(app) == {}


def test_forged_demo_link_is_not_found(app, client):
    public_id = make_appeal(app)
    url = _start_demo_checkout(app, public_id)
    forged = url.split("?t=")[0] + "?t=eyJzaWQiOiJ4In0.forged"
    response = client.get(forged)
    assert response.status_code == 404 and "text/html" in response.content_type
    other_session = client.get(url.replace("demo_cs_", "demo_cs_x"))
    assert other_session.status_code == 404


def test_letter_changed_after_checkout_refuses_the_old_demo_session(app, client):
    public_id = make_appeal(app)
    url = _start_demo_checkout(app, public_id)
    html = client.get(url).get_data(as_text=True)
    with app.app_context():
        appeal = db.session.execute(db.select(Appeal).filter_by(public_id=public_id)).scalar_one()
        appeal.status, appeal.letter_version = "letter_ready", 2
        db.session.commit()
    response = client.post(urlsplit(url).path, data={"csrf_token": _hidden(html, "csrf_token"),
                                                     "token": _hidden(html, "token")})
    assert response.status_code == 409
    assert appeal_row(app, public_id)["status"] == "letter_ready"
    assert outbox(app) == []


def _driver_checkout(client, public_id: str, mail_class: str) -> str:
    page = client.get(f"/appeals/{public_id}/checkout")
    started = client.post(f"/appeals/{public_id}/checkout", data={
        "csrf_token": _hidden(page.get_data(as_text=True), "csrf_token"), "mail_class": mail_class,
        "return_address": "1 Main St, San Francisco CA 94103"})
    assert started.status_code == 303, started.get_data(as_text=True)
    return started.headers["Location"]


def _press_pay(client, demo_url: str):
    html = client.get(demo_url).get_data(as_text=True)
    return client.post(urlsplit(demo_url).path, data={"csrf_token": _hidden(html, "csrf_token"),
                                                      "token": _hidden(html, "token")})


def test_older_demo_session_is_refused_by_the_state_machine(app, client):
    """Standard, then certified, then Pay on the standard page: the completed event goes
    through the webhook code, which refuses it; the certified session still pays."""
    public_id = make_appeal(app, status="letter_ready", signature_name="Jane Driver",
                            return_address="1 Main St, San Francisco CA 94103")
    standard = _driver_checkout(client, public_id, "standard")
    certified = _driver_checkout(client, public_id, "certified")

    refused = _press_pay(client, standard)

    assert refused.status_code == 409 and "changed after this checkout began" in refused.get_data(as_text=True)
    row = appeal_row(app, public_id)
    assert (row["status"], row["price_cents"]) == ("awaiting_payment", 1989)
    assert [e.outcome for e in stripe_events(app).values()] == ["refused"]
    with app.app_context():
        assert db.session.execute(db.select(OperatorAlert.key)).scalars().all() == [
            "payment-refused:" + urlsplit(standard).path.rsplit("/", 1)[1].replace("demo_cs_", "demo_pi_")]

    assert _press_pay(client, certified).status_code == 303
    row = appeal_row(app, public_id)
    assert (row["status"], row["price_cents"]) == ("paid", 1989)
    assert len(outbox(app, "receipt")) == 1


def test_demo_page_is_absent_when_stripe_is_configured(stripe_app, stripe_client):
    response = stripe_client.get("/webhooks/demo/checkout/demo_cs_abc?t=x")
    assert response.status_code == 404


def test_driver_flow_through_the_checkout_page_in_demo_mode(app, client):
    """The appeals checkout page redirects to the demo page; Pay lands on the success page."""
    public_id = make_appeal(app, status="letter_ready", signature_name="Jane Driver",
                            return_address="1 Main St, San Francisco CA 94103")
    page = client.get(f"/appeals/{public_id}/checkout")
    assert page.status_code == 200, page.get_data(as_text=True)
    started = client.post(f"/appeals/{public_id}/checkout", data={
        "csrf_token": _hidden(page.get_data(as_text=True), "csrf_token"), "mail_class": "certified",
        "return_address": "1 Main St, San Francisco CA 94103"})
    assert started.status_code == 303, started.get_data(as_text=True)
    demo_url = started.headers["Location"]
    assert "/webhooks/demo/checkout/demo_cs_" in demo_url
    html = client.get(demo_url).get_data(as_text=True)
    assert "Demo — no card is charged" in html and "19.89" in html
    paid = client.post(urlsplit(demo_url).path, data={"csrf_token": _hidden(html, "csrf_token"),
                                                      "token": _hidden(html, "token")})
    assert paid.status_code == 303
    success = client.get(urlsplit(paid.headers["Location"]).path)
    assert success.status_code == 200
    row = appeal_row(app, public_id)
    assert row["status"] == "paid" and row["price_cents"] == 1989
    assert len(outbox(app, "receipt")) == 1


def test_a_demo_session_id_with_non_ascii_characters_is_not_found_not_a_500(app, client):
    response = client.get("/webhooks/demo/checkout/demo_cs_a.b.c.d.e.%C3%A9%C3%A9?t=x")
    assert response.status_code == 404, response.status_code
    assert "Traceback" not in response.get_data(as_text=True)
