"""Failed webhooks: list, payload and error, replay, resolve."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from app.admin.auth import audit, login_required
from app.webhooks import failures

bp = Blueprint("webhooks", __name__, url_prefix="/webhooks")


@bp.get("/")
@login_required
def index():
    status = request.args.get("status", "")
    return render_template("admin/webhooks.html", rows=failures.list_failed(status or None),
                           status=status)


@bp.get("/<event_id>")
@login_required
def detail(event_id: str):
    row = failures.get_failed(event_id)
    if row is None:
        abort(404, description="There is no failed webhook with that event id.")
    return render_template("admin/webhook_detail.html", row=row)


@bp.post("/<event_id>/replay")
@login_required
def replay(event_id: str):
    outcome = failures.replay(event_id)
    audit("replay_webhook", event_id=event_id, outcome=outcome)
    flash(f"Replayed {event_id}: {outcome}.", "info")
    return redirect(url_for("admin.webhooks.detail", event_id=event_id), code=303)


@bp.post("/<event_id>/resolve")
@login_required
def resolve(event_id: str):
    failures.resolve(event_id)
    audit("resolve_webhook", event_id=event_id)
    flash(f"Marked {event_id} resolved.", "info")
    return redirect(url_for("admin.webhooks.index"), code=303)
