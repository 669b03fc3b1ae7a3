"""The demo checkout page: "Demo — no card is charged" (§5.7), only without Stripe keys.

Under /webhooks, errors would come back as problem+json; this page is for people, so its
errors are rendered as the branded HTML page here.
"""
from __future__ import annotations

from flask import redirect, render_template, request
from flask_wtf import FlaskForm
from wtforms import HiddenField

from app.errors import error_response
from app.database import DATABASE_DOWN
from app.extensions import csrf
from app.integrations.payments import DemoPaymentGateway, payments_gateway
from app.resilience.limits import limited
from app.webhooks import demo_checkout as demo_service
from app.webhooks.blueprint import bp

INVALID_LINK = "This demo checkout link is not valid. Please start the payment again from your appeal."


class DemoPayForm(FlaskForm):
    token = HiddenField()


@bp.route("/demo/checkout/<session_id>", methods=["GET", "POST"])
@csrf.exempt  # the form checks its own CSRF token, so a stale form gets this page, not JSON
@limited("appeal_writes", methods=["POST"])
def demo_checkout(session_id: str):
    gateway = payments_gateway()
    if not isinstance(gateway, DemoPaymentGateway):
        return _error(404, "There is no demo checkout here.")
    form = DemoPayForm()
    token = form.token.data if request.method == "POST" else request.args.get("t", "")
    details = gateway.read_token(session_id, token)
    if details is None:
        return _error(404, INVALID_LINK)
    try:
        if request.method == "GET":
            appeal = demo_service.find_appeal(details)
            if appeal is None:
                return _error(404, INVALID_LINK)
            form.token.data = token
            # An appeal that holds a payment (this one or another) is shown paid, never a
            # Pay button: pressing it could only be refused.
            return render_template("webhooks/demo_checkout.html", form=form, appeal=appeal,
                                   details=details, amount=_price(details),
                                   paid=appeal.status in demo_service.HOLDS_A_PAYMENT)
        if not form.validate():
            return _error(400, "This form has expired. Please go back, reload the page and try again.")
        demo_service.pay(details, gateway)
    except demo_service.DemoCheckoutGone:
        return _error(404, INVALID_LINK)
    except demo_service.DemoCheckoutOutdated:
        return _error(409, "Your appeal changed after this checkout began. Please go back to your "
                           "appeal and start the payment again.", back=details["cancel_url"])
    except DATABASE_DOWN:
        return _error(503, "We can't reach our records right now. Nothing was charged; please "
                           "try again in a minute.", headers={"Retry-After": "30"})
    return redirect(details["success_url"], 303)


def _price(details: dict) -> str:
    cents, currency = int(details["amount"]), details["currency"]
    return f"{cents // 100}.{cents % 100:02d} {currency.upper()}"


def _error(status: int, detail: str, *, back: str | None = None, headers: dict | None = None):
    return error_response(status, detail, headers={"Cache-Control": "no-store", **(headers or {})},
                          template="webhooks/demo_error.html", html_only=True, back=back)
