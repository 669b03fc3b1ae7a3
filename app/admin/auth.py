"""Operator sessions: login state, idle timeout and the guard every admin view sits behind."""
from __future__ import annotations

import functools
import logging
import time

from flask import current_app, g, redirect, request, session, url_for

from app.errors import error_response, wants_json
from app.extensions import db
from app.models import AdminUser
from app.models.base import utcnow

log = logging.getLogger("fct.admin")
IDLE_TIMEOUT_S = 30 * 60
SESSION_KEYS = ("admin_user_id", "admin_email", "admin_seen_at")


def sign_in(user: AdminUser) -> None:
    session.clear()  # a fresh session id-equivalent: nothing from before login survives
    session.permanent = True
    session["admin_user_id"] = user.id
    session["admin_email"] = user.email
    session["admin_seen_at"] = time.time()
    user.last_login_at = utcnow()
    db.session.commit()
    audit("login")


def sign_out() -> None:
    if session.get("admin_user_id"):
        audit("logout")
    for key in SESSION_KEYS:
        session.pop(key, None)


def current_operator() -> str | None:
    """The signed-in operator's email, or None when absent or idle too long."""
    if not session.get("admin_user_id"):
        return None
    if time.time() - session.get("admin_seen_at", 0) > IDLE_TIMEOUT_S:
        for key in SESSION_KEYS:
            session.pop(key, None)
        return None
    session["admin_seen_at"] = time.time()
    return session.get("admin_email")


def login_required(view):
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        operator = current_operator()
        if operator is None:
            if wants_json() or request.path.startswith("/admin/api/"):
                return error_response(401, "Sign in as an operator first.")
            return redirect(url_for("admin.auth.login", next=request.full_path))
        g.operator = operator
        return view(*args, **kwargs)

    return wrapper


def audit(action: str, **details) -> None:
    """Every operator action, with who did it and the request id (added by the log filter)."""
    log.info("operator action", extra={"operator": session.get("admin_email"), "action": action,
                                       **{f"detail_{k}": v for k, v in details.items()}})
