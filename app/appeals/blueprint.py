"""The `appeals` blueprint and what its views share: the appeal lookup and its error pages.

The views live in several modules (routes, photo_routes, letter_routes, checkout_routes)
that all attach to this one blueprint, so every endpoint is `appeals.<name>`.
"""
from __future__ import annotations

from flask import Blueprint, abort, g, make_response, render_template, request
from werkzeug.exceptions import RequestEntityTooLarge

from app.appeals.photos import MAX_POST_BYTES
from app.appeals.service import AppealLocked
from app.errors import error_response
from app.integrations.storage import StorageError
from app.models import PUBLIC_ID, Appeal, IllegalTransition, appeal_by_public_id

bp = Blueprint("appeals", __name__)

NOT_FOUND = ("We couldn't find that appeal. Please check the link in your email, or find your "
             "appeal with its citation number and your email address at /appeals/find.")


def load_appeal(public_id: str) -> Appeal:
    """The appeal behind an unguessable id, or the 404 page; tags the request's logs with its city."""
    appeal = appeal_by_public_id(public_id)
    if appeal is None:
        abort(404, description=NOT_FOUND)
    g.city_slug = appeal.city_slug
    return appeal


def render_page(template: str, status: int = 200, **context):
    """A rendered page with its status (422 for a form to fix, 413/415 for a refused file)."""
    response = make_response(render_template(template, **context), status)
    if status >= 400:
        response.headers["Cache-Control"] = "no-store"
    return response


def problem(status: int, detail: str, *, headers: dict | None = None):
    """A branded error page that leads back to the appeal page, the driver's fallback."""
    public_id = (request.view_args or {}).get("public_id") or ""
    return error_response(status, detail, headers={"Cache-Control": "no-store", **(headers or {})},
                          template="appeals/problem.html",
                          public_id=public_id if PUBLIC_ID.match(public_id) else None)


@bp.url_value_preprocessor
def _upload_allowance(endpoint: str | None, values: dict | None) -> None:
    # URL preprocessors run before every before_request hook, including the CSRF check that
    # parses the form: the photo form may carry several 5 MB photos, more than the app-wide
    # MAX_CONTENT_LENGTH meant for one.
    if endpoint == "appeals.photos" and request.method == "POST":
        request.max_content_length = MAX_POST_BYTES


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(_exc):
    if request.endpoint in ("appeals.read_ticket", "appeals.read_ticket_api"):
        return problem(413, "That photo is larger than 5 MB. Please take a new photo of your "
                            "ticket at a lower resolution, or type its details instead.")
    return problem(413, "That upload is too large. Each photo can be at most 5 MB, and at "
                               "most 5 can be sent at once. Your appeal is saved.")


@bp.errorhandler(StorageError)
def _storage_down(_exc):
    return problem(503, "We couldn't store or read that file just now. Your appeal is saved; "
                        "please try again in a minute.", headers={"Retry-After": 30})


@bp.errorhandler(AppealLocked)
def _locked(exc: AppealLocked):
    return problem(409, str(exc))


@bp.errorhandler(IllegalTransition)
def _illegal(_exc: IllegalTransition):
    return problem(409, "Your appeal isn't at that step right now, so that can't be done. "
                               "Your appeal page shows where it is and what comes next.")
