from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lead_refinery.lib import workdays
from lead_refinery.lib.workdays import (
    EmptyCalendarError,
    WorkCalendar,
    add_working_days,
    add_working_hours,
    is_working_time,
    subtract_working_hours,
    working_days_between,
    working_hours_between,
)

UTC = timezone.utc
NY = ZoneInfo("America/New_York")
PARIS = ZoneInfo("Europe/Paris")
US_HOLIDAYS = workdays.us_federal_holidays([2025, 2026, 2027])
OFFICE = tuple((weekday, 8.0, 17.0) for weekday in range(5))
NY_CAL = WorkCalendar("America/New_York", OFFICE, US_HOLIDAYS)


def ny(*args):
    return datetime(*args, tzinfo=NY)


def paris(*args):
    return datetime(*args, tzinfo=PARIS)


def in_ny(value):
    return value.astimezone(NY).replace(tzinfo=None)


# --- calendar -------------------------------------------------------------------------------


def test_calendar_normalises_tuples_and_detects_empty():
    assert NY_CAL.attendances[0] == workdays.Attendance(0, 8.0, 17.0)
    assert not NY_CAL.is_empty
    assert WorkCalendar("UTC", ()).is_empty
    assert WorkCalendar("UTC", ((0, 9, 9), (1, 12, 12))).is_empty


@pytest.mark.parametrize(
    "attendances, message",
    [(((7, 8, 17),), "Weekday"), (((0, 17, 8),), "hours"), (((0, 8, 25),), "hours")],
)
def test_calendar_rejects_bad_attendances(attendances, message):
    with pytest.raises(ValueError, match=message):
        WorkCalendar("UTC", attendances)


def test_calendar_rejects_unknown_time_zone():
    with pytest.raises(ValueError, match="Unknown time zone"):
        WorkCalendar("Mars/Olympus_Mons", OFFICE)


def test_us_federal_holidays_include_observed_dates():
    assert date(2026, 11, 26) in US_HOLIDAYS  # Thanksgiving
    assert date(2026, 7, 3) in US_HOLIDAYS  # July 4th 2026 is a Saturday
    assert date(2027, 7, 5) in US_HOLIDAYS  # July 4th 2027 is a Sunday
    assert date(2026, 11, 27) not in US_HOLIDAYS  # the Friday after is not federal


# --- add_working_days -------------------------------------------------------------------------


def test_friday_afternoon_plus_three_days_is_wednesday_same_time():
    due = add_working_days(ny(2026, 3, 13, 16), 3, NY_CAL)
    assert due.tzinfo is not None and due.utcoffset() == timedelta(0)
    assert in_ny(due) == datetime(2026, 3, 18, 16)


def test_weekend_arrival_counts_from_monday_opening():
    assert in_ny(add_working_days(ny(2026, 3, 14, 10), 3, NY_CAL)) == datetime(2026, 3, 18, 17)
    assert in_ny(add_working_days(ny(2026, 3, 14, 10), 0.5, NY_CAL)) == datetime(
        2026, 3, 16, 12, 30
    )


def test_evening_arrival_counts_from_next_morning():
    assert in_ny(add_working_days(ny(2026, 3, 16, 20), 1, NY_CAL)) == datetime(2026, 3, 17, 17)
    assert in_ny(add_working_days(ny(2026, 3, 16, 6), 1, NY_CAL)) == datetime(2026, 3, 16, 17)


def test_zero_days_is_the_start_itself():
    start = ny(2026, 3, 14, 10)
    assert add_working_days(start, 0, NY_CAL) == start


def test_negative_days_rejected():
    with pytest.raises(ValueError, match="negative"):
        add_working_days(ny(2026, 3, 13, 16), -1, NY_CAL)


def test_thanksgiving_is_skipped():
    # Wednesday 16:00 + 1 day: Thursday is Thanksgiving, so Friday 16:00.
    assert in_ny(add_working_days(ny(2026, 11, 25, 16), 1, NY_CAL)) == datetime(2026, 11, 27, 16)
    assert working_hours_between(ny(2026, 11, 26, 0), ny(2026, 11, 27, 0), NY_CAL) == 0


def test_observed_july_fourth_is_skipped():
    # Thursday July 2nd 2026 10:00 + 1 day: Friday 3rd is the observed holiday.
    assert in_ny(add_working_days(ny(2026, 7, 2, 10), 1, NY_CAL)) == datetime(2026, 7, 6, 10)
    # 2027: Sunday July 4th is observed Monday 5th.
    assert in_ny(add_working_days(ny(2027, 7, 2, 10), 1, NY_CAL)) == datetime(2027, 7, 6, 10)


