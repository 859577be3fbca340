"""Follow-up control on leads: SLA clock, contact plans, touches and metrics.

The decisions live in :mod:`..lib.followup` and the working-time arithmetic
in :mod:`..lib.workdays`; this file reads leads into their plain state,
calls the engines and stores the results. The escalation cron that acts on
them is in ``crm_lead_escalation.py``.

The SLA clock of a lead starts when it gets an owner and restarts at every
owner change. ``sla_next_check`` (indexed) is the instant from which the
cron has something to do with the lead (:func:`..lib.followup.next_check`),
so the cron reads the due leads only, never every open lead.

Writes and creates set the clock and flags at once, but leave what needs the
policy and the owner's calendar (policy, deadline, next check, time to first
touch) to one pass at the end of the transaction, like mail tracking: one
read of policies and calendars for all the leads a request or an import
changed, and no grade (hence probability) recomputed in the middle of crm's
own writes. Contact plans start at the cron's next run, triggered at once.
"""

import logging
import uuid
import weakref
from collections import defaultdict
from datetime import timedelta
from zoneinfo import ZoneInfo

from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.tools import SQL, format_datetime

from ..lib import followup, ladder
from ..lib.workdays import EmptyCalendarError, as_utc

_logger = logging.getLogger(__name__)

#: Lead fields whose change may change the policy, the deadline or the next check.
_SLA_FIELDS = frozenset(
    {
        "team_id",
        "medium_id",
        "company_id",
        "expected_revenue",
        "probability",
        "refinery_stage_id",
        "active",
        "type",
        "stage_id",
        "refinery_partner_accepted",
    }
)


#: Caches of the passes in progress, by token (see SlaCache.current).
_ACTIVE = weakref.WeakValueDictionary()
#: Key of the leads waiting for the end-of-transaction pass in ``cr.precommit.data``.
_DEFERRED = "lead_refinery.sla_deferred"


def to_db(value):
    """An aware datetime as Odoo stores it: naive UTC, rounded *up* to the second.

    Odoo keeps whole seconds; rounding up means a stored check is never
    earlier than the instant the engine computed.
    """
    if value is None:
        return False
    value = as_utc(value).replace(tzinfo=None)
    if value.microsecond:
        value = value.replace(microsecond=0) + timedelta(seconds=1)
    return value


