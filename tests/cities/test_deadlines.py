"""Transit planning on fixed dates around weekends, federal holidays and the year's end."""
from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from app.cities.deadlines import (add_business_days, handover_day, is_business_day,
                                      plan_all, plan_mailing)

LA = "America/Los_Angeles"


def at(year, month, day, hour=9, minute=0, tz=LA) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=ZoneInfo(tz))


def dates(plan):
    return plan.handover, plan.postmarked, plan.earliest_arrival, plan.latest_arrival


@pytest.mark.parametrize("now, standard, certified", [
    # an ordinary week; certified runs into Veterans Day (Wednesday Nov 11)
    (at(2026, 11, 2), (date(2026, 11, 2), date(2026, 11, 3), date(2026, 11, 6), date(2026, 11, 10)),
     (date(2026, 11, 2), date(2026, 11, 4), date(2026, 11, 9), date(2026, 11, 12))),
    # Friday afternoon, past the cut-off: the printer starts on Monday; Thanksgiving skipped
    (at(2026, 11, 20, 15), (date(2026, 11, 23), date(2026, 11, 24), date(2026, 11, 30), date(2026, 12, 2)),
     (date(2026, 11, 23), date(2026, 11, 25), date(2026, 12, 1), date(2026, 12, 3))),
    # handed over on a Saturday morning: Monday too
    (at(2026, 11, 21), (date(2026, 11, 23), date(2026, 11, 24), date(2026, 11, 30), date(2026, 12, 2)),
     (date(2026, 11, 23), date(2026, 11, 25), date(2026, 12, 1), date(2026, 12, 3))),
    # the day before Thanksgiving: printed Wednesday, mailed Friday
    (at(2026, 11, 25), (date(2026, 11, 25), date(2026, 11, 27), date(2026, 12, 2), date(2026, 12, 4)),
     (date(2026, 11, 25), date(2026, 11, 30), date(2026, 12, 3), date(2026, 12, 7))),
    # Christmas Eve: Christmas (Friday) and New Year's Day (Friday) both skipped, into 2027
    (at(2026, 12, 24), (date(2026, 12, 24), date(2026, 12, 28), date(2026, 12, 31), date(2027, 1, 5)),
     (date(2026, 12, 24), date(2026, 12, 29), date(2027, 1, 4), date(2027, 1, 6))),
    # July 4, 2026 is a Saturday, observed Friday July 3
    (at(2026, 7, 2), (date(2026, 7, 2), date(2026, 7, 6), date(2026, 7, 9), date(2026, 7, 13)),
     (date(2026, 7, 2), date(2026, 7, 7), date(2026, 7, 10), date(2026, 7, 14))),
    # July 4, 2027 is a Sunday, observed Monday July 5
    (at(2027, 7, 2), (date(2027, 7, 2), date(2027, 7, 6), date(2027, 7, 9), date(2027, 7, 13)),
     (date(2027, 7, 2), date(2027, 7, 7), date(2027, 7, 12), date(2027, 7, 14))),
    # 2027's year end: Christmas observed Friday Dec 24, New Year's Day observed Friday Dec 31
    (at(2027, 12, 23), (date(2027, 12, 23), date(2027, 12, 27), date(2027, 12, 30), date(2028, 1, 4)),
     (date(2027, 12, 23), date(2027, 12, 28), date(2028, 1, 3), date(2028, 1, 5))),
])
def test_postmark_and_arrival_dates_per_mail_class(now, standard, certified):
    plans = plan_all(last_day=date(2028, 12, 31), rule="receipt", now=now, timezone=LA)
    assert dates(plans["standard"]) == standard
    assert dates(plans["certified"]) == certified


def test_business_days_skip_weekends_and_observed_federal_holidays():
    assert not is_business_day(date(2026, 7, 3)) and not is_business_day(date(2027, 7, 5))
    assert not is_business_day(date(2027, 12, 31)) and not is_business_day(date(2026, 11, 26))
    assert is_business_day(date(2026, 11, 27)) and is_business_day(date(2026, 12, 24))
    assert add_business_days(date(2027, 12, 30), 1) == date(2028, 1, 3)
    assert add_business_days(date(2026, 11, 21), 0) == date(2026, 11, 21)


def test_the_cut_off_is_read_in_the_city_timezone():
    before_noon_in_la = datetime(2026, 11, 2, 19, 30, tzinfo=timezone.utc)  # 11:30 PST
    assert handover_day(before_noon_in_la, LA) == date(2026, 11, 2)
    assert handover_day(before_noon_in_la, "America/New_York") == date(2026, 11, 3)  # 14:30 EST
    assert handover_day(datetime(2026, 11, 2, 20, 30, tzinfo=timezone.utc), LA) == date(2026, 11, 3)
    # late on Sunday evening in Los Angeles is already Monday in UTC: still Monday's hand-over
    assert handover_day(datetime(2026, 11, 2, 7, 0, tzinfo=timezone.utc), LA) == date(2026, 11, 2)


@pytest.mark.parametrize("rule, last_day, standard, certified", [
    # receipt: counted at the latest arrival (standard Nov 10, certified Nov 12)
    ("receipt", date(2026, 11, 11), (True, 1, True), (False, -1, True)),
    ("receipt", date(2026, 11, 13), (True, 3, True), (True, 1, True)),
    ("receipt", date(2026, 11, 14), (True, 4, False), (True, 2, True)),
    # postmark: counted at the postmark (standard Nov 3, certified Nov 4)
    ("postmark", date(2026, 11, 4), (True, 1, True), (True, 0, True)),
    ("postmark", date(2026, 11, 3), (True, 0, True), (False, -1, True)),
    ("postmark", date(2026, 11, 10), (True, 7, False), (True, 6, False)),
])
def test_postmark_or_receipt_decides_what_is_offered_and_what_is_urgent(rule, last_day, standard,
                                                                        certified):
    plans = plan_all(last_day=last_day, rule=rule, now=at(2026, 11, 2), timezone=LA)
    for mail_class, expected in (("standard", standard), ("certified", certified)):
        plan = plans[mail_class]
        assert (plan.can_make_it, plan.margin_days, plan.urgent) == expected, mail_class
        assert plan.counted == (plan.postmarked if rule == "postmark" else plan.latest_arrival)


def test_the_safety_days_are_a_parameter():
    plan = plan_mailing(last_day=date(2026, 11, 14), rule="receipt", now=at(2026, 11, 2),
                        timezone=LA, mail_class="standard", safety_days=5)
    assert (plan.margin_days, plan.urgent) == (4, True)


@pytest.mark.parametrize("changes, message", [
    ({"now": datetime(2026, 11, 2, 9)}, "must carry its timezone"),
    ({"timezone": "Mars/Olympus_Mons"}, "unknown timezone"),
    ({"rule": "delivery"}, "deadline rule"),
    ({"mail_class": "express"}, "mail class"),
])
def test_bad_arguments_are_refused_by_name(changes, message):
    arguments = dict(last_day=date(2026, 11, 20), rule="receipt", now=at(2026, 11, 2),
                     timezone=LA, mail_class="standard") | changes
    with pytest.raises(ValueError, match=message):
        plan_mailing(**arguments)