def test_naive_start_is_read_as_utc():
    aware = add_working_days(datetime(2026, 3, 13, 20, 0, tzinfo=UTC), 3, NY_CAL)
    assert add_working_days(datetime(2026, 3, 13, 20, 0), 3, NY_CAL) == aware


def test_lunch_break_is_not_working_time():
    cal = WorkCalendar("UTC", [(d, 8, 12) for d in range(5)] + [(d, 13, 17) for d in range(5)])
    start = datetime(2026, 3, 13, 16, tzinfo=UTC)  # Friday, 1 h of an 8 h day left
    assert add_working_days(start, 3, cal) == datetime(2026, 3, 18, 16, tzinfo=UTC)
    assert add_working_hours(start, 4, cal) == datetime(2026, 3, 16, 11, tzinfo=UTC)
    assert working_hours_between(
        datetime(2026, 3, 16, 11, tzinfo=UTC), datetime(2026, 3, 16, 14, tzinfo=UTC), cal
    ) == pytest.approx(2.0)


def test_short_friday_keeps_the_share_of_the_day():
    # Monday-Thursday 8-17, Friday 8-12: 10:00 on Friday is half the day done.
    cal = WorkCalendar("UTC", [(d, 8, 17) for d in range(4)] + [(4, 8, 12)])
    friday_10 = datetime(2026, 3, 13, 10, tzinfo=UTC)
    assert add_working_days(friday_10, 3, cal) == datetime(2026, 3, 18, 12, 30, tzinfo=UTC)
    # Thursday 12:30 is halfway through Thursday: 1 day later is Friday 10:00.
    thursday = datetime(2026, 3, 12, 12, 30, tzinfo=UTC)
    assert add_working_days(thursday, 1, cal) == friday_10
    assert working_days_between(thursday, friday_10, cal) == pytest.approx(1.0)


def test_date_limited_attendances():
    summer = date(2026, 7, 1), date(2026, 8, 31)
    cal = WorkCalendar(
        "UTC",
        [(d, 8, 17, None, date(2026, 6, 30)) for d in range(5)]
        + [(d, 8, 13, *summer) for d in range(5)]
        + [(d, 8, 17, date(2026, 9, 1), None) for d in range(5)],
    )
    assert add_working_days(datetime(2026, 6, 30, 8, tzinfo=UTC), 1, cal) == datetime(
        2026, 6, 30, 17, tzinfo=UTC
    )
    assert add_working_days(datetime(2026, 7, 1, 8, tzinfo=UTC), 1, cal) == datetime(
        2026, 7, 1, 13, tzinfo=UTC
    )
    assert working_hours_between(
        datetime(2026, 8, 31, tzinfo=UTC), datetime(2026, 9, 2, tzinfo=UTC), cal
    ) == pytest.approx(5 + 9)


def test_leaves_remove_time_and_shrink_the_day():
    leave = (datetime(2026, 3, 17, 12, tzinfo=UTC), datetime(2026, 3, 18, 8, tzinfo=UTC))
    cal = WorkCalendar("UTC", OFFICE, frozenset(), (leave,))
    monday = datetime(2026, 3, 16, 8, tzinfo=UTC)
    # Tuesday afternoon is off: Tuesday is worth 4/9 of a day.
    assert working_days_between(monday, datetime(2026, 3, 18, 8, tzinfo=UTC), cal) == pytest.approx(
        1 + 4 / 9
    )
    assert add_working_days(monday, 2, cal) == datetime(2026, 3, 18, 13, tzinfo=UTC)


# --- time zones and DST ---------------------------------------------------------------------


def test_new_york_spring_forward_keeps_office_hours():
    # DST starts Sunday 2026-03-08: Friday 16:00 EST + 1 day = Monday 16:00 EDT.
    due = add_working_days(ny(2026, 3, 6, 16), 1, NY_CAL)
    assert due == datetime(2026, 3, 9, 20, tzinfo=UTC)
    assert in_ny(due) == datetime(2026, 3, 9, 16)


def test_new_york_fall_back_keeps_office_hours():
    # DST ends Sunday 2026-11-01.
    due = add_working_days(ny(2026, 10, 30, 9), 2, NY_CAL)
    assert due == datetime(2026, 11, 3, 14, tzinfo=UTC)


