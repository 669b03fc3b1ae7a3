"""Unsubscribe and consent endpoints (§10). Routes are thin: the work is in consent.py.

POSTs here carry no CSRF token: mail providers' one-click POST (RFC 8058) comes with no
cookie and no form token, and the /api endpoints are JSON. The signed token or the address
itself is the whole authority, and every change is audited with the client's IP.
"""
from __future__ import annotations

from flask import Blueprint, jsonify, make_response, render_template, request

from app.admin.auth import current_operator
from app.errors import error_response
from app.extensions import csrf, db
from app.models import ConsentAction
from app.resilience.limits import limited
from app.unsubscribe import consent
from app.unsubscribe.tokens import TokenExpired, TokenInvalid, read_token

bp = Blueprint("unsubscribe", __name__)
ONE_CLICK_BODY = "List-Unsubscribe=One-Click"
BAD_BODY = 'Send a JSON object like {"email": "you@example.com", "reason": "..."}.'


def _client() -> dict:
    # request.remote_addr is the real client: ProxyFix trusts exactly TRUSTED_PROXY_COUNT hops.
    return {"ip": request.remote_addr, "user_agent": request.user_agent.string or None}


def _json_request():
    """(email, reason) from a JSON body, or an error response."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        return None, None, error_response(400, BAD_BODY)
    email = consent.normalize_email(data.get("email"))
    if email is None:
        return None, None, error_response(422, "Please give a valid email address in \"email\".")
    reason = data.get("reason")
    if reason is not None and not isinstance(reason, str):
        return None, None, error_response(422, '"reason" must be text.')
    return email, reason, None


@bp.post("/api/unsubscribe")
@csrf.exempt
@limited("unsubscribe")
def api_unsubscribe():
    return _api_change(ConsentAction.UNSUBSCRIBE, "unsubscribed")


@bp.post("/api/revoke-consent")
@csrf.exempt
@limited("unsubscribe")
def api_revoke_consent():
    """Also erases the address from marketing lists (see consent.record_consent)."""
    return _api_change(ConsentAction.REVOKE, "consent_revoked")


def _api_change(action: str, status: str):
    email, reason, problem = _json_request()
    if problem is not None:
        return problem
    consent.record_consent(email, action, "api", reason=reason,
                           wording_version=consent.UNSUBSCRIBE_WORDING_VERSION, **_client())
    db.session.commit()
    # The same answer whether or not we knew the address.
    return jsonify(email=email, status=status)


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
@limited("unsubscribe")
def link(token: str):
    """Only a confirmation page: mail scanners fetch links, so a GET changes nothing."""
    email, problem = _read(token)
    if problem is not None:
        return problem
    return _page(render_template("unsubscribe/confirm.html", email=email, token=token))


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
    return _page(render_template("unsubscribe/done.html", email=email))


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
