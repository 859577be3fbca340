"""The follow-up escalation cron: warn, notify, reassign, escalate, recycle.

Each run reads the leads whose ``sla_next_check`` has passed (an index range
scan: its cost grows with the leads that are due, not with the open ones),
asks :func:`..lib.followup.next_action` what to do with each, does it and
records it on the lead. Reliability:

* batches are locked with ``FOR NO KEY UPDATE SKIP LOCKED``: two workers (or
  the cron and a manual run) never act on the same lead;
* a batch's actions, the flags recording them and its notifications are
  committed together, so a crash loses at most the batch in progress, and the
  next run redoes exactly that batch (the flags make every action idempotent);
* one lead failing is logged and skipped (savepoint); the others go on;
* a lead is only ever given to someone: when nobody else can take it, it is
  escalated to the manager's queue and keeps its owner.
"""

import logging
import threading
from collections import Counter, defaultdict
from datetime import timedelta

import psycopg2.errors
from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.tools import SQL, split_every

from ..lib import followup
from .crm_lead_followup import SlaCache

_logger = logging.getLogger(__name__)

#: Leads handled per transaction by the escalation cron.
SLA_BATCH_SIZE = 200


class RepLoads:
    """Rep loads for reassignment, counted once per cron run.

    Open leads per user (the balancing key) and leads assigned in the last
    30 days per (user, team), the measure Odoo's lead assignment compares
    with a team member's ``assignment_max``. Counts are kept up to date as
    the run moves leads, so one grouped query per new set of reps is enough.
    """

    def __init__(self, env, now):
        self.env = env(su=True)
        self.now = now
        self._open = {}
        self._month = {}

    def open_leads(self, users):
        missing = [uid for uid in users.ids if uid not in self._open]
        if missing:
            self._open.update(dict.fromkeys(missing, 0))
            groups = self.env["crm.lead"]._read_group(
                [
                    ("user_id", "in", missing),
                    ("refinery_stage_code", "not in", list(followup.INACTIVE_STAGES)),
                ],
                ["user_id"],
                ["__count"],
            )
            self._open.update({user.id: count for user, count in groups})
        return {uid: self._open[uid] for uid in users.ids}

    def month_leads(self, members):
        """Leads assigned in the last 30 days, by team member (as ``lead_month_count``)."""
        keys = {(member.user_id.id, member.crm_team_id.id) for member in members}
        missing = [key for key in keys if key not in self._month]
        if missing:
            self._month.update(dict.fromkeys(missing, 0))
            groups = self.env["crm.lead"]._read_group(
                [
                    ("user_id", "in", list({key[0] for key in missing})),
                    ("team_id", "in", list({key[1] for key in missing})),
                    ("date_open", ">=", self.now - timedelta(days=30)),
                ],
                ["user_id", "team_id"],
                ["__count"],
            )
            for user, team, count in groups:
                if (user.id, team.id) in self._month:
                    self._month[(user.id, team.id)] = count
        return {
            member: self._month[(member.user_id.id, member.crm_team_id.id)] for member in members
        }

    def moved(self, team, old_user, new_user):
        if new_user.id in self._open:
            self._open[new_user.id] += 1
        if old_user.id in self._open:
            self._open[old_user.id] -= 1
        key = (new_user.id, team.id)
        if key in self._month:
            self._month[key] += 1


class SlaEffects:
    """What handling one lead produced, kept aside until the lead succeeded."""

    def __init__(self, lead):
        self.lead = lead
        self.logs = []
        self.notices = []  # (partner, line)
        self.activities = []
        self.events = []