def test_paris_dst_changes():
    cal = WorkCalendar("Europe/Paris", OFFICE, frozenset())
    # Spring forward Sunday 2026-03-29, fall back Sunday 2026-10-25.
    assert add_working_days(paris(2026, 3, 27, 16), 1, cal) == datetime(2026, 3, 30, 14, tzinfo=UTC)
    assert add_working_days(paris(2026, 10, 23, 16), 1, cal) == datetime(
        2026, 10, 26, 15, tzinfo=UTC
    )


def test_round_the_clock_calendar_counts_real_hours_on_dst_days():
    cal = WorkCalendar("Europe/Paris", [(d, 0, 24) for d in range(7)])
    assert working_hours_between(paris(2026, 3, 29), paris(2026, 3, 30), cal) == pytest.approx(23)
    assert working_hours_between(paris(2026, 10, 25), paris(2026, 10, 26), cal) == pytest.approx(25)
    assert working_days_between(paris(2026, 3, 29), paris(2026, 3, 30), cal) == pytest.approx(1)
    assert add_working_days(paris(2026, 3, 28), 2, cal) == paris(2026, 3, 30)


def test_result_depends_on_the_owner_time_zone():
    start = datetime(2026, 3, 16, 14, tzinfo=UTC)  # 10:00 New York, 15:00 Paris
    paris_cal = WorkCalendar("Europe/Paris", OFFICE)
    assert add_working_days(start, 1, NY_CAL) == datetime(2026, 3, 17, 14, tzinfo=UTC)
    assert add_working_days(start, 1, paris_cal) == datetime(2026, 3, 17, 14, tzinfo=UTC)
    assert add_working_hours(start, 3, NY_CAL) == datetime(2026, 3, 16, 17, tzinfo=UTC)
    assert add_working_hours(start, 3, paris_cal) == datetime(2026, 3, 17, 8, tzinfo=UTC)


def test_subtract_working_hours_goes_back_over_the_weekend():
    # 4 working hours before Monday 10:00: 2 h on Monday, the last 2 h of Friday.
    assert subtract_working_hours(ny(2026, 3, 16, 10), 4, NY_CAL) == ny(2026, 3, 13, 15)
    assert subtract_working_hours(ny(2026, 3, 16, 10), 0, NY_CAL) == ny(2026, 3, 16, 10)
    # From outside working time, counting starts at the previous closing time.
    assert subtract_working_hours(ny(2026, 3, 14, 12), 1, NY_CAL) == ny(2026, 3, 13, 16)
    # Thanksgiving (Thursday) is skipped.
    assert subtract_working_hours(ny(2026, 11, 27, 9), 2, NY_CAL) == ny(2026, 11, 25, 16)
    with pytest.raises(ValueError, match="negative"):
        subtract_working_hours(ny(2026, 3, 16, 10), -1, NY_CAL)


def test_subtract_working_hours_lands_on_an_opening_time():
    # The 4 hours end exactly at the opening: Tuesday 8:00, not Monday 17:00.
    assert subtract_working_hours(ny(2026, 3, 17, 12), 4, NY_CAL) == ny(2026, 3, 17, 8)


def test_subtract_working_hours_with_an_empty_calendar_raises():
    with pytest.raises(EmptyCalendarError, match="no working hours"):
        subtract_working_hours(datetime(2026, 1, 1, tzinfo=UTC), 1, WorkCalendar("UTC", ()))
    cal = WorkCalendar("UTC", [(d, 8, 17, date(2030, 1, 1)) for d in range(5)])
    with pytest.raises(EmptyCalendarError, match="before"):
        subtract_working_hours(datetime(2026, 1, 1, tzinfo=UTC), 1, cal)


# --- between ----------------------------------------------------------------------------------


def test_working_hours_between_over_a_weekend_and_reverse():
    start, end = ny(2026, 3, 13, 16), ny(2026, 3, 16, 10)
    assert working_hours_between(start, end, NY_CAL) == pytest.approx(3)
    assert working_hours_between(end, start, NY_CAL) == pytest.approx(-3)
    assert working_days_between(start, end, NY_CAL) == pytest.approx(3 / 9)


def test_is_working_time():
    assert is_working_time(ny(2026, 3, 16, 8), NY_CAL)
    assert not is_working_time(ny(2026, 3, 16, 17), NY_CAL)
    assert not is_working_time(ny(2026, 3, 14, 10), NY_CAL)
    assert not is_working_time(ny(2026, 11, 26, 10), NY_CAL)


