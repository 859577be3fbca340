from freezegun import freeze_time

from odoo.tests import tagged

from .common import FollowupCase, ny


@tagged("post_install", "-at_install")
class TestFollowupRecycling(FollowupCase):
    """A worked lead that stops progressing goes to incubating; new life reopens it."""

    def _worked_lead(self):
        with freeze_time(ny(2026, 3, 16, 10)):
            lead = self._lead()
        with freeze_time(ny(2026, 3, 16, 11)):
            lead.with_user(self.rep).activity_schedule(
                "mail.mail_activity_data_call", user_id=self.rep.id
            ).action_feedback(feedback="Interested, but not this quarter")
        # The rep keeps the follow-up deadlines (a touch every 3 working days)
        # without the lead ever moving up the ladder.
        self.policy.write({"follow_up_days": 30, "warn_before_hours": 0})
        lead._refinery_sla_refresh()
        return lead

    def test_no_progress_for_n_working_days_recycles_to_incubating(self):
        lead = self._worked_lead()
        # 20 working days from Monday March 16th 10:00: Monday April 13th 10:00.
        self.assertEqual(lead.sla_next_check, ny(2026, 4, 13, 10))
        self.assertEqual(self._run_cron(ny(2026, 4, 13, 9)), {})
        self.assertEqual(self._run_cron(ny(2026, 4, 13, 10)), {"recycle": 1})
        self.assertEqual(lead.refinery_stage_code, "incubating")
        self.assertEqual(lead.user_id, self.rep, "an incubating lead keeps its owner")
        self.assertFalse(lead.sla_next_check, "no SLA while incubating")
        self.assertFalse(lead.sla_deadline)
        note = lead.message_ids.filtered(lambda message: "Recycled" in (message.body or ""))
        self.assertIn("no progress for 20 working days", note.body)
        self.assertEqual(self._events(lead)[-1], ("recycle", "Mon 13 10:00"))
        self.assertEqual(self._run_cron(ny(2026, 6, 1, 10)), {}, "nothing more to do")

    def test_progress_postpones_recycling(self):
        lead = self._worked_lead()
        with freeze_time(ny(2026, 4, 1, 10)):
            lead.refinery_stage_id = self.stages["qualified"]
        self.assertEqual(self._run_cron(ny(2026, 4, 13, 10)), {})
        self.assertEqual(lead.refinery_stage_code, "qualified")

    def test_new_activity_reopens_an_incubating_lead(self):
        lead = self._worked_lead()
        self._run_cron(ny(2026, 4, 13, 10))
        with freeze_time(ny(2026, 5, 4, 9)):
            lead.with_user(self.rep).activity_schedule(
                "mail.mail_activity_data_todo",
                user_id=self.rep.id,
                summary="Buyer asked for a quote",
            )
        self.assertEqual(lead.refinery_stage_code, "lead", "back to the stage it was parked from")
        self.assertEqual(lead.sla_start, ny(2026, 5, 4, 9), "a fresh clock for the owner")
        self.assertEqual(lead.sla_deadline, ny(2026, 5, 6, 9))
        self.assertEqual(self._events(lead)[-1], ("reopen", "Mon 04 09:00"))
        note = lead.message_ids.filtered(lambda message: "Reopened" in (message.body or ""))
        self.assertIn("A new activity was scheduled on it", note.body)

    def test_touch_reopens_an_incubating_lead(self):
        lead = self._worked_lead()
        with freeze_time(ny(2026, 3, 20, 10)):
            lead.refinery_stage_id = self.stages["qualified"]
        lead.sudo().write({"refinery_stage_id": self.stages["incubating"].id})
        buyer = self.env["res.partner"].create({"name": "Bea Buyer", "email": "bea@acme.test"})
        with freeze_time(ny(2026, 5, 4, 9)):
            lead.with_user(self.rep).message_post(
                body="Checking in: is the retrofit back on?",
                subtype_xmlid="mail.mt_comment",
                message_type="comment",
                partner_ids=buyer.ids,
            )
        self.assertEqual(lead.refinery_stage_code, "qualified")
        self.assertEqual(lead.touch_count, 2)

    def test_system_activities_do_not_reopen(self):
        lead = self._worked_lead()
        self._run_cron(ny(2026, 4, 13, 10))
        self.env["mail.activity"].with_context(refinery_no_reopen=True).create(
            {
                "res_model_id": self.env["ir.model"]._get_id("crm.lead"),
                "res_id": lead.id,
                "activity_type_id": self.env.ref("mail.mail_activity_data_todo").id,
                "user_id": self.manager.id,
            }
        )
        self.assertEqual(lead.refinery_stage_code, "incubating")
