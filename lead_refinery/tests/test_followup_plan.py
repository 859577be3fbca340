from datetime import date

from freezegun import freeze_time

from odoo import Command
from odoo.tests import tagged

from .common import FollowupCase, ny


@tagged("post_install", "-at_install")
class TestFollowupContactPlan(FollowupCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.call = cls.env.ref("mail.mail_activity_data_call")
        cls.email = cls.env.ref("mail.mail_activity_data_email")
        cls.todo = cls.env.ref("mail.mail_activity_data_todo")
        cls.plan = cls.env["crm.contact.plan"].create(
            {
                "name": "East: call, email, call, check",
                "step_ids": [
                    Command.create(
                        {"sequence": 1, "offset_days": 0, "activity_type_id": cls.call.id}
                    ),
                    Command.create(
                        {
                            "sequence": 2,
                            "offset_days": 2,
                            "activity_type_id": cls.email.id,
                            "summary": "Send the case study",
                        }
                    ),
                    Command.create(
                        {"sequence": 3, "offset_days": 5, "activity_type_id": cls.call.id}
                    ),
                    Command.create(
                        {"sequence": 4, "offset_days": 6, "activity_type_id": cls.todo.id}
                    ),
                ],
            }
        )
        cls.policy.contact_plan_id = cls.plan

    def _plan_steps(self, lead):
        return lead.activity_ids.filtered("refinery_plan_step_id")

    def _complete(self, lead, when, user=None):
        with freeze_time(when):
            step = self._plan_steps(lead)
            self.assertEqual(len(step), 1, "one plan step pending at a time")
            step.with_user(user or lead.user_id).action_feedback(feedback="Done")
        return step

    def test_steps_are_scheduled_one_after_another_and_count_as_touches(self):
        with freeze_time(ny(2026, 3, 16, 10)):
            lead = self._lead()
        self.assertTrue(lead.contact_plan_pending, "the cron starts plans")
        self.assertEqual(self._run_cron(ny(2026, 3, 16, 10)), {"plan": 1})
        self.assertFalse(lead.contact_plan_pending)
        self.assertEqual(lead.contact_plan_id, self.plan)
        first = self._plan_steps(lead)
        self.assertEqual(first.activity_type_id, self.call)
        self.assertEqual(first.user_id, self.rep, "in the owner's to-do")
        self.assertEqual(first.date_deadline, date(2026, 3, 16))

        self._complete(lead, ny(2026, 3, 16, 11))
        self.assertEqual((lead.touch_count, lead.contact_plan_step_index), (1, 1))
        second = self._plan_steps(lead)
        self.assertEqual(second.activity_type_id, self.email)
        self.assertEqual(second.summary, "Send the case study")
        self.assertEqual(second.date_deadline, date(2026, 3, 18))  # day 2

        # Late on the email: the next call keeps its day (offsets count from the start).
        self._complete(lead, ny(2026, 3, 20, 9))
        self.assertEqual(self._plan_steps(lead).date_deadline, date(2026, 3, 23))  # day 5
        self._complete(lead, ny(2026, 3, 23, 9))
        self._complete(lead, ny(2026, 3, 24, 9))  # a to-do: done, but not a touch
        self.assertEqual(lead.touch_count, 3)
        self.assertEqual(lead.contact_plan_step_index, 4)
        self.assertFalse(self._plan_steps(lead), "the plan is over")

    def test_plan_follows_the_grade_when_the_policy_has_none(self):
        self.policy.contact_plan_id = False
        plan_a = self.env.ref("lead_refinery.crm_contact_plan_grade_a")
        with freeze_time(ny(2026, 3, 16, 10)):
            big = self._lead(expected_revenue=90000, probability=80)
            small = self._lead()
        self._run_cron(ny(2026, 3, 16, 10))
        self.assertEqual(big.refinery_grade, "A")
        self.assertEqual(big.contact_plan_id, plan_a)
        self.assertEqual(self._plan_steps(big).activity_type_id, self.call)
        self.assertEqual(small.refinery_grade, "D")
        self.assertEqual(small.contact_plan_id, self.plan, "a plan without grade serves grade D")
        self.plan.active = False
        with freeze_time(ny(2026, 3, 16, 10)):
            smaller = self._lead()
        self._run_cron(ny(2026, 3, 16, 10))
        self.assertFalse(smaller.contact_plan_id, "no plan for grade D in the default data")
        self.assertFalse(self._plan_steps(smaller))

    def test_unowned_lead_starts_its_plan_when_it_gets_an_owner(self):
        with freeze_time(ny(2026, 3, 16, 10)):
            lead = self._lead(user_id=False)
        self.assertFalse(lead.contact_plan_id)
        with freeze_time(ny(2026, 3, 17, 10)):
            lead.user_id = self.rep2
        self._run_cron(ny(2026, 3, 17, 10))
        self.assertEqual(lead.contact_plan_start, ny(2026, 3, 17, 10))
        self.assertEqual(self._plan_steps(lead).user_id, self.rep2)

    def test_reassignment_hands_the_pending_step_to_the_new_owner(self):
        with freeze_time(ny(2026, 3, 16, 10)):
            lead = self._lead()
        self._run_cron(ny(2026, 3, 16, 10))
        lead.sudo().write({"sla_warned": True, "sla_breach_notified": True})
        self._run_cron(ny(2026, 3, 18, 15))
        self.assertEqual(lead.user_id, self.rep2)
        self.assertEqual(self._plan_steps(lead).user_id, self.rep2)
        self._complete(lead, ny(2026, 3, 19, 9))
        self.assertEqual(self._plan_steps(lead).user_id, self.rep2)

    def test_closed_lead_gets_no_next_step(self):
        with freeze_time(ny(2026, 3, 16, 10)):
            won = self._lead()
            rejected = self._lead()
        self._run_cron(ny(2026, 3, 16, 10))
        won.action_set_won()
        self.assertEqual(won.refinery_stage_code, "won")
        self._complete(won, ny(2026, 3, 16, 11))
        self.assertFalse(self._plan_steps(won))
        rejected.action_refinery_reject(self.reason_spam)
        self.assertFalse(self._plan_steps(rejected), "archiving removes the pending step")


@tagged("post_install", "-at_install")
class TestFollowupMetrics(FollowupCase):
    def _touch(self, lead, when):
        with freeze_time(when):
            lead.with_user(lead.user_id).activity_schedule(
                "mail.mail_activity_data_call", user_id=lead.user_id.id
            ).action_feedback(feedback="Call")
            self._end_transaction()

    def test_time_to_first_touch_in_working_hours(self):
        with freeze_time(ny(2026, 3, 13, 16)):
            lead = self._lead()
        # create_date is the database's transaction time; set the lead's arrival.
        self.env.cr.execute(
            "UPDATE crm_lead SET create_date = %s WHERE id = %s", [ny(2026, 3, 13, 16), lead.id]
        )
        lead.invalidate_recordset(["create_date"])
        self._touch(lead, ny(2026, 3, 16, 10))
        self.assertEqual(lead.date_first_touch, ny(2026, 3, 16, 10))
        self.assertEqual(lead.time_to_first_touch, 3.0, "Friday 16-17 and Monday 8-10")
        self.assertTrue(lead.sla_met)
        self._touch(lead, ny(2026, 3, 17, 10))
        self.assertEqual(lead.date_first_touch, ny(2026, 3, 16, 10), "the first touch stays")

    def test_late_first_touch_is_not_met(self):
        with freeze_time(ny(2026, 3, 16, 10)):
            lead = self._lead()
        self._run_cron(ny(2026, 3, 18, 11))
        self.assertTrue(lead.sla_breached)
        self._touch(lead, ny(2026, 3, 18, 12))
        self.assertFalse(lead.sla_met)
        self.assertTrue(lead.sla_breached, "a breach stays on record")
        self.assertFalse(lead.sla_breach_notified, "the touch starts a new follow-up period")
        self.assertEqual(lead.sla_deadline, ny(2026, 3, 23, 12))

    def test_met_and_breached_per_rep(self):
        with freeze_time(ny(2026, 3, 16, 10)):
            on_time = self._lead()
            late = self._lead()
        self._touch(on_time, ny(2026, 3, 17, 9))
        self._run_cron(ny(2026, 3, 18, 11))  # late: breached by Rita (too late to warn)
        self._run_cron(ny(2026, 3, 18, 16))  # late: reassigned to Rob
        self._touch(late, ny(2026, 3, 19, 9))  # Rob answers in time
        Event = self.env["crm.sla.event"]
        counts = {
            (user.login, kind): count
            for user, kind, count in Event._read_group(
                [("lead_id", "in", (on_time | late).ids)], ["user_id", "kind"], ["__count"]
            )
        }
        self.assertEqual(
            counts,
            {
                ("lr_rep", "met"): 1,
                ("lr_rep", "breach"): 1,
                ("lr_rep", "reassign"): 1,
                ("lr_rep2", "met"): 1,
            },
        )
        self.assertEqual(late.reassign_count, 1)

    def test_touches_before_conversion(self):
        with freeze_time(ny(2026, 3, 16, 10)):
            lead = self._lead()
        for day in (16, 17, 19):
            self._touch(lead, ny(2026, 3, day, 11))
        lead.convert_opportunity(lead.partner_id)
        self.assertEqual(lead.type, "opportunity")
        self.assertEqual(lead.touches_at_conversion, 3)
        self._touch(lead, ny(2026, 3, 20, 11))
        self.assertEqual(lead.touches_at_conversion, 3)
