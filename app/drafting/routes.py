"""Letter drafting endpoints: 202 + poll URL (§5 step 4, §6).

`POST /appeals/<id>/draft` accepts a form post (CSRF token in the form) or JSON (CSRF token
in the `X-CSRFToken` header). JSON clients get 202 with `Location` pointing at
`GET /appeals/<id>/draft`, which reports queued/running/done/failed; a form post is
redirected there (303), so reloading the page never asks for another letter. HTML clients
get a page that refreshes itself (a meta refresh: the CSP forbids inline scripts).
"""
from __future__ import annotations

from flask import (Blueprint, abort, flash, jsonify, make_response, redirect, render_template,
                   request, url_for)

from app.drafting import service
from app.drafting.status_notes import system_status_notes
from app.errors import error_response, wants_json
from app.integrations.ai import letter_writer
from app.models import Appeal, appeal_by_public_id
from app.observability.requests import current_request_id
from app.resilience.limits import (DEFAULT_MESSAGE, client_ip, count_rejection, hit_shared_limit,
                                   per_ip)

bp = Blueprint("drafts", __name__)


def _appeal_or_404(public_id: str) -> Appeal:
    appeal = appeal_by_public_id(public_id)
    if appeal is None:
        abort(404, "We could not find that appeal. Please check the link in your email.")
    return appeal


def _review_url(public_id: str) -> str:
    return f"{request.script_root}/appeals/{public_id}/review"


def _instructions() -> str | None:
    if request.is_json:
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            abort(400, "Please send a JSON object, for example {\"instructions\": \"...\"}.")
        value = body.get("instructions")
    else:
        value = request.form.get("instructions")
    if value is not None and not isinstance(value, str):
        abort(422, "The requested changes must be text.")
    return value


@bp.post("/appeals/<public_id>/draft")
def start(public_id: str):
    wait = hit_shared_limit("appeal_writes", per_ip())
    if wait:
        count_rejection("appeal_writes")
        return error_response(429, DEFAULT_MESSAGE, headers={"Retry-After": wait})
    appeal = _appeal_or_404(public_id)
    instructions = _instructions()
    # A form or body with an `instructions` field (even empty) refines the current letter;
    # without one (the story page's "Write my letter") the letter is written afresh.
    kind = "refine" if instructions is not None and appeal.letter_text else "draft"
    try:
        ai_request = service.request_draft(appeal, kind=kind, instructions=instructions,
                                            client_ip=client_ip(),
                                            http_request_id=current_request_id())
    except service.TokenBudgetExhausted as exc:
        if wants_json():
            return error_response(429, exc.message, headers={"Retry-After": exc.retry_after})
        flash(exc.message, "info")
        return redirect(_review_url(public_id), 303)
    except service.DraftError as exc:
        headers = {"Retry-After": exc.retry_after} if exc.retry_after else None
        return error_response(exc.status, exc.message, headers=headers)

    poll_url = url_for("drafts.status", public_id=public_id)
    if not wants_json():
        # Post/redirect/get: the page the driver watches (and may reload) is the GET.
        return redirect(poll_url, 303)
    view = service.describe(appeal, ai_request)
    response = jsonify(_as_json(public_id, view, request_id=ai_request.public_id))
    response.status_code = 202
    response.headers["Location"] = poll_url
    return response


@bp.get("/appeals/<public_id>/draft")
def status(public_id: str):
    appeal = _appeal_or_404(public_id)
    ai_request = service.latest_request(appeal)
    poll_url = url_for("drafts.status", public_id=public_id)
    if ai_request is None:
        if wants_json():
            return error_response(404, "No letter has been requested for this appeal yet.")
        return render_template("drafts/start.html", appeal=appeal, notes=system_status_notes(),
                               review_url=_review_url(public_id))
    view = service.describe(appeal, ai_request)
    if wants_json():
        return jsonify(_as_json(public_id, view, request_id=ai_request.public_id))
    response = make_response(render_template("drafts/status.html", appeal=appeal, view=view,
                                              poll_url=poll_url, review_url=_review_url(public_id),
                                              can_rewrite=letter_writer().enabled))
    response.headers["Cache-Control"] = "no-store"
    return response


def _as_json(public_id: str, view: service.DraftView, *, request_id: str) -> dict:
    body = {
        "state": view.state,
        "kind": view.kind,
        "request_id": request_id,
        "poll_url": url_for("drafts.status", public_id=public_id),
        "run_at": view.run_at.isoformat() if view.run_at else None,
        "message": view.message,
        "appeal_status": view.appeal_status,
        "system_status": view.notes,
    }
    if view.state in ("done", "failed"):
        body.update(outcome=view.outcome, review_url=_review_url(public_id))
    if view.state == "done":
        body.update(letter=view.letter, source=view.source)
    return body
