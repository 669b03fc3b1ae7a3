"""Appeals: search, detail, mark mailed, printable letter."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from app.admin import service
from app.admin.auth import audit, login_required
from app.admin.forms import SearchForm
from app.cities import registry as cities
from app.models import AppealStatus, IllegalTransition, appeal_by_public_id

bp = Blueprint("appeals", __name__, url_prefix="/appeals")


def _appeal_or_404(public_id: str):
    appeal = appeal_by_public_id(public_id)
    if appeal is None:
        abort(404, description="There is no appeal with that id.")
    return appeal


@bp.get("/")
@login_required
def index():
    form = SearchForm(request.args)
    status = request.args.get("status", "")
    appeals = service.search_appeals(form.q.data or "", status)
    statuses = list(AppealStatus)
    return render_template("admin/appeals.html", form=form, appeals=appeals, status=status,
                           statuses=statuses)


@bp.get("/<public_id>")
@login_required
def detail(public_id: str):
    appeal = _appeal_or_404(public_id)
    return render_template("admin/appeal_detail.html", appeal=appeal,
                           emails=service.appeal_emails(appeal), city=cities.get(appeal.city_slug))


@bp.post("/<public_id>/mailed")
@login_required
def mark_mailed(public_id: str):
    appeal = _appeal_or_404(public_id)
    try:
        service.mark_mailed(appeal)
    except IllegalTransition as exc:
        flash(f"Not marked mailed: {exc}.", "error")
        return redirect(url_for("admin.appeals.detail", public_id=public_id), code=303)
    audit("mark_mailed", appeal=public_id)
    flash("Marked mailed; follow-ups are scheduled.", "info")
    return redirect(url_for("admin.appeals.detail", public_id=public_id), code=303)


@bp.get("/<public_id>/letter")
@login_required
def printable_letter(public_id: str):
    appeal = _appeal_or_404(public_id)
    audit("print_letter", appeal=public_id)
    return render_template("admin/letter_print.html", appeal=appeal,
                           city=cities.get(appeal.city_slug))
