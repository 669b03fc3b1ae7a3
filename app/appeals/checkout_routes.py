"""Checkout and success (§5.7, 5.8): pay through the payments gateway, then wait for the
state the webhook records. Stripe being down leaves a saved appeal and a retry button.

Only the mail classes that can still reach the city by its last day are sold
(`mail_offer`); where none can, the page takes no money and shows the city's own way to
contest with the letter as a free PDF, and a posted class it does not offer is refused
before anything is recorded or sent to Stripe.
"""
from __future__ import annotations

import logging
from datetime import UTC, datetime

from flask import flash, redirect, request, url_for

from app.appeals.blueprint import bp, load_appeal, render_page
from app.appeals.forms import CheckoutForm
from app.appeals.mail_offer import checkout_offer
from app.appeals.service import is_locked, prepare_checkout, record_checkout_session
from app.config import current_settings
from app.integrations.payments import PaymentsUnavailable, payments_gateway
from app.models import AppealStatus
from app.resilience.limits import limited
from app.urls import absolute_url

log = logging.getLogger(__name__)
RETRY_AFTER_S = 30


def _checkout_page(appeal, form, offer, status: int = 200, *, unavailable: bool = False):
    response = render_page("appeals/checkout.html", status, appeal=appeal, form=form, offer=offer,
                           city=offer.city, unavailable=unavailable)
    if unavailable:
        response.headers["Retry-After"] = str(RETRY_AFTER_S)
    return response


@bp.route("/appeals/<public_id>/checkout", methods=["GET", "POST"])
@limited("appeal_writes", methods=["POST"])
def checkout(public_id: str):
    appeal = load_appeal(public_id)
    if is_locked(appeal):
        return redirect(url_for("appeals.success", public_id=appeal.public_id), 303)
    if not appeal.letter_text:
        flash("Your letter comes first: write or review it, then sign it.", "info")
        return redirect(url_for("appeals.review", public_id=appeal.public_id), 303)
    if not (appeal.signature_key or appeal.signature_name):
        flash("Please sign your letter before paying.", "info")
        return redirect(url_for("appeals.sign", public_id=appeal.public_id), 303)
    settings = current_settings()
    offer = checkout_offer(appeal, settings, now=datetime.now(UTC))
    if request.method == "GET":
        form = CheckoutForm(mail_class=offer.default_class(appeal.mail_class),
                            return_address=appeal.return_address)
        return _checkout_page(appeal, form, offer)
    form = CheckoutForm()
    if not offer.offers:  # nothing is sold here, whatever the form says
        return _checkout_page(appeal, form, offer, 409)
    if not form.validate():
        return _checkout_page(appeal, form, offer, 422)
    if not offer.offered(form.mail_class.data):
        form.mail_class.errors = [offer.refusal(form.mail_class.data)]
        return _checkout_page(appeal, form, offer, 422)
    amount = prepare_checkout(appeal, form.mail_class.data, form.return_address.data, settings)
    try:
        session = payments_gateway().create_checkout_session(
            appeal, mail_class=appeal.mail_class, amount_cents=amount, currency=settings.appeal_currency,
            success_url=absolute_url("appeals.success", public_id=appeal.public_id),
            cancel_url=absolute_url("appeals.checkout", public_id=appeal.public_id))
    except PaymentsUnavailable:
        log.warning("checkout unavailable, appeal kept awaiting payment")
        return _checkout_page(appeal, form, offer, 503, unavailable=True)
    record_checkout_session(appeal, session.id)
    return redirect(session.url, 303)


@bp.get("/appeals/<public_id>/success")
def success(public_id: str):
    """Only the state recorded from the webhook counts; the query string is ignored."""
    appeal = load_appeal(public_id)
    confirming = appeal.status == AppealStatus.AWAITING_PAYMENT
    response = render_page("appeals/success.html", appeal=appeal, confirming=confirming,
                           paid=appeal.status in (AppealStatus.PAID, AppealStatus.MAILED))
    response.headers["Cache-Control"] = "no-store"
    return response
