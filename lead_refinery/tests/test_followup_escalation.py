from datetime import timedelta

from freezegun import freeze_time

from odoo.exceptions import AccessError
from odoo.tests import tagged
from odoo.tools.safe_eval import safe_eval

from odoo.addons.lead_refinery.models.crm_lead_followup import SlaCache

from .common import FollowupCase, in_ny, ny

ESCALATION_LOGGER = "odoo.addons.lead_refinery.models.crm_lead_escalation"
MONDAY_10 = ny(2026, 3, 16, 10)


@tagged("post_install", "-at_install")
class TestFollowupEscalation(FollowupCase):
    def _new_lead(self, when=MONDAY_10, **values):
        with freeze_time(when):
            return self._lead(**values)

    def _hourly(self, lead, start, end, check=None):
        """Run the cron every hour from ``start`` to ``end`` (naive UTC)."""
        now = start
        while now <= end:
            self._run_cron(now)
            if check:
                check(now)
            now += timedelta(hours=1)

    def test_clock_starts_at_assignment_and_picks_the_team_policy(self):
        lead = self._new_lead()
        self.assertEqual(lead.sla_policy_id, self.policy)
        self.assertEqual(lead.sla_start, MONDAY_10)
        self.assertEqual(in_ny(lead.sla_deadline), in_ny(ny(2026, 3, 18, 10)))
        # Warning 4 working hours before Wednesday 10:00: Wednesday 8-10, Tuesday 15-17.
        self.assertEqual(lead.sla_next_check, ny(2026, 3, 17, 15))
        no_team = self._new_lead(team_id=False)
        self.assertEqual(
            no_team.sla_policy_id, self.env.ref("lead_refinery.crm_sla_policy_default")
        )
        unowned = self._new_lead(user_id=False)
        self.assertFalse(unowned.sla_start or unowned.sla_next_check)

    def test_flow_warning_breach_reassignment_cap_manager_queue(self):
        lead = self._new_lead()
        owners = []

        def check(now):
            self.assertTrue(lead.user_id, "the cron never leaves a lead without an owner")
            if not owners or owners[-1] != lead.user_id:
                owners.append(lead.user_id)

        self._hourly(lead, MONDAY_10, ny(2026, 3, 27, 10), check)
        self.assertEqual(
            self._events(lead),
            [
                ("warn", "Tue 17 15:00"),
                ("breach", "Wed 18 10:00"),
                ("reassign", "Wed 18 15:00"),  # grace: 4 working hours, lunch excluded
                ("warn", "Fri 20 10:00"),
                ("breach", "Fri 20 15:00"),
                ("reassign", "Mon 23 10:00"),  # grace over the weekend
                ("warn", "Tue 24 15:00"),
                ("breach", "Wed 25 10:00"),
                ("escalate", "Wed 25 15:00"),  # 2 reassignments: the cap
            ],
        )
        # Never the same rep twice, least loaded first (ties by id).
        self.assertEqual(owners, [self.rep, self.rep2, self.rep3])
        self.assertEqual(lead.reassign_count, 2)
        self.assertTrue(lead.sla_escalated and lead.sla_breached)
        self.assertEqual(lead.user_id, self.rep3, "an escalated lead keeps its owner")
        queue = self.env.ref("lead_refinery.crm_lead_refinery_manager_queue_action")
        self.assertIn(lead, self.Lead.search(safe_eval(queue.domain)))
        self.assertIn(lead, self.Lead.search([("sla_breached", "=", True)]))
        self.assertIn(lead, self.Lead.search([("sla_overdue", "=", True)]))
        # The owner was told before each step, the manager at each breach and escalation.
        self.assertEqual(len(self._digests(self.rep)), 3)  # warn, breach, taken away
        manager_activities = self.env["mail.activity"].search(
            [
                ("res_id", "=", lead.id),
                ("res_model", "=", "crm.lead"),
                ("user_id", "=", self.manager.id),
            ]
        )
        self.assertEqual(len(manager_activities), 3)
        self.assertEqual(set(manager_activities.mapped("summary")), {"SLA breached"})
        # Manager: 3 breaches, 2 reassignments, 1 escalation.
        self.assertEqual(len(self._digests(self.manager)), 6)

    def test_manager_releases_or_reassigns_an_escalated_lead(self):
        lead = self._new_lead()
        lead.sudo().write({"sla_escalated": True, "sla_breach_notified": True})
        with freeze_time(ny(2026, 3, 26, 9)):
            lead.with_user(self.manager).action_sla_release()
        self.assertFalse(lead.sla_escalated)
        self.assertEqual(lead.user_id, self.rep)
        self.assertEqual(lead.sla_start, ny(2026, 3, 26, 9))
        self.assertEqual(lead.sla_deadline, ny(2026, 3, 30, 9))
        lead.sudo().sla_escalated = True
        with freeze_time(ny(2026, 3, 27, 9)):
            lead.with_user(self.manager).user_id = self.rep2
        self.assertFalse(lead.sla_escalated, "a manager's reassignment takes it out of the queue")
        self.assertEqual(lead.sla_start, ny(2026, 3, 27, 9))

    def test_reassignment_says_why_in_the_chatter(self):
        lead = self._new_lead()
        lead.sudo().write({"sla_warned": True, "sla_breach_notified": True})
        self._flush_tracking()
        counts = self._run_cron(ny(2026, 3, 18, 15), tracking_disable=False)
        self._flush_tracking()
        self.assertEqual(counts, {"reassign": 1})
        self.assertEqual(lead.user_id, self.rep2)
        tracking = lead.message_ids.filtered(
            lambda message: "user_id" in message.tracking_value_ids.field_id.mapped("name")
        )
        self.assertEqual(len(tracking), 1)
        self.assertIn("Reassigned by the follow-up control", tracking.body)
        self.assertIn("Rita Rep did not respond in time", tracking.body)
        digest = self._digests(self.rep2)
        self.assertEqual(len(digest), 1)
        self.assertIn("taken over from Rita Rep", digest.body)

    def test_cron_is_idempotent(self):
        lead = self._new_lead()
        self.assertEqual(self._run_cron(ny(2026, 3, 18, 11)), {"breach": 1})
        messages = len(lead.message_ids)
        self.assertEqual(self._run_cron(ny(2026, 3, 18, 11)), {})
        self.assertEqual(self._run_cron(ny(2026, 3, 18, 12)), {})
        self.assertEqual(len(lead.message_ids), messages)
        self.assertEqual([kind for kind, _when in self._events(lead)], ["breach"])

    def test_late_cron_climbs_one_step_per_run(self):
        lead = self._new_lead()
        self.assertEqual(self._run_cron(ny(2026, 4, 10, 10)), {"breach": 1})
        self.assertEqual(lead.user_id, self.rep, "never reassigned before the owner was told")
        self.assertEqual(self._run_cron(ny(2026, 4, 10, 11)), {"reassign": 1})

    def test_touch_answers_the_deadline(self):
        lead = self._new_lead()
        with freeze_time(ny(2026, 3, 17, 11)):
            lead.with_user(self.rep).activity_schedule(
                "mail.mail_activity_data_call", user_id=self.rep.id
            ).action_feedback(feedback="Spoke with the buyer")
            self._end_transaction()
        self.assertTrue(lead.sla_met)
        # Follow-up: 3 working days after the touch, Friday 11:00.
        self.assertEqual(lead.sla_deadline, ny(2026, 3, 20, 11))
        self.assertEqual(self._run_cron(ny(2026, 3, 18, 10)), {})
        self.assertEqual(self._events(lead), [("met", "Tue 17 11:00")])

    def test_cost_grows_with_due_leads_only(self):
        """The run reads only the leads whose next check passed (an indexed column)."""
        leads = self.Lead
        for day in range(5):
            leads |= self._new_lead(when=MONDAY_10 + timedelta(days=day))
        due = self.Lead._refinery_sla_due_ids(ny(2026, 3, 18, 10))
        self.assertEqual(due, leads[:1].ids)
        self.env.cr.execute(
            "SELECT indexdef FROM pg_indexes WHERE tablename = 'crm_lead' "
            "AND indexdef LIKE '%%(sla_next_check)%%'"
        )
        self.assertTrue(self.env.cr.fetchall(), "sla_next_check is indexed")

    # ------------------------------------------------------------------ bad input

    def test_no_team_escalates_instead_of_reassigning(self):
        lead = self._new_lead(team_id=False)
        lead.sudo().write({"sla_warned": True, "sla_breach_notified": True})
        with self.assertLogs(ESCALATION_LOGGER, "WARNING") as logs:
            counts = self._run_cron(ny(2026, 3, 19, 10))
        self.assertEqual(counts, {"escalate": 1})
        self.assertIn("no sales team", "\n".join(logs.output))
        self.assertEqual(lead.user_id, self.rep)
        self.assertTrue(lead.sla_escalated)

    def test_only_eligible_rep_is_the_owner(self):
        solo = self.env["crm.team"].create(
            {"name": "Solo", "user_id": self.manager.id, "member_ids": self.rep.ids}
        )
        lead = self._new_lead(team_id=solo.id)
        lead.sudo().write({"sla_warned": True, "sla_breach_notified": True})
        with self.assertLogs(ESCALATION_LOGGER, "WARNING") as logs:
            counts = self._run_cron(ny(2026, 3, 19, 10))
        self.assertEqual(counts, {"escalate": 1})
        self.assertIn("cannot be reassigned", logs.output[0])
        self.assertEqual(lead.user_id, self.rep)
        self.assertTrue(lead.sla_escalated)
        self.assertFalse(lead.reassign_count)

    def test_archived_reps_are_never_picked(self):
        lead = self._new_lead()
        lead.sudo().write({"sla_warned": True, "sla_breach_notified": True})
        self.rep2.active = False
        self._run_cron(ny(2026, 3, 19, 10))
        self.assertEqual(lead.user_id, self.rep3)

    def test_archived_owner_is_logged_and_loses_the_late_lead(self):
        lead = self._new_lead()
        self.rep.active = False
        with self.assertLogs(ESCALATION_LOGGER, "WARNING") as logs:
            self.assertEqual(self._run_cron(ny(2026, 3, 18, 11)), {"breach": 1})
        self.assertIn("lr_rep is archived", logs.output[0])
        self.assertFalse(self._digests(self.rep), "archived users are not notified")
        self.assertEqual(self._run_cron(ny(2026, 3, 18, 16)), {"reassign": 1})
        self.assertEqual(lead.user_id, self.rep2)

    def test_capacity_and_load_balancing(self):
        # Rob is at capacity (1 lead assigned in the last 30 days, capacity 1).
        self.team.crm_team_member_ids.filtered(lambda m: m.user_id == self.rep2).assignment_max = 1
        self._new_lead(user_id=self.rep2.id)
        lead = self._new_lead()
        self.assertEqual(lead._refinery_pick_reassignee(), self.rep3)
        # Without capacity limits the least loaded rep wins: Ray (0 open leads) over Rob (1).
        self.team.crm_team_member_ids.assignment_max = 30
        self.assertEqual(lead._refinery_pick_reassignee(), self.rep3)
        self._new_lead(user_id=self.rep3.id)
        self._new_lead(user_id=self.rep3.id)
        self.assertEqual(lead._refinery_pick_reassignee(), self.rep2)
        # Opted out of automatic assignment: never picked.
        self.team.crm_team_member_ids.filtered(
            lambda m: m.user_id == self.rep2
        ).assignment_optout = True
        self.assertEqual(lead._refinery_pick_reassignee(), self.rep3)

    def test_rep_from_another_company_is_not_picked(self):
        other = self.env["res.company"].create({"name": "Refinery Europe"})
        self.rep2.write({"company_ids": [(4, other.id)], "company_id": other.id})
        self.rep2.company_ids -= self.company
        lead = self._new_lead()
        self.assertEqual(lead._refinery_pick_reassignee(), self.rep3)

    def test_no_owner_invariant_over_weeks_of_runs(self):
        """Whatever happens, every lead the cron touches keeps an owner."""
        solo = self.env["crm.team"].create({"name": "Solo", "member_ids": self.rep.ids})
        leads = (
            self._new_lead()
            | self._new_lead(team_id=False)
            | self._new_lead(team_id=solo.id)
            | self._new_lead(user_id=self.rep2.id)
        )
        self.rep3.active = False

        def check(now):
            self.assertFalse(leads.filtered(lambda lead: not lead.user_id), now)

        self._hourly(leads, MONDAY_10, ny(2026, 4, 10, 10), check)
        events = self.env["crm.sla.event"].search([("lead_id", "in", leads.ids)])
        reassigned = events.filtered(lambda event: event.kind == "reassign")
        self.assertTrue(reassigned)
        for event in reassigned:
            self.assertNotEqual(event.user_id, event.new_user_id)
            self.assertTrue(event.new_user_id.active)
        self.assertTrue(all(leads.mapped("sla_escalated")))

    def test_failing_lead_does_not_stop_the_run(self):
        first = self._new_lead()
        second = self._new_lead()
        original = type(self.Lead)._refinery_sla_do_breach

        def breach(lead, *args):
            if lead == first:
                raise RuntimeError("simulated failure")
            return original(lead, *args)

        self.patch(type(self.Lead), "_refinery_sla_do_breach", breach)
        with self.assertLogs(ESCALATION_LOGGER, "ERROR"):
            counts = self._run_cron(ny(2026, 3, 18, 11))
        self.assertEqual(counts, {"error": 1, "breach": 1})
        self.assertFalse(first.sla_breach_notified)
        self.assertTrue(second.sla_breach_notified)


