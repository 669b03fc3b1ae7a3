"""What the checkout sells for an appeal: the mail classes that can still reach the city by
its last day, each with its price and date (§5.7, §17).

`app.cities.mailing.mail_options` decides which classes make it; this adds the appeal's
dates, the prices and the sentence that refuses a class the checkout does not offer, so a
forged form is refused with the same rule the page was drawn with.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from app.appeals.service import format_price
from app.cities import registry
from app.cities.deadlines import MailPlan
from app.cities.mailing import MailOptions, counted_as, mail_options, why_not
from app.cities.model import City, long_date
from app.models import Appeal

LABELS = {"standard": "Standard mail", "certified": "Certified mail with return receipt"}


@dataclass(frozen=True)
class Offer:
    """One mail class as the checkout shows it."""

    mail_class: str
    label: str
    price: str
    plan: MailPlan
    date_text: str  # the counted date: the latest arrival, or the postmark per the city's rule
    # "Arrives by December 9, 2026" (receipt cities) or "Postmarked by …" (postmark cities).
    when: str


@dataclass(frozen=True)
class CheckoutOffer:
    city: City
    options: MailOptions
    offers: tuple[Offer, ...]  # what can be bought, standard first; empty: no mail is sold
    missed: tuple[Offer, ...]  # the classes too slow for the last day (shown as not offered)
    why_not: str | None  # the plain sentence when nothing is sold

    @property
    def last_day_text(self) -> str | None:
        return long_date(self.options.last_day) if self.options.last_day else None

    def offered(self, mail_class: str | None) -> bool:
        return self.options.offers(mail_class)

    def default_class(self, chosen: str | None) -> str | None:
        """The driver's earlier choice while it still makes it, else the first on offer."""
        if self.offered(chosen):
            return chosen
        return self.offers[0].mail_class if self.offers else None

    def refusal(self, mail_class: str) -> str:
        """Why `mail_class` cannot be bought for this appeal (a forged or stale form)."""
        if self.why_not:
            return self.why_not
        label = LABELS.get(mail_class, "That mail class")
        choices = " or ".join(offer.label.lower() for offer in self.offers)
        return (f"{label} can no longer reach {self.city.name} by "
                f"{long_date(self.options.last_day)}, the last day to contest. Please choose "
                f"{choices}.")


def checkout_offer(appeal: Appeal, settings, *, now: datetime) -> CheckoutOffer:
    """The offer for an appeal handed to the printer at `now` (aware)."""
    city = registry.get(appeal.city_slug)
    options = mail_options(city, ticket_date=appeal.violation_date, notice_date=appeal.notice_date,
                           now=now, safety_days=settings.mail_safety_days)
    prices = {"standard": settings.price_standard_cents, "certified": settings.price_certified_cents}

    def offer(plan: MailPlan) -> Offer:
        return Offer(mail_class=plan.mail_class, label=LABELS[plan.mail_class],
                     price=format_price(prices[plan.mail_class], settings.appeal_currency),
                     plan=plan, date_text=long_date(plan.counted),
                     when=f"{counted_as(options.rule).capitalize()} {long_date(plan.counted)}")

    return CheckoutOffer(city=city, options=options, offers=tuple(map(offer, options.offered)),
                         missed=tuple(map(offer, options.missed)), why_not=why_not(city, options))
