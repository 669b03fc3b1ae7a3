"""Email outbox and dead letters: requeue, discard."""
from flask import Blueprint, flash, redirect, render_template, request, url_for

from app.admin.auth import audit, login_required
from app.email import admin_service

bp = Blueprint("email", __name__, url_prefix="/email")


@bp.get("/")
@login_required
def index():
    status = request.args.get("status", "dead")
    return render_template("admin/email.html", rows=admin_service.list_outbox(status or None),
                           status=status)


@bp.post("/<int:message_id>/requeue")
@login_required
def requeue(message_id: int):
    admin_service.requeue(message_id)
    audit("requeue_email", message=message_id)
    flash("The message is queued again.", "info")
    return _back_to_list()


@bp.post("/<int:message_id>/discard")
@login_required
def discard(message_id: int):
    admin_service.discard(message_id)
    audit("discard_email", message=message_id)
    flash("The message is discarded (kept for audit).", "info")
    return _back_to_list()


def _back_to_list():
    """Back to the list the operator acted from (the same status filter)."""
    return redirect(url_for("admin.email.index", status=request.args.get("status", "dead")), code=303)
