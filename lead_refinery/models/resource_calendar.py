from datetime import timedelta

from odoo import models

from ..lib import workdays

#: Public holidays and leaves read around "now" (deadlines look back to the
#: clock start and forward a few years at most).
_LEAVES_BEFORE = timedelta(days=2 * 366)
_LEAVES_AFTER = timedelta(days=4 * 366)


class ResourceCalendar(models.Model):
    _inherit = "resource.calendar"

    def _refinery_work_calendar(self, tz, company, now):
        """The calendar as the pure engine's :class:`~..lib.workdays.WorkCalendar`.

        Weekly attendances (lunch breaks, section lines and resource-specific
        slots left out; a two-week calendar uses its first week), the
        company's public holidays (``resource.calendar.leaves`` without a
        resource, on this calendar or on none) and, when the company is in
        the United States, the US federal holidays. Hours are read in ``tz``,
        the owner's time zone. Raises ValueError for an unknown time zone.
        """
        self.ensure_one()
        attendances = tuple(
            (
                int(slot.dayofweek),
                slot.hour_from,
                slot.hour_to,
                slot.date_from or None,
                slot.date_to or None,
            )
            for slot in self.attendance_ids
            if not slot.display_type
            and slot.day_period != "lunch"
            and not slot.resource_id
            and (not self.two_weeks_calendar or slot.week_type == "0")
        )
        leaves = self.env["resource.calendar.leaves"].search_read(
            [
                ("resource_id", "=", False),
                ("time_type", "=", "leave"),
                ("calendar_id", "in", [False, self.id]),
                ("company_id", "in", [False, company.id]),
                ("date_to", ">=", now - _LEAVES_BEFORE),
                ("date_from", "<=", now + _LEAVES_AFTER),
            ],
            ["date_from", "date_to"],
        )
        holidays = frozenset()
        if company.country_id.code == "US":
            holidays = workdays.us_federal_holidays(range(now.year - 3, now.year + 5))
        return workdays.WorkCalendar(
            tz,
            attendances,
            holidays,
            tuple((leave["date_from"], leave["date_to"]) for leave in leaves),
        )
