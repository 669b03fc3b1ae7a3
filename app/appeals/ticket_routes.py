"""Photo first (§18): the ticket photo read into the start form, and the same as an API.

`POST /appeals/ticket` (the home page's first choice) answers the review page: the
fields read, highlighted and editable, the photo held for the appeal. When the reader is
slow, failing or full the same page comes back empty with one line saying so, and the
driver types. `POST /api/tickets/read` answers the reading as JSON and holds nothing.
Both are counted by the upload limit and answer a file as the photo step does (413, 415).
"""
from __future__ import annotations

from flask import jsonify, request

from app.appeals import ticket_reading
from app.appeals.blueprint import bp
from app.appeals.evidence import MAX_FILE_BYTES, Rejected
from app.appeals.forms import StartForm
from app.appeals.start_page import home_page, prefill, review_page
from app.cities import registry
from app.errors import error_response
from app.extensions import csrf
from app.resilience.limits import limited

NO_PHOTO = "Please choose a photo of your ticket, or type its details below."


def _photo() -> bytes | None:
    """The `photo` part's bytes (at most one byte past the limit, so size is still checked)."""
    upload = request.files.get("photo")
    if upload is None:
        return None
    return upload.stream.read(MAX_FILE_BYTES + 1)


@bp.post("/appeals/ticket")
@limited("appeal_writes")
@limited("upload")
def read_ticket():
    form = StartForm(registry.all())
    data = _photo()
    if not data:
        return home_page(form, 422, photo_error=NO_PHOTO)
    try:
        photo, result = ticket_reading.read_ticket(data)
    except Rejected as rejected:
        return home_page(form, rejected.status, photo_error=rejected.message)
    # Kept whether or not it was read: the driver continuing makes it exhibit 1 either way.
    form.ticket_photo.data = ticket_reading.hold_photo(photo)
    filled = prefill(form, result.reading)
    time_read = result.reading.issue_time.value if result.reading else None
    return review_page(form, read=filled, problem=result.problem,
                       time_read=time_read.strftime("%-I:%M %p") if time_read else None)


@bp.post("/api/tickets/read")
@csrf.exempt  # an API for clients without our form; it changes nothing and holds nothing
@limited("upload")
def read_ticket_api():
    data = _photo()
    if data is None:
        return error_response(422, "Send the photo as the multipart field `photo`.")
    try:
        _photo_file, result = ticket_reading.read_ticket(data)
    except Rejected as rejected:
        return error_response(rejected.status, rejected.message)
    if result.reading is None:
        return error_response(503, "The ticket could not be read right now (the reader is busy, "
                                   "slow or unavailable). Try again later, or type the fields.",
                              headers={"Retry-After": result.retry_after})
    answer = jsonify(result.reading.as_dict())
    answer.headers["Cache-Control"] = "no-store"
    return answer
