import unittest
from unittest.mock import patch

from odoo.tests import tagged

from odoo.addons.mail.models.mail_message import Message

from .common import RefineryCase


class ChatterCase(RefineryCase):
    """Tracking on, and no "you have been assigned" notifications to count or send."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(
            context=dict(
                cls.env.context, tracking_disable=False, mail_auto_subscribe_no_notify=True
            )
        )
        cls.Lead = cls.env["crm.lead"]


@tagged("post_install", "-at_install")
class TestBatchedTracking(ChatterCase):
    """Tracking logs of many leads are created together, and read as Odoo's own do."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.leads = cls.Lead.create(
            [{"name": f"Tracked lead {i}", "type": "lead", "user_id": cls.rep.id} for i in range(4)]
        )
        cls.single = cls.Lead.create(
            {"name": "Tracked alone", "type": "lead", "user_id": cls.rep.id}
        )
        cls.env.flush_all()
        cls.env.cr.precommit.run()  # records created in this transaction are tracked after it

    def _new_messages(self, leads, since):
        return self.env["mail.message"].search(
            [("model", "=", "crm.lead"), ("res_id", "in", leads.ids), ("id", ">", since)],
            order="res_id, id",
        )

    def _last_message_id(self):
        return self.env["mail.message"].search([], order="id desc", limit=1).id

    def _summary(self, message):
        return {
            "author": message.author_id,
            "email_from": message.email_from,
            "reply_to": message.reply_to,
            "subtype": message.subtype_id,
            "message_type": message.message_type,
            "is_internal": message.is_internal,
            "record_name": message.record_name,
            "tracking": [
                (value.field_id.name, value.old_value_integer, value.new_value_integer)
                for value in message.sudo().tracking_value_ids
            ],
        }

    def test_mass_owner_change_is_one_insert_with_each_leads_values(self):
        since = self._last_message_id()
        for index, lead in enumerate(self.leads):
            lead._track_set_log_message(f"Reason {index}")
        self.single._track_set_log_message("Reason alone")
        (self.leads | self.single).write({"user_id": self.rep2.id})
        creates = []
        original = Message.create

        def counting_create(model, values_list):
            creates.append(len(values_list) if isinstance(values_list, list) else 1)
            return original(model, values_list)

        with patch.object(Message, "create", counting_create):
            self._flush_tracking()
        self.assertEqual(creates, [5], "one create for the five tracking messages")
        messages = self._new_messages(self.leads | self.single, since)
        self.assertEqual(len(messages), 5)
        self.assertEqual(
            [message.body for message in messages],
            [f"<p>Reason {i}</p>" for i in range(4)] + ["<p>Reason alone</p>"],
        )
        # The same message as Odoo's own one-by-one log (a single lead takes Odoo's path).
        self.single.write({"user_id": self.rep.id})
        self._flush_tracking()
        reference = self._new_messages(self.single, messages[-1].id)
        self.assertEqual(len(reference), 1)
        expected = self._summary(reference)
        expected["tracking"] = [("user_id", self.rep.id, self.rep2.id)]
        for message in messages:
            self.assertEqual(self._summary(message), expected)
            self.assertTrue(message.message_id)
        self.assertEqual(len(set(messages.mapped("message_id"))), 5)

    def test_changes_with_a_subtype_still_post_and_notify(self):
        won = self.env["crm.stage"].search([("is_won", "=", True)], limit=1)
        since = self._last_message_id()
        self.leads[:2].write({"stage_id": won.id})
        self.leads[2:].write({"user_id": self.rep2.id})
        self._flush_tracking()
        messages = self._new_messages(self.leads, since)
        self.assertEqual(len(messages), 4)
        won_subtype = self.env.ref("crm.mt_lead_won")
        note = self.env.ref("mail.mt_note")
        by_lead = {message.res_id: message for message in messages}
        for lead in self.leads[:2]:
            self.assertEqual(by_lead[lead.id].subtype_id, won_subtype)
            self.assertEqual(by_lead[lead.id].message_type, "notification")
        for lead in self.leads[2:]:
            self.assertEqual(by_lead[lead.id].subtype_id, note)
            self.assertEqual(by_lead[lead.id].sudo().tracking_value_ids.field_id.name, "user_id")

    def test_a_failing_log_keeps_nothing_half_done(self):
        self.leads.write({"user_id": self.rep2.id})
        # Not self.assertRaises: its savepoint would run the pre-commit hooks before the patch.
        with (
            patch.object(Message, "create", side_effect=RuntimeError("disk full")),
            unittest.TestCase.assertRaises(self, RuntimeError),
        ):
            self._flush_tracking()
        # The collector is gone: the next tracking pass logs normally.
        self.assertNotIn("lead_refinery.tracking_logs", self.env.cr.precommit.data)
        since = self._last_message_id()
        self.leads.write({"user_id": self.rep.id})
        self._flush_tracking()
        self.assertEqual(len(self._new_messages(self.leads, since)), 4)