class SlaCache:
    """What one pass over leads (a cron run, a write) reads only once.

    The SLA policies per company, their engine form, and one work calendar
    per (calendar, time zone, company). It lives for one pass, so
    configuration changes are seen by the next one.
    """

    def __init__(self, env, now=None):
        self.env = env(su=True)
        self.now = now or fields.Datetime.now()
        self._policy_rows = {}
        self._engine_policies = {}
        self._calendars = {}
        self._plans = {}
        self._memo = {}
        self.calendar_notes = {}
        self.token = uuid.uuid4().hex

    @classmethod
    def current(cls, env):
        """The cache of the pass running in ``env`` (see :meth:`activate`), else a new one.

        Writes made by a cron run (reassignments, stage moves) go through
        ``crm.lead.write``; this lets them reuse the run's calendars and
        policies instead of reading them again for each lead.
        """
        cache = _ACTIVE.get(env.context.get("refinery_sla_cache"))
        return cache if cache is not None else cls(env)

    def activate(self, records):
        """``records`` in a context where :meth:`current` finds this cache."""
        _ACTIVE[self.token] = self
        return records.with_context(refinery_sla_cache=self.token)

    def memo(self, key, factory):
        """A value computed once per pass (``factory()``), e.g. a team's eligible members."""
        if key not in self._memo:
            self._memo[key] = factory()
        return self._memo[key]

    def plan_for_grade(self, grade):
        if grade not in self._plans:
            self._plans[grade] = self.env["crm.contact.plan"]._refinery_plan_for_grade(grade)
        return self._plans[grade]

    def policy(self, lead):
        """The most specific SLA policy of a lead (possibly empty)."""
        company = lead.company_id
        rows = self._policy_rows.get(company.id)
        if rows is None:
            policies = self.env["crm.sla.policy"].search(
                [("company_id", "in", [False, *company.ids])]
            )
            rows = self._policy_rows[company.id] = [
                (
                    policy.id,
                    policy.team_id.id or None,
                    policy.grade or None,
                    policy.medium_id.id or None,
                    policy.sequence,
                )
                for policy in policies
            ]
        team_id, grade, channel_id = lead._refinery_sla_policy_key()
        policy_id = followup.select_policy(rows, team_id, grade, channel_id)
        return self.env["crm.sla.policy"].browse(policy_id)

    def engine_policy(self, policy):
        if policy.id not in self._engine_policies:
            self._engine_policies[policy.id] = policy._to_engine()
        return self._engine_policies[policy.id]

    def calendar(self, lead):
        """``(WorkCalendar, None)`` for the lead's owner, or ``(None, problem)``.

        The owner's own working hours when they have some, else the company's;
        read in the owner's time zone, else the calendar's. A rep without
        working hours of their own is noted in ``calendar_notes`` (the cron
        logs it); a missing or empty calendar is a problem.
        """
        owner = lead._refinery_sla_owner().sudo()
        company = lead.company_id or owner.company_id or self.env.company
        own = (
            owner.resource_calendar_id
            if owner._name == "res.users"
            else self.env["resource.calendar"]
        )
        calendar = own or company.resource_calendar_id
        if not own:
            self.calendar_notes[owner] = calendar
        if not calendar:
            return None, _(
                "neither %(owner)s nor %(company)s has working hours",
                owner=owner.display_name,
                company=company.display_name,
            )
        tz = owner.tz or calendar.tz or "UTC"
        key = (calendar.id, tz, company.id)
        if key not in self._calendars:
            try:
                work = calendar._refinery_work_calendar(tz, company, self.now)
            except ValueError as error:
                self._calendars[key] = (None, str(error))
            else:
                if work.is_empty:
                    self._calendars[key] = (
                        None,
                        _("the working hours “%s” have no working time", calendar.display_name),
                    )
                else:
                    self._calendars[key] = (work, None)
        return self._calendars[key]


