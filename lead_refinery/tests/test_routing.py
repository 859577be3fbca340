from datetime import date, datetime

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import new_test_user, tagged
from odoo.tools.safe_eval import safe_eval

from .common import RefineryCase


class RoutingCase(RefineryCase):
    """A US company with territories owned by reps, a team and a partner."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.us = cls.env.ref("base.us")
        cls.canada = cls.env.ref("base.ca")
        cls.State = cls.env["res.country.state"]
        cls.ma = cls.State.search([("code", "=", "MA"), ("country_id", "=", cls.us.id)])
        cls.mo = cls.State.search([("code", "=", "MO"), ("country_id", "=", cls.us.id)])
        cls.Territory = cls.env["crm.territory"]
        cls.users = {
            name: new_test_user(
                cls.env,
                login=f"lr_route_{name}",
                name=f"Rep {name}",
                groups="sales_team.group_sale_salesman",
            )
            for name in ("zip4", "zip5", "scf", "county", "state", "country", "prio")
        }

    @classmethod
    def _territory(cls, name, rules, owner=None, **values):
        owner = owner if owner is not None else cls.users[name]
        if owner._name == "res.users":
            values.update(owner_kind="user", user_id=owner.id)
        elif owner._name == "crm.team":
            values.update(owner_kind="team", team_id=owner.id)
        else:
            values.update(owner_kind="partner", partner_id=owner.id)
        return cls.Territory.create(
            {
                "name": name,
                "rule_ids": [Command.create(rule) for rule in rules],
                **values,
            }
        )

    def _route_lead(self, zip_code, country=None, **values):
        country = self.us if country is None else country
        values.setdefault("user_id", False)
        return self._lead(zip=zip_code, country_id=country.id if country else False, **values)


@tagged("post_install", "-at_install")
class TestRoutingPrecedence(RoutingCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._territory("zip4", [{"kind": "zip4", "value": "02134-1000", "value_to": "02134-1999"}])
        cls._territory("zip5", [{"kind": "zip5", "value": "02134"}])
        cls._territory("scf", [{"kind": "scf", "value": "021"}])
        # Suffolk County, MA (Boston) = 25025; 02210 is in it but not in SCF 021.
        cls._territory("county", [{"kind": "county", "value": "25025"}])
        cls._territory("state", [{"kind": "state", "value": "MA"}])
        cls._territory("country", [{"kind": "country", "value": "US"}])

    def test_most_specific_rule_wins(self):
        cases = [
            ("02134-1234", "zip4"),
            ("02134 1500", "zip4"),
            ("021341999", "zip4"),
            ("02134-2000", "zip5"),
            ("02134", "zip5"),
            ("02138", "scf"),
            ("02210", "county"),
            ("01002", "state"),
            ("10001", "country"),
        ]
        for zip_code, owner in cases:
            with self.subTest(zip=zip_code):
                lead = self._route_lead(zip_code)
                self.assertEqual(lead.user_id, self.users[owner])
                self.assertEqual(lead.refinery_route_state, "routed")
                self.assertEqual(lead.refinery_territory_id.name, owner)

    def test_explicit_priority_breaks_ties_and_equal_priority_is_a_reported_conflict(self):
        prio = self._territory("prio", [{"kind": "zip5", "value": "02134", "priority": 5}])
        lead = self._route_lead("02134")
        self.assertEqual(lead.user_id, self.users["prio"])
        self.assertIn("of territory 'zip5': priority 0 < 5", lead.refinery_route_explanation)
        prio.rule_ids.priority = 0
        lead = self._route_lead("02134")
        self.assertTrue(lead.refinery_routing_ids[:1].conflict)
        self.assertIn("CONFLICT", lead.refinery_route_explanation)

    def test_why_this_owner_names_the_rule_the_territory_and_the_alternatives(self):
        lead = self._route_lead("02134-1234")
        text = lead.refinery_route_explanation
        self.assertIn("Owner: Rep zip4.", text)
        self.assertIn("'zip4'", text)
        self.assertIn("Other candidates:", text)
        for loser in ("'zip5'", "'scf'", "'state'", "'country'"):
            self.assertIn(loser, text)
        decision = lead.refinery_routing_ids
        self.assertEqual(len(decision), 1)
        self.assertEqual((decision.trigger, decision.rule_kind), ("create", "zip4"))

    def test_each_lead_keeps_its_own_reason_in_the_chatter(self):
        Lead = self.Lead.with_context(tracking_disable=False)
        leads = Lead.create(
            [
                {"name": "Boston", "zip": "02134", "country_id": self.us.id, "user_id": False},
                {"name": "Amherst", "zip": "01002", "country_id": self.us.id, "user_id": False},
                {"name": "Typo", "zip": "0213A", "country_id": self.us.id, "user_id": False},
            ]
        )
        self._flush_tracking()
        bodies = [str(lead.message_ids.mapped("body")) for lead in leads]
        self.assertIn("Routed to Rep zip5. Routing: ZIP5 rule of territory zip5.", bodies[0])
        self.assertIn("Routed to Rep state. Routing: state rule of territory state.", bodies[1])
        self.assertIn("Not routed (Invalid ZIP)", bodies[2])
        # Re-routing later is an owner change: tracked, each lead with its own reason.
        self.Territory.search([("name", "in", ("zip5", "state"))]).write(
            {"date_to": date(2000, 1, 1), "date_from": False}
        )
        leads[:2].with_context(tracking_disable=False).action_refinery_route()
        self._flush_tracking()
        tracked = [
            lead.message_ids.filtered("tracking_value_ids").sorted("id")[-1:] for lead in leads[:2]
        ]
        self.assertEqual(leads[0].user_id, self.users["scf"])
        self.assertIn("SCF rule of territory scf", tracked[0].body)
        self.assertEqual(leads[1].user_id, self.users["country"])
        self.assertIn("country rule of territory country", tracked[1].body)

    def test_routing_stores_each_lead_once_with_its_schedule(self):
        self.env["crm.sla.policy"].create(
            {"name": "Every lead", "first_response_days": 2, "follow_up_days": 3}
        )
        leads = self.Lead.with_context(refinery_skip_route=True).create(
            [
                {"name": f"Bulk {zip_code}", "zip": zip_code, "country_id": self.us.id}
                for zip_code in ("02134", "02138", "01002", "0213A")
            ]
        )
        leads.write({"user_id": False})
        self.env.flush_all()
        self.env.cr.precommit.run()

        def row_updates():
            self.env.cr.execute(
                "SELECT n_tup_upd FROM pg_stat_xact_user_tables WHERE relname = 'crm_lead'"
            )
            return self.env.cr.fetchone()[0]

        before = row_updates()
        leads._refinery_route(trigger="manual")
        # The SLA pass ran with the owner writes, not left to the end of the transaction.
        self.assertNotIn("lead_refinery.sla_deferred", self.env.cr.precommit.data)
        self.env.flush_all()
        self.assertEqual(row_updates() - before, len(leads), "one row version per lead")
        routed = leads.filtered("user_id")
        self.assertEqual(len(routed), 3)
        self.assertTrue(all(lead.sla_start and lead.sla_deadline for lead in routed))
        self.assertEqual(leads[3].refinery_unroutable_reason, "invalid_zip")

    def test_effective_dates(self):
        self.Territory.search([("name", "=", "zip5")]).write(
            {"date_from": date(2026, 1, 1), "date_to": date(2026, 6, 30)}
        )
        with freeze_time("2026-03-02 10:00:00"):
            self.assertEqual(self._route_lead("02134").user_id, self.users["zip5"])
        with freeze_time("2026-07-01 10:00:00"):
            lead = self._route_lead("02134")
            self.assertEqual(lead.user_id, self.users["scf"])
            self.assertIn("2026-06-30", lead.refinery_route_explanation)
        with self.assertRaises(ValidationError), self.cr.savepoint():
            self.Territory.search([("name", "=", "zip5")]).date_to = date(2025, 1, 1)

    def test_bad_zips_are_flagged_not_guessed(self):
        cases = {
            "0213A": "invalid_zip",
            "2134": "ambiguous_zip",
            "": "no_zip",
        }
        for zip_code, reason in cases.items():
            with self.subTest(zip=zip_code):
                lead = self._route_lead(zip_code or False)
                self.assertEqual(lead.refinery_route_state, "unroutable")
                self.assertEqual(lead.refinery_unroutable_reason, reason)
                self.assertFalse(lead.user_id)
                self.assertTrue(lead.refinery_unowned)
        lost_zero = self._route_lead("2134")
        self.assertIn("02134", lost_zero.refinery_route_explanation)
        queue = self.env.ref("lead_refinery.crm_lead_refinery_unroutable_action")
        self.assertIn(lost_zero, self.Lead.search(safe_eval(queue.domain)))

    def test_missing_country_and_foreign_postcodes(self):
        self.assertEqual(self._route_lead("02134", country=False).user_id, self.users["zip5"])
        for postcode, country in (("K1A 0B1", self.canada), ("SW1A 1AA", self.env.ref("base.uk"))):
            with self.subTest(postcode=postcode):
                lead = self._route_lead(postcode, country=country)
                self.assertEqual(lead.refinery_unroutable_reason, "foreign_address")
        ontario = self.State.search([("code", "=", "ON"), ("country_id", "=", self.canada.id)])
        canada_rep = self.users["prio"]
        self._territory("prio", [{"kind": "state", "value": "CA-ON"}], owner=canada_rep)
        lead = self._route_lead("K1A 0B1", country=self.canada, state_id=ontario.id)
        self.assertEqual(lead.user_id, canada_rep)
        # A Canadian postcode typed on a US address is flagged, not read as a broken ZIP.
        lead = self._route_lead("K1A 0B1")
        self.assertEqual(lead.refinery_unroutable_reason, "ambiguous_zip")
        self.assertIn("Canadian", lead.refinery_route_explanation)

    def test_county_rules_accept_names_spelled_differently(self):
        st_louis = self._territory(
            "prio",
            [{"kind": "county", "value": "Saint Louis County", "county_state": "MO"}],
        )
        self.assertEqual(st_louis.rule_ids.value, "29189")
        st_louis.rule_ids.write({"value": "St. Louis Co.", "county_state": "Missouri"})
        self.assertEqual(st_louis.rule_ids.value, "29189")
        lead = self._route_lead("63105")  # Clayton, MO: St. Louis County
        self.assertEqual(lead.user_id, self.users["prio"])
        with self.assertRaises(ValidationError):
            self.env["crm.territory.rule"].create(
                {
                    "territory_id": st_louis.id,
                    "kind": "county",
                    "value": "Atlantis",
                    "county_state": "MO",
                }
            )

    def test_county_correction_moves_a_zip(self):
        lead = self._route_lead("02210")
        self.assertEqual(lead.user_id, self.users["county"])
        self.env["crm.territory.county.override"].create({"zip5": "02210", "county_fips": "25017"})
        lead = self._route_lead("02210")
        self.assertEqual(lead.user_id, self.users["state"], "cache cleared, new county used")

    def test_invalid_rules_are_refused_with_a_reason(self):
        territory = self.Territory.search([("name", "=", "zip5")])
        bad = [
            {"kind": "zip5", "value": "2134"},
            {"kind": "zip4", "value": "02134-0000", "value_to": "02135-0000"},
            {"kind": "scf", "value": "21"},
            {"kind": "state", "value": "Massachusetts!"},
            {"kind": "zip5", "value": "02134", "grades": "A, E"},
        ]
        for values in bad:
            with self.subTest(values=values), self.assertRaises(ValidationError):
                self.env["crm.territory.rule"].create({"territory_id": territory.id, **values})

    def test_a_rep_owned_lead_gets_the_team_odoo_would_give_it(self):
        rep = self.users["zip5"]
        team = self.env["crm.team"].create(
            {"name": "Boston desk", "use_leads": True, "member_ids": [Command.link(rep.id)]}
        )
        leads = self._route_lead("02134") | self._route_lead("02134")
        self.assertEqual(leads.user_id, rep)
        self.assertEqual(leads.team_id, team)
        # The same as Odoo's own choice when the salesperson is set by hand.
        by_hand = self._lead(zip="99999", user_id=False, team_id=False)
        by_hand.user_id = rep
        self.assertEqual(by_hand.team_id, team)
        # A lead already in one of the rep's teams keeps it.
        other = self.env["crm.team"].create(
            {"name": "Key accounts", "use_leads": True, "member_ids": [Command.link(rep.id)]}
        )
        kept = self._route_lead("02134", team_id=other.id)
        self.assertEqual((kept.user_id, kept.team_id), (rep, other))

    def test_explicit_owner_is_kept_unless_configured(self):
        lead = self._route_lead("02134", user_id=self.rep.id)
        self.assertEqual(lead.user_id, self.rep)
        self.assertEqual(lead.refinery_route_state, "not_routed")
        self.env.company.refinery_route_override_owner = True
        lead = self._route_lead("02134", user_id=self.rep.id)
        self.assertEqual(lead.user_id, self.users["zip5"])

    def test_route_button_and_batch_action(self):
        lead = self._route_lead("0213A")
        lead.zip = "02134"
        result = lead.action_refinery_route()
        self.assertEqual(lead.user_id, self.users["zip5"])
        self.assertIn("1 lead(s) routed", result["params"]["message"])
        self.assertEqual(
            lead.refinery_routing_ids.sorted("id").mapped("trigger"), ["create", "manual"]
        )
        action = self.env.ref("lead_refinery.crm_lead_action_route")
        self.assertEqual(action.binding_model_id.model, "crm.lead")

    def test_no_territories_leaves_odoo_assignment_alone(self):
        self.Territory.search([]).action_archive()
        lead = self._route_lead("02134")
        self.assertEqual(lead.refinery_route_state, "not_routed")
        self.assertFalse(lead.refinery_routing_ids)


@tagged("post_install", "-at_install")
class TestNamedAccounts(RoutingCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._territory("zip5", [{"kind": "zip5", "value": "55144"}])
        Partner = cls.env["res.partner"]
        cls.mmm = Partner.create(
            {
                "name": "Minnesota Mining and Manufacturing",
                "is_company": True,
                "website": "3m.com",
                "zip": "55144",
                "country_id": cls.us.id,
            }
        )
        cls.division = Partner.create(
            {"name": "Vexor Health Care Division", "is_company": True, "parent_id": cls.mmm.id}
        )
        cls.env["res.partner.alias"].create(
            {"name": "3M", "partner_id": cls.mmm.id, "kind": "acronym"}
        )
        cls.national_rep = cls.users["prio"]
        cls.env["crm.named.account"].create(
            {"partner_id": cls.mmm.id, "owner_kind": "user", "user_id": cls.national_rep.id}
        )

    def test_variant_name_reaches_the_national_account_rep(self):
        lead = self._route_lead("55144", partner_name="3M", email_from="lee@gmail.com")
        self.assertEqual(lead.refinery_account_id, self.mmm, "identity resolved the variant")
        self.assertEqual(lead.user_id, self.national_rep, "named account beats the ZIP5 rule")
        text = lead.refinery_route_explanation
        self.assertIn("named accounts override territories", text)
        self.assertIn(f"account #{self.mmm.id} is a named account", text, "the ZIP5 rule lost")

    def test_divisions_follow_their_parent(self):
        contact = self.env["res.partner"].create(
            {"name": "Dana Buyer", "parent_id": self.division.id}
        )
        lead = self._route_lead("55144", partner_id=contact.id)
        self.assertEqual(lead.user_id, self.national_rep)

    def test_unknown_company_goes_by_geography(self):
        lead = self._route_lead("55144", partner_name="Quetzal Robotics")
        self.assertEqual(lead.user_id, self.users["zip5"])


@tagged("post_install", "-at_install")
class TestRoundRobin(RoutingCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.reps = [cls.users[name] for name in ("zip4", "zip5", "scf", "county")]
        cls.team = cls.env["crm.team"].create({"name": "New England", "member_ids": []})
        cls.territory = cls._territory(
            "team",
            [{"kind": "state", "value": "MA"}],
            owner=cls.team,
            member_ids=[Command.create({"user_id": rep.id}) for rep in cls.reps[:3]],
        )

    def _counts(self, leads):
        return sorted(
            (
                len(leads.filtered(lambda lead, rep=rep: lead.user_id == rep))
                for rep in self.reps[:3]
            ),
        )

    def test_fair_within_one_lead_whatever_the_member_order(self):
        # The member created last starts with the fewest leads: it is served first.
        self.territory.member_ids[2].assigned_count = 0
        leads = self.Lead.create(
            [
                {"name": f"L{i}", "zip": "01002", "country_id": self.us.id, "user_id": False}
                for i in range(31)
            ]
        )
        counts = self._counts(leads)
        self.assertLessEqual(counts[-1] - counts[0], 1)
        self.assertEqual(sum(counts), 31)
        self.assertEqual(set(leads.team_id), {self.team})
        one_by_one = self.Lead.browse()
        for i in range(5):
            one_by_one |= self._route_lead("01002", name=f"M{i}")
        self.assertEqual(sorted(self.territory.member_ids.mapped("assigned_count")), [12, 12, 12])
        self.assertIn("Round-robin:", one_by_one[0].refinery_route_explanation)

    def test_weights(self):
        self.territory.member_ids[0].weight = 2
        leads = self.Lead.create(
            [
                {"name": f"L{i}", "zip": "01002", "country_id": self.us.id, "user_id": False}
                for i in range(40)
            ]
        )
        heavy = len(leads.filtered(lambda lead: lead.user_id == self.reps[0]))
        self.assertEqual(heavy, 20)

    def test_capacity_and_time_off(self):
        first, second, third = self.territory.member_ids
        first.capacity = 1
        self._lead(name="Already open", user_id=first.user_id.id)
        resource = self.env["resource.resource"].create(
            {"name": second.user_id.name, "user_id": second.user_id.id}
        )
        self.env["resource.calendar.leaves"].create(
            {
                "name": "Vacation",
                "resource_id": resource.id,
                "date_from": datetime(2026, 3, 1, 0, 0),
                "date_to": datetime(2026, 3, 20, 23, 0),
            }
        )
        with freeze_time("2026-03-10 10:00:00"):
            lead = self._route_lead("01002")
            self.assertEqual(lead.user_id, third.user_id)
            text = lead.refinery_route_explanation
            self.assertIn("at capacity (1/1", text)
            self.assertIn("on leave 2026-03-01..2026-03-20", text)
        with freeze_time("2026-03-23 10:00:00"):
            self.assertEqual(self._route_lead("01002").user_id, second.user_id)

    def test_grade_rules_send_a_leads_to_field_reps(self):
        field_rep, inside1, inside2 = self.territory.member_ids
        field_rep.grades = "A, B"
        (inside1 | inside2).write({"grades": "C, D"})
        a_lead = self._route_lead("01002", expected_revenue=80000, probability=70)
        self.assertEqual(a_lead.refinery_grade, "A")
        self.assertEqual(a_lead.user_id, field_rep.user_id)
        c_lead = self._route_lead("01002", expected_revenue=15000, probability=5)
        self.assertEqual(c_lead.refinery_grade, "C")
        self.assertIn(c_lead.user_id, (inside1 | inside2).user_id)

    def test_nobody_available_goes_to_the_team_leader_or_the_queue(self):
        self.territory.member_ids.write({"available": False})
        lead = self._route_lead("01002")
        self.assertEqual(lead.refinery_unroutable_reason, "no_member")
        self.assertFalse(lead.user_id)
        self.team.user_id = self.manager
        lead = self._route_lead("01002")
        self.assertEqual(lead.user_id, self.manager)
        self.assertIn("team leader", lead.refinery_route_explanation)


@tagged("post_install", "-at_install")
class TestPartnerChannel(RoutingCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Partner = cls.env["res.partner"]
        cls.distributor = Partner.create({"name": "Acme Distribution", "is_company": True})
        cls.portal_user = new_test_user(
            cls.env,
            login="lr_acme_portal",
            name="Pat Portal",
            groups="base.group_portal",
        )
        cls.portal_user.partner_id.parent_id = cls.distributor
        cls._territory("partner", [{"kind": "zip5", "value": "02134"}], owner=cls.distributor)

    def test_partner_territory_hands_the_lead_to_the_partner_and_tells_its_portal_users(self):
        lead = self._route_lead("02134")
        self.assertEqual(lead.refinery_partner_id, self.distributor)
        self.assertEqual(lead.refinery_partner_state, "pending")
        self.assertFalse(lead.refinery_partner_accepted)
        self.assertTrue(lead.refinery_partner_assigned_date)
        self.assertFalse(lead.refinery_unowned, "a partner-owned lead is owned")
        self.assertEqual(lead._refinery_sla_owner(), self.distributor)
        notice = lead.message_ids.filtered(
            lambda message: self.portal_user.partner_id in message.partner_ids
        )
        self.assertEqual(len(notice), 1)
        self.assertIn("accept or reject", notice.body)


@tagged("post_install", "-at_install")
class TestRoutingFilters(RoutingCase):
    """Rules restricted to sales teams or product categories (Chicago, SCF 606)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.teams = cls.env["crm.team"].create([{"name": "Direct"}, {"name": "Channel"}])
        cls.drives = cls.env["product.category"].create({"name": "Drives"})
        cls._territory(
            "zip5",
            [{"kind": "zip5", "value": "60601", "team_ids": [Command.set(cls.teams[0].ids)]}],
        )
        cls._territory(
            "prio",
            [{"kind": "zip5", "value": "60601", "category_ids": [Command.set(cls.drives.ids)]}],
        )
        cls._territory("scf", [{"kind": "scf", "value": "606"}])

    def _owner(self, **values):
        return self._route_lead("60601", **values).user_id

    def test_team_and_category_filters(self):
        self.assertEqual(self._owner(team_id=self.teams[0].id), self.users["zip5"])
        self.assertEqual(self._owner(team_id=self.teams[1].id), self.users["scf"])
        self.assertEqual(
            self._owner(team_id=self.teams[1].id, refinery_category_id=self.drives.id),
            self.users["prio"],
        )

    def test_a_filter_on_an_archived_team_still_restricts_the_rule(self):
        self.teams[0].action_archive()
        self.assertEqual(self._owner(team_id=self.teams[1].id), self.users["scf"])


