"""Story, review and sign steps (§5.3, 5.5, 5.6). The letter itself is written by the
drafts blueprint (`POST /appeals/<id>/draft`); these pages send the driver there and back."""
from __future__ import annotations

from flask import flash, redirect, request, url_for

from app.appeals.blueprint import bp, load_appeal, render_page
from app.appeals.forms import MARKETING_WORDING, LetterForm, RefineForm, SignForm, StoryForm
from app.appeals.return_address import set_return_address
from app.appeals.service import FieldProblem, is_locked, save_letter, save_story
from app.appeals.signature import SignatureTooLarge, decode_png, save_signature
from app.config import current_settings
from app.extensions import db
from app.integrations.storage import file_storage
from app.models import AppealStatus
from app.resilience.limits import client_ip, limited

SOURCE_WORDS = {
    "ai": "Written by our AI writing assistant from your own words. Please check every detail.",
    "template": "Built from the city's letter template with your details, because our writing "
                "assistant wasn't available. Please read it and add anything in your own words.",
    "driver": "Written by you.",
}


def _to_status(appeal):
    flash("This appeal has been paid for, so its letter can no longer be changed.", "info")
    return redirect(url_for("appeals.status", public_id=appeal.public_id), 303)


@bp.route("/appeals/<public_id>/story", methods=["GET", "POST"])
@limited("appeal_writes", methods=["POST"])
def story(public_id: str):
    appeal = load_appeal(public_id)
    if is_locked(appeal):
        return _to_status(appeal)
    if request.method == "GET":
        return render_page("appeals/story.html", appeal=appeal, form=StoryForm(obj=appeal),
                           wording=MARKETING_WORDING)
    form = StoryForm()
    if not form.validate():
        return render_page("appeals/story.html", 422, appeal=appeal, form=form,
                           wording=MARKETING_WORDING)
    save_story(appeal, form.data, ip=client_ip(), user_agent=request.user_agent.string[:512])
    flash("Your details are saved. Now let's write your letter.", "info")
    return redirect(url_for("appeals.story", public_id=appeal.public_id, _anchor="write"), 303)


@bp.route("/appeals/<public_id>/review", methods=["GET", "POST"])
@limited("appeal_writes", methods=["POST"])
def review(public_id: str):
    appeal = load_appeal(public_id)
    if is_locked(appeal):
        return _to_status(appeal)
    if request.method == "POST":
        form = LetterForm()
        if form.validate():
            save_letter(appeal, form.letter_text.data)
            return redirect(url_for("appeals.sign", public_id=appeal.public_id), 303)
        return _review_page(appeal, form, 422)
    needs_words = appeal.status == AppealStatus.WRITING_NEEDED or not appeal.letter_text
    # With no letter yet, the driver's own story is the best place to start writing from.
    prefill = appeal.letter_text or (appeal.story if needs_words else "")
    return _review_page(appeal, LetterForm(letter_text=prefill))


def _review_page(appeal, form, status: int = 200):
    needs_words = appeal.status == AppealStatus.WRITING_NEEDED or not appeal.letter_text
    return render_page("appeals/review.html", status, appeal=appeal, form=form,
                       refine=RefineForm(), needs_words=needs_words,
                       source_words=SOURCE_WORDS.get(appeal.letter_source or ""),
                       ai_enabled=current_settings().ai_enabled)


@bp.route("/appeals/<public_id>/sign", methods=["GET", "POST"])
@limited("appeal_writes", methods=["POST"])
def sign(public_id: str):
    appeal = load_appeal(public_id)
    if is_locked(appeal):
        return _to_status(appeal)
    if not appeal.letter_text:
        flash("Your letter comes first: write or review it, then sign it here.", "info")
        return redirect(url_for("appeals.review", public_id=appeal.public_id), 303)
    if request.method == "GET":
        form = SignForm(obj=appeal, signature_name=appeal.signature_name or appeal.driver_name)
        return render_page("appeals/sign.html", appeal=appeal, form=form)
    form = SignForm()
    if not form.validate():
        return render_page("appeals/sign.html", 422, appeal=appeal, form=form)
    try:
        png = decode_png(form.signature_data.data) if form.signature_data.data else None
        # Set on the appeal here; save_signature commits it with the signature.
        set_return_address(appeal, line1=form.return_line1.data, line2=form.return_line2.data,
                           city=form.return_city.data, state=form.return_state.data,
                           zip_code=form.return_zip.data)
        save_signature(appeal, png, form.signature_name.data, file_storage())
    except FieldProblem as problem:
        db.session.rollback()
        getattr(form, problem.field).errors = [problem.message]
        status = 413 if isinstance(problem, SignatureTooLarge) else 422
        return render_page("appeals/sign.html", status, appeal=appeal, form=form)
    return redirect(url_for("appeals.checkout", public_id=appeal.public_id), 303)
