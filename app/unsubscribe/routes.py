"""Unsubscribe and consent endpoints (§10). Routes are thin: the work is in consent.py.

A change of someone's consent needs the signed token for that address (it reaches only
that inbox: the List-Unsubscribe link, or the confirmation we mail). Without one, the API
only mails the address a confirmation link and changes nothing (confirmation.py), so the
audit log records only what the address's owner did. POSTs carry no CSRF token: the
mail providers' one-click POST (RFC 8058) comes with no cookie and no form token, and the
signed token, which a forged cross-site request cannot know, is the whole authority.
"""
from __future__ import annotations

from flask import Blueprint, jsonify, make_response, redirect, render_template, request, url_for

from app.email import consent
from app.email.unsubscribe_tokens import TokenExpired, TokenInvalid, read_token
from app.errors import error_response
from app.extensions import csrf, db
from app.models import ConsentAction
from app.operators.sessions import current_operator
from app.resilience.limits import limited
from app.unsubscribe.confirmation import send_confirmation

bp = Blueprint("unsubscribe", __name__)
ONE_CLICK_BODY = "List-Unsubscribe=One-Click"
BAD_BODY = ('Send a JSON object like {"email": "you@example.com", "token": "...", '
            '"reason": "..."}; without "token" we email a confirmation link.')
BAD_TOKEN = "That token is not valid for this address; nothing was changed."
API_DONE = {ConsentAction.UNSUBSCRIBE: "unsubscribed", ConsentAction.REVOKE: "consent_revoked"}


def _client() -> dict:
    # request.remote_addr is the real client: ProxyFix trusts exactly TRUSTED_PROXY_COUNT hops.
    return {"ip": request.remote_addr, "user_agent": request.user_agent.string or None}


@bp.post("/api/unsubscribe")
@csrf.exempt
@limited("unsubscribe")
def api_unsubscribe():
    return _api_change(ConsentAction.UNSUBSCRIBE)


@bp.post("/api/revoke-consent")
@csrf.exempt
@limited("unsubscribe")
def api_revoke_consent():
    """Also erases the address from marketing lists (see consent.record_consent)."""
    return _api_change(ConsentAction.REVOKE)


def _api_change(action: str):
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        return error_response(400, BAD_BODY)
    reason, token = data.get("reason"), data.get("token")
    if reason is not None and not isinstance(reason, str):
        return error_response(422, '"reason" must be text.')
    if token is not None and not isinstance(token, str):
        return error_response(422, '"token" must be the text from the unsubscribe link.')
    email = consent.normalize_email(data.get("email"))
    if email is None and ("email" in data or not token):
        return error_response(422, "Please give a valid email address in \"email\".")
    if not token:
        send_confirmation(email, action)
        db.session.commit()
        # The same answer whether or not we knew the address.
        return jsonify(email=email, status="confirmation_sent"), 202
    try:
        address = read_token(token)
    except TokenExpired:
        return error_response(410, "That token has expired; send the request without it and "
                                   "we will email a fresh link.")
    except TokenInvalid:
        return error_response(403, BAD_TOKEN)
    if email is not None and email != address:
        return error_response(403, BAD_TOKEN)
    consent.record_consent(address, action, "api", reason=reason,
                           wording_version=consent.UNSUBSCRIBE_WORDING_VERSION, **_client())
    db.session.commit()
    return jsonify(email=address, status=API_DONE[action])


@bp.get("/api/unsubscribe/status/<string:email>")
@limited("unsubscribe")
def api_status(email: str):
    address = consent.normalize_email(email)
    if not (address and (_token_matches(address) or current_operator())):
        # Identical for known and unknown addresses: nobody can probe who is on our lists.
        return error_response(403, "A valid unsubscribe link for this address is needed.")
    return jsonify(email=address, subscribed=consent.is_subscribed(address))


def _token_matches(address: str) -> bool:
    try:
        return read_token(request.args.get("token", "")) == address
    except TokenInvalid:
        return False


@bp.get("/unsubscribe/<token>")
@bp.get("/unsubscribe/<token>/revoke", endpoint="revoke_page")
@limited("unsubscribe")
def link(token: str):
    """Only a confirmation page: mail scanners fetch links, so a GET changes nothing."""
    email, problem = _read(token)
    if problem is not None:
        return problem
    revoke = request.endpoint == "unsubscribe.revoke_page"
    return _page(render_template("unsubscribe/confirm.html", email=email, token=token,
                                 revoke=revoke))


@bp.post("/unsubscribe/<token>")
@csrf.exempt
@limited("unsubscribe")
def one_click(token: str):
    email, problem = _read(token)
    if problem is not None:
        return problem
    body_is_one_click = request.get_data(as_text=True).strip() == ONE_CLICK_BODY
    reason = None if body_is_one_click else (request.form.get("reason") or None)
    consent.record_consent(email, ConsentAction.UNSUBSCRIBE,
                           "one_click" if body_is_one_click else "web_form", reason=reason,
                           wording_version=consent.UNSUBSCRIBE_WORDING_VERSION, **_client())
    db.session.commit()
    if body_is_one_click:  # a mail provider (RFC 8058), not a person: no page to reload
        return _page(render_template("unsubscribe/done.html", email=email, revoke=False))
    return redirect(url_for("unsubscribe.done", token=token), 303)


@bp.post("/unsubscribe/<token>/revoke")
@csrf.exempt
@limited("unsubscribe")
def revoke(token: str):
    """The page behind a revoke confirmation: withdraw consent and erase from marketing lists."""
    email, problem = _read(token)
    if problem is not None:
        return problem
    consent.record_consent(email, ConsentAction.REVOKE, "web_form",
                           reason=request.form.get("reason") or None,
                           wording_version=consent.UNSUBSCRIBE_WORDING_VERSION, **_client())
    db.session.commit()
    return redirect(url_for("unsubscribe.revoked", token=token), 303)


@bp.get("/unsubscribe/<token>/done")
@bp.get("/unsubscribe/<token>/revoke/done", endpoint="revoked")
@limited("unsubscribe")
def done(token: str):
    """The page after a form POST (post/redirect/get): it says what is recorded now, and
    sends anyone whose address is still subscribed to the confirmation page instead."""
    email, problem = _read(token)
    if problem is not None:
        return problem
    revoke = request.endpoint == "unsubscribe.revoked"
    state = consent.current(email)
    if state is None or state.marketing or (revoke and state.erased_at is None):
        return redirect(url_for("unsubscribe.revoke_page" if revoke else "unsubscribe.link",
                                token=token), 303)
    return _page(render_template("unsubscribe/done.html", email=email, revoke=revoke))


def _read(token: str):
    try:
        return read_token(token), None
    except TokenExpired:
        return None, _page(render_template("unsubscribe/invalid.html", expired=True), 410)
    except TokenInvalid:
        return None, _page(render_template("unsubscribe/invalid.html", expired=False), 400)


def _page(html: str, status: int = 200):
    response = make_response(html, status)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"  # the token is in the URL
    response.headers["X-Robots-Tag"] = "noindex"
    return response
