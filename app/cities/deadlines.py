"""Transit planning: which mail classes still reach the city by its last day (§17).

Pure functions of the dates they are given. The chain, in business days (weekends and US
federal holidays, observed days included, are skipped):
  hand-over   the day the letter reaches the printer: today, in the city's timezone, if that
              is a business day before HANDOVER_CUTOFF, else the next business day;
  mailed      PRINTING_DAYS later (printed, handed to USPS);
  postmarked  the day it is mailed; Certified Mail adds ACCEPTANCE_DAYS for the USPS
              acceptance scan that proves the mailing date (an assumption: one business day);
  arrives     3 to 5 business days after the postmark, both classes.
A city counts either the postmark or the receipt; the class can make it when that date
falls on or before the last day to contest. `urgent` says the margin left is within the
safety days: such an appeal goes to the print queue if the provider still fails.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

from app.cities.model import DEADLINE_RULES

PRINTING_DAYS = 1
ACCEPTANCE_DAYS = 1
HANDOVER_CUTOFF = time(12, 0)  # later in the day, the printer starts on it the next business day
DEFAULT_SAFETY_DAYS = 3  # MAIL_SAFETY_DAYS


@dataclass(frozen=True)
class Transit:
    min_days: int
    max_days: int
    acceptance_days: int


TRANSIT = {"standard": Transit(3, 5, 0),  # USPS First Class
           "certified": Transit(3, 5, ACCEPTANCE_DAYS)}  # USPS Certified Mail


@dataclass(frozen=True)
class MailPlan:
    mail_class: str
    rule: str
    last_day: date
    handover: date
    postmarked: date
    earliest_arrival: date
    latest_arrival: date  # what the driver is shown: "expected by"
    counted: date  # the postmark or the latest arrival, per the city's rule
    can_make_it: bool
    margin_days: int  # calendar days from `counted` to the last day; negative: too late
    urgent: bool  # margin_days <= the safety days


@functools.lru_cache(maxsize=64)
def _federal_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.US(years=year))  # observed days included (July 3, Dec 31, …)


def warm_calendars(today: date) -> None:
    """Load this year's and next year's holidays now: the first load costs 0.3-1 s, which
    gunicorn pays once in the master (workers inherit it) instead of a driver's checkout."""
    for year in (today.year, today.year + 1):
        _federal_holidays(year)


def is_business_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _federal_holidays(day.year)


def add_business_days(day: date, count: int) -> date:
    """The `count`-th business day after `day` (`day` itself when count is 0)."""
    while count > 0:
        day += timedelta(days=1)
        count -= is_business_day(day)
    return day


def handover_day(now: datetime, timezone: str) -> date:
    """The first business day the printer works on a letter handed over at `now`."""
    local = _local(now, timezone)
    today = local.date()
    if is_business_day(today) and local.time() < HANDOVER_CUTOFF:
        return today
    return add_business_days(today, 1)


def plan_mailing(*, last_day: date, rule: str, now: datetime, timezone: str, mail_class: str,
                 safety_days: int = DEFAULT_SAFETY_DAYS) -> MailPlan:
    """When a letter of `mail_class` handed over at `now` is postmarked and arrives."""
    if rule not in DEADLINE_RULES:
        raise ValueError(f"the deadline rule must be one of {DEADLINE_RULES}, not {rule!r}")
    if mail_class not in TRANSIT:
        raise ValueError(f"the mail class must be one of {tuple(TRANSIT)}, not {mail_class!r}")
    transit = TRANSIT[mail_class]
    handover = handover_day(now, timezone)
    postmarked = add_business_days(handover, PRINTING_DAYS + transit.acceptance_days)
    latest = add_business_days(postmarked, transit.max_days)
    counted = postmarked if rule == "postmark" else latest
    margin = (last_day - counted).days
    return MailPlan(mail_class=mail_class, rule=rule, last_day=last_day, handover=handover,
                    postmarked=postmarked,
                    earliest_arrival=add_business_days(postmarked, transit.min_days),
                    latest_arrival=latest, counted=counted, can_make_it=margin >= 0,
                    margin_days=margin, urgent=margin <= safety_days)


def plan_all(*, last_day: date, rule: str, now: datetime, timezone: str,
             safety_days: int = DEFAULT_SAFETY_DAYS) -> dict[str, MailPlan]:
    """A plan per mail class; offer only those whose `can_make_it` is true."""
    return {mail_class: plan_mailing(last_day=last_day, rule=rule, now=now, timezone=timezone,
                                     mail_class=mail_class, safety_days=safety_days)
            for mail_class in TRANSIT}


def _local(now: datetime, timezone: str) -> datetime:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("`now` must carry its timezone: a naive time is ambiguous")
    try:
        return now.astimezone(ZoneInfo(timezone))
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown timezone {timezone!r}") from exc
