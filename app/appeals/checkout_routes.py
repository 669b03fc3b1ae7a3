"""Checkout and success (§5.7, 5.8): pay through the payments gateway, then wait for the
state the webhook records. Stripe being down leaves a saved appeal and a retry button."""
from __future__ import annotations

import logging

from flask import flash, redirect, request, url_for

from app.appeals.blueprint import bp, load_appeal, render_page
from app.appeals.forms import CheckoutForm
from app.appeals.service import (format_price, is_locked, prepare_checkout, record_checkout_session)
from app.cities import registry
from app.config import current_settings
from app.integrations.payments import PaymentsUnavailable, payments_gateway
from app.models import AppealStatus
from app.resilience.limits import limited
from app.urls import absolute_url

log = logging.getLogger(__name__)
RETRY_AFTER_S = 30


def _prices() -> dict[str, str]:
    settings = current_settings()
    return {"standard": format_price(settings.price_standard_cents, settings.appeal_currency),
            "certified": format_price(settings.price_certified_cents, settings.appeal_currency)}


def _checkout_page(appeal, form, status: int = 200, *, unavailable: bool = False):
    response = render_page("appeals/checkout.html", status, appeal=appeal, form=form,
                           prices=_prices(), city=registry.get(appeal.city_slug),
                           unavailable=unavailable)
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
    if request.method == "GET":
        form = CheckoutForm(mail_class=appeal.mail_class or "standard",
                            return_address=appeal.return_address)
        return _checkout_page(appeal, form)
    form = CheckoutForm()
    if not form.validate():
        return _checkout_page(appeal, form, 422)
    settings = current_settings()
    amount = prepare_checkout(appeal, form.mail_class.data, form.return_address.data, settings)
    try:
        session = payments_gateway().create_checkout_session(
            appeal, mail_class=appeal.mail_class, amount_cents=amount, currency=settings.appeal_currency,
            success_url=absolute_url("appeals.success", public_id=appeal.public_id),
            cancel_url=absolute_url("appeals.checkout", public_id=appeal.public_id))
    except PaymentsUnavailable:
        log.warning("checkout unavailable, appeal kept awaiting payment")
        return _checkout_page(appeal, form, 503, unavailable=True)
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
