"""Paid appeals, the Lob stand-in and the mailing job's CLI for the mailing tests and drills."""
from __future__ import annotations

from datetime import date, timedelta

import httpx

from app.cities import registry
from app.cities.mailing import mail_options
from app.extensions import db
from app.integrations.mail.lob import LobMailer
from app.models import Appeal, AppealStatus, EmailOutbox, Letter, OperatorAlert
from app.models.base import utcnow
from testkit.fakes.lob_api import LobAPIServer

LOB_KEY = "test_lob_key"
LETTER = """Dear Sir or Madam:

I ask you to dismiss citation 912345678. The meter on Valencia Street was broken.

Sincerely,

Dana Driver"""


def lob_env(lob) -> dict:
    return {"MAIL_BACKEND": "lob", "LOB_API_KEY": LOB_KEY, "LOB_API_BASE": lob.api_base,
            "LOB_WEBHOOK_SECRET": "lob_webhook_test_secret"}


def short_timeouts(app) -> None:
    """The same Lob mailer with 1-second timeouts, so a hung Lob costs seconds, not minutes."""
    settings = app.extensions["settings"]
    app.extensions["letter_mailer"] = LobMailer(
        settings.lob_api_key, breaker=app.extensions["breakers"]["mail"],
        base_url=settings.lob_api_base, timeout=httpx.Timeout(1.0), call_budget_s=5.0)


def ticket_date(*, urgent: bool, mail_class: str = "standard", city: str = "sf") -> date:
    """A ticket date whose last day leaves the letter urgent (within the safety days) or not,
    and still reachable by `mail_class`, counted now."""
    found = registry.get(city)
    today = found.today()
    for days_ago in range(0, (found.deadline_days or 30) + 1):
        plan = mail_options(found, ticket_date=today - timedelta(days=days_ago),
                            now=utcnow()).plans[mail_class]
        if plan.can_make_it and plan.urgent == urgent:
            return today - timedelta(days=days_ago)
    raise AssertionError("no ticket date fits")


def paid_appeal(app, *, urgent: bool = False, mail_class: str = "standard", **changes) -> str:
    """A signed, paid appeal for San Francisco, made with the models; its public id."""
    with app.app_context():
        fields = dict(city_slug="sf", citation_number="912345678", email="dana@example.com",
                      status=AppealStatus.PAID, driver_name="Dana Driver", letter_text=LETTER,
                      letter_version=1, signature_name="Dana Driver", mail_class=mail_class,
                      price_cents=989 if mail_class == "standard" else 1989, currency="usd",
                      violation_date=ticket_date(urgent=urgent, mail_class=mail_class),
                      return_line1="1 Market St", return_city="San Francisco",
                      return_state="CA", return_zip="94105",
                      return_address="1 Market St\nSan Francisco, CA 94105", paid_at=utcnow())
        fields.update(changes)
        appeal = Appeal(**fields)
        db.session.add(appeal)
        db.session.commit()
        return appeal.public_id


def run_job(runner):
    return runner.invoke(args=["jobs", "run-once", "mail_letters"])


def letters(app) -> list[Letter]:
    with app.app_context():
        rows = db.session.execute(db.select(Letter).order_by(Letter.id)).scalars().all()
        db.session.expunge_all()
        return rows


def appeal_status(app, public_id: str) -> str:
    with app.app_context():
        return db.session.execute(db.select(Appeal.status).filter_by(public_id=public_id)).scalar_one()


def outbox(app, template: str) -> list[EmailOutbox]:
    with app.app_context():
        rows = db.session.execute(db.select(EmailOutbox).filter_by(template=template)).scalars().all()
        db.session.expunge_all()
        return rows


def alerts(app, prefix: str) -> list[OperatorAlert]:
    with app.app_context():
        rows = db.session.execute(db.select(OperatorAlert)
                                  .where(OperatorAlert.key.startswith(prefix))).scalars().all()
        db.session.expunge_all()
        return rows


def make_due(app) -> None:
    """Test set-up in place of waiting out the backoff: every open letter is due now."""
    with app.app_context():
        db.session.execute(db.update(Letter).where(Letter.status.in_(("queued", "mailing")))
                           .values(next_attempt_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()


class RateLimitedLob(LobAPIServer):
    """Answers 429 with Retry-After: 1 to the next `limited` requests, then as Lob does."""
    limited = 0

    def respond(self, request):
        if self.limited > 0:
            self.limited -= 1
            return 429, self.error_payload(429), {"Retry-After": "1"}
        return super().respond(request)
