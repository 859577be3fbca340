import logging

from freezegun import freeze_time

from odoo import Command
from odoo.tests import tagged

from .common import FollowupCase, in_ny, ny

ESCALATION_LOGGER = "odoo.addons.lead_refinery.models.crm_lead_escalation"


@tagged("post_install", "-at_install")
class TestFollowupCalendar(FollowupCase):
    """Deadlines on the owner's working time: weekends, holidays, time zones."""

    def _deadline(self, when, **values):
        with freeze_time(when):
            lead = self._lead(**values)
        return in_ny(lead.sla_deadline) if lead.sla_deadline else False

    def test_weekend_arrival_counts_from_monday(self):
        # Saturday: Monday and Tuesday in full, due Tuesday at closing time.
        self.assertEqual(self._deadline(ny(2026, 3, 14, 11)), in_ny(ny(2026, 3, 17, 17)))
        # Friday 16:00: Friday's last hour, Monday, Tuesday until 16:00.
        self.assertEqual(self._deadline(ny(2026, 3, 13, 16)), in_ny(ny(2026, 3, 17, 16)))

    def test_us_federal_holiday_is_skipped_for_a_us_company(self):
        # Thanksgiving 2026 is Thursday November 26th; Friday the 27th is a working day.
        self.assertEqual(self._deadline(ny(2026, 11, 25, 10)), in_ny(ny(2026, 11, 30, 10)))
        self.company.country_id = self.env.ref("base.fr")
        self.assertEqual(self._deadline(ny(2026, 11, 25, 10)), in_ny(ny(2026, 11, 27, 10)))

    def test_public_holiday_leave_of_the_company_is_skipped(self):
        self.env["resource.calendar.leaves"].create(
            {
                "name": "Company day off",
                "calendar_id": False,
                "company_id": self.company.id,
                "date_from": ny(2026, 3, 17, 0),
                "date_to": ny(2026, 3, 17, 23, 59),
            }
        )
        self.assertEqual(self._deadline(ny(2026, 3, 16, 10)), in_ny(ny(2026, 3, 19, 10)))

    def test_rep_time_off_does_not_pause_the_clock(self):
        """Only company-wide days off count: a lead must not wait for a rep on holiday."""
        resource = self.env["resource.resource"].create(
            {"name": "Rob Rep", "user_id": self.rep2.id, "calendar_id": self.calendar.id}
        )
        self.env["resource.calendar.leaves"].create(
            {
                "name": "Rob's day off",
                "resource_id": resource.id,
                "date_from": ny(2026, 3, 17, 0),
                "date_to": ny(2026, 3, 17, 23, 59),
            }
        )
        self.assertEqual(
            self._deadline(ny(2026, 3, 16, 10), user_id=self.rep2.id), in_ny(ny(2026, 3, 18, 10))
        )

    def test_owner_time_zone(self):
        # Monday 16:00 in New York is 21:00 in Paris, after closing time there: a rep in
        # Paris gets Tuesday and Wednesday in full, due Wednesday 17:00 Paris (12:00 NY).
        self.rep2.tz = "Europe/Paris"
        self.assertEqual(self._deadline(ny(2026, 3, 16, 16)), in_ny(ny(2026, 3, 18, 16)))
        self.assertEqual(
            self._deadline(ny(2026, 3, 16, 16), user_id=self.rep2.id), in_ny(ny(2026, 3, 18, 12))
        )

    def test_rep_with_own_working_hours(self):
        part_time = self.env["resource.calendar"].create(
            {
                "name": "Monday to Wednesday",
                "tz": "America/New_York",
                "attendance_ids": [
                    Command.create(
                        {"name": str(day), "dayofweek": str(day), "hour_from": 8, "hour_to": 17}
                    )
                    for day in range(3)
                ],
            }
        )
        self.env["resource.resource"].create(
            {"name": "Rob Rep", "user_id": self.rep2.id, "calendar_id": part_time.id}
        )
        # Wednesday 10:00 + 2 working days of a Monday-Wednesday week: Tuesday 10:00.
        self.assertEqual(
            self._deadline(ny(2026, 3, 18, 10), user_id=self.rep2.id), in_ny(ny(2026, 3, 24, 10))
        )

    def test_rep_without_calendar_uses_the_company_hours_and_is_logged(self):
        self.assertFalse(self.rep.resource_calendar_id)
        with freeze_time(ny(2026, 3, 16, 10)):
            lead = self._lead()
        self.assertEqual(lead.sla_deadline, ny(2026, 3, 18, 10))
        # logging.INFO, not "INFO": Odoo names its level 25 "INFO" too.
        with self.assertLogs(ESCALATION_LOGGER, logging.INFO) as logs:
            self._run_cron(ny(2026, 3, 17, 15))
        self.assertIn(
            "Rita Rep has no working hours of their own; New York office used", logs.output[0]
        )

    def test_calendar_without_working_hours_is_logged_and_skipped(self):
        empty = self.env["resource.calendar"].create(
            {"name": "Nothing", "tz": "America/New_York", "attendance_ids": []}
        )
        self.env["resource.resource"].create(
            {"name": "Rob Rep", "user_id": self.rep2.id, "calendar_id": empty.id}
        )
        with freeze_time(ny(2026, 3, 16, 10)):
            lead = self._lead(user_id=self.rep2.id)
        self.assertFalse(lead.sla_deadline)
        self.assertEqual(lead.sla_next_check, ny(2026, 3, 16, 10), "the cron must see it")
        for when in (ny(2026, 3, 16, 11), ny(2026, 3, 25, 11)):
            with self.assertLogs(ESCALATION_LOGGER, "WARNING") as logs:
                self.assertEqual(self._run_cron(when), {"skipped": 1})
            self.assertIn("have no working time", logs.output[0])
        self.assertEqual(lead.user_id, self.rep2, "never reassigned on a calendar problem")
        self.assertFalse(lead.sla_event_ids)

    def test_company_without_calendar_is_logged_and_skipped(self):
        self.company.resource_calendar_id = False
        with freeze_time(ny(2026, 3, 16, 10)):
            lead = self._lead()
        with self.assertLogs(ESCALATION_LOGGER, "WARNING") as logs:
            self.assertEqual(self._run_cron(ny(2026, 3, 20, 11)), {"skipped": 1})
        self.assertIn("has working hours", logs.output[0])
        self.assertEqual(lead.user_id, self.rep)

    def test_unknown_owner_time_zone_is_logged_and_skipped(self):
        with freeze_time(ny(2026, 3, 16, 10)):
            lead = self._lead()
        self.env.cr.execute(
            "UPDATE res_partner SET tz = 'Mars/Olympus' WHERE id = %s", [self.rep.partner_id.id]
        )
        self.rep.invalidate_recordset()
        self.rep.partner_id.invalidate_recordset()
        with self.assertLogs(ESCALATION_LOGGER, "WARNING") as logs:
            self.assertEqual(self._run_cron(ny(2026, 3, 20, 11)), {"skipped": 1})
        self.assertIn("Unknown time zone", logs.output[0])
        self.assertEqual(lead.user_id, self.rep)

    def test_policy_by_team_grade_and_channel(self):
        email = self.env["utm.medium"].create({"name": "Trade show"})
        show = self.env["crm.sla.policy"].create(
            {"name": "Trade show", "medium_id": email.id, "first_response_days": 1}
        )
        grade_a = self.env["crm.sla.policy"].create(
            {"name": "Grade A", "grade": "A", "first_response_days": 0.5, "sequence": 5}
        )
        with freeze_time(ny(2026, 3, 16, 10)):
            lead = self._lead(team_id=False, medium_id=email.id)
            self.assertEqual(lead.sla_policy_id, show)
            lead.write({"expected_revenue": 90000, "probability": 80})
            self._end_transaction()
        self.assertEqual(lead.refinery_grade, "A")
        self.assertEqual(lead.sla_policy_id, grade_a)
        self.assertEqual(lead.sla_deadline, ny(2026, 3, 16, 15))  # half of an 8-hour day
        lead.team_id = self.team
        self._end_transaction()
        self.assertEqual(lead.sla_policy_id, self.policy, "the team's policy wins")