class SlaRun(SlaCache):
    """One run of the escalation: the caches plus the batch's pending effects.

    Chatter notes, manager activities and events are created per batch in a
    few queries; each recipient gets one digest message per batch listing
    their leads instead of one mail per lead.
    """

    def __init__(self, env, now):
        super().__init__(env, now)
        self.loads = RepLoads(env, self.now)
        self.counts = Counter()
        self._logged = set()
        self._pending = []

    def log_once(self, key, level, message, *args):
        if key not in self._logged:
            self._logged.add(key)
            _logger.log(level, message, *args)

    def accept(self, effects):
        self._pending.append(effects)

    def flush(self):
        """Create the notes, activities, events and digests of the batch's leads."""
        pending, self._pending = self._pending, []
        bodies = {}
        digests = defaultdict(list)
        activities, events = [], []
        for effects in pending:
            if effects.logs:
                bodies[effects.lead.id] = Markup("").join(
                    Markup("<p>%s</p>") % line for line in effects.logs
                )
            for partner, line in effects.notices:
                digests[partner].append(
                    Markup("<li>%s: %s</li>")
                    % (effects.lead._get_html_link(title=effects.lead.name), line)
                )
            activities += effects.activities
            events += effects.events
        Lead = self.env["crm.lead"]
        if bodies:
            Lead.browse(list(bodies))._message_log_batch(bodies=bodies)
        if activities:
            self.env["mail.activity"].with_context(
                mail_activity_quick_update=True, refinery_no_reopen=True
            ).create(activities)
        if events:
            self.env["crm.sla.event"].create(events)
        for partner, lines in digests.items():
            self.env["mail.thread"].message_notify(
                partner_ids=partner.ids,
                subject=_("Lead follow-up: %s lead(s) need your attention", len(lines)),
                body=Markup("<ul>%s</ul>") % Markup("").join(lines),
                subtype_xmlid="mail.mt_note",
            )


