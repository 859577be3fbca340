"""Working-time arithmetic: SLA deadlines counted on a sales rep's calendar.

The ORM reads a ``resource.calendar`` (weekly attendances, public holidays,
leaves) and the owner's time zone into a :class:`WorkCalendar`; everything
here is plain data, so deadlines can be tested and benchmarked without Odoo.

What "N working days" means
---------------------------
Every working day is worth exactly one day, spread evenly over that day's
working hours (lunch breaks excluded). Being halfway through Monday's hours is
"half a day", whatever Monday's length. So:

* :func:`working_days_between` sums, day by day, the worked share of each day
  (the same measure Odoo reports as ``days`` in ``_get_days_data``);
* :func:`add_working_days` is its inverse: the *earliest* instant at which N
  working days have elapsed.

This is what a sales manager expects: with Monday-Friday 8:00-17:00 a lead
arriving Friday 16:00 with "3 working days" is due Wednesday 16:00 (the same
clock time three working days later), and a lead arriving on Saturday is due
Wednesday 17:00 (Monday, Tuesday and Wednesday, in full). Days of different
lengths keep the proportion: 10:00 on a Friday 8:00-12:00 (half the day) plus
3 days is Wednesday 12:30 when Wednesday runs 8:00-17:00. It differs from
Odoo's ``plan_days``, which returns the *end* of the Nth working day counting
the start day (Tuesday 17:00 in the first example), and from ``plan_hours``
with a fixed hours-per-day average, which drifts on short days.

Hours (warning lead times, grace periods) are real elapsed hours of working
time: :func:`add_working_hours`, :func:`subtract_working_hours`,
:func:`working_hours_between`.

Time zones: attendances are wall-clock hours in ``tz``; each local day is
converted to UTC on its own, so 8:00-17:00 stays 8:00-17:00 on both sides of
a DST change. Public holidays are local dates; leaves are UTC intervals and
remove the time they cover (a half-day leave makes that day worth half a day).

Every search is bounded (:data:`HORIZON_DAYS`): a calendar without working
time raises :class:`EmptyCalendarError` instead of looping.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache
from typing import NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

UTC = timezone.utc  # datetime.UTC needs Python 3.11; Odoo 18 runs on 3.10 too
#: How far ahead a deadline is searched for (a bit more than three years).
HORIZON_DAYS = 3 * 366 + 7
_US_PER_HOUR = 3_600_000_000
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ONE_US = timedelta(microseconds=1)
#: Rounding slack when comparing fractions of a day (about 0.1 ms).
_DAY_EPSILON = 1e-9


class EmptyCalendarError(ValueError):
    """The calendar has no working time, so no deadline can be computed."""


class Attendance(NamedTuple):
    """One weekly working slot, as on a ``resource.calendar.attendance``.

    ``weekday`` 0 is Monday; hours are local floats (8.5 is 8:30, 24 is
    midnight at the end of the day). ``date_from``/``date_to`` (inclusive)
    limit the slot to a period when set.
    """

    weekday: int
    hour_from: float
    hour_to: float
    date_from: date | None = None
    date_to: date | None = None


@dataclass(frozen=True, slots=True)
class WorkCalendar:
    """A rep's working time: weekly attendances, holidays, leaves, time zone.

    ``attendances`` accepts :class:`Attendance` values or plain tuples
    ``(weekday, hour_from, hour_to[, date_from, date_to])``. ``leaves`` are
    ``(start, end)`` datetimes in UTC (naive values are read as UTC, as Odoo
    stores them). The calendar caches each local day it has resolved, so
    build one per calendar and reuse it across leads.
    """

    tz: str
    attendances: tuple
    holidays: frozenset = frozenset()
    leaves: tuple = ()
    _zone: ZoneInfo = field(init=False, repr=False, compare=False)
    _by_weekday: tuple = field(init=False, repr=False, compare=False)
    _leaves_us: tuple = field(init=False, repr=False, compare=False)
    _days: dict = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        try:
            zone = ZoneInfo(self.tz)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(f"Unknown time zone {self.tz!r}.") from error
        attendances = tuple(Attendance(*slot) for slot in self.attendances)
        for slot in attendances:
            if not 0 <= slot.weekday <= 6:
                raise ValueError(f"Weekday must be 0 (Monday) to 6 (Sunday), got {slot.weekday}.")
            if not 0 <= slot.hour_from <= slot.hour_to <= 24:
                raise ValueError(
                    f"Attendance hours must satisfy 0 <= from <= to <= 24, "
                    f"got {slot.hour_from:g}-{slot.hour_to:g}."
                )
        leaves = tuple((as_utc(start), as_utc(end)) for start, end in self.leaves)
        by_weekday = tuple(tuple(a for a in attendances if a.weekday == wd) for wd in range(7))
        set_ = object.__setattr__
        set_(self, "attendances", attendances)
        set_(self, "holidays", frozenset(self.holidays))
        set_(self, "leaves", leaves)
        set_(self, "_zone", zone)
        set_(self, "_by_weekday", by_weekday)
        set_(self, "_leaves_us", tuple(sorted((_to_us(s), _to_us(e)) for s, e in leaves if e > s)))
        set_(self, "_days", {})

    @property
    def is_empty(self):
        """True when no attendance has any working hours (nothing can ever be due)."""
        return not any(slot.hour_to > slot.hour_from for slot in self.attendances)

    def day(self, ordinal):
        """Working intervals of a local day and that day's nominal length.

        Returns ``(intervals, day_us)``: ``intervals`` are sorted, disjoint
        ``(start, end)`` pairs in UTC microseconds since the epoch, holidays
        and leaves removed; ``day_us`` is the day's attendance length before
        holidays and leaves, the unit that makes the day worth one day.
        """
        cached = self._days.get(ordinal)
        if cached is None:
            if len(self._days) > 20_000:
                self._days.clear()
            cached = self._days[ordinal] = self._resolve_day(date.fromordinal(ordinal))
        return cached

    def _resolve_day(self, day):
        seconds = sorted(
            (round(slot.hour_from * 3600), round(slot.hour_to * 3600))
            for slot in self._by_weekday[day.weekday()]
            if slot.hour_to > slot.hour_from
            and (slot.date_from is None or slot.date_from <= day)
            and (slot.date_to is None or day <= slot.date_to)
        )
        merged = []
        for start, end in seconds:
            if merged and start <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end])
        midnight = datetime(day.year, day.month, day.day, tzinfo=self._zone)
        intervals = []
        for start, end in merged:
            # Wall-clock arithmetic, then the offset in force at that wall time.
            start_us = _to_us(midnight + timedelta(seconds=start))
            end_us = _to_us(midnight + timedelta(seconds=end))
            if end_us > start_us:
                intervals.append((start_us, end_us))
        day_us = sum(end - start for start, end in intervals)
        if not day_us or day in self.holidays:
            return (), day_us
        if self._leaves_us:
            intervals = _subtract(intervals, self._leaves_us)
        return tuple(intervals), day_us


def us_federal_holidays(years):
    """US federal holidays of the given years, with their observed dates.

    A holiday on a Saturday is observed the Friday before, on a Sunday the
    Monday after (July 4th 2026 is observed Friday July 3rd); both the actual
    and the observed date are returned.
    """
    return _us_federal_holidays(tuple(sorted(set(years))))


@lru_cache(maxsize=16)
def _us_federal_holidays(years):
    import holidays  # noqa: PLC0415 - optional dependency, only needed here

    return frozenset(holidays.country_holidays("US", years=years))


def add_working_days(start_utc, days, cal):
    """The earliest instant at which ``days`` working days have elapsed since ``start_utc``.

    See the module docstring for the definition. ``days`` may be fractional;
    0 returns ``start_utc`` itself. Returns an aware UTC datetime.
    """
    if days < 0:
        raise ValueError(f"Cannot plan a negative number of working days ({days}).")
    _check(cal)
    t = _to_us(as_utc(start_utc))
    if days == 0:
        return _from_us(t)
    remaining = float(days)
    first = _local_ordinal(t, cal)
    for ordinal in range(first, first + HORIZON_DAYS):
        intervals, day_us = cal.day(ordinal)
        for start, end in intervals:
            if end <= t:
                continue
            start = max(start, t)
            available = (end - start) / day_us
            if remaining <= available + _DAY_EPSILON:
                return _from_us(min(end, start + round(remaining * day_us)))
            remaining -= available
    raise _exhausted(cal, start_utc)


def add_working_hours(start_utc, hours, cal):
    """The instant at which ``hours`` hours of working time have elapsed since ``start_utc``."""
    if hours < 0:
        raise ValueError(f"Cannot plan a negative number of working hours ({hours}).")
    _check(cal)
    t = _to_us(as_utc(start_utc))
    remaining = round(hours * _US_PER_HOUR)
    if not remaining:
        return _from_us(t)
    first = _local_ordinal(t, cal)
    for ordinal in range(first, first + HORIZON_DAYS):
        for start, end in cal.day(ordinal)[0]:
            if end <= t:
                continue
            start = max(start, t)
            if remaining <= end - start:
                return _from_us(start + remaining)
            remaining -= end - start
    raise _exhausted(cal, start_utc)


def subtract_working_hours(end_utc, hours, cal):
    """The latest instant from which ``hours`` hours of working time remain until ``end_utc``.

    The backward twin of :func:`add_working_hours`: for an ``end_utc`` inside
    working time, ``add_working_hours(result, hours)`` is ``end_utc`` again.
    When the hours run out exactly at the start of a working interval, that
    start is returned (not the end of the previous interval), so a warning
    "4 working hours before" a deadline lands in working time.
    """
    if hours < 0:
        raise ValueError(f"Cannot go back a negative number of working hours ({hours}).")
    _check(cal)
    t = _to_us(as_utc(end_utc))
    remaining = round(hours * _US_PER_HOUR)
    if not remaining:
        return _from_us(t)
    last = _local_ordinal(t, cal)
    for ordinal in range(last, last - HORIZON_DAYS, -1):
        for start, end in reversed(cal.day(ordinal)[0]):
            if start >= t:
                continue
            end = min(end, t)
            if remaining <= end - start:
                return _from_us(end - remaining)
            remaining -= end - start
    raise EmptyCalendarError(
        f"The working calendar ({cal.tz}) has no working time in the {HORIZON_DAYS} days "
        f"before {end_utc:%Y-%m-%d %H:%M} UTC (holidays, leaves or date-limited attendances)."
    )


def working_hours_between(start_utc, end_utc, cal):
    """Hours of working time between two instants (negative when ``end`` is before ``start``)."""
    _check(cal)
    start, end = _to_us(as_utc(start_utc)), _to_us(as_utc(end_utc))
    if end < start:
        return -working_hours_between(end_utc, start_utc, cal)
    total = 0
    for ordinal in range(_local_ordinal(start, cal), _local_ordinal(end, cal) + 1):
        for lo, hi in cal.day(ordinal)[0]:
            lo, hi = max(lo, start), min(hi, end)
            if hi > lo:
                total += hi - lo
    return total / _US_PER_HOUR


def working_days_between(start_utc, end_utc, cal):
    """Working days between two instants, each day worth 1 over its working hours.

    The inverse of :func:`add_working_days`; negative when ``end`` is before ``start``.
    """
    _check(cal)
    start, end = _to_us(as_utc(start_utc)), _to_us(as_utc(end_utc))
    if end < start:
        return -working_days_between(end_utc, start_utc, cal)
    total = 0.0
    for ordinal in range(_local_ordinal(start, cal), _local_ordinal(end, cal) + 1):
        intervals, day_us = cal.day(ordinal)
        worked = 0
        for lo, hi in intervals:
            lo, hi = max(lo, start), min(hi, end)
            if hi > lo:
                worked += hi - lo
        if worked:
            total += worked / day_us
    return total


def is_working_time(when_utc, cal):
    """Whether an instant falls inside a working interval (start included, end excluded)."""
    t = _to_us(as_utc(when_utc))
    return any(start <= t < end for start, end in cal.day(_local_ordinal(t, cal))[0])


def _check(cal):
    if cal.is_empty:
        raise EmptyCalendarError(
            f"The working calendar ({cal.tz}) has no working hours: no deadline can be computed."
        )


def _exhausted(cal, start_utc):
    return EmptyCalendarError(
        f"The working calendar ({cal.tz}) has no working time in the {HORIZON_DAYS} days "
        f"after {start_utc:%Y-%m-%d %H:%M} UTC (holidays, leaves or date-limited attendances)."
    )


def as_utc(value):
    """An aware UTC datetime; naive values are UTC, as in Odoo's database."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def _to_us(value):
    return (value - _EPOCH) // _ONE_US


def _from_us(us):
    return _EPOCH + timedelta(microseconds=us)


def _local_ordinal(us, cal):
    return _from_us(us).astimezone(cal._zone).toordinal()


def _subtract(intervals, holes):
    """Intervals minus sorted holes, all as (start, end) microsecond pairs."""
    result = []
    for start, end in intervals:
        for hole_start, hole_end in holes:
            if hole_end <= start or hole_start >= end:
                continue
            if hole_start > start:
                result.append((start, hole_start))
            start = max(start, hole_end)
            if start >= end:
                break
        if start < end:
            result.append((start, end))
    return result
