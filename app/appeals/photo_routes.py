"""Camera step: photos of the ticket and any evidence (§5.2)."""
from __future__ import annotations

from flask import flash, g, redirect, request, send_file, url_for

from app.appeals import photos as photo_store
from app.appeals.blueprint import bp, load_appeal, problem, render_page
from app.appeals.evidence import MAX_FILE_BYTES, Rejected
from app.appeals.forms import PhotosForm
from app.appeals.service import citation_check, ensure_editable, is_locked
from app.integrations.storage import file_storage
from app.resilience.limits import limited


def _chosen_files() -> list[tuple[str, bytes]]:
    """The files of this POST that are checked and stored: every part with data or a name.

    The upload limit's cost and the view both read this one list (kept on `g`), so every
    part that can be stored is counted, whatever its file name (a part with filename=""
    carries a file as well as one named "ticket.jpg").
    """
    if "chosen_files" not in g:
        g.chosen_files = []
        for upload in request.files.getlist("photos"):
            data = upload.stream.read(MAX_FILE_BYTES + 1)
            if data or upload.filename:
                g.chosen_files.append(((upload.filename or "")[:80], data))
    return g.chosen_files


def _upload_cost() -> int:
    """Each file counts as one upload against the hourly limit; an empty POST as one."""
    return max(1, len(_chosen_files()))


def _continuing() -> bool:
    """The page's main button ("Skip photos and continue" / "Continue") was pressed."""
    return request.form.get("then") == "story"


def _just_continuing() -> bool:
    """Continuing with no file chosen uploads nothing, so it is not counted as an upload."""
    return _continuing() and not _chosen_files()


def _page(appeal, form, status: int = 200, error: str | None = None):
    return render_page("appeals/photos.html", status, appeal=appeal, form=form, error=error,
                       check=citation_check(appeal), locked=is_locked(appeal))


@bp.route("/appeals/<public_id>/photos", methods=["GET", "POST"])
@limited("appeal_writes", methods=["POST"])
@limited("upload", methods=["POST"], cost=_upload_cost, exempt_when=_just_continuing)
def photos(public_id: str):
    """The form has two buttons: "Upload" stays on this page, the main one goes on to the
    story. Both store the files chosen, so a photo picked and then "skipped" is not lost."""
    appeal = load_appeal(public_id)
    form = PhotosForm()
    if request.method == "GET":
        return _page(appeal, form)
    files = _chosen_files()
    next_page = url_for("appeals.story" if _continuing() else "appeals.photos",
                        public_id=appeal.public_id)
    if not files and _continuing():
        return redirect(next_page, 303)
    ensure_editable(appeal)
    if not files:
        return _page(appeal, form, 422, "Please choose a photo to upload, or skip this step.")
    try:
        added = photo_store.add_photos(appeal, files, file_storage())
    except Rejected as rejected:
        return _page(appeal, form, rejected.status, rejected.message)
    flash("Photo added." if added == 1 else f"{added} photos added." if added else
          "That photo was already added.", "info")
    return redirect(next_page, 303)


@bp.get("/appeals/<public_id>/photos/<int:photo_id>")
def photo_file(public_id: str, photo_id: int):
    appeal = load_appeal(public_id)
    photo = photo_store.find_photo(appeal, photo_id)
    if photo is None:
        return problem(404, "That photo isn't part of this appeal.")
    try:
        handle = photo_store.open_photo(photo, file_storage())
    except FileNotFoundError:
        return problem(404, "That photo is no longer stored.")
    # Only the types every browser shows are served inline; PDF and HEIC are downloads.
    inline = photo.content_type in ("image/jpeg", "image/png", "image/webp")
    response = send_file(handle, mimetype=photo.content_type, as_attachment=not inline,
                         download_name=f"evidence-{photo.id}.{photo.storage_key.rsplit('.', 1)[-1]}")
    response.headers["Cache-Control"] = "private, max-age=600"
    return response


@bp.post("/appeals/<public_id>/photos/<int:photo_id>/delete")
@limited("appeal_writes")
def delete_photo(public_id: str, photo_id: int):
    appeal = load_appeal(public_id)
    photo = photo_store.find_photo(appeal, photo_id)
    if photo is not None:
        photo_store.remove_photo(appeal, photo, file_storage())
        flash("Photo removed.", "info")
    return redirect(url_for("appeals.photos", public_id=appeal.public_id), 303)
