"""Failed webhooks: list, payload and error, replay, resolve."""
import re

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from app.admin.auth import audit, login_required
from app.webhooks import failures

bp = Blueprint("webhooks", __name__, url_prefix="/webhooks")
EVENT_ID = re.compile(r"^evt_[!-~]{1,251}$")  # printable ASCII, as the webhook ingest accepts


def _failed_or_404(event_id: str):
    row = failures.get_failed(event_id) if EVENT_ID.match(event_id) else None
    if row is None:
        abort(404, description="There is no failed webhook with that event id.")
    return row


@bp.get("/")
@login_required
def index():
    status = request.args.get("status", "")
    return render_template("admin/webhooks.html", rows=failures.list_failed(status or None),
                           status=status)


@bp.get("/<event_id>")
@login_required
def detail(event_id: str):
    return render_template("admin/webhook_detail.html", row=_failed_or_404(event_id))


@bp.post("/<event_id>/replay")
@login_required
def replay(event_id: str):
    _failed_or_404(event_id)
    outcome = failures.replay(event_id)
    audit("replay_webhook", event_id=event_id, outcome=outcome)
    flash(f"Replayed {event_id}: {outcome}.", "info")
    return redirect(url_for("admin.webhooks.detail", event_id=event_id), code=303)


@bp.post("/<event_id>/resolve")
@login_required
def resolve(event_id: str):
    _failed_or_404(event_id)
    failures.resolve(event_id)
    audit("resolve_webhook", event_id=event_id)
    flash(f"Marked {event_id} resolved.", "info")
    return redirect(url_for("admin.webhooks.index"), code=303)
