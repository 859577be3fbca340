from freezegun import freeze_time

from odoo import Command
from odoo.tests import new_test_user, tagged

from .common import FollowupCase, ny

MONDAY_10 = ny(2026, 3, 16, 10)


@tagged("post_install", "-at_install")
class TestReassignmentThroughTerritories(FollowupCase):
    """Follow-up reassignment goes through the territory: its members, its partners."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.us = cls.env.ref("base.us")
        # rep2 is in the sales team but not in the territory: never a reassignee.
        cls.territory = cls.env["crm.territory"].create(
            {
                "name": "Boston",
                "owner_kind": "team",
                "team_id": cls.team.id,
                "rule_ids": [Command.create({"kind": "scf", "value": "021"})],
                "member_ids": [
                    Command.create({"user_id": cls.rep.id}),
                    Command.create({"user_id": cls.rep3.id}),
                ],
            }
        )

    def _routed_lead(self, zip_code="02134", **values):
        with freeze_time(MONDAY_10):
            return self._lead(user_id=False, zip=zip_code, country_id=self.us.id, **values)

    def test_late_lead_goes_to_another_member_of_its_territory(self):
        lead = self._routed_lead()
        first = lead.user_id
        self.assertIn(first, self.rep | self.rep3)
        self.assertEqual(lead.refinery_territory_id, self.territory)
        self.assertEqual(lead.sla_start, MONDAY_10, "routing starts the clock")
        self.assertEqual(self._run_cron(ny(2026, 3, 18, 10)), {"breach": 1})
        self.assertEqual(self._run_cron(ny(2026, 3, 18, 15)), {"reassign": 1})
        second = (self.rep | self.rep3) - first
        self.assertEqual(lead.user_id, second, "the other territory member, not rep2")
        member = self.territory.member_ids.filtered(lambda m: m.user_id == second)
        self.assertEqual(member.assigned_count, 1)

    def test_only_member_left_is_the_owner_falls_back_to_the_team_rule(self):
        lead = self._routed_lead()
        other = self.territory.member_ids.filtered(lambda m: m.user_id != lead.user_id)
        other.available = False
        self._run_cron(ny(2026, 3, 18, 10))
        self._run_cron(ny(2026, 3, 18, 15))
        self.assertEqual(lead.user_id, self.rep2, "no territory member free: the team default")

    def test_member_at_capacity_is_skipped(self):
        lead = self._routed_lead()
        other = self.territory.member_ids.filtered(lambda m: m.user_id != lead.user_id)
        other.capacity = 1
        self._lead(name="Busy", user_id=other.user_id.id)
        self._run_cron(ny(2026, 3, 18, 10))
        self._run_cron(ny(2026, 3, 18, 15))
        self.assertNotIn(lead.user_id, other.user_id)
        self.assertTrue(lead.user_id, "never without an owner")


@tagged("post_install", "-at_install")
class TestPartnerOwnedLeads(FollowupCase):
    """A partner that does not accept in time loses the lead to the next partner."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.us = cls.env.ref("base.us")
        Partner = cls.env["res.partner"]
        cls.acme = Partner.create({"name": "Acme Distribution", "is_company": True})
        cls.bolt = Partner.create({"name": "Bolt Rep Firm", "is_company": True})
        cls.coil = Partner.create({"name": "Coil Supply", "is_company": True})
        cls.bolt_user = new_test_user(
            cls.env, login="lr_bolt_portal", name="Bo Portal", groups="base.group_portal"
        )
        cls.bolt_user.partner_id.parent_id = cls.bolt
        Territory = cls.env["crm.territory"]
        cls.acme_area = Territory.create(
            {
                "name": "Acme Boston",
                "owner_kind": "partner",
                "partner_id": cls.acme.id,
                "fallback_partner_ids": [Command.set(cls.coil.ids)],
                "rule_ids": [Command.create({"kind": "zip5", "value": "02134"})],
            }
        )
        Territory.create(
            {
                "name": "Bolt Massachusetts",
                "owner_kind": "partner",
                "partner_id": cls.bolt.id,
                "rule_ids": [Command.create({"kind": "state", "value": "MA"})],
            }
        )

    def _partner_lead(self):
        with freeze_time(MONDAY_10):
            return self._lead(user_id=False, zip="02134", country_id=self.us.id)

    def test_unaccepted_lead_moves_to_the_next_partner_then_the_fallback(self):
        lead = self._partner_lead()
        self.assertEqual(lead.refinery_partner_id, self.acme)
        self.assertEqual(lead.sla_start, MONDAY_10)
        self.assertEqual(self._run_cron(ny(2026, 3, 18, 10)), {"breach": 1})
        self.assertEqual(self._run_cron(ny(2026, 3, 18, 15)), {"reassign": 1})
        self.assertEqual(lead.refinery_partner_id, self.bolt, "the partner of the wider territory")
        self.assertEqual(lead.refinery_partner_state, "pending")
        self.assertEqual(lead.refinery_partner_history_ids, self.acme | self.bolt)
        self.assertEqual(lead.sla_start, ny(2026, 3, 18, 15), "the clock restarts")
        told = lead.message_ids.filtered(lambda m: self.bolt_user.partner_id in m.partner_ids)
        self.assertEqual(len(told), 1, "the new partner's portal users are told")
        self.assertFalse(lead.refinery_unowned)
        self.assertEqual(self._run_cron(ny(2026, 3, 20, 15)), {"breach": 1})
        self.assertEqual(self._run_cron(ny(2026, 3, 23, 10)), {"reassign": 1})
        self.assertEqual(lead.refinery_partner_id, self.coil, "then the territory's next partner")

    def test_accepting_in_time_stops_the_clock(self):
        lead = self._partner_lead()
        with freeze_time(ny(2026, 3, 17, 9)):
            lead.write({"refinery_partner_state": "accepted", "refinery_partner_accepted": True})
            self._end_transaction()
        self.assertFalse(lead.sla_next_check)
        self.assertEqual(self._run_cron(ny(2026, 3, 20, 10)), {})
        self.assertEqual(lead.refinery_partner_id, self.acme)

    def test_no_partner_left_escalates_and_keeps_the_partner(self):
        self.acme_area.fallback_partner_ids = False
        self.env["crm.territory"].search([("partner_id", "=", self.bolt.id)]).action_archive()
        lead = self._partner_lead()
        self._run_cron(ny(2026, 3, 18, 10))
        self.assertEqual(self._run_cron(ny(2026, 3, 18, 15)), {"escalate": 1})
        self.assertEqual(lead.refinery_partner_id, self.acme)
        self.assertTrue(lead.sla_escalated)
