from odoo.exceptions import UserError, ValidationError
from odoo.tests import Form, tagged

from .common import RefineryCase


@tagged("post_install", "-at_install")
class TestReject(RefineryCase):
    def test_reject_with_reason_and_note_keeps_the_lead_countable(self):
        lead = self._lead()
        wizard = Form(
            self.env["crm.lead.reject"].with_context(active_model="crm.lead", active_ids=lead.ids)
        )
        wizard.reason_id = self.reason_spam
        wizard.note = "Bot submission from a throwaway address"
        wizard.save().action_reject()

        self.assertFalse(lead.active)
        self.assertEqual(lead.refinery_stage_code, "rejected")
        self.assertEqual(lead.lost_reason_id, self.reason_spam)
        self.assertEqual(lead.refinery_reject_note, "Bot submission from a throwaway address")
        self.assertFalse(lead.is_good_lead)
        rejected = self.Lead.search(
            [("refinery_stage_code", "=", "rejected"), ("active", "=", False)]
        )
        self.assertIn(lead, rejected)
        counts = dict(
            self.Lead.with_context(active_test=False)._read_group(
                [("id", "=", lead.id)], ["lost_reason_id"], ["__count"]
            )
        )
        self.assertEqual(counts[self.reason_spam], 1)

    def test_rejecting_without_a_reason_is_refused(self):
        lead = self._lead()
        with self.assertRaisesRegex(UserError, "rejection reason"):
            lead.action_refinery_reject(self.env["crm.lost.reason"])
        with self.assertRaisesRegex(ValidationError, "cannot be rejected without a reason"):
            lead.refinery_stage_id = self.stages["rejected"]
        price = self.env["crm.lost.reason"].create({"name": "Too expensive"})
        with self.assertRaises(UserError):
            lead.action_refinery_reject(price)

    def test_reopen_restores_the_previous_stage_with_tracking(self):
        lead = self._lead().with_context(tracking_disable=False)
        self._flush_tracking()  # records created in this transaction start being tracked after it
        lead.refinery_stage_id = self.stages["qualified"]
        lead.action_refinery_reject(self.reason_budget, "Budget frozen until next year")
        lead.action_refinery_reopen()
        self._flush_tracking()
        self.assertTrue(lead.active)
        self.assertEqual(lead.refinery_stage_code, "qualified")
        self.assertFalse(lead.lost_reason_id)
        self.assertTrue(lead.is_good_lead)
        self.assertTrue(
            lead.message_ids.filtered(lambda message: "reopened" in (message.body or ""))
        )
        with self.assertRaises(UserError):
            lead.action_refinery_reopen()

    def test_batch_rejection_from_a_selection(self):
        leads = self._lead() | self._lead(name="Second")
        action = leads.action_open_refinery_reject()
        wizard = (
            self.env["crm.lead.reject"]
            .with_context(**action["context"])
            .create({"reason_id": self.reason_spam.id})
        )
        self.assertEqual(wizard.lead_ids, leads)
        wizard.action_reject()
        self.assertEqual(set(leads.mapped("refinery_stage_code")), {"rejected"})

    def test_good_lead_count_is_one_consistent_definition(self):
        touch = self._lead(refinery_stage_id=self.stages["touch"].id)
        good = self._lead()
        rejected = self._lead()
        rejected.action_refinery_reject(self.reason_spam)
        everything = self.Lead.with_context(active_test=False).search(
            [("id", "in", (touch | good | rejected).ids), ("is_good_lead", "=", True)]
        )
        self.assertEqual(everything, good)
