"""The operators' console (§14): one parent blueprint, a child per area."""
from flask import Blueprint, abort, request

from app.admin import (appeal_routes, auth_routes, consent_routes, dashboard_routes, email_routes,
                       print_queue_routes, webhook_routes)

bp = Blueprint("admin", __name__, url_prefix="/admin")
for child in (auth_routes.bp, dashboard_routes.bp, appeal_routes.bp, print_queue_routes.bp,
              webhook_routes.bp, email_routes.bp, consent_routes.bp):
    bp.register_blueprint(child)


@bp.before_request
def _refuse_nul_characters():
    # PostgreSQL text cannot hold NUL: a search or an id containing one would fail in the
    # database (and answer 503) instead of simply matching nothing.
    values = [*request.args.values(), *request.args.keys(), *(request.view_args or {}).values()]
    if request.method == "POST":
        values += [*request.form.values(), *request.form.keys()]
    if any(isinstance(v, str) and "\x00" in v for v in values):
        abort(400, description="That request contains a character that cannot appear here.")
