"""Appeals: search, detail (letters and their tracking), the letter PDF and the photos.

Recording a letter as mailed happens on the print queue's page, with the day it was posted.
"""
from flask import Blueprint, abort, make_response, render_template, request, send_file

from app.admin import service
from app.admin.auth import audit, login_required
from app.admin.forms import SearchForm
from app.appeals import photos as photo_store
from app.cities import registry as cities
from app.fulfilment.appeal_letter import has_signed_letter
from app.fulfilment.letter_copy import letter_copy
from app.fulfilment.letter_document import LetterNotPrintable
from app.fulfilment.tracking import letters_of, timeline
from app.integrations.storage import StorageError, file_storage
from app.models import AppealStatus, appeal_by_public_id

bp = Blueprint("appeals", __name__, url_prefix="/appeals")


def _appeal_or_404(public_id: str):
    appeal = appeal_by_public_id(public_id)
    if appeal is None:
        abort(404, description="There is no appeal with that id.")
    return appeal


@bp.get("/")
@login_required
def index():
    form = SearchForm(request.args)
    status = request.args.get("status", "")
    appeals = service.search_appeals(form.q.data or "", status)
    statuses = list(AppealStatus)
    return render_template("admin/appeals.html", form=form, appeals=appeals, status=status,
                           statuses=statuses)


@bp.get("/<public_id>")
@login_required
def detail(public_id: str):
    appeal = _appeal_or_404(public_id)
    letters = [(letter, timeline(letter)) for letter in letters_of(appeal)]
    return render_template("admin/appeal_detail.html", appeal=appeal, letters=letters,
                           emails=service.appeal_emails(appeal), city=cities.get(appeal.city_slug),
                           printable=has_signed_letter(appeal))


@bp.get("/<public_id>/letter.pdf")
@login_required
def letter_pdf(public_id: str):
    appeal = _appeal_or_404(public_id)
    if not has_signed_letter(appeal):
        abort(404, description="This appeal has no signed letter yet.")
    try:
        pdf, file_name = letter_copy(appeal)
    except LetterNotPrintable as exc:
        abort(422, description=f"The letter's PDF can't be made: {exc}")
    except StorageError:
        abort(503, description="The letter's files can't be read just now; try again in a minute.")
    audit("letter_pdf", appeal=public_id)
    response = make_response(pdf)
    response.headers.update({"Content-Type": "application/pdf", "Cache-Control": "no-store",
                             "Content-Disposition": f'inline; filename="{file_name}"'})
    return response


@bp.get("/<public_id>/photos/<int:photo_id>")
@login_required
def photo(public_id: str, photo_id: int):
    appeal = _appeal_or_404(public_id)
    found = photo_store.find_photo(appeal, photo_id)
    if found is None:
        abort(404, description="That photo isn't part of this appeal.")
    try:
        handle = photo_store.open_photo(found, file_storage())
    except FileNotFoundError:
        abort(404, description="That photo is no longer stored.")
    # Only the types every browser shows are served inline; PDF and HEIC are downloads.
    inline = found.content_type in ("image/jpeg", "image/png", "image/webp")
    response = send_file(handle, mimetype=found.content_type, as_attachment=not inline,
                         download_name=f"{found.kind}-{found.id}.{found.storage_key.rsplit('.', 1)[-1]}")
    response.headers["Cache-Control"] = "no-store"
    return response