# --- empty calendars --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "call",
    [
        lambda cal: add_working_days(datetime(2026, 1, 1, tzinfo=UTC), 1, cal),
        lambda cal: add_working_hours(datetime(2026, 1, 1, tzinfo=UTC), 1, cal),
        lambda cal: working_hours_between(
            datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 2, tzinfo=UTC), cal
        ),
    ],
)
def test_calendar_without_hours_raises_clear_error(call):
    with pytest.raises(EmptyCalendarError, match="no working hours"):
        call(WorkCalendar("UTC", ((0, 8, 8),)))


def test_calendar_whose_hours_all_expired_stops_searching():
    cal = WorkCalendar("UTC", [(d, 8, 17, None, date(2020, 12, 31)) for d in range(5)])
    assert not cal.is_empty
    with pytest.raises(EmptyCalendarError, match="no working time in the"):
        add_working_days(datetime(2026, 1, 1, tzinfo=UTC), 1, cal)
    assert issubclass(EmptyCalendarError, ValueError)


def test_long_leave_beyond_horizon_raises():
    leave = (datetime(2026, 1, 1, tzinfo=UTC), datetime(2031, 1, 1, tzinfo=UTC))
    cal = WorkCalendar("UTC", OFFICE, frozenset(), (leave,))
    with pytest.raises(EmptyCalendarError):
        add_working_hours(datetime(2026, 1, 1, tzinfo=UTC), 1, cal)


# --- properties -------------------------------------------------------------------------------

starts = st.datetimes(
    min_value=datetime(2025, 1, 1), max_value=datetime(2027, 6, 30), timezones=st.just(UTC)
)
amounts = st.floats(min_value=0.01, max_value=60, allow_nan=False, allow_infinity=False)
CALENDARS = [
    NY_CAL,
    WorkCalendar(
        "Europe/Paris", [(d, 9, 12.5) for d in range(5)] + [(d, 14, 18) for d in range(4)]
    ),
    WorkCalendar("Asia/Kolkata", [(d, 9.5, 18) for d in range(6)] + [(0, 20, 24)]),
]
calendars = st.sampled_from(CALENDARS)


@settings(max_examples=200, deadline=None)
@given(start=starts, a=amounts, b=amounts, cal=calendars)
def test_add_working_days_is_monotonic(start, a, b, cal):
    low, high = sorted((a, b))
    assert add_working_days(start, low, cal) <= add_working_days(start, high, cal)


@settings(max_examples=200, deadline=None)
@given(start=starts, days=amounts, cal=calendars)
def test_deadline_is_the_end_of_working_time(start, days, cal):
    due = add_working_days(start, days, cal)
    assert due > start
    # The deadline closes working time: the instant just before it is worked.
    assert is_working_time(due - timedelta(microseconds=1), cal)
    assert working_days_between(start, due, cal) == pytest.approx(days, abs=1e-6)


@settings(max_examples=200, deadline=None)
@given(start=starts, hours=st.floats(min_value=0.01, max_value=200), cal=calendars)
def test_add_working_hours_inverts_hours_between(start, hours, cal):
    due = add_working_hours(start, hours, cal)
    assert working_hours_between(start, due, cal) == pytest.approx(hours, abs=1e-6)
    assert is_working_time(due - timedelta(microseconds=1), cal)


@settings(max_examples=200, deadline=None)
@given(
    day=st.dates(min_value=date(2025, 1, 1), max_value=date(2027, 6, 30)),
    second=st.integers(min_value=1, max_value=9 * 3600 - 1),
    days=st.integers(min_value=1, max_value=30),
)
def test_whole_days_keep_the_clock_time_on_a_regular_calendar(day, second, days):
    if day.weekday() > 4 or day in US_HOLIDAYS:
        return
    start = datetime(day.year, day.month, day.day, 8, tzinfo=NY) + timedelta(seconds=second)
    due = add_working_days(start, days, NY_CAL).astimezone(NY)
    assert due.time() == start.time()
    assert due.date().weekday() < 5 and due.date() not in US_HOLIDAYS
    assert working_days_between(start, due, NY_CAL) == pytest.approx(days)


@settings(max_examples=200, deadline=None)
@given(start=starts, hours=st.floats(min_value=0.01, max_value=200), cal=calendars)
def test_subtract_working_hours_inverts_add_working_hours(start, hours, cal):
    due = add_working_hours(start, hours, cal)
    back = subtract_working_hours(due, hours, cal)
    assert back >= start
    assert working_hours_between(back, due, cal) == pytest.approx(hours, abs=1e-6)
    assert add_working_hours(back, hours, cal) == due
