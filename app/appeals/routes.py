"""The driver's pages (§5): start, the appeal page, find my appeal, and the policy pages.

The other steps attach to the same blueprint from their own modules, imported here so
`create_app` registers them all through this one `bp`.
"""
from __future__ import annotations

import hashlib

from flask import abort, flash, g, redirect, request, url_for

from app.appeals import checkout_routes, letter_routes, photo_routes, ticket_routes  # noqa: F401  (attach views)
from app.appeals import status as appeal_status
from app.appeals.blueprint import NOT_FOUND, bp, render_page
from app.appeals.driver_notifications import send_appeal_link
from app.appeals.forms import FindForm, StartForm
from app.appeals.service import FieldProblem, start_appeal
from app.appeals.start_page import chosen_city, home_page, review_page
from app.appeals.ticket_reading import attach_held_photo
from app.cities import registry
from app.cities.citations import normalise
from app.database import DATABASE_DOWN
from app.errors import ServiceUnavailable
from app.extensions import db
from app.integrations.storage import file_storage
from app.models import appeal_by_public_id
from app.resilience.limits import limited

__all__ = ["bp"]

# The start form's facts beyond the citation number and its date.
FACTS = ("plate", "plate_state", "vehicle_make", "violation", "location", "notice_date")


@bp.get("/")
def home():
    form = StartForm(registry.all())
    city = chosen_city(request.args.get("city"))  # a link or the city chooser's GET
    if city is not None:
        form.city.data = city.slug
    return home_page(form)


@bp.post("/appeals")
@limited("appeal_writes")
def start():
    form = StartForm(registry.all())
    # A form that came from a photo is shown again as the review page, photo still held.
    again = review_page if form.ticket_photo.data else home_page
    if not form.validate():
        return again(form, 422)
    g.city_slug = form.city.data
    try:
        appeal, check = start_appeal(form.city.data, form.citation_number.data, form.violation_date.data,
                                     {name: getattr(form, name).data for name in FACTS})
    except FieldProblem as problem:
        getattr(form, problem.field).errors.append(problem.message)
        return again(form, 422)
    if form.ticket_photo.data and not attach_held_photo(appeal, form.ticket_photo.data, file_storage()):
        flash("We couldn't attach the photo of your ticket. Please add it again below.", "warning")
    if check.urgent:
        days = "today" if check.days_left == 0 else (
            "in 1 day" if check.days_left == 1 else f"in {check.days_left} days")
        flash(f"Hurry: the deadline to appeal is {days}. Let's get your letter out quickly.", "warning")
    return redirect(url_for("appeals.photos", public_id=appeal.public_id), 303)


@bp.get("/appeals/<public_id>")
def status(public_id: str):
    """The appeal page; when the database is down, the last snapshot seen in this process."""
    try:
        appeal = appeal_by_public_id(public_id)
        snap = appeal_status.snapshot(appeal) if appeal is not None else None
    except DATABASE_DOWN:
        _forget_session()
        snap = appeal_status.recall(public_id)
        if snap is None:
            raise ServiceUnavailable("We can't reach our records right now. Your appeal is saved; "
                                     "please try this page again in a minute.", retry_after=30)
        return render_page("appeals/status.html", s=snap, stale=True)
    if snap is None:
        abort(404, description=NOT_FOUND)
    g.city_slug = appeal.city_slug
    appeal_status.remember(snap)
    return render_page("appeals/status.html", s=snap, stale=False)


def _find_key() -> str:
    """email_user counts per address and citation; hashed so no address sits in the limiter."""
    email = (request.form.get("email") or "").strip().lower()
    citation = normalise(request.form.get("citation_number") or "")
    return "find:" + hashlib.sha256(f"{email}|{citation}".encode()).hexdigest()[:32]


@bp.route("/appeals/find", methods=["GET", "POST"])
@limited("appeal_writes", methods=["POST"])
@limited("email_ip", methods=["POST"])
@limited("email_user", key=_find_key, methods=["POST"])
def find():
    form = FindForm()
    if request.method == "GET":
        return render_page("appeals/find.html", form=FindForm(formdata=None),
                           sent=request.args.get("sent") == "1")
    if not form.validate():
        return render_page("appeals/find.html", 422, form=form, sent=False)
    send_appeal_link(form.citation_number.data, form.email.data)  # links from PUBLIC_BASE_URL
    # The same answer whether or not an appeal matched, so nobody can probe for appeals;
    # a redirect, so reloading the page asks for nothing again.
    return redirect(url_for("appeals.find", sent=1), 303)


@bp.get("/privacy")
def privacy():
    return render_page("pages/privacy.html")


@bp.get("/terms")
def terms():
    return render_page("pages/terms.html")


@bp.get("/refunds")
def refunds():
    return render_page("pages/refunds.html")


def _forget_session() -> None:
    try:
        db.session.rollback()
    except DATABASE_DOWN:  # the connection is gone; the session is discarded at teardown
        pass
