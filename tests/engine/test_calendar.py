"""Working calendars: cumulative working time, deadlines, holidays, make-up days, lunch."""
from __future__ import annotations

import datetime as dt

import pytest

from compliance.check.program import CalendarInfo
from compliance.engine.calendar import CalendarError, SiteDays, WorkCalendar
from compliance.syntax.ast import NO_SPAN, Hours

H = 3600


def office(first=dt.date(2024, 1, 1), last=dt.date(2024, 12, 31), site=None):
    info = CalendarInfo("office", [Hours(("workdays", None), [(8 * H, 12 * H), (13 * H, 17 * H)], NO_SPAN)],
                        "china", 8 * H)
    return WorkCalendar(info, first, last, site)


def span(cal, a, b):
    return cal.cumulative(a) - cal.cumulative(b)


def test_lunch_break_is_not_working_time():
    cal = office()
    assert span(cal, dt.datetime(2024, 5, 6, 14), dt.datetime(2024, 5, 6, 11)) == 2 * H


def test_may_day_holiday_is_skipped_and_make_up_saturday_counts():
    cal = office()
    # Tue 2024-04-30 16:00 + 8 working hours: 1 h on Apr 30, May 1-5 off, 7 h on Mon May 6
    assert cal.deadline(dt.datetime(2024, 4, 30, 16), 8 * H) == dt.datetime(2024, 5, 6, 16)
    # Fri 2024-05-10 16:00: Saturday 2024-05-11 is a make-up working day
    assert cal.deadline(dt.datetime(2024, 5, 10, 16), 8 * H) == dt.datetime(2024, 5, 11, 16)
    # an ordinary Saturday is not
    assert cal.deadline(dt.datetime(2024, 5, 17, 16), 8 * H) == dt.datetime(2024, 5, 20, 16)


def test_deadline_at_the_end_of_a_day_stays_on_that_day():
    cal = office()
    assert cal.deadline(dt.datetime(2024, 5, 6, 8), 8 * H) == dt.datetime(2024, 5, 6, 17)


def test_site_overrides():
    site = SiteDays(holidays={dt.date(2024, 5, 6)}, workdays={dt.date(2024, 5, 18)})
    cal = office(site=site)
    assert cal.deadline(dt.datetime(2024, 4, 30, 16), 8 * H) == dt.datetime(2024, 5, 7, 16)
    assert cal.deadline(dt.datetime(2024, 5, 17, 16), 8 * H) == dt.datetime(2024, 5, 18, 16)


def test_year_without_data_is_an_error_unless_the_site_supplies_it():
    with pytest.raises(CalendarError, match="2031"):
        office(dt.date(2031, 1, 1), dt.date(2031, 12, 31))
    office(dt.date(2031, 1, 1), dt.date(2031, 12, 31), SiteDays(years={2031}))
