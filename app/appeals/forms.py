"""The driver's forms (Flask-WTF: every one carries a CSRF token).

Messages are plain sentences shown next to their field; the routes answer 422 when a form
does not validate.
"""
from __future__ import annotations

import us
from flask_wtf import FlaskForm
from wtforms import (BooleanField, DateField, EmailField, HiddenField, RadioField, SelectField,
                     StringField, TextAreaField)
from wtforms.validators import (DataRequired, Email, InputRequired, Length, Optional, Regexp,
                                ValidationError)

STORY_MAX = 2000
LETTER_MAX = 8000
# Shown beside the marketing box; the audit log records which wording the driver saw.
MARKETING_WORDING_VERSION = "marketing-2025-01"
MARKETING_WORDING = ("Email me occasional tips and offers from Fight City Tickets. "
                     "I can unsubscribe at any time.")


def _strip(value):
    """Trim, and count a line break as one character, as the browser's maxlength does."""
    return value.replace("\r\n", "\n").strip() if isinstance(value, str) else value


class CountedLength(Length):
    """Length whose message says how long the text is, so the driver knows how much to cut."""

    def __call__(self, form, field):
        text = field.data or ""
        if len(text) > self.max:
            raise ValidationError(f"This is {len(text):,} characters; please keep it to "
                                  f"{self.max:,} or fewer.")


# The state on a plate: the fifty states, DC and the territories (postal codes).
PLATE_STATES = tuple((s.abbr, f"{s.abbr} — {s.name}") for s in
                     sorted(us.states.STATES_AND_TERRITORIES, key=lambda s: s.abbr))


def _capitals(value):
    return value.strip().upper() if isinstance(value, str) else value


class StartForm(FlaskForm):
    """The ticket's facts the city needs (§5.1); the photo path arrives here prefilled."""

    city = SelectField("City that issued the ticket", validators=[DataRequired("Please choose a city.")])
    citation_number = StringField("Citation number", filters=[_strip], validators=[
        DataRequired("Please enter the citation number from your ticket."), Length(max=40)])
    violation_date = DateField("Date on the ticket", validators=[
        InputRequired("Please enter the date on your ticket.")])
    plate = StringField("License plate", filters=[_capitals], validators=[
        DataRequired("Please enter the license plate shown on the ticket."), Length(max=10),
        Regexp(r"^[A-Z0-9][A-Z0-9 -]*$", message="Use only letters, numbers, spaces and dashes.")])
    plate_state = SelectField("State on the plate", choices=[("", "Choose a state…"), *PLATE_STATES],
                              validators=[DataRequired("Please choose the state on the license plate.")])
    vehicle_make = StringField("Vehicle make (optional)", filters=[_strip], validators=[
        Optional(), Length(max=40)])
    violation = StringField("Violation code or description", filters=[_strip], validators=[
        DataRequired("Please enter the violation code or description printed on the ticket."),
        Length(max=200)])
    location = StringField("Where the ticket was given", filters=[_strip], validators=[
        DataRequired("Please enter the street or place printed on the ticket."), Length(max=200)])
    notice_date = DateField("Date on the later notice (optional)", validators=[Optional()])
    # The key of a ticket photo read on the previous page, attached as exhibit 1.
    ticket_photo = HiddenField(validators=[Optional(), Length(max=64)])

    def __init__(self, cities, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # No city is preselected: a wrong default would send the letter to the wrong city.
        self.city.choices = [("", "Choose a city…")] + [(c.slug, c.name) for c in cities]


class PhotosForm(FlaskForm):
    """Only the CSRF token: the files are read from request.files and checked by their bytes."""


class StoryForm(FlaskForm):
    story = TextAreaField("What happened?", filters=[_strip], validators=[
        DataRequired("Please tell us what happened, in your own words."), CountedLength(max=STORY_MAX)])
    driver_name = StringField("Your full name", filters=[_strip], validators=[
        DataRequired("Please enter your full name."), Length(max=120)])
    email = EmailField("Email", filters=[_strip], validators=[
        DataRequired("Please enter your email address."), Length(max=254),
        Email("Please enter an email address like name@example.com.", check_deliverability=False)])
    plate = StringField("License plate (optional)", filters=[_strip], validators=[
        Optional(), Length(max=16),
        Regexp(r"^[A-Za-z0-9 -]+$", message="Use only letters, numbers, spaces and dashes.")])
    marketing = BooleanField(MARKETING_WORDING, default=False)


class LetterForm(FlaskForm):
    letter_text = TextAreaField("Your letter", filters=[_strip], validators=[
        DataRequired("Please write your letter before continuing."), CountedLength(max=LETTER_MAX)])


class RefineForm(FlaskForm):
    instructions = StringField("What should change?", filters=[_strip], validators=[
        Optional(), Length(max=500)])


# A mailing address's state: the postal codes of the states, DC and the territories, and
# the military "states" (Armed Forces Americas, Europe, Pacific), which `us` does not list.
MAILING_STATES = frozenset({code for code, _ in PLATE_STATES} | {"AA", "AE", "AP"})


def _upper(value):
    return _strip(value).upper() if isinstance(value, str) else value


def _us_state(_form, field):
    if field.data and field.data not in MAILING_STATES:
        raise ValidationError("Please enter the two-letter state code, like CA or NY.")


class SignForm(FlaskForm):
    """The return address in the parts a mail provider needs (Lob: 64 characters a line),
    then the signature: drawn (signature_data) or typed."""
    return_line1 = StringField("Street address", filters=[_strip], validators=[
        DataRequired("Please enter your street address."),
        Length(max=64, message="Please keep each address line to 64 characters.")])
    return_line2 = StringField("Apartment, suite or unit (optional)", filters=[_strip], validators=[
        Optional(), Length(max=64, message="Please keep each address line to 64 characters.")])
    return_city = StringField("City", filters=[_strip], validators=[
        DataRequired("Please enter your city."), Length(max=64)])
    return_state = StringField("State", filters=[_upper], validators=[
        DataRequired("Please enter your state."), _us_state])
    return_zip = StringField("ZIP code", filters=[_strip], validators=[
        DataRequired("Please enter your ZIP code."),
        Regexp(r"^\d{5}(-?\d{4})?$", message="Please enter a 5-digit ZIP code, or ZIP+4 like 94105-1234.")])
    signature_data = HiddenField()
    signature_name = StringField("Type your full name", filters=[_strip], validators=[
        Optional(), Length(min=2, max=120, message="Please type your full name.")])


class CheckoutForm(FlaskForm):
    mail_class = RadioField("How should we mail it?", default="standard",
                            choices=[("standard", "Standard mail"),
                                     ("certified", "Certified mail with return receipt")],
                            validators=[InputRequired("Please choose how we should mail your letter.")])
    return_address = TextAreaField("Your return address", filters=[_strip], validators=[
        DataRequired("Please confirm your mailing address."), Length(max=400)])


class FindForm(FlaskForm):
    citation_number = StringField("Citation number", filters=[_strip], validators=[
        DataRequired("Please enter the citation number."), Length(max=40)])
    email = EmailField("Email you used", filters=[_strip], validators=[
        DataRequired("Please enter your email address."), Length(max=254),
        Email("Please enter an email address like name@example.com.", check_deliverability=False)])
