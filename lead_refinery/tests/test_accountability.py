from odoo.tests import tagged

from .common import RefineryCase


@tagged("post_install", "-at_install")
class TestAccountability(RefineryCase):
    def test_unowned_queue_holds_leads_past_touch_without_owner(self):
        touch = self._lead(user_id=False, refinery_stage_id=self.stages["touch"].id)
        unowned = self._lead(user_id=False)
        owned = self._lead()
        queue = self.Lead.search([("refinery_unowned", "=", True)])
        self.assertIn(unowned, queue)
        self.assertNotIn(touch, queue)
        self.assertNotIn(owned, queue)

        touch.refinery_stage_id = self.stages["contact"]
        self.assertTrue(touch.refinery_unowned, "leaving touch without an owner lands in the queue")
        unowned.user_id = self.rep2
        self.assertFalse(unowned.refinery_unowned)

    def test_team_dashboard_counts_unowned_leads(self):
        team = self.env["crm.team"].create({"name": "Refinery East"})
        self._lead(user_id=False, team_id=team.id)
        self._lead(user_id=False, team_id=team.id)
        self._lead(team_id=team.id)
        self.assertEqual(team.refinery_unowned_count, 2)
        action = team.action_open_refinery_unowned()
        self.assertEqual(
            self.Lead.search(action["domain"]).mapped("refinery_unowned"), [True, True]
        )

    def test_owner_change_is_tracked_with_who_when_and_why(self):
        lead = self._lead().with_context(tracking_disable=False)
        self._flush_tracking()  # records created in this transaction start being tracked after it
        lead.with_context(
            refinery_owner_reason="Rerouted: territory Midwest, ZIP 606"
        ).user_id = self.rep2
        self._flush_tracking()
        message = lead.message_ids.filtered(
            lambda message: "user_id" in message.tracking_value_ids.field_id.mapped("name")
        )[:1]
        self.assertIn("Rerouted: territory Midwest", message.body)
        self.assertEqual(message.author_id, self.env.user.partner_id)
        self.assertTrue(message.date)

        lead.with_user(self.manager).user_id = self.rep
        self._flush_tracking()
        message = lead.message_ids.filtered(
            lambda message: "user_id" in message.tracking_value_ids.field_id.mapped("name")
        ).sorted("id")[-1]
        self.assertIn("Owner changed by hand by Mona Manager", message.body)
        self.assertEqual(message.author_id, self.manager.partner_id)
