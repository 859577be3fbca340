from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import RefineryCase


@tagged("post_install", "-at_install")
class TestAccess(RefineryCase):
    def test_groups_follow_sales_roles(self):
        self.assertTrue(self.rep.has_group("lead_refinery.group_refinery_user"))
        self.assertFalse(self.rep.has_group("lead_refinery.group_refinery_manager"))
        self.assertTrue(self.manager.has_group("lead_refinery.group_refinery_manager"))

    def test_reps_read_but_cannot_edit_definitions_reasons_or_thresholds(self):
        stage = self.stages["qualified"].with_user(self.rep)
        self.assertTrue(stage.definition)
        with self.assertRaises(AccessError):
            stage.definition = "<p>Anything goes</p>"
        with self.assertRaises(AccessError):
            self.reason_spam.with_user(self.rep).name = "Junk"
        with self.assertRaises(AccessError):
            self.env["crm.lost.reason"].with_user(self.rep).create(
                {"name": "Mine", "is_reject_reason": True}
            )
        with self.assertRaises(AccessError):
            self.env.company.with_user(self.rep).refinery_worth_high = 1
        with self.assertRaises(AccessError):
            self.env["crm.refinery.thresholds"].with_user(self.rep).create(
                {"refinery_worth_high": 1}
            )

    def test_managers_edit_definitions_reasons_and_thresholds(self):
        self.stages["qualified"].with_user(
            self.manager
        ).definition = "<p>BANT confirmed on a call</p>"
        self.assertIn("BANT", self.stages["qualified"].definition)
        reason = (
            self.env["crm.lost.reason"]
            .with_user(self.manager)
            .create({"name": "Student project", "is_reject_reason": True})
        )
        self.assertTrue(reason.is_reject_reason)
        grading = (
            self.env["crm.refinery.thresholds"]
            .with_user(self.manager)
            .create({"refinery_worth_high": 75000})
        )
        self.assertEqual(grading.refinery_worth_medium, self.env.company.refinery_worth_medium)
        grading.action_apply()
        self.assertEqual(self.env.company.refinery_worth_high, 75000)

    def test_reps_reject_and_reopen_their_leads(self):
        lead = self._lead().with_user(self.rep)
        lead.action_refinery_reject(self.reason_spam.with_user(self.rep), "spam")
        self.assertEqual(lead.refinery_stage_code, "rejected")
        lead.action_refinery_reopen()
        self.assertEqual(lead.refinery_stage_code, "lead")
