"""Helpers for the tracking tests: mailed letters in the database and signed Lob deliveries."""
from __future__ import annotations

import datetime as dt
import secrets

from app.extensions import db
from app.models import Appeal, EmailOutbox, Letter, LetterEvent, OperatorAlert
from testkit.fakes.lob_events import event_body, lob_webhook_headers, make_lob_event
from testkit.fakes.lob_objects import example, new_id

LOB_SECRET = "lob_webhook_secret_for_tests"
LOB_ENV = dict(LOB_WEBHOOK_SECRET=LOB_SECRET)


def mailed_letter(app, *, mail_class: str = "standard", email: str = "driver@example.com") -> dict:
    """A paid appeal whose letter Lob has (status mailed); returns its ids and Lob's letter."""
    lob_letter = example("letter")
    lob_letter["id"] = new_id("ltr", 20)
    with app.app_context():
        appeal = Appeal(city_slug="sf", citation_number="912345678", email=email, status="mailed",
                        letter_text="To the SFMTA: I ask for a review.", letter_version=1,
                        mail_class=mail_class, price_cents=989, currency="usd",
                        paid_at=dt.datetime.now(dt.timezone.utc),
                        mailed_at=dt.datetime.now(dt.timezone.utc))
        db.session.add(appeal)
        db.session.flush()
        letter = Letter(appeal_id=appeal.id, letter_version=1, mail_class=mail_class, backend="lob",
                        status="mailed", idempotency_key=secrets.token_hex(16),
                        provider_letter_id=lob_letter["id"], mailed_on=dt.date.today())
        db.session.add(letter)
        db.session.commit()
        return {"public_id": appeal.public_id, "appeal_id": appeal.id, "letter_id": letter.id,
                "lob": lob_letter}


def lob_event(event_type: str, letter: dict, *, minutes: int = 0, event_id: str | None = None) -> dict:
    """A published-shape Lob event for `letter`, `minutes` after a fixed start."""
    at = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.timezone.utc) + dt.timedelta(minutes=minutes)
    return make_lob_event(event_type, letter, at=at, event_id=event_id)


def post_event(client, event: dict, secret: str = LOB_SECRET, timestamp=None, body: bytes | None = None):
    body = event_body(event) if body is None else body
    return client.post("/webhooks/lob", data=body, headers=lob_webhook_headers(body, secret, timestamp))


def letter_state(app, letter_id: int) -> dict:
    with app.app_context():
        letter = db.session.get(Letter, letter_id)
        appeal = db.session.get(Appeal, letter.appeal_id)
        events = db.session.execute(db.select(LetterEvent).filter_by(letter_id=letter_id)
                                    .order_by(LetterEvent.occurred_at)).scalars().all()
        return {"tracking": letter.tracking_status, "appeal": appeal.status,
                "tracking_number": letter.tracking_number,
                "events": [e.event_type for e in events], "event_ids": [e.provider_event_id for e in events]}


def emails_to(app, recipient: str) -> list[str]:
    """The templates queued for `recipient`, oldest first."""
    with app.app_context():
        return [m.template for m in db.session.execute(
            db.select(EmailOutbox).filter_by(recipient=recipient).order_by(EmailOutbox.id)).scalars()]


def alerts(app) -> list[str]:
    with app.app_context():
        return [a.key for a in db.session.execute(db.select(OperatorAlert)).scalars()]