class CrmLead(models.Model):
    _inherit = "crm.lead"

    sla_policy_id = fields.Many2one(
        "crm.sla.policy", string="SLA policy", readonly=True, copy=False, index="btree_not_null"
    )
    sla_start = fields.Datetime(
        string="SLA clock started",
        readonly=True,
        copy=False,
        help="When the current owner got the lead: the first-response time counts from here.",
    )
    sla_deadline = fields.Datetime(
        string="SLA deadline",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="First response due (until the owner touches the lead), then the next follow-up.",
    )
    sla_next_check = fields.Datetime(
        string="Next SLA check",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="From this instant the follow-up cron has something to do with the lead "
        "(warn, notify, reassign, escalate or recycle).",
    )
    sla_warned = fields.Boolean(string="SLA warning sent", readonly=True, copy=False)
    sla_breach_notified = fields.Boolean(string="SLA breach notified", readonly=True, copy=False)
    sla_breached = fields.Boolean(
        string="SLA breached",
        readonly=True,
        copy=False,
        help="A deadline of this lead was missed at least once (kept for reporting).",
    )
    sla_met = fields.Boolean(
        string="First response in time",
        readonly=True,
        copy=False,
        help="The first touch came before the first-response deadline.",
    )
    sla_escalated = fields.Boolean(
        string="In manager queue",
        readonly=True,
        copy=False,
        index=True,
        help="Still late after the maximum number of reassignments: the sales manager decides.",
    )
    sla_overdue = fields.Boolean(
        string="Overdue", compute="_compute_sla_overdue", search="_search_sla_overdue"
    )
    reassign_count = fields.Integer(
        string="Reassignments", readonly=True, copy=False, aggregator="sum"
    )
    date_first_touch = fields.Datetime(string="First touch", readonly=True, copy=False)
    time_to_first_touch = fields.Float(
        string="Time to first touch (working hours)",
        readonly=True,
        copy=False,
        aggregator="avg",
        help="Working hours of the owner between the lead's creation and its first touch.",
    )
    touches_at_conversion = fields.Integer(
        string="Touches before conversion",
        readonly=True,
        copy=False,
        aggregator="avg",
        help="Touches the lead had when it was converted into an opportunity.",
    )
    contact_plan_id = fields.Many2one(
        "crm.contact.plan", string="Contact plan", readonly=True, copy=False
    )
    contact_plan_start = fields.Datetime(string="Contact plan started", readonly=True, copy=False)
    contact_plan_step_index = fields.Integer(string="Plan steps done", readonly=True, copy=False)
    contact_plan_pending = fields.Boolean(
        readonly=True,
        copy=False,
        index=True,
        help="The lead got an owner and may get a contact plan: the cron starts it.",
    )
    sla_event_ids = fields.One2many(
        "crm.sla.event", "lead_id", string="Follow-up events", readonly=True
    )

    # ------------------------------------------------------------------ computes

    @api.depends("sla_deadline")
    def _compute_sla_overdue(self):
        now = fields.Datetime.now()
        for lead in self:
            lead.sla_overdue = bool(lead.sla_deadline) and lead.sla_deadline < now

    def _search_sla_overdue(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise NotImplementedError(_("Operation not supported"))
        overdue = [("sla_deadline", "<", fields.Datetime.now())]
        return overdue if (operator == "=") == value else ["!", *overdue]

    # ------------------------------------------------------------------ hooks

    @api.model
    def _refinery_sla_owner_fields(self):
        """Fields that say who owns a lead; changing one restarts the SLA clock."""
        names = ["user_id"]
        if "refinery_partner_id" in self._fields:
            names.append("refinery_partner_id")
        return names

    def _refinery_sla_owner(self):
        """Hook: who answers for the lead's SLA, a ``res.users`` or a partner company.

        A lead handed to a partner (``refinery_partner_id``, added by
        routing) is the partner's; otherwise it is its salesperson's. Empty
        when nobody owns the lead: then no clock runs.
        """
        self.ensure_one()
        if "refinery_partner_id" in self._fields and self.refinery_partner_id:
            return self.refinery_partner_id
        return self.user_id

    def _refinery_sla_owner_kind(self):
        """Hook: ``"partner"``, ``"user"`` or False (no owner), see ``_refinery_sla_owner``."""
        owner = self._refinery_sla_owner()
        if not owner:
            return False
        return "partner" if owner._name == "res.partner" else "user"

    def _refinery_sla_owner_partners(self):
        """Hook: the partners told about the owner's deadlines (inactive users are skipped)."""
        self.ensure_one()
        owner = self._refinery_sla_owner()
        if owner._name == "res.users":
            return owner.filtered("active").partner_id
        return owner

    def _refinery_sla_touches(self):
        """Hook: ``(first, last)`` touch datetimes that count for the owner's clock.

        A partner's clock is about accepting the lead; touches by our own reps
        do not answer it (the partner portal will report the partner's).
        """
        self.ensure_one()
        if self._refinery_sla_owner_kind() == "partner":
            return None, None
        return self.date_first_touch or None, self.date_last_touch or None

    def _refinery_sla_running(self):
        """Whether an SLA clock runs on the lead (owned, open, clock started).

        A partner that accepted the lead has answered its first-response SLA;
        what follows is reported on the partner portal, not chased here.
        """
        self.ensure_one()
        if not (self.active and self.sla_start and self._refinery_sla_owner()):
            return False
        if self.refinery_stage_code in followup.INACTIVE_STAGES:
            return False
        return not (
            self._refinery_sla_owner_kind() == "partner"
            and "refinery_partner_accepted" in self._fields
            and self.refinery_partner_accepted
        )

    def _refinery_sla_policy_key(self):
        """Hook: ``(team id, grade, channel id)`` the SLA policy is chosen on."""
        self.ensure_one()
        return self.team_id.id or None, self.refinery_grade or None, self.medium_id.id or None

    def _refinery_sla_manager(self):
        """Hook: the manager told about breaches and escalations: the team leader, if active."""
        self.ensure_one()
        return self.team_id.user_id.filtered("active")

    # ------------------------------------------------------------------ state

    def _refinery_sla_state(self, pending=None):
        """The lead as the pure engine sees it, with ``pending`` flag values applied."""
        self.ensure_one()
        pending = pending or {}
        first, last = self._refinery_sla_touches()
        progress = max(date for date in (self.refinery_date_stage, self.sla_start) if date)
        return followup.LeadSlaState(
            sla_start_utc=as_utc(self.sla_start),
            first_touch_utc=first and as_utc(first),
            last_touch_utc=last and as_utc(last),
            last_progress_utc=as_utc(progress),
            warned=pending.get("sla_warned", self.sla_warned),
            breach_notified=pending.get("sla_breach_notified", self.sla_breach_notified),
            reassign_count=pending.get("reassign_count", self.reassign_count),
            escalated=pending.get("sla_escalated", self.sla_escalated),
            stage=self.refinery_stage_code or ladder.LEAD,
        )

    def _refinery_sla_values(self, cache, pending=None):
        """Policy, deadline and next check of one lead, as field values.

        ``pending`` holds flag values about to be written with them (the cron
        writes a lead's flags and schedule at once). When the owner's working
        time cannot be read, the deadline is left empty and the next check is
        now: the cron then looks at the lead, logs the problem and tries again
        at its next run.
        """
        self.ensure_one()
        empty = {"sla_policy_id": False, "sla_deadline": False, "sla_next_check": False}
        if not self._refinery_sla_running():
            return empty
        policy = cache.policy(self)
        if not policy:
            return empty
        values = dict(empty, sla_policy_id=policy.id)
        calendar, problem = cache.calendar(self)
        if problem:
            return dict(values, sla_next_check=cache.now)
        state = self._refinery_sla_state(pending)
        engine_policy = cache.engine_policy(policy)
        try:
            deadline = followup.sla_deadline(state, engine_policy, calendar)
            check = followup.next_check(state, engine_policy, calendar, as_utc(cache.now))
        except EmptyCalendarError:
            return dict(values, sla_next_check=cache.now)
        return dict(values, sla_deadline=to_db(deadline), sla_next_check=to_db(check))

    def _refinery_sla_changes(self, cache, pending=None):
        """``pending`` flags and the schedule they lead to: the values that differ from now."""
        self.ensure_one()
        values = dict(pending or {}, **self._refinery_sla_values(cache, pending))
        changed = {}
        for name, value in values.items():
            current = self[name]
            if isinstance(current, models.BaseModel):
                current = current.id
            if current != value:
                changed[name] = value
        return changed

    def _refinery_sla_store(self, cache, pending=None):
        """Write ``pending`` flags and the schedule they lead to, in one write, if needed."""
        changed = self._refinery_sla_changes(cache, pending)
        if changed:
            self.sudo().write(changed)

    def _refinery_sla_refresh(self, cache=None):
        """Store the policy, deadline and next check of the leads (only what changed).

        Leads given the same values share one write: a batch of leads handed
        to the same reps at the same time mostly gets the same deadlines.
        """
        cache = cache or SlaCache.current(self.env)
        groups = defaultdict(list)
        for lead in self:
            changed = lead._refinery_sla_changes(cache)
            if changed:
                groups[tuple(sorted(changed.items()))].append(lead.id)
        for values, lead_ids in groups.items():
            self.browse(lead_ids).sudo().write(dict(values))

    @api.model
    def _refinery_sla_refresh_running(self, policies=None):
        """Have the cron recheck the running leads (of ``policies``, or all) at its next run.

        Called when SLA policies change. Setting the next check to now costs
        one UPDATE; the cron then recomputes each lead in batches, instead of
        recomputing every open lead inside the configuration form's request.
        """
        query = SQL(
            "UPDATE crm_lead SET sla_next_check = %s WHERE sla_start IS NOT NULL AND active "
            "AND COALESCE(refinery_stage_code, '') NOT IN %s",
            fields.Datetime.now(),
            tuple(followup.INACTIVE_STAGES),
        )
        if policies is not None:
            query = SQL("%s AND sla_policy_id IN %s", query, tuple(policies.ids) or (0,))
        self.env.flush_all()
        self.env.cr.execute(query)
        self.invalidate_model(["sla_next_check"])
        cron = self.env.ref("lead_refinery.ir_cron_sla_escalate", raise_if_not_found=False)
        if cron:
            cron._trigger()

    def _refinery_sla_restart_clock(self, cache, **values):
        """A new owner (or a reopened lead): fresh first-response clock, flags cleared."""
        if not self:
            return
        self.sudo().write(
            {
                "sla_start": cache.now,
                "sla_warned": False,
                "sla_breach_notified": False,
                "sla_escalated": False,
                **values,
            }
        )

    # ------------------------------------------------------------------ CRUD

    @api.model_create_multi
    def create(self, vals_list):
        leads = super().create(vals_list)
        owned = leads.filtered(lambda lead: lead._refinery_sla_owner())
        if owned:
            owned._refinery_sla_owner_changed(SlaCache.current(self.env))
        return leads

    def write(self, vals):
        owner_fields = [name for name in self._refinery_sla_owner_fields() if name in vals]
        owners = {lead.id: lead._refinery_sla_owner() for lead in self} if owner_fields else {}
        touched = bool(vals.get("date_last_touch"))
        last_touches = {lead.id: lead.date_last_touch for lead in self} if touched else {}
        converting = (
            self.filtered(lambda lead: lead.type == "lead")
            if vals.get("type") == "opportunity"
            else self.browse()
        )
        result = super().write(vals)
        if not (owner_fields or touched or converting or _SLA_FIELDS.intersection(vals)):
            return result
        cache = SlaCache.current(self.env)
        if owner_fields:
            moved = self.filtered(lambda lead: lead._refinery_sla_owner() != owners[lead.id])
            moved._refinery_sla_owner_changed(cache)
        if touched:
            self._refinery_sla_touched(last_touches, cache)
        for lead in converting:
            lead.sudo().touches_at_conversion = lead.touch_count
        self._refinery_sla_defer(refresh=self)
        return result

    def _refinery_sla_owner_changed(self, cache):
        """New owners: restart their clock, hand over the pending plan step, plan to come."""
        owned = self.filtered(lambda lead: lead._refinery_sla_owner())
        planless = owned.filtered(lambda lead: not lead.contact_plan_id)
        if planless:
            planless._refinery_sla_restart_clock(cache, contact_plan_pending=True)
        (owned - planless)._refinery_sla_restart_clock(cache)
        for lead in owned.filtered(lambda lead: lead.user_id and lead.contact_plan_id):
            owner = lead.user_id
            steps = lead.activity_ids.filtered(
                lambda activity, owner=owner: (
                    activity.refinery_plan_step_id and activity.user_id != owner
                )
            )
            if steps:
                steps.with_context(mail_activity_quick_update=True).sudo().user_id = owner
        self._refinery_sla_defer(refresh=owned, plans=bool(planless))

    def _refinery_sla_defer(self, refresh=None, first_touch=None, plans=False):
        """Leave the policy/calendar work on these leads to the end of the transaction.

        Registers one pre-commit pass per transaction (see the module
        docstring). Inside a cron run nothing is deferred: the run stores each
        lead's schedule itself, with its own caches.
        """
        if self.env.context.get("refinery_sla_cache"):
            return
        cr = self.env.cr
        deferred = cr.precommit.data.get(_DEFERRED)
        if deferred is None:
            deferred = cr.precommit.data[_DEFERRED] = {
                "refresh": set(),
                "first_touch": set(),
                "plans": False,
            }
            cr.precommit.add(self.env["crm.lead"].sudo()._refinery_sla_run_deferred)
        deferred["refresh"].update(refresh.ids if refresh else ())
        deferred["first_touch"].update(first_touch.ids if first_touch else ())
        deferred["plans"] = deferred["plans"] or plans

    @api.model
    def _refinery_sla_run_deferred(self, flush=True):
        """The end-of-transaction pass: schedules, time to first touch, plan cron trigger.

        A bulk operation may run it early (``flush=False``), before its own
        writes are flushed, so that each lead's schedule goes into the same
        UPDATE as the rest of its changes. Later writes defer again.
        """
        deferred = self.env.cr.precommit.data.pop(_DEFERRED, None)
        if not deferred:
            return
        cache = SlaCache(self.env)
        for lead in self.browse(sorted(deferred["first_touch"])).exists():
            lead.time_to_first_touch = lead._refinery_time_to_first_touch(
                lead.date_first_touch, cache
            )
        self.browse(sorted(deferred["refresh"])).exists()._refinery_sla_refresh(cache)
        if deferred["plans"]:
            cron = self.env.ref("lead_refinery.ir_cron_sla_escalate", raise_if_not_found=False)
            if cron:
                cron.sudo()._trigger()
        if flush:
            # Pre-commit hooks run after the transaction's flush: flush what we wrote.
            self.env.flush_all()

    def _refinery_sla_touched(self, last_touches, cache):
        """A touch: first-touch metrics, a fresh follow-up period, incubating leads reopen."""
        events = []
        for lead in self:
            when = lead.date_last_touch
            values = {"sla_warned": False, "sla_breach_notified": False}
            previous = last_touches.get(lead.id)
            running = lead._refinery_sla_running()
            answers_clock = running and lead._refinery_sla_owner_kind() == "user"
            first_in_clock = answers_clock and (not previous or previous < lead.sla_start)
            in_time = bool(lead.sla_deadline) and when <= lead.sla_deadline
            if first_in_clock and in_time and not lead.sla_breach_notified:
                events.append(lead._refinery_sla_event_values("met", cache.now))
            if not lead.date_first_touch:
                values.update(
                    date_first_touch=when,
                    sla_met=answers_clock and in_time and not lead.sla_breached,
                )
                self._refinery_sla_defer(first_touch=lead)
            lead.sudo().write(values)
        if events:
            self.env["crm.sla.event"].sudo().create(events)
        incubating = self.filtered(lambda lead: lead.refinery_stage_code == ladder.INCUBATING)
        if incubating:
            incubating._refinery_reopen_incubating(_("The lead was touched again."), cache)

    def _refinery_time_to_first_touch(self, when, cache):
        self.ensure_one()
        calendar, problem = cache.calendar(self) if self._refinery_sla_owner() else (None, "")
        if problem or calendar is None or not self.create_date:
            return 0.0
        try:
            hours = followup.time_to_first_touch_hours(
                as_utc(self.create_date), as_utc(when), calendar
            )
        except EmptyCalendarError:
            return 0.0
        return round(hours or 0.0, 2)

    def _refinery_sla_event_values(self, kind, when, **values):
        """Values of a ``crm.sla.event`` for the current owner."""
        self.ensure_one()
        owner = self._refinery_sla_owner()
        return {
            "lead_id": self.id,
            "kind": kind,
            "date": when,
            "user_id": self.user_id.id,
            "partner_id": owner.id if owner._name == "res.partner" else False,
            "team_id": self.team_id.id,
            "deadline": self.sla_deadline,
            **values,
        }

    # ------------------------------------------------------------------ incubating

    def _refinery_reopen_incubating(self, reason, cache=None):
        """Hook: bring incubating leads back to the stage they were parked from.

        Called when an incubating lead shows life again: a touch, a new
        activity scheduled on it; activity intake calls it too when a
        contact's new activity lands on an incubating lead. The owner gets a
        fresh SLA clock.
        """
        incubating = self.filtered(lambda lead: lead.refinery_stage_code == ladder.INCUBATING)
        if not incubating:
            return
        cache = cache or SlaCache.current(self.env)
        stages = self._refinery_stages()
        events = []
        for lead in incubating.sudo():
            previous = lead._refinery_previous_code()
            code = (
                previous
                if previous and previous not in ladder.SIDE_STAGES | ladder.FINAL_CODES
                else ladder.LEAD
            )
            lead.write({"refinery_stage_id": stages[code].id})
            lead._message_log(
                body=Markup("<p>%s</p>")
                % _(
                    "Reopened from incubating to %(stage)s: %(reason)s",
                    stage=stages[code].name,
                    reason=reason,
                )
            )
            events.append(lead._refinery_sla_event_values("reopen", cache.now, reason=reason))
        self.env["crm.sla.event"].sudo().create(events)
        incubating._refinery_sla_restart_clock(cache)
        incubating._refinery_sla_refresh(cache)

    # ------------------------------------------------------------------ contact plans

    def _refinery_contact_plan(self, cache):
        """Hook: the contact plan a lead follows: its SLA policy's, else its grade's."""
        self.ensure_one()
        policy = cache.policy(self)
        if policy.contact_plan_id.active and policy.contact_plan_id.step_ids:
            return policy.contact_plan_id
        return cache.plan_for_grade(self.refinery_grade)

    def _refinery_plan_start(self, cache):
        """Start the contact plan of owned open leads that have none yet: schedule step 0."""
        self.filtered("contact_plan_pending").sudo().contact_plan_pending = False
        for lead in self:
            if (
                lead.contact_plan_id
                or not lead.user_id
                or lead._refinery_sla_owner_kind() != "user"
                or not lead.active
                or lead.refinery_stage_code in followup.INACTIVE_STAGES
            ):
                continue
            plan = lead._refinery_contact_plan(cache)
            if not plan:
                continue
            lead.sudo().write(
                {
                    "contact_plan_id": plan.id,
                    "contact_plan_start": cache.now,
                    "contact_plan_step_index": 0,
                }
            )
            lead._refinery_plan_schedule(0, cache)

    def _refinery_plan_schedule(self, done_count, cache):
        """Schedule the plan step after ``done_count`` completed ones, for the owner."""
        self.ensure_one()
        plan = self.contact_plan_id
        calendar, problem = cache.calendar(self)
        if problem:
            _logger.warning("Lead %s: contact plan step not scheduled, %s.", self.id, problem)
            return
        try:
            found = followup.next_step(
                plan._to_engine(), done_count, as_utc(self.contact_plan_start), calendar
            )
        except EmptyCalendarError as error:
            _logger.warning("Lead %s: contact plan step not scheduled, %s", self.id, error)
            return
        if found is None:
            return
        index, due = found
        step = plan.step_ids[index]
        local_day = due.astimezone(ZoneInfo(calendar.tz)).date()
        self.env["mail.activity"].sudo().with_context(refinery_no_reopen=True).create(
            {
                "res_model_id": self.env["ir.model"]._get_id("crm.lead"),
                "res_id": self.id,
                "activity_type_id": step.activity_type_id.id,
                "summary": step.summary or step.activity_type_id.summary or False,
                "note": step.note or False,
                "date_deadline": local_day,
                "user_id": self.user_id.id,
                "refinery_plan_step_id": step.id,
            }
        )

    def _refinery_plan_step_done(self, step):
        """A plan step was completed: count it and schedule the next one."""
        self.ensure_one()
        plan = self.contact_plan_id
        if step.plan_id != plan or step not in plan.step_ids:
            return
        done = list(plan.step_ids).index(step) + 1
        self.sudo().contact_plan_step_index = max(self.contact_plan_step_index, done)
        if (
            self.active
            and self.user_id
            and self.refinery_stage_code not in followup.INACTIVE_STAGES
            and not self.activity_ids.filtered("refinery_plan_step_id")
        ):
            self._refinery_plan_schedule(done, SlaCache.current(self.env))

    # ------------------------------------------------------------------ actions

    def action_sla_release(self):
        """Manager: take the leads out of the manager queue, keeping their owner (fresh clock)."""
        cache = SlaCache(self.env)
        escalated = self.filtered("sla_escalated")
        for lead in escalated:
            lead._message_log(
                body=Markup("<p>%s</p>")
                % _(
                    "Released from the manager queue by %(user)s; %(owner)s keeps the lead "
                    "with a fresh follow-up clock.",
                    user=self.env.user.name,
                    owner=lead._refinery_sla_owner().display_name,
                )
            )
        escalated._refinery_sla_restart_clock(cache)
        escalated._refinery_sla_refresh(cache)
        return True

    def _refinery_sla_format(self, value, calendar=None):
        """A datetime (stored or from the engine) in the owner's time zone, for messages."""
        if not value:
            return ""
        tz = calendar.tz if calendar is not None else (self.user_id.tz or "UTC")
        return format_datetime(self.env, to_db(value), tz=tz, dt_format="short")