@tagged("post_install", "-at_install")
class TestRoutingAccess(RoutingCase):
    def test_reps_read_territories_managers_edit_them(self):
        territory = self._territory("zip5", [{"kind": "zip5", "value": "02134"}])
        self.assertTrue(territory.with_user(self.rep).read(["name"]))
        self.assertTrue(territory.rule_ids.with_user(self.rep).read(["value"]))
        for record, values in (
            (territory, {"name": "Mine"}),
            (territory.rule_ids, {"value": "02135"}),
        ):
            with self.assertRaises(AccessError):
                record.with_user(self.rep).write(values)
        with self.assertRaises(AccessError):
            self.env["crm.named.account"].with_user(self.rep).create(
                {"partner_id": self.rep.partner_id.id, "user_id": self.rep.id}
            )
        territory.with_user(self.manager).name = "Boston"
        territory.rule_ids.with_user(self.manager).value = "02135"
        self.assertEqual(territory.rule_ids.value, "02135")

    def test_views_load(self):
        for model in (
            "crm.territory",
            "crm.territory.rule",
            "crm.named.account",
            "crm.territory.county.override",
            "crm.lead.routing",
        ):
            self.env[model].with_user(self.manager).get_views([(False, "list"), (False, "form")])
        arch = self.Lead.with_user(self.rep).get_views(
            [(self.env.ref("crm.crm_lead_view_form").id, "form")]
        )["views"]["form"]["arch"]
        self.assertIn("refinery_route_explanation", arch)
