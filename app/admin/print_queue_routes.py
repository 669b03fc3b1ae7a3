"""The print queue (§17): letters operators print and post, and recording that they did."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_wtf import FlaskForm
from wtforms import DateField, StringField
from wtforms.validators import InputRequired, Length, Optional

from app.admin.auth import audit, login_required
from app.fulfilment import print_queue
from app.models import appeal_by_public_id

bp = Blueprint("print_queue", __name__, url_prefix="/print-queue")
NO_DATE = "Enter the day the letter was posted: nothing is marked mailed without a date."


class MailedForm(FlaskForm):
    # The date is required here and again in the service: nothing is mailed without one.
    mailed_on = DateField("Posted on", validators=[InputRequired(NO_DATE)])
    tracking_number = StringField("USPS tracking number (optional)",
                                  validators=[Optional(), Length(max=40)])


@bp.get("/")
@login_required
def index():
    return _page()


@bp.post("/<public_id>/mailed")
@login_required
def record_mailed(public_id: str):
    if appeal_by_public_id(public_id) is None:
        abort(404, description="There is no appeal with that id.")
    form = MailedForm()
    if not form.validate():
        if "csrf_token" in form.errors:
            return _page(400, public_id, "This form has expired. Reload the page and try again.")
        if "mailed_on" in form.errors:  # missing or not a date: one plain message for both
            return _page(422, public_id, NO_DATE)
        return _page(422, public_id, "The tracking number is at most 40 characters.")
    try:
        recorded = print_queue.record_posted(public_id, mailed_on=form.mailed_on.data,
                                             tracking=form.tracking_number.data)
    except print_queue.NotRecorded as exc:
        return _page(422, public_id, str(exc))
    if recorded:
        audit("record_mailed", appeal=public_id, mailed_on=form.mailed_on.data.isoformat())
        flash(f"Recorded: appeal {public_id} was posted on {form.mailed_on.data:%B %-d, %Y}. "
              "The driver is emailed.", "info")
    else:
        flash(f"Appeal {public_id} was already recorded as mailed; nothing changed.", "info")
    return redirect(url_for("admin.print_queue.index"), code=303)


def _page(status: int = 200, failed_for: str | None = None, error: str | None = None):
    return render_template("admin/print_queue.html", rows=print_queue.waiting(),
                           failed_for=failed_for, error=error), status
