"""The first step's two pages: the home page (photograph the ticket, or type it in) and the
review of what a photo gave, prefilled. Both show the price and, once the city is known,
its example citation number and its process notes (§5.1)."""
from __future__ import annotations

from datetime import date

from app.appeals.blueprint import render_page
from app.appeals.forms import PLATE_STATES, StartForm
from app.appeals.service import format_price
from app.cities import registry
from app.cities.model import City
from app.config import current_settings
from app.integrations.ocr import TicketReading

# Start-form fields a reading can fill in, and the reading's field behind each.
READ_FIELDS = {"citation_number": "citation_number", "violation_date": "issue_date",
               "plate": "plate", "plate_state": "plate_state", "violation": "violation",
               "location": "location", "city": "city"}
KNOWN_STATES = frozenset(code for code, _ in PLATE_STATES)


def chosen_city(slug: str | None) -> City | None:
    """The city the driver picked, or None (never San Francisco standing in for a typo)."""
    if not slug:
        return None
    city, fallback = registry.lookup(slug)
    return None if fallback else city


def prices() -> dict[str, str]:
    settings = current_settings()
    return {"standard": format_price(settings.price_standard_cents, settings.appeal_currency),
            "certified": format_price(settings.price_certified_cents, settings.appeal_currency)}


def home_page(form: StartForm, status: int = 200, photo_error: str | None = None):
    return render_page("appeals/home.html", status, form=form, city=chosen_city(form.city.data),
                       prices=prices(), photo_error=photo_error)


def review_page(form: StartForm, status: int = 200, *, read: dict[str, bool] | None = None,
                problem: str | None = None, time_read: str | None = None):
    """`read`: for each field, whether the photo gave it (None: a re-shown form)."""
    return render_page("appeals/ticket_review.html", status, form=form,
                       city=chosen_city(form.city.data), prices=prices(), read=read,
                       problem=problem, time_read=time_read)


def prefill(form: StartForm, reading: TicketReading | None) -> dict[str, bool]:
    """Fill the form's empty fields with what was read; returns which fields were filled.

    The reader leaves doubtful fields empty, so every value here was read with confidence;
    a city the driver already chose is kept."""
    filled = dict.fromkeys(READ_FIELDS, False)
    if reading is None:
        return filled
    for name, source in READ_FIELDS.items():
        value = getattr(reading, source).value
        field = getattr(form, name)
        if value is None or field.data:
            continue
        if name == "plate_state" and value not in KNOWN_STATES:
            continue
        if name == "city" and chosen_city(value) is None:
            continue
        field.data = value if isinstance(value, (str, date)) else str(value)
        filled[name] = True
    return filled
