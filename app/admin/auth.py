"""The guard every admin view sits behind, and the operator action log.

Who is signed in is decided by app.operators.sessions (server-side sessions with idle and
absolute timeouts), the same reader the health and unsubscribe endpoints use.
"""
from __future__ import annotations

import functools
import logging

from flask import g, redirect, request, url_for

from app.errors import error_response, wants_json
from app.operators import sessions

log = logging.getLogger("fct.admin")


def login_required(view):
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        operator = sessions.current_operator()
        if operator is None:
            if wants_json() or request.path.startswith("/admin/api/"):
                return error_response(401, "Sign in as an operator first.")
            return redirect(url_for("admin.auth.login", next=request.full_path))
        g.operator = operator
        return view(*args, **kwargs)

    return wrapper


def audit(action: str, operator: sessions.Operator | None = None, **details) -> None:
    """Every operator action, with who did it and the request id (added by the log filter)."""
    operator = operator or g.get("operator")
    log.info("operator action", extra={"operator": operator.email if operator else None,
                                       "action": action,
                                       **{f"detail_{k}": v for k, v in details.items()}})