@tagged("post_install", "-at_install")
class TestGroupedSubscriptions(ChatterCase):
    """Auto-subscriptions of many small writes, made once per salesperson and per team."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.teams = cls.env["crm.team"].create([{"name": "North"}, {"name": "South"}])
        watcher = cls.env["res.partner"].create({"name": "Team watcher"})
        # The watcher and rep2 follow North with "lead created" (propagated to its leads as
        # "Opportunity created"); rep2 is also a salesperson below.
        cls.teams[0].message_subscribe(
            partner_ids=(watcher | cls.rep2.partner_id).ids,
            subtype_ids=cls.env.ref("crm.mt_salesteam_lead").ids,
        )
        cls.owners = [
            (cls.rep2, cls.teams[0], "0"),
            (cls.rep2, cls.teams[0], "1"),
            (cls.rep, cls.teams[0], "2"),
            (cls.rep, cls.teams[1], "3"),
            (cls.rep2, cls.teams[1], "1"),
        ]

    def _leads(self, name):
        return self.Lead.create(
            [
                {"name": f"{name} {i}", "type": "lead", "user_id": False, "team_id": False}
                for i in range(len(self.owners))
            ]
        )

    def _write_each(self, leads):
        for lead, (user, team, priority) in zip(leads, self.owners, strict=True):
            lead.write({"user_id": user.id, "team_id": team.id, "priority": priority})

    def _followers(self, lead):
        return {
            (follower.partner_id.id, frozenset(follower.subtype_ids.ids))
            for follower in lead.message_follower_ids
        }

    def test_same_followers_as_one_write_each_in_fewer_calls(self):
        reference = self._leads("One by one")
        self._write_each(reference)
        grouped = self._leads("Together")
        calls = []
        Followers = type(self.env["mail.followers"])
        original = Followers._insert_followers

        def counting(model, res_model, res_ids, *args, **kwargs):
            calls.append(sorted(res_ids))
            return original(model, res_model, res_ids, *args, **kwargs)

        with patch.object(Followers, "_insert_followers", counting):
            with self.Lead._refinery_subscribe_together():
                self._write_each(grouped)
                self.assertEqual(calls, [], "nothing subscribed inside the block")
        # Two teams, then two salespersons: four calls for five writes.
        self.assertEqual(len(calls), 4)
        self.assertEqual(calls[0], sorted(grouped[:3].ids))
        for mine, theirs in zip(grouped, reference, strict=True):
            self.assertEqual(self._followers(mine), self._followers(theirs))
        # rep2 follows North: on North's leads it keeps the team's subtype, as Odoo does.
        propagated = self.env.ref("crm.mt_salesteam_lead").parent_id
        rep2_on_north = grouped[0].message_follower_ids.filtered(
            lambda follower: follower.partner_id == self.rep2.partner_id
        )
        self.assertEqual(rep2_on_north.subtype_ids, propagated)

    def test_outside_the_block_writes_subscribe_at_once(self):
        leads = self._leads("Plain")
        leads[:1].write({"user_id": self.rep2.id})
        self.assertIn(self.rep2.partner_id, leads[0].message_partner_ids)
        self.assertNotIn("lead_refinery.subscriptions", self.env.cr.precommit.data)

    def test_a_failing_block_subscribes_nobody_and_ends_the_collection(self):
        leads = self._leads("Failing")
        with unittest.TestCase.assertRaises(self, RuntimeError):
            with self.Lead._refinery_subscribe_together():
                leads[:1].write({"user_id": self.rep2.id})
                raise RuntimeError("the transaction rolls back")
        self.assertNotIn("lead_refinery.subscriptions", self.env.cr.precommit.data)
        self.assertNotIn(self.rep2.partner_id, leads[0].message_partner_ids)
        leads[1:2].write({"user_id": self.rep2.id})
        self.assertIn(self.rep2.partner_id, leads[1].message_partner_ids)
