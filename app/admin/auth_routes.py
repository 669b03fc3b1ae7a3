"""Operator sign-in and sign-out."""
from flask import Blueprint, flash, redirect, render_template, request, url_for

from app.admin.auth import audit
from app.admin.forms import LoginForm
from app.operators import sessions
from app.operators.login_guard import authenticate, backoff
from app.resilience.limits import limited

bp = Blueprint("auth", __name__)
NO_MATCH = "That email and password do not match an operator account."


def _safe_next(target: str | None) -> str:
    # Only local admin paths: never an open redirect.
    if target and target.startswith("/admin/") and not target.startswith("//"):
        return target
    return url_for("admin.dashboard.index")


def _locked(form: LoginForm, wait_s: int):
    minutes = max(1, -(-wait_s // 60))
    form.password.errors.append(
        f"Too many failed sign-ins for this account. Please wait {minutes} minute"
        f"{'s' if minutes > 1 else ''} and try again.")
    return render_template("admin/login.html", form=form), 429, {"Retry-After": str(wait_s)}


@bp.route("/login", methods=["GET", "POST"])
@limited("admin_login", methods=["POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        email = form.email.data.strip().lower()
        guard = backoff()
        wait_s = guard.retry_after(email)
        if wait_s:
            return _locked(form, wait_s)
        user = authenticate(email, form.password.data)
        if user is not None:
            guard.succeeded(email)
            sessions.start(user)
            audit("login", sessions.current_operator())
            return redirect(_safe_next(request.args.get("next")), code=303)
        guard.failed(email)  # from the FREE_FAILURES-th on, the next attempts wait
        form.password.errors.append(NO_MATCH)
    status = 422 if request.method == "POST" else 200
    return render_template("admin/login.html", form=form), status


@bp.post("/logout")
def logout():
    ended = sessions.end()
    if ended is not None:
        audit("logout", ended)
    flash("You are signed out.", "info")
    return redirect(url_for("admin.auth.login"), code=303)
