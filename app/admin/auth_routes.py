"""Operator sign-in and sign-out."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from app.admin.auth import sign_in, sign_out
from app.admin.forms import LoginForm
from app.extensions import db
from app.models import AdminUser
from app.resilience.limits import limited

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    # Only local admin paths: never an open redirect.
    if target and target.startswith("/admin/") and not target.startswith("//"):
        return target
    return url_for("admin.dashboard.index")


@bp.route("/login", methods=["GET", "POST"])
@limited("admin_login", methods=["POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        user = db.session.execute(
            select(AdminUser).filter_by(email=form.email.data.strip().lower())).scalar_one_or_none()
        if user is not None and user.check_password(form.password.data):
            sign_in(user)
            return redirect(_safe_next(request.args.get("next")), code=303)
        form.password.errors.append("That email and password do not match an operator account.")
    status = 422 if request.method == "POST" else 200
    return render_template("admin/login.html", form=form), status


@bp.post("/logout")
def logout():
    sign_out()
    flash("You are signed out.", "info")
    return redirect(url_for("admin.auth.login"), code=303)
