"""Checkout and success (§5.7, §5.8, §9): demo payments, Stripe down, webhook-recorded state."""
import re

import pytest

from app.extensions import db
from app.models import Appeal, AppealStatus
from tests.appeals.conftest import NO_LIMITS, load, ready_to_pay, start_appeal, token_for
from testkit.process import refused_url

UNAVAILABLE = "Payments are temporarily unavailable — your appeal is saved"


def _pay(client, public_id, mail_class="standard", address="1 Market St\nSan Francisco, CA 94105"):
    url = f"/appeals/{public_id}/checkout"
    return client.post(url, data={"csrf_token": token_for(client, url), "mail_class": mail_class,
                                  "return_address": address})


def test_checkout_page_shows_both_prices_and_the_address(web):
    public_id = ready_to_pay(web)
    html = web.get(f"/appeals/{public_id}/checkout").get_data(as_text=True)
    assert "$9.89" in html and "$19.89" in html
    assert "Certified mail with return receipt" in html
    assert re.search(r'<input[^>]*checked[^>]*value="standard"|value="standard"[^>]*checked', html)
    assert "South Van Ness" in html and "1 Market St" in html
    assert '<label for="return_address">' in html


def test_prices_come_from_settings(app_factory):
    app = app_factory(PRICE_STANDARD_CENTS="1250", PRICE_CERTIFIED_CENTS="2500", **NO_LIMITS)
    client = app.test_client()
    public_id = ready_to_pay(client)
    html = client.get(f"/appeals/{public_id}/checkout").get_data(as_text=True)
    assert "$12.50" in html and "$25.00" in html


@pytest.mark.both_databases
def test_demo_checkout_redirects_303_and_awaits_payment(web, open_app):
    public_id = ready_to_pay(web)
    response = _pay(web, public_id, mail_class="certified")
    assert response.status_code == 303
    assert "demo" in response.headers["Location"]
    appeal = load(open_app, public_id)
    assert appeal.status == AppealStatus.AWAITING_PAYMENT
    assert (appeal.mail_class, appeal.price_cents, appeal.currency) == ("certified", 1989, "usd")
    assert appeal.stripe_checkout_session_id
    # the driver comes back from the payment page without paying: the same session again
    again = _pay(web, public_id, mail_class="certified")
    assert again.status_code == 303 and again.headers["Location"] == response.headers["Location"]


def test_checkout_before_the_letter_goes_back_to_it(web):
    public_id = start_appeal(web)
    response = web.get(f"/appeals/{public_id}/checkout")
    assert response.status_code == 303 and response.headers["Location"].endswith("/review")


def test_illegal_transition_is_a_plain_409(web, open_app):
    public_id = ready_to_pay(web)
    with open_app.app_context():
        appeal = db.session.execute(db.select(Appeal).filter_by(public_id=public_id)).scalar_one()
        appeal.status = AppealStatus.STARTED  # a letter exists, but the status machine says started
        db.session.commit()
    response = _pay(web, public_id)
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "appeal page" in html and f'href="/appeals/{public_id}"' in html


def test_bad_mail_class_is_422(web):
    public_id = ready_to_pay(web)
    response = _pay(web, public_id, mail_class="pigeon")
    assert response.status_code == 422
    assert 'id="mail_class-error" role="alert"' in response.get_data(as_text=True)


@pytest.mark.both_databases
def test_stripe_down_shows_payments_unavailable_and_keeps_the_appeal(app_factory):
    app = app_factory(STRIPE_SECRET_KEY="sk_test_x", STRIPE_WEBHOOK_SECRET="whsec_x",
                      STRIPE_PUBLISHABLE_KEY="pk_test_x", STRIPE_API_BASE=refused_url(), **NO_LIMITS)
    client = app.test_client()
    public_id = ready_to_pay(client)
    for _attempt in range(4):  # the fourth finds the stripe breaker open: same friendly page
        response = _pay(client, public_id, mail_class="certified")
        html = response.get_data(as_text=True)
        assert response.status_code == 503
        assert int(response.headers["Retry-After"]) > 0
        assert UNAVAILABLE in html
        assert f'action="/appeals/{public_id}/checkout"' in html  # the retry button: the same form
        assert f'href="/appeals/{public_id}"' in html  # and the appeal page
        assert re.search(r'<input[^>]*checked[^>]*value="certified"|value="certified"[^>]*checked', html)
    appeal = load(app, public_id)
    assert appeal.status == AppealStatus.AWAITING_PAYMENT and appeal.letter_text
    assert client.get(f"/appeals/{public_id}").status_code == 200


def test_success_page_refreshes_until_paid_and_ignores_the_query_string(web, open_app):
    public_id = ready_to_pay(web)
    _pay(web, public_id)
    page = web.get(f"/appeals/{public_id}/success?session_id=cs_forged&paid=true&status=paid")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert '<meta http-equiv="refresh" content="3">' in html
    assert "being confirmed" in html and "What happens next" not in html
    assert load(open_app, public_id).status == AppealStatus.AWAITING_PAYMENT


@pytest.mark.parametrize("status", [AppealStatus.PAID, AppealStatus.MAILED])
def test_success_page_when_paid_says_what_happens_next(web, open_app, status):
    public_id = ready_to_pay(web)
    _pay(web, public_id)
    with open_app.app_context():
        appeal = db.session.execute(db.select(Appeal).filter_by(public_id=public_id)).scalar_one()
        appeal.move_to(AppealStatus.PAID)
        if status == AppealStatus.MAILED:
            appeal.move_to(AppealStatus.MAILED)
        db.session.commit()
    html = web.get(f"/appeals/{public_id}/success").get_data(as_text=True)
    assert "http-equiv" not in html
    for fact in ("1–2 business days", "3–5 days", "2–4 weeks"):
        assert fact in html
    # paid letters can no longer change
    response = web.get(f"/appeals/{public_id}/review")
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/appeals/{public_id}")


def test_payment_failed_offers_to_try_again(web, open_app):
    public_id = ready_to_pay(web)
    _pay(web, public_id)
    with open_app.app_context():
        appeal = db.session.execute(db.select(Appeal).filter_by(public_id=public_id)).scalar_one()
        appeal.move_to(AppealStatus.PAYMENT_FAILED)
        db.session.commit()
    html = web.get(f"/appeals/{public_id}/success").get_data(as_text=True)
    assert "didn't go through" in html and "http-equiv" not in html
    assert _pay(web, public_id).status_code == 303
