"""Consent audit log: search by email, CSV export."""
from flask import Blueprint, Response, render_template, request

from app.admin import service
from app.admin.auth import audit, login_required

bp = Blueprint("consent", __name__, url_prefix="/consent")


@bp.get("/")
@login_required
def index():
    email = request.args.get("email", "")
    return render_template("admin/consent.html", email=email,
                           rows=service.search_consent_log(email))


@bp.get("/export.csv")
@login_required
def export():
    email = request.args.get("email", "")
    rows = service.search_consent_log(email, limit=100_000)
    audit("export_consent_csv", rows=len(rows))
    return Response(service.consent_log_csv(rows), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=consent-audit-log.csv"})
