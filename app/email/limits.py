"""Rate-limit keys for driver-triggered email (used with `@limited("email_user", key=...)`)."""
from __future__ import annotations

from flask import request

from app.resilience.limits import per_appeal


def per_email() -> str:
    """The address the email goes to (form or JSON field `email`), else the appeal in the URL."""
    if request.is_json:
        data = request.get_json(silent=True)
        email = data.get("email") if isinstance(data, dict) else None
    else:
        email = request.form.get("email")
    if isinstance(email, str) and email.strip():
        return f"email:{email.strip().lower()[:254]}"
    return per_appeal()
