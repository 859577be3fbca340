from odoo.tests import tagged

from .common import RefineryCase


@tagged("post_install", "-at_install")
class TestRefineryLadder(RefineryCase):
    def test_every_ladder_role_has_a_stage_with_a_definition(self):
        self.assertEqual(
            set(self.stages),
            {
                "touch",
                "contact",
                "lead",
                "qualified",
                "opportunity",
                "won",
                "lost",
                "incubating",
                "rejected",
            },
        )
        self.assertTrue(all(stage.definition for stage in self.stages.values()))

    def test_new_lead_and_opportunity_start_on_matching_rungs(self):
        lead = self._lead()
        opportunity = self._lead(type="opportunity")
        self.assertEqual(lead.refinery_stage_id, self.stages["lead"])
        self.assertEqual(opportunity.refinery_stage_id, self.stages["opportunity"])
        self.assertEqual(lead.refinery_max_stage_id, self.stages["lead"])
        self.assertEqual(lead.refinery_stage_entry_ids.stage_id, self.stages["lead"])

    def test_highest_stage_and_entry_dates_are_recorded(self):
        lead = self._lead(refinery_stage_id=self.stages["touch"].id)
        for code in ("contact", "lead", "qualified"):
            lead.refinery_stage_id = self.stages[code]
        lead.refinery_stage_id = self.stages["incubating"]
        self.assertEqual(lead.refinery_max_stage_id, self.stages["qualified"])
        entries = lead.refinery_stage_entry_ids.sorted("id")
        self.assertEqual(
            entries.mapped("stage_code"), ["touch", "contact", "lead", "qualified", "incubating"]
        )
        self.assertTrue(all(entry.date_in for entry in entries))
        self.assertEqual(len(entries.filtered(lambda entry: not entry.date_out)), 1)
        self.assertTrue(lead.is_good_lead)

    def test_moving_backwards_is_flagged_and_tracked(self):
        lead = self._lead().with_context(tracking_disable=False)
        self._flush_tracking()  # records created in this transaction start being tracked after it
        lead.refinery_stage_id = self.stages["qualified"]
        lead.refinery_stage_id = self.stages["contact"]
        self._flush_tracking()
        last = lead.refinery_stage_entry_ids.sorted("id")[-1]
        self.assertTrue(last.backwards)
        self.assertEqual(lead.refinery_max_stage_id, self.stages["qualified"])
        tracking = lead.message_ids.filtered(
            lambda message: "Moved back down" in (message.body or "")
        )
        self.assertTrue(tracking, "a backward move leaves a note in the chatter")
        self.assertIn("from Qualified to Contact", tracking.body)
        forward = lead.message_ids.filtered(
            lambda message: "Lead → Qualified" in (message.body or "")
        )
        self.assertTrue(forward, "deliberate forward moves are logged too")

    def test_pipeline_events_move_the_ladder(self):
        lead = self._lead()
        lead.convert_opportunity(self.env["res.partner"])
        self.assertEqual(lead.refinery_stage_code, "opportunity")
        lead.action_set_won()
        self.assertEqual(lead.refinery_stage_code, "won")
        self.assertEqual(lead.refinery_max_stage_id, self.stages["won"])

        lost = self._lead(type="opportunity")
        lost.action_set_lost(
            lost_reason_id=self.env["crm.lost.reason"].create({"name": "Price"}).id
        )
        self.assertEqual(lost.refinery_stage_code, "lost")
        self.assertEqual(lost.refinery_max_stage_id, self.stages["opportunity"])
        lost.action_unarchive()
        self.assertEqual(lost.refinery_stage_code, "opportunity")

    def test_stage_counts_feed_the_overview(self):
        self._lead()
        self._lead(user_id=False)
        stage = self.stages["lead"]
        stage.invalidate_recordset(["lead_count", "unowned_count"])
        self.assertGreaterEqual(stage.lead_count, 2)
        self.assertGreaterEqual(stage.unowned_count, 1)
