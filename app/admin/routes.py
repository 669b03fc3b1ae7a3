"""The operators' console (§14): one parent blueprint, a child per area."""
from flask import Blueprint

from app.admin import (appeal_routes, auth_routes, consent_routes, dashboard_routes, email_routes,
                       webhook_routes)

bp = Blueprint("admin", __name__, url_prefix="/admin")
for child in (auth_routes.bp, dashboard_routes.bp, appeal_routes.bp, webhook_routes.bp,
              email_routes.bp, consent_routes.bp):
    bp.register_blueprint(child)