@tagged("post_install", "-at_install")
class TestFollowupPartnerOwned(FollowupCase):
    """Partner-owned leads through the follow-up hooks alone, isolated from routing.

    The hooks are patched here so that the cron's own rules are tested without
    territories; ``test_routing_followup`` runs the same flow through routing.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.partner_a = cls.env["res.partner"].create(
            {"name": "Acme Automation (reseller)", "is_company": True, "email": "sales@acme.test"}
        )
        cls.partner_b = cls.env["res.partner"].create(
            {"name": "Bolt Controls (reseller)", "is_company": True, "email": "leads@bolt.test"}
        )

    def setUp(self):
        super().setUp()
        self.partner_owner = {}
        self.next_partner = self.env["res.partner"]
        Lead = type(self.Lead)
        test = self

        def owner(lead):
            return test.partner_owner.get(lead.id) or lead.user_id

        def set_owner(lead, new_owner, reason):
            test.partner_owner[lead.id] = new_owner
            lead._message_log(body=reason)
            test._owner_changed(lead)

        self.patch(Lead, "_refinery_sla_owner", owner)
        self.patch(Lead, "_refinery_sla_set_owner", set_owner)
        self.patch(Lead, "_refinery_pick_partner_reassignee", lambda lead: test.next_partner)

    def _owner_changed(self, lead):
        """What the write of ``refinery_partner_id`` will do once routing adds the field."""
        cache = SlaCache(lead.env)
        lead._refinery_sla_owner_changed(cache)
        lead._refinery_sla_refresh(cache)

    def _partner_lead(self):
        with freeze_time(MONDAY_10):
            lead = self._lead(user_id=False)
            self.partner_owner[lead.id] = self.partner_a
            self._owner_changed(lead)
        return lead

    def test_partner_that_does_not_accept_in_time_loses_the_lead(self):
        lead = self._partner_lead()
        self.assertEqual(lead.sla_deadline, ny(2026, 3, 18, 10))
        self.next_partner = self.partner_b
        # Touches by our own reps do not answer the partner's clock.
        lead.sudo().write({"date_last_touch": ny(2026, 3, 17, 9)})
        self.assertEqual(self._run_cron(ny(2026, 3, 18, 10)), {"breach": 1})
        partner_notices = self.env["mail.message"].search(
            [("message_type", "=", "user_notification"), ("partner_ids", "in", self.partner_a.ids)]
        )
        self.assertEqual(len(partner_notices), 1)
        self.assertEqual(self._run_cron(ny(2026, 3, 18, 15)), {"reassign": 1})
        self.assertEqual(lead._refinery_sla_owner(), self.partner_b)
        self.assertEqual(lead.reassign_count, 1)
        self.assertEqual(
            lead.sla_start, ny(2026, 3, 18, 15), "the clock restarts for the new partner"
        )
        reassigned = lead.sla_event_ids.filtered(lambda event: event.kind == "reassign")
        self.assertEqual(reassigned.partner_id, self.partner_a)

    def test_no_next_partner_escalates_and_keeps_the_partner(self):
        lead = self._partner_lead()
        self._run_cron(ny(2026, 3, 18, 10))
        with self.assertLogs(ESCALATION_LOGGER, "WARNING") as logs:
            self.assertEqual(self._run_cron(ny(2026, 3, 18, 15)), {"escalate": 1})
        self.assertIn("no other partner", logs.output[0])
        self.assertEqual(lead._refinery_sla_owner(), self.partner_a)
        self.assertTrue(lead.sla_escalated)


@tagged("post_install", "-at_install")
class TestFollowupAccess(FollowupCase):
    def test_reps_read_the_configuration_managers_edit_it(self):
        Policy = self.env["crm.sla.policy"]
        self.assertTrue(Policy.with_user(self.rep).search([("id", "=", self.policy.id)]))
        with self.assertRaises(AccessError):
            self.policy.with_user(self.rep).first_response_days = 5
        self.policy.with_user(self.manager).first_response_days = 1.5
        plan = self.env.ref("lead_refinery.crm_contact_plan_grade_a")
        self.assertTrue(plan.with_user(self.rep).step_ids)
        with self.assertRaises(AccessError):
            plan.with_user(self.rep).name = "Mine"

    def test_views_load_for_reps_and_managers(self):
        for user in (self.rep, self.manager):
            Lead = self.env["crm.lead"].with_user(user)
            views = Lead.get_views(
                [
                    (self.env.ref("crm.crm_lead_view_form").id, "form"),
                    (self.env.ref("lead_refinery.crm_lead_view_list").id, "list"),
                    (self.env.ref("lead_refinery.crm_lead_view_search").id, "search"),
                ]
            )
            self.assertIn("sla_deadline", views["views"]["form"]["arch"])
            self.assertIn('name="sla_escalated"', views["views"]["search"]["arch"])
        for model in ("crm.sla.policy", "crm.contact.plan", "crm.sla.event"):
            self.env[model].with_user(self.manager).get_views([(False, "list"), (False, "form")])
        self.assertEqual(
            self.env.ref("lead_refinery.ir_cron_sla_escalate").code, "model._cron_sla_escalate()"
        )
