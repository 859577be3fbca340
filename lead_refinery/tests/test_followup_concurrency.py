"""Two workers, and a crash, on real committed data.

A second database connection cannot see the test transaction, so these tests
commit their own data through separate cursors and delete it afterwards.
"""

import logging
import uuid
from unittest.mock import patch

from freezegun import freeze_time

from odoo import SUPERUSER_ID, Command, api
from odoo.tests import TransactionCase, new_test_user, tagged

from odoo.addons.lead_refinery.models.crm_lead_escalation import SlaRun

from .common import ny

CREATED = ny(2026, 3, 16, 10)  # first response due Wednesday 18th 10:00, grace until 14:00
JUST_LATE = ny(2026, 3, 18, 11)  # breached, within the grace period
LATE = ny(2026, 3, 26, 10)  # days after every deadline and grace period


@tagged("post_install", "-at_install")
class TestFollowupConcurrency(TransactionCase):
    def setUp(self):
        super().setUp()
        self.tag = uuid.uuid4().hex[:8]
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})
            users = env["res.users"]
            for name in ("owner", "rep_b", "rep_c", "manager"):
                users |= new_test_user(
                    env,
                    login=f"lr_cc_{self.tag}_{name}",
                    name=f"Concurrency {name}",
                    groups="sales_team.group_sale_salesman",
                    tz="America/New_York",
                    notification_type="inbox",
                )
            owner, rep_b, rep_c, manager = users
            calendar = env["resource.calendar"].create(
                {
                    "name": f"Concurrency {self.tag}",
                    "tz": "America/New_York",
                    "attendance_ids": [
                        Command.create(
                            {"name": str(day), "dayofweek": str(day), "hour_from": 8, "hour_to": 17}
                        )
                        for day in range(5)
                    ],
                }
            )
            env["resource.resource"].create(
                [
                    {"name": user.name, "user_id": user.id, "calendar_id": calendar.id}
                    for user in users
                ]
            )
            team = env["crm.team"].create(
                {
                    "name": f"Concurrency {self.tag}",
                    "user_id": manager.id,
                    "member_ids": (owner | rep_b | rep_c).ids,
                }
            )
            env["crm.sla.policy"].create(
                {
                    "name": f"Concurrency {self.tag}",
                    "team_id": team.id,
                    "first_response_days": 2,
                    "grace_hours": 4,
                    "warn_before_hours": 0,
                }
            )
            with freeze_time(CREATED):
                leads = env["crm.lead"].create(
                    [
                        {
                            "name": f"Concurrency {self.tag} {index}",
                            "user_id": owner.id,
                            "team_id": team.id,
                        }
                        for index in range(6)
                    ]
                )
            # Contact plans are not under test here (their cron phase is, elsewhere).
            leads.write({"contact_plan_pending": False})
        self.user_ids, self.team_id, self.lead_ids = users.ids, team.id, leads.ids
        self.calendar_id = calendar.id
        self.owner_id = owner.id
        self.addCleanup(self._remove_data)

    def _remove_data(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {"active_test": False})
            users = env["res.users"].browse(self.user_ids)
            env["mail.message"].search([("partner_ids", "in", users.partner_id.ids)]).unlink()
            env["crm.lead"].browse(self.lead_ids).unlink()
            env["crm.sla.policy"].search([("team_id", "=", self.team_id)]).unlink()
            env["crm.team"].browse(self.team_id).unlink()
            env["resource.resource"].search([("user_id", "in", users.ids)]).unlink()
            env["resource.calendar"].browse(self.calendar_id).unlink()
            try:
                with cr.savepoint():
                    users.unlink()
            except Exception:  # still referenced (messages...): archive them instead
                users.write({"active": False})

    def _env(self, cr):
        return api.Environment(cr, SUPERUSER_ID, {})

    def _mark(self, **flags):
        with self.registry.cursor() as cr:
            self._env(cr)["crm.lead"].browse(self.lead_ids).write(flags)

    def _results(self):
        with self.registry.cursor() as cr:
            env = self._env(cr)
            leads = env["crm.lead"].browse(self.lead_ids)
            return {
                lead.id: (
                    lead.user_id.id,
                    lead.reassign_count,
                    tuple(sorted(lead.sla_event_ids.mapped("kind"))),
                )
                for lead in leads
            }

    def test_two_workers_never_act_on_the_same_lead(self):
        self._mark(sla_breach_notified=True)  # due for reassignment
        with (
            freeze_time(LATE),
            self.registry.cursor() as cr1,
            self.registry.cursor() as cr2,
        ):
            # Worker 1 reassigns every lead and holds their row locks (not committed yet).
            self.assertEqual(self._env(cr1)["crm.lead"]._action_sla_escalate(), {"reassign": 6})
            # Worker 2 runs meanwhile: every due lead is locked, so it skips them all.
            with self.assertLogs(
                "odoo.addons.lead_refinery.models.crm_lead_escalation", logging.INFO
            ) as logs:
                self.assertEqual(self._env(cr2)["crm.lead"]._action_sla_escalate(), {})
            self.assertIn("6 lead(s) skipped, locked by another worker", "\n".join(logs.output))
            cr1.commit()
            # Worker 2, still on its old snapshot, sees the leads as due: the lock
            # fails with a serialization error and it leaves them to worker 1.
            with self.assertLogs(
                "odoo.addons.lead_refinery.models.crm_lead_escalation", logging.INFO
            ) as logs:
                self.assertEqual(self._env(cr2)["crm.lead"]._action_sla_escalate(), {})
            self.assertIn("changed by another worker since this run began", logs.output[0])
            cr2.rollback()
            # A fresh transaction sees they are no longer due (it only starts the
            # new owners' contact plans).
            counts = self._env(cr2)["crm.lead"]._action_sla_escalate()
            self.assertFalse(set(counts) - {"plan"}, counts)
        results = self._results()
        for user_id, reassign_count, kinds in results.values():
            self.assertNotEqual(user_id, self.owner_id)
            self.assertTrue(user_id, "never without an owner")
            self.assertEqual(reassign_count, 1, "reassigned exactly once")
            self.assertEqual(kinds, ("reassign",))

    def test_crash_mid_batch_resumes_without_loss_or_repeat(self):
        Lead = type(self.env["crm.lead"])
        original_flush = SlaRun.flush
        flushes = []

        def crashing_flush(run):
            flushes.append(run)
            if len(flushes) == 2:
                raise RuntimeError("worker killed in the middle of batch 2")
            return original_flush(run)

        with freeze_time(JUST_LATE), self.registry.cursor() as cr:
            with (
                patch.object(SlaRun, "flush", crashing_flush),
                patch.object(Lead, "_refinery_sla_auto_commit", lambda self: True),
                self.assertRaises(RuntimeError),
            ):
                self._env(cr)["crm.lead"]._action_sla_escalate(batch_size=2)
            cr.rollback()  # the crashed worker's open transaction is lost
        results = self._results()
        first_batch = sorted(self.lead_ids)[:2]
        self.assertEqual(
            {lead_id for lead_id, result in results.items() if result[2] == ("breach",)},
            set(first_batch),
            "batch 1 was committed before the crash, batch 2 was not",
        )
        with freeze_time(JUST_LATE), self.registry.cursor() as cr:
            self.assertEqual(self._env(cr)["crm.lead"]._action_sla_escalate(), {"breach": 4})
        for user_id, _count, kinds in self._results().values():
            self.assertEqual(kinds, ("breach",), "each lead notified once, none lost")
            self.assertEqual(user_id, self.owner_id)
