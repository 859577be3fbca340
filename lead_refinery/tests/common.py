from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from freezegun import freeze_time

from odoo import Command
from odoo.tests import TransactionCase, new_test_user


class RefineryCase(TransactionCase):
    """Own users and data; no reliance on demo data."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.rep = new_test_user(
            cls.env, login="lr_rep", name="Rita Rep", groups="sales_team.group_sale_salesman"
        )
        cls.rep2 = new_test_user(
            cls.env, login="lr_rep2", name="Rob Rep", groups="sales_team.group_sale_salesman"
        )
        cls.manager = new_test_user(
            cls.env, login="lr_manager", name="Mona Manager", groups="sales_team.group_sale_manager"
        )
        cls.Lead = cls.env["crm.lead"]
        cls.Stage = cls.env["crm.refinery.stage"]
        cls.stages = {stage.code: stage for stage in cls.Stage.search([])}
        cls.reason_spam = cls.env.ref("lead_refinery.crm_lost_reason_reject_spam")
        cls.reason_budget = cls.env.ref("lead_refinery.crm_lost_reason_reject_no_budget")

    @classmethod
    def _lead(cls, **values):
        values.setdefault("name", "Evaluation request: servo drives")
        values.setdefault("user_id", cls.rep.id)
        values.setdefault("type", "lead")
        return cls.Lead.create(values)

    def _flush_tracking(self):
        """Tracking messages are written at pre-commit: run it as a commit would."""
        self.env.flush_all()
        self.env.cr.precommit.run()
        self.env.invalidate_all()


NEW_YORK = ZoneInfo("America/New_York")


def ny(*args):
    """A New York wall-clock time as Odoo stores datetimes (naive UTC)."""
    return datetime(*args, tzinfo=NEW_YORK).astimezone(timezone.utc).replace(tzinfo=None)


def in_ny(value):
    """A stored datetime read back in New York, naive, for readable assertions."""
    return value.replace(tzinfo=timezone.utc).astimezone(NEW_YORK).replace(tzinfo=None)


class FollowupCase(RefineryCase):
    """A US company on New York office hours, a sales team of three reps and its leader,
    and a team SLA: first response 2 working days, follow-up 3, warning 4 working hours
    before, grace 4 working hours, 2 reassignments, recycling after 20 working days."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.calendar = cls.env["resource.calendar"].create(
            {
                "name": "New York office",
                "tz": "America/New_York",
                "company_id": cls.company.id,
                "attendance_ids": [
                    Command.create(
                        {
                            "name": f"{day} {period}",
                            "dayofweek": str(day),
                            "hour_from": hour_from,
                            "hour_to": hour_to,
                            "day_period": period,
                        }
                    )
                    for day in range(5)
                    for hour_from, hour_to, period in (
                        (8, 12, "morning"),
                        (12, 13, "lunch"),
                        (13, 17, "afternoon"),
                    )
                ],
            }
        )
        cls.company.write(
            {"resource_calendar_id": cls.calendar.id, "country_id": cls.env.ref("base.us").id}
        )
        cls.rep3 = new_test_user(
            cls.env, login="lr_rep3", name="Ray Rep", groups="sales_team.group_sale_salesman"
        )
        cls.reps = cls.rep | cls.rep2 | cls.rep3
        (cls.reps | cls.manager).write({"tz": "America/New_York", "notification_type": "inbox"})
        cls.team = cls.env["crm.team"].create(
            {"name": "Field Sales East", "user_id": cls.manager.id, "member_ids": cls.reps.ids}
        )
        cls.policy = cls.env["crm.sla.policy"].create(
            {
                "name": "East team",
                "team_id": cls.team.id,
                "first_response_days": 2,
                "follow_up_days": 3,
                "warn_before_hours": 4,
                "grace_hours": 4,
                "max_reassignments": 2,
                "recycle_after_days": 20,
            }
        )

    @classmethod
    def _lead(cls, **values):
        values.setdefault("team_id", cls.team.id)
        lead = super()._lead(**values)
        cls._end_transaction()
        return lead

    @classmethod
    def _end_transaction(cls):
        """Run the end-of-transaction work (schedules, tracking) as a commit would."""
        cls.env.flush_all()
        cls.env.cr.precommit.run()

    def _run_cron(self, when, **context):
        """Run the follow-up cron as it would run at ``when`` (naive UTC), in a new transaction."""
        self._end_transaction()
        with freeze_time(when):
            return self.Lead.with_context(**context)._action_sla_escalate()

    def _events(self, lead):
        return [
            (event.kind, in_ny(event.date).strftime("%a %d %H:%M"))
            for event in lead.sla_event_ids.sorted(lambda event: (event.date, event.id))
        ]

    def _digests(self, user):
        return self.env["mail.message"].search(
            [("message_type", "=", "user_notification"), ("partner_ids", "in", user.partner_id.ids)]
        )
