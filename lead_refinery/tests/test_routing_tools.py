from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from odoo.addons.lead_refinery.lib import postal

from .test_routing import RoutingCase


@tagged("post_install", "-at_install")
class TestRoutingTools(RoutingCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.boston = cls._territory("zip5", [{"kind": "zip5", "value": "02134"}])
        cls.mass = cls._territory("state", [{"kind": "state", "value": "MA"}])
        cls.team = cls.env["crm.team"].create({"name": "Inside sales"})
        cls.pool = cls._territory(
            "pool",
            [{"kind": "state", "value": "NH"}],
            owner=cls.team,
            member_ids=[
                Command.create({"user_id": cls.users[name].id})
                for name in ("scf", "county", "country")
            ],
        )

    def test_simulator_answers_like_routing(self):
        Simulator = self.env["crm.territory.simulator"].with_user(self.manager)
        wizard = Simulator.create({"zip": "02134-1234"})
        self.assertEqual(wizard.result_owner, "Rep zip5")
        self.assertEqual(wizard.result_territory_id, self.boston)
        self.assertIn("ZIP 02134 matches rule", wizard.result_explanation)
        self.assertEqual(self._route_lead("02134-1234").user_id, self.users["zip5"])
        wizard.zip = "2134"
        self.assertIn("02134", wizard.result_explanation)
        self.assertFalse(wizard.result_territory_id)
        account = self.env["res.partner"].create({"name": "Keyco", "is_company": True})
        self.env["crm.named.account"].create(
            {"partner_id": account.id, "owner_kind": "user", "user_id": self.users["prio"].id}
        )
        wizard.write({"zip": "02134", "account_id": account.id})
        self.assertEqual(wizard.result_owner, "Rep prio")
        # A rep may simulate too, without changing any counter.
        pool_wizard = (
            self.env["crm.territory.simulator"].with_user(self.rep).create({"zip": "03301"})
        )
        self.assertIn("Rep", pool_wizard.result_owner)
        self.assertEqual(sum(self.pool.member_ids.mapped("assigned_count")), 0)

    def test_coverage_lists_uncovered_zips_and_conflicts(self):
        report = (
            self.env["crm.territory.coverage"]
            .with_user(self.manager)
            .create({"state_filter": "MA, RI"})
        )
        report.action_compute()
        rhode_island = [z for z in postal.all_us_zip5() if postal.state_for_zip(z) == "RI"]
        self.assertEqual(report.gap_count, len(rhode_island))
        gap = report.line_ids.filtered(lambda line: line.kind == "gap")
        self.assertEqual(gap.mapped("state"), ["RI"])
        self.assertEqual(report.conflict_count, 0)
        self._territory("prio", [{"kind": "zip5", "value": "02134"}])
        self._territory("prio", [{"kind": "zip5", "value": "02801"}])
        report.action_compute()
        self.assertEqual(report.gap_count, len(rhode_island) - 1)
        conflict = report.line_ids.filtered(lambda line: line.kind == "conflict")
        self.assertEqual(len(conflict), 1)
        self.assertIn("02134", conflict.detail)
        self.assertEqual(len(conflict.territory_ids), 2)

    def test_realignment_applies_exactly_the_preview(self):
        leads = self.Lead.browse()
        for zip_code in ("02134", "02134", "02138", "03301", "03301", "03301", "0213A"):
            leads |= self._route_lead(zip_code)
        self.assertEqual(leads[0].user_id, self.users["zip5"])
        # Boston moves to the pool; the MA state territory ends.
        self.boston.write({"owner_kind": "team", "team_id": self.team.id})
        self.boston.member_ids = self.pool.member_ids.mapped(
            lambda member: Command.create({"user_id": member.user_id.id})
        )
        wizard = self.env["crm.territory.realign"].with_user(self.manager).create({})
        wizard.action_preview()
        lines = {line.lead_id: line for line in wizard.line_ids if line.lead_id in leads}
        self.assertEqual(lines[leads[0]].action, "move")
        self.assertEqual(lines[leads[2]].action, "same")
        for nh_lead in leads[3:6]:
            self.assertEqual(lines[nh_lead].action, "same", "round-robin leads are not reshuffled")
        self.assertEqual(lines[leads[6]].action, "keep")
        self.assertIn("change hands", wizard.summary)
        preview = {
            lead: (line.new_user_id, line.new_territory_id)
            for lead, line in lines.items()
            if line.action in ("move", "territory")
        }
        before = {lead: lead.user_id for lead in leads}
        wizard.action_apply()
        for lead in leads:
            if lead in preview:
                self.assertEqual((lead.user_id, lead.refinery_territory_id), preview[lead])
                self.assertEqual(lead.refinery_routing_ids.sorted("id")[-1].trigger, "realign")
            else:
                self.assertEqual(lead.user_id, before[lead], "untouched")
        self.assertEqual(leads[6].refinery_route_state, "unroutable")

    def test_apply_refuses_when_a_lead_changed_hands_since_the_preview(self):
        lead = self._route_lead("02134")
        self.boston.write({"owner_kind": "user", "user_id": self.users["prio"].id})
        wizard = self.env["crm.territory.realign"].create({"territory_ids": [self.boston.id]})
        wizard.action_preview()
        lead.user_id = self.rep
        with self.assertRaises(UserError):
            wizard.action_apply()
        wizard.action_preview()
        wizard.action_apply()
        self.assertEqual(lead.user_id, self.users["prio"])

    def test_only_managers_realign(self):
        with self.assertRaises(AccessError):
            self.env["crm.territory.realign"].with_user(self.rep).create({})
