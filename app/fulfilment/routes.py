"""The `fulfilment` blueprint: the driver's copy of the letter, free, whenever it is signed.

Reached like every appeal page, only through the appeal's unguessable id; an id that is
not an appeal, or an appeal without a signed letter, gets the same 404 page. Building the
PDF takes a few hundred milliseconds of CPU, so the download counts against the same
per-address limit as the appeal pages' writes.
"""
from __future__ import annotations

from flask import Blueprint, abort, make_response

from app.config import current_settings
from app.errors import error_response
from app.fulfilment.appeal_letter import has_signed_letter
from app.fulfilment.letter_copy import letter_copy as build_copy
from app.fulfilment.letter_document import LetterNotPrintable
from app.integrations.storage import StorageError
from app.models import appeal_by_public_id
from app.resilience.limits import limited

bp = Blueprint("fulfilment", __name__)

NOT_FOUND = ("We couldn't find a signed letter for that appeal. Please check the link in your "
             "email; once your letter is signed, its copy is on your appeal page.")


@bp.get("/appeals/<public_id>/letter.pdf")
@limited("appeal_writes")
def letter_copy(public_id: str):
    appeal = appeal_by_public_id(public_id)
    if appeal is None or not has_signed_letter(appeal):
        abort(404, description=NOT_FOUND)
    try:
        pdf, file_name = build_copy(appeal)
    except LetterNotPrintable as exc:
        return _problem(public_id, 422, f"We couldn't make the PDF of your letter: {exc} "
                        f"Please write to {current_settings().support_email} and we'll sort it out.")
    except StorageError:
        return _problem(public_id, 503, "We couldn't read your letter's files just now. Please "
                                        "try again in a minute.", {"Retry-After": 30})
    response = make_response(pdf)
    response.mimetype = "application/pdf"
    response.headers["Content-Disposition"] = f'attachment; filename="{file_name}"'
    response.headers["Cache-Control"] = "no-store"
    return response


def _problem(public_id: str, status: int, detail: str, headers: dict | None = None):
    return error_response(status, detail, headers={"Cache-Control": "no-store", **(headers or {})},
                          template="appeals/problem.html", public_id=public_id)
