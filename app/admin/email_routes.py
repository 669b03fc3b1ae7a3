"""Email outbox and dead letters: requeue, discard."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from app.admin import service
from app.admin.auth import audit, login_required
from app.email import admin_service

bp = Blueprint("email", __name__, url_prefix="/email")
# Ids outside the database's integer range never match a route: 404, not a database error.
MESSAGE_ID = f"<int(min=1, max={service.MAX_ROW_ID}):message_id>"


@bp.get("/")
@login_required
def index():
    status = request.args.get("status", "dead")
    return render_template("admin/email.html", rows=admin_service.list_outbox(status or None),
                           status=status)


@bp.post(f"/{MESSAGE_ID}/requeue")
@login_required
def requeue(message_id: int):
    row = _message_or_404(message_id)
    if not admin_service.requeue(message_id):
        flash(f"Only dead, suppressed or discarded messages can be requeued; this one is {row.status}.",
              "warning")
        return _back_to_list()
    audit("requeue_email", message=message_id)
    flash("The message is queued again.", "info")
    return _back_to_list()


@bp.post(f"/{MESSAGE_ID}/discard")
@login_required
def discard(message_id: int):
    row = _message_or_404(message_id)
    if not admin_service.discard(message_id):
        flash(f"Only dead or pending messages can be discarded; this one is {row.status}.", "warning")
        return _back_to_list()
    audit("discard_email", message=message_id)
    flash("The message is discarded (kept for audit).", "info")
    return _back_to_list()


def _message_or_404(message_id: int):
    row = service.outbox_message(message_id)
    if row is None:
        abort(404, description="There is no email with that id.")
    return row


def _back_to_list():
    """Back to the list the operator acted from (the same status filter)."""
    return redirect(url_for("admin.email.index", status=request.args.get("status", "dead")), code=303)
