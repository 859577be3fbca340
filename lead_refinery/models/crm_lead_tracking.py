"""Chatter work of many leads done together: tracking messages and auto-subscriptions.

Odoo writes each lead's tracking message with its own ``mail.message``
create (``_message_track`` calls ``_message_log`` lead by lead), about 6 ms
per lead. Routing, realignment or a mass edit of the salesperson on
thousands of leads would spend most of its time there. Here, during one
tracking pass, the messages without a subtype (a plain log with tracking
values) are collected and created together. Messages with a subtype (stage,
won, lost, restored) still go through ``message_post`` and its notifications.

Likewise, each ``write`` subscribes the new salesperson and the followers of
the new team to the written leads (``_message_auto_subscribe``). A caller
writing many small groups of leads (routing writes one group per owner and
territory) can collect those subscriptions with
:meth:`CrmLead._refinery_subscribe_together` and make them once per
salesperson and once per team.
"""

from collections import defaultdict
from contextlib import contextmanager

from markupsafe import escape

from odoo import Command, models
from odoo.tools.mail import generate_tracking_message_id

_LOGS = "lead_refinery.tracking_logs"
_SUBSCRIPTIONS = "lead_refinery.subscriptions"


class CrmLead(models.Model):
    _inherit = "crm.lead"

    def _message_track(self, fields_iter, initial_values_dict):
        data = self.env.cr.precommit.data
        if len(self) < 2 or _LOGS in data:
            return super()._message_track(fields_iter, initial_values_dict)
        data[_LOGS] = logs = []
        try:
            tracking = super()._message_track(fields_iter, initial_values_dict)
        finally:
            data.pop(_LOGS, None)
        self._refinery_create_tracking_logs(logs)
        return tracking

    def _message_log(
        self,
        *,
        body="",
        subject=False,
        author_id=None,
        email_from=None,
        message_type="notification",
        partner_ids=False,
        attachment_ids=False,
        tracking_value_ids=False,
    ):
        logs = self.env.cr.precommit.data.get(_LOGS)
        collected = (
            logs is not None
            and tracking_value_ids
            and message_type == "notification"
            and not (subject or email_from or partner_ids or attachment_ids)
            and all(
                len(command) == 3 and command[0] == Command.CREATE for command in tracking_value_ids
            )
        )
        if not collected:
            return super()._message_log(
                body=body,
                subject=subject,
                author_id=author_id,
                email_from=email_from,
                message_type=message_type,
                partner_ids=partner_ids,
                attachment_ids=attachment_ids,
                tracking_value_ids=tracking_value_ids,
            )
        self.ensure_one()
        logs.append((self.id, body, author_id, tracking_value_ids))
        return self.env["mail.message"]

    def _refinery_create_tracking_logs(self, logs):
        """Create the collected tracking logs: the values ``_message_log_batch`` gives each one.

        Not ``_message_log_batch`` itself: it refuses tracking values for
        several records, and gives every message of the batch one Message-ID.
        """
        by_author = defaultdict(list)
        for lead_id, body, author_id, tracking_value_ids in logs:
            by_author[author_id].append((lead_id, body, tracking_value_ids))
        note = self.env["ir.model.data"]._xmlid_to_res_id("mail.mt_note")
        for author_id, items in by_author.items():
            author_id, email_from = self._message_compute_author(
                author_id, None, raise_on_email=False
            )
            base = {
                "author_id": author_id,
                "email_from": email_from,
                "model": self._name,
                "record_alias_domain_id": False,
                "record_company_id": False,
                "record_name": False,
                "message_type": "notification",
                "is_internal": True,
                "subtype_id": note,
                "email_add_signature": False,
                "reply_to": self.env["mail.thread"]._notify_get_reply_to(default=email_from)[False],
            }
            created = self.sudo()._message_create(
                [
                    dict(
                        base,
                        res_id=lead_id,
                        body=escape(body or ""),
                        message_id=generate_tracking_message_id("message-notify"),
                    )
                    for lead_id, body, _tracking in items
                ]
            )
            # mail.message creates each message's tracking values on its own: one create here.
            self.env["mail.tracking.value"].sudo().create(
                [
                    dict(command[2], mail_message_id=message.id)
                    for message, (_lead, _body, commands) in zip(created, items, strict=True)
                    for command in commands
                ]
            )

    # ------------------------------------------------------------------ followers

    @contextmanager
    def _refinery_subscribe_together(self):
        """Inside: lead writes collect their auto-subscriptions; on leaving, they are made.

        ``mail`` subscribes, for a write, the followers of the records its
        relation fields point to (the team's followers, with the subtypes the
        team propagates) and the new salesperson (default subtypes). Each
        field's subscriptions depend on that field's value only, so the leads
        given the same team, or the same salesperson, are subscribed in one
        call. The relation fields go first: a salesperson who already follows
        the team keeps the team's subtypes, as in a single call, where those
        win. Each call runs in the environment of the write that asked for it
        (user, context such as ``mail_auto_subscribe_no_notify``). When the
        block raises, what it collected is dropped: the transaction is about to
        roll back, and subscribing then could only hide the error.
        """
        data = self.env.cr.precommit.data
        if _SUBSCRIPTIONS in data:
            yield
            return
        data[_SUBSCRIPTIONS] = collected = defaultdict(list)
        try:
            yield
        finally:
            data.pop(_SUBSCRIPTIONS, None)
        relation_fields = self._refinery_subscription_relations()
        ordered = sorted(collected.items(), key=lambda item: item[0][1] not in relation_fields)
        for (env, name, value), lead_ids in ordered:
            env[self._name].browse(lead_ids)._message_auto_subscribe({name: value})

    def _refinery_subscription_relations(self):
        """Lead fields whose new value subscribes the followers of the record it points to."""
        relations = self.env["mail.message.subtype"]._get_auto_subscription_subtypes(self._name)[4]
        return {name for names in relations.values() for name in names}

    def _message_auto_subscribe(self, updated_values, followers_existing_policy="skip"):
        collected = self.env.cr.precommit.data.get(_SUBSCRIPTIONS)
        if collected is None or followers_existing_policy != "skip":
            return super()._message_auto_subscribe(
                updated_values, followers_existing_policy=followers_existing_policy
            )
        names = self._refinery_subscription_relations() | {"user_id"}
        for name in names.intersection(updated_values):
            if updated_values[name]:
                collected[self.env, name, updated_values[name]].extend(self.ids)
        return True
