"""An appeal at the payment step, made with the models, for the tests and the benchmark."""
from __future__ import annotations

from datetime import timedelta

from app.extensions import db
from app.models import Appeal
from app.models.base import utcnow


def make_appeal(app, *, status: str = "awaiting_payment", email: str = "driver@example.com",
                **values) -> str:
    """An appeal at the payment step, created with the models; returns its public id."""
    # Dated like a ticket started today (the start step always records it): the checkout
    # sells mail only when it can count the days to the city's deadline.
    fields = dict(city_slug="sf", citation_number="912345678", email=email, status=status,
                  violation_date=(utcnow() - timedelta(days=2)).date(),
                  letter_text="To the SFMTA: I ask for a review of this citation.",
                  letter_version=1, mail_class="standard", price_cents=989, currency="usd")
    fields.update(values)
    with app.app_context():
        appeal = Appeal(**fields)
        db.session.add(appeal)
        db.session.commit()
        return appeal.public_id
