"""The driver's own copy of the letter: the current version, dated as the city will see it.

An unmailed letter is dated today in the city's timezone (the day it would go out); once
it is mailed, the copy carries the date it was mailed, so it matches what the city holds.
"""
from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from app.cities import registry
from app.extensions import db
from app.fulfilment.appeal_letter import letter_pdf_for
from app.models import Appeal, Letter


def copy_date(appeal: Appeal) -> date:
    """The day the current letter was mailed, else today where the city is."""
    city = registry.get(appeal.city_slug)
    mailed_on = db.session.execute(
        db.select(Letter.mailed_on).filter_by(appeal_id=appeal.id,
                                              letter_version=appeal.letter_version)
    ).scalar_one_or_none()
    if mailed_on is not None:
        return mailed_on
    if appeal.mailed_at is not None:
        return appeal.mailed_at.astimezone(ZoneInfo(city.timezone)).date()
    return city.today()


def copy_file_name(appeal: Appeal) -> str:
    # citation numbers are normalised to letters and digits (app.cities.citations)
    safe = "".join(ch for ch in appeal.citation_number if ch.isascii() and ch.isalnum())
    return f"appeal-{safe or 'letter'}.pdf"


def letter_copy(appeal: Appeal) -> tuple[bytes, str]:
    """(PDF bytes, download file name); LetterNotPrintable when it cannot be built."""
    return letter_pdf_for(appeal, copy_date(appeal)), copy_file_name(appeal)