class CrmLead(models.Model):
    _inherit = "crm.lead"

    # ------------------------------------------------------------------ cron

    @api.model
    def _cron_sla_escalate(self):
        self._action_sla_escalate()

    @api.model
    def _action_sla_escalate(self, batch_size=SLA_BATCH_SIZE):
        """Start pending contact plans, then take the follow-up action each due lead
        needs now; returns counts by action.

        Reads the leads to handle when the run starts, then locks and handles
        them batch by batch (see the module docstring). One step per lead per
        run: a lead late by days is first notified, and reassigned at a later
        run.
        """
        run = SlaRun(self.env, fields.Datetime.now())
        plan_ids = self._refinery_sla_selected_ids(SQL("contact_plan_pending"))
        due_ids = self._refinery_sla_due_ids(run.now)
        total, done = len(plan_ids) + len(due_ids), 0
        auto_commit = self._refinery_sla_auto_commit()
        for phase_ids, condition, handler in (
            (plan_ids, SQL("contact_plan_pending"), "_refinery_plan_start_batch"),
            (due_ids, SQL("sla_next_check <= %s", run.now), "_refinery_sla_process_batch"),
        ):
            for batch_ids in split_every(batch_size, phase_ids):
                leads = run.activate(self._refinery_sla_lock(batch_ids, condition))
                getattr(leads, handler)(run)
                run.flush()
                done += len(batch_ids)
                self.env["ir.cron"]._notify_progress(done=done, remaining=total - done)
                if auto_commit:
                    # A batch's actions and the flags that record them are
                    # committed together: after a crash the next run redoes only
                    # the batch in progress, and repeats nothing. Tests share one
                    # transaction that must not be committed.
                    self.env.cr.commit()  # pylint: disable=invalid-commit
        self._refinery_sla_log_calendar_notes(run)
        if total:
            _logger.info(
                "Follow-up control: %s lead(s) to plan, %s due, %s",
                len(plan_ids),
                len(due_ids),
                ", ".join(f"{kind} {count}" for kind, count in sorted(run.counts.items())),
            )
        return dict(run.counts)

    def _refinery_sla_process_batch(self, run):
        for lead in self:
            lead._refinery_sla_process(run)

    def _refinery_plan_start_batch(self, run):
        for lead in self:
            try:
                with self.env.cr.savepoint():
                    lead._refinery_plan_start(run)
            except Exception:
                _logger.exception(
                    "Follow-up control: contact plan of lead %s not started; retried next run.",
                    lead.id,
                )
                run.counts["error"] += 1
            else:
                if lead.contact_plan_id:
                    run.counts["plan"] += 1

    @api.model
    def _refinery_sla_auto_commit(self):
        """Whether the run commits after each batch: always, except inside tests.

        Tests run in one transaction that must stay uncommitted (and rolled
        back); the concurrency tests patch this to commit on their own cursors.
        """
        return not getattr(threading.current_thread(), "testing", False)

    @api.model
    def _refinery_sla_due_ids(self, now):
        """Ids of the leads whose next check has passed (index range scan)."""
        return self._refinery_sla_selected_ids(
            SQL("sla_next_check <= %s", now), SQL("sla_next_check, id")
        )

    @api.model
    def _refinery_sla_selected_ids(self, condition, order=None):
        """Ids of the active leads matching an SQL condition on indexed columns."""
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "SELECT id FROM crm_lead WHERE active AND %s ORDER BY %s",
                condition,
                order or SQL("id"),
            )
        )
        return [row[0] for row in self.env.cr.fetchall()]

    @api.model
    def _refinery_sla_lock(self, lead_ids, condition):
        """Lock the batch's leads that still match; skip those another worker holds.

        Under Odoo's REPEATABLE READ isolation, a lead another worker changed
        and committed since this transaction's snapshot raises a
        serialization failure: that worker has handled the batch, so it is
        skipped here too.
        """
        cr = self.env.cr
        try:
            with cr.savepoint(flush=False):
                cr.execute(
                    SQL(
                        "SELECT id FROM crm_lead WHERE id IN %s AND active AND %s "
                        "ORDER BY id FOR NO KEY UPDATE SKIP LOCKED",
                        tuple(lead_ids),
                        condition,
                    )
                )
                locked = [row[0] for row in cr.fetchall()]
        except psycopg2.errors.SerializationFailure:
            _logger.info(
                "Follow-up control: %s lead(s) changed by another worker since this run began; "
                "left to it.",
                len(lead_ids),
            )
            return self.browse()
        if len(locked) < len(lead_ids):
            _logger.info(
                "Follow-up control: %s lead(s) skipped, locked by another worker or no longer due.",
                len(lead_ids) - len(locked),
            )
        leads = self.browse(locked)
        leads.invalidate_recordset()
        return leads

    def _refinery_sla_process(self, run):
        """Handle one due lead in a savepoint; a failure is logged and the run goes on."""
        self.ensure_one()
        effects = SlaEffects(self)
        try:
            with self.env.cr.savepoint():
                kind = self._refinery_sla_step(run, effects)
        except Exception:
            _logger.exception(
                "Follow-up control: lead %s could not be handled; retried at the next run.",
                self.id,
            )
            run.counts["error"] += 1
            return
        run.counts[kind] += 1
        run.accept(effects)

    def _refinery_sla_step(self, run, effects):
        """Decide and act on one lead; returns the action kind (or why nothing was done)."""
        self.ensure_one()
        if not self._refinery_sla_running():
            self._refinery_sla_refresh(run)
            return followup.NONE
        policy = run.policy(self)
        if not policy:
            self._refinery_sla_refresh(run)
            return followup.NONE
        calendar, problem = run.calendar(self)
        if problem:
            _logger.warning(
                "Follow-up control: lead %s (owner %s) skipped: %s.",
                self.id,
                self._refinery_sla_owner().display_name,
                problem,
            )
            return "skipped"
        owner = self._refinery_sla_owner()
        if owner._name == "res.users" and not owner.active:
            run.log_once(
                ("archived", owner.id),
                logging.WARNING,
                "Follow-up control: %s is archived but still owns leads (e.g. lead %s); they "
                "are reassigned when late.",
                owner.login,
                self.id,
            )
        action = followup.next_action(
            self._refinery_sla_state(), run.engine_policy(policy), run.now, calendar
        )
        handler = getattr(self, f"_refinery_sla_do_{action.kind}", None)
        kind, pending = handler(action, run, calendar, effects) if handler else (action.kind, {})
        self._refinery_sla_store(run, pending)
        return kind

    @api.model
    def _refinery_sla_log_calendar_notes(self, run):
        for owner, calendar in run.calendar_notes.items():
            _logger.info(
                "Follow-up control: %s has no working hours of their own; %s used.",
                owner.display_name,
                calendar.display_name if calendar else _("none"),
            )

    # ------------------------------------------------------------------ actions

    def _refinery_sla_do_warn(self, action, run, calendar, effects):
        deadline = self._refinery_sla_format(action.deadline_utc, calendar)
        line = _("%(reason)s, by %(deadline)s.", reason=action.reason, deadline=deadline)
        effects.logs.append(_("Follow-up warning: %s", line))
        effects.notices += [(partner, line) for partner in self._refinery_sla_owner_partners()]
        effects.events.append(self._refinery_sla_event_values("warn", run.now, reason=line))
        return followup.WARN, {"sla_warned": True}

    def _refinery_sla_do_breach(self, action, run, calendar, effects):
        deadline = self._refinery_sla_format(action.deadline_utc, calendar)
        owner = self._refinery_sla_owner()
        manager = self._refinery_sla_manager()
        line = _(
            "%(what)s: due %(deadline)s, owner %(owner)s.",
            what=action.reason,
            deadline=deadline,
            owner=owner.display_name,
        )
        effects.logs.append(_("Follow-up deadline missed. %s", line))
        recipients = self._refinery_sla_owner_partners() | manager.partner_id
        effects.notices += [(partner, line) for partner in recipients]
        if manager:
            effects.activities.append(
                {
                    "res_model_id": self.env["ir.model"]._get_id("crm.lead"),
                    "res_id": self.id,
                    "activity_type_id": self.env.ref("mail.mail_activity_data_todo").id,
                    "summary": _("SLA breached"),
                    "note": Markup("<p>%s</p>") % line,
                    "user_id": manager.id,
                    "date_deadline": fields.Date.context_today(self.with_user(manager)),
                }
            )
        else:
            run.log_once(
                ("no-manager", self.team_id.id),
                logging.WARNING,
                "Follow-up control: lead %s breached its SLA and its sales team (%s) has no "
                "active leader to notify.",
                self.id,
                self.team_id.display_name or _("none"),
            )
        effects.events.append(self._refinery_sla_event_values("breach", run.now, reason=line))
        return followup.BREACH, {"sla_breach_notified": True, "sla_breached": True}

    def _refinery_sla_do_reassign(self, action, run, calendar, effects):
        owner = self._refinery_sla_owner()
        if owner._name == "res.partner":
            new_owner = self._refinery_pick_partner_reassignee()
        else:
            new_owner = self._refinery_pick_reassignee(loads=run.loads)
        if not new_owner or new_owner == owner:
            why = self._refinery_sla_no_reassignee_reason()
            _logger.warning(
                "Follow-up control: lead %s cannot be reassigned (%s); escalated to the "
                "manager's queue.",
                self.id,
                why,
            )
            effects.logs.append(
                _("Nobody else can take this late lead over (%s): escalated instead.", why)
            )
            return self._refinery_sla_do_escalate(action, run, calendar, effects)
        team = self.team_id
        deadline_event = self._refinery_sla_event_values(
            "reassign",
            run.now,
            reason=action.reason,
            new_user_id=new_owner.id if new_owner._name == "res.users" else False,
        )
        reason = _(
            "Reassigned by the follow-up control: %(reason)s (%(owner)s did not respond in time).",
            reason=action.reason,
            owner=owner.display_name,
        )
        old_partners = self._refinery_sla_owner_partners()
        self._refinery_sla_set_owner(new_owner, reason)
        if new_owner._name == "res.users":
            run.loads.moved(
                team, owner if owner._name == "res.users" else self.env["res.users"], new_owner
            )
        effects.events.append(deadline_event)
        new_partners = self._refinery_sla_owner_partners()
        taken_over = _("taken over from %s, who did not respond in time.", owner.display_name)
        reassigned = _(
            "reassigned to %(owner)s: %(reason)s",
            owner=new_owner.display_name,
            reason=action.reason,
        )
        effects.notices += [(partner, taken_over) for partner in new_partners]
        effects.notices += [
            (partner, reassigned)
            for partner in old_partners | self._refinery_sla_manager().partner_id
        ]
        return followup.REASSIGN, {"reassign_count": self.reassign_count + 1}

    def _refinery_sla_do_escalate(self, action, run, calendar, effects):
        manager = self._refinery_sla_manager()
        line = _(
            "escalated to the manager's queue after %(count)s reassignment(s): %(reason)s",
            count=self.reassign_count,
            reason=action.reason,
        )
        effects.logs.append(_("Follow-up: %s.", line))
        effects.notices += [
            (partner, line) for partner in manager.partner_id | self._refinery_sla_owner_partners()
        ]
        if not manager:
            run.log_once(
                ("no-manager-queue", self.team_id.id),
                logging.WARNING,
                "Follow-up control: lead %s escalated; its sales team (%s) has no active leader, "
                "it waits in the Manager queue.",
                self.id,
                self.team_id.display_name or _("none"),
            )
        effects.events.append(self._refinery_sla_event_values("escalate", run.now, reason=line))
        return followup.ESCALATE, {"sla_escalated": True}

    def _refinery_sla_do_recycle(self, action, run, calendar, effects):
        stage = self._refinery_stages()["incubating"]
        self.sudo().with_context(refinery_follows_pipeline=True).write(
            {"refinery_stage_id": stage.id}
        )
        line = _("moved to incubating: %s; it is re-scored with new activity.", action.reason)
        effects.logs.append(_("Recycled, %s", line))
        effects.notices += [(partner, line) for partner in self._refinery_sla_owner_partners()]
        effects.events.append(self._refinery_sla_event_values("recycle", run.now, reason=line))
        return followup.RECYCLE, {}

    # ------------------------------------------------------------------ reassignment hooks

    def _refinery_reassign_candidates(self):
        """Hook: the team members who may take this lead over, before capacity and balancing.

        Active members of the lead's sales team, with an active internal user
        allowed in the lead's company, who did not opt out of assignment;
        never the current owner nor a rep the lead was already taken from.
        """
        self.ensure_one()
        taken_from = self.sla_event_ids.filtered(lambda event: event.kind == "reassign").user_id
        excluded = self.user_id | taken_from
        team, company = self.team_id.sudo(), self.company_id
        eligible = SlaCache.current(self.env).memo(
            ("reassign_members", team.id, company.id),
            lambda: team.crm_team_member_ids.filtered(
                lambda member: (
                    member.active
                    and not member.assignment_optout
                    and member.user_id.active
                    and not member.user_id.share
                    and (not company or company in member.user_id.company_ids)
                )
            ),
        )
        return eligible.filtered(lambda member: member.user_id not in excluded)

    def _refinery_pick_reassignee(self, loads=None):
        """Hook: another eligible rep for this late lead, or an empty ``res.users``.

        Never the current owner, only active internal users, never a rep at
        capacity (``assignment_max`` of the team member, compared with the
        leads assigned to them in the last 30 days, as Odoo's lead assignment
        does). Fewest open leads first, then the lowest user id. ``loads`` is
        the cron run's :class:`RepLoads` cache (counted here when omitted).

        Territory routing overrides this to prefer the reps of the lead's
        territory, calling ``super()`` for the default.
        """
        self.ensure_one()
        members = self._refinery_reassign_candidates()
        if not members:
            return self.env["res.users"]
        loads = loads or RepLoads(self.env, fields.Datetime.now())
        month = loads.month_leads(members)
        members = members.filtered(lambda member: month[member] < member.assignment_max)
        open_leads = loads.open_leads(members.user_id)
        best = min(
            members,
            key=lambda member: (open_leads[member.user_id.id], member.user_id.id),
            default=None,
        )
        return best.user_id if best else self.env["res.users"]

    def _refinery_pick_partner_reassignee(self):
        """Hook: the next partner for a partner-owned lead that was not accepted in time.

        Routing overrides it (next partner of the territory); by default there
        is none, and the late lead is escalated to the manager's queue.
        """
        self.ensure_one()
        return self.env["res.partner"]

    def _refinery_sla_no_reassignee_reason(self):
        self.ensure_one()
        if self._refinery_sla_owner_kind() == "partner":
            return _("no other partner")
        if not self.team_id:
            return _("no sales team")
        return _("no other active rep of %s with capacity", self.team_id.display_name)

    def _refinery_sla_set_owner(self, owner, reason):
        """Hook: give the lead to ``owner`` (a rep, or a partner company), saying why.

        The reason is the owner-change message in the chatter. Odoo's
        per-lead "assigned to you" mail is replaced by the run's digest.
        """
        self.ensure_one()
        lead = self.sudo().with_context(
            refinery_owner_reason=reason, mail_auto_subscribe_no_notify=True
        )
        if owner._name == "res.partner":
            values = {"refinery_partner_id": owner.id}
            if "refinery_partner_accepted" in self._fields:
                values["refinery_partner_accepted"] = False
            lead.write(values)
        else:
            lead.write({"user_id": owner.id})
