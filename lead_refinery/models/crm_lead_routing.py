"""Territory routing of leads: one accountable owner per lead, and why.

New leads are routed after account identity has linked them (named accounts
need the account), on demand with the *Route* button or the batch action, and
again by realignment. :mod:`..lib.routing` decides; this module reads the
facts, picks the rep inside a team territory (weighted round-robin with
capacity, time off and grade rules), writes the owner and keeps the decision
in ``crm.lead.routing`` (rule, territory, reason, alternatives considered).
Leads nobody can take go to the *Unroutable* queue with their reason.
Partner-owned territories hand their leads to the partner
(``crm_lead_partner_channel.py``).
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, time

from odoo import _, api, fields, models

from ..lib import routing
from .crm_lead_escalation import RepLoads
from .crm_territory import parse_grades

UNROUTABLE_REASONS = [
    ("no_zip", "No ZIP"),
    ("invalid_zip", "Invalid ZIP"),
    ("ambiguous_zip", "ZIP to check (lost leading zero, wrong or missing country)"),
    ("foreign_address", "Foreign address without coverage"),
    ("no_coverage", "No territory covers the address"),
    ("no_member", "No rep of the territory can take it"),
]
ROUTE_STATES = [
    ("not_routed", "Not routed"),
    ("routed", "Routed"),
    ("unroutable", "Unroutable"),
    ("kept", "Owner kept"),
]


@dataclass
class RouteOutcome:
    """What routing decided for one lead, ready to write."""

    decision: routing.Decision
    user_id: int = False
    team_id: int = False
    partner_id: int = False
    unroutable_reason: str = False
    pick_text: str = ""
    owner_label: str = ""
    notes: list = field(default_factory=list)

    @property
    def routed(self):
        return bool(self.user_id or self.partner_id)


class RoundRobin:
    """Territory members as :func:`lib.routing.pick_member` sees them, for one routing run.

    Counts (leads received, open leads) are read once and kept up to date as
    the run assigns, so a batch of leads spreads exactly as one-by-one routing
    would. ``flush`` writes the members' counters back.
    """

    def __init__(self, env, today, loads=None):
        self.env = env(su=True)
        self.today = today
        self.loads = loads or RepLoads(env, fields.Datetime.now())
        self._members = {}
        self._static = {}
        self._leaves = {}
        self._picked = defaultdict(int)
        #: Lead id -> the territory member picked for it in this run.
        self.last_pick = {}
        self._last = {}
        self._sequence = 0

    def members(self, territory):
        if territory.id not in self._members:
            members = territory.sudo().member_ids.filtered(
                lambda member: member.active and member.user_id.active and not member.user_id.share
            )
            self._members[territory.id] = members
            leaves = self.leaves(members.user_id)
            for member in members:
                self._static[member.id] = (
                    member.user_id.id,
                    member.weight,
                    member.capacity or None,
                    member.assigned_count,
                    member.available,
                    parse_grades(member.grades),
                    leaves[member.user_id.id],
                    member.last_assigned or datetime.min,
                    member.user_id.name,
                )
        return self._members[territory.id]

    def prefetch(self, territory_ids):
        """Read the members of these territories, their reps and their leaves in a few queries."""
        members = self.env["crm.territory"].browse(territory_ids).member_ids
        members.user_id.mapped("share")
        self.leaves(members.user_id)

    def leaves(self, users):
        missing = [uid for uid in users.ids if uid not in self._leaves]
        if missing:
            self._leaves.update({uid: [] for uid in missing})
            leaves = self.env["resource.calendar.leaves"].search(
                [
                    ("resource_id.user_id", "in", missing),
                    ("date_to", ">=", datetime.combine(self.today, time.min)),
                ]
            )
            for leave in leaves:
                self._leaves[leave.resource_id.user_id.id].append(
                    (leave.date_from.date(), leave.date_to.date())
                )
        return {uid: tuple(self._leaves[uid]) for uid in users.ids}

    def lib_members(self, members, exclude_users=None):
        exclude = set((exclude_users or self.env["res.users"]).ids)
        members = members.filtered(lambda member: member.user_id.id not in exclude)
        open_leads = self.loads.open_leads(members.user_id)
        result = []
        for member in members:
            uid, weight, capacity, assigned, available, grades, leaves, last, name = self._static[
                member.id
            ]
            result.append(
                routing.Member(
                    id=member.id,
                    weight=weight,
                    capacity=capacity,
                    open_count=open_leads[uid],
                    assigned_count=assigned + self._picked[member.id],
                    available=available,
                    grades=grades,
                    leaves=leaves,
                    last_assigned=self._last.get(member.id, (0, last)),
                    name=name,
                )
            )
        return result

    def pick(self, territory, grade, exclude_users=None):
        """``(crm.territory.member or empty, explanation)`` for a lead of ``grade``."""
        members = self.members(territory)
        if not members:
            return members, self.env._("The territory has no members.")
        member_id, text = routing.pick_member(
            self.lib_members(members, exclude_users), grade=grade, on_date=self.today
        )
        member = members.browse(member_id) if member_id else members.browse()
        if member:
            self._picked[member.id] += 1
            self._sequence += 1
            # Picked in this run: after everyone not yet picked, in pick order.
            self._last[member.id] = (1, self._sequence)
        return member, text

    def moved(self, team, old_user, new_user):
        self.loads.moved(team, old_user, new_user)

    def flush(self):
        now = fields.Datetime.now()
        Member = self.env["crm.territory.member"]
        for member_id, count in self._picked.items():
            member = Member.browse(member_id)
            member.write({"assigned_count": member.assigned_count + count, "last_assigned": now})
        self._picked.clear()


class CrmLeadRouting(models.Model):
    """One routing decision of a lead: the audit trail of "why this owner"."""

    _name = "crm.lead.routing"
    _description = "Lead routing decision"
    _order = "date desc, id desc"

    lead_id = fields.Many2one("crm.lead", required=True, ondelete="cascade", index=True)
    date = fields.Datetime(required=True, default=fields.Datetime.now)
    trigger = fields.Selection(
        [
            ("create", "New lead"),
            ("manual", "Route button"),
            ("realign", "Realignment"),
            ("reassign", "Follow-up reassignment"),
        ],
        required=True,
    )
    state = fields.Selection([("routed", "Routed"), ("unroutable", "Unroutable")], required=True)
    territory_id = fields.Many2one("crm.territory", ondelete="set null")
    rule_id = fields.Many2one("crm.territory.rule", ondelete="set null")
    rule_kind = fields.Char()
    named_account_id = fields.Many2one("res.partner", string="Named account")
    user_id = fields.Many2one("res.users", string="Salesperson")
    team_id = fields.Many2one("crm.team", string="Sales team")
    partner_id = fields.Many2one("res.partner")
    unroutable_reason = fields.Selection(UNROUTABLE_REASONS)
    conflict = fields.Boolean()
    reason = fields.Text()
    explanation = fields.Text()


class CrmLead(models.Model):
    _inherit = "crm.lead"

    refinery_territory_id = fields.Many2one(
        "crm.territory", string="Territory", index="btree_not_null", tracking=True, copy=False
    )
    refinery_route_state = fields.Selection(
        ROUTE_STATES, string="Routing", default="not_routed", index=True, copy=False
    )
    refinery_unroutable_reason = fields.Selection(
        UNROUTABLE_REASONS, string="Why unroutable", copy=False
    )
    refinery_routed_date = fields.Datetime("Routed on", copy=False)
    refinery_routing_ids = fields.One2many(
        "crm.lead.routing", "lead_id", string="Routing decisions"
    )
    refinery_route_explanation = fields.Text(
        "Why this owner?", compute="_compute_refinery_route_explanation"
    )
    refinery_county_fips = fields.Char(
        "County FIPS", help="Overrides the county derived from the ZIP for routing."
    )
    refinery_category_id = fields.Many2one(
        "product.category", string="Product category", index="btree_not_null"
    )

    @api.depends("refinery_routing_ids")
    def _compute_refinery_route_explanation(self):
        for lead in self:
            last = max(lead.refinery_routing_ids, key=lambda log: (log.date, log.id), default=None)
            lead.refinery_route_explanation = (
                last.explanation if last else _("The lead was never routed.")
            )

    # ------------------------------------------------------------------ create

    @api.model_create_multi
    def create(self, vals_list):
        explicit = [
            bool(vals.get("user_id") or vals.get("refinery_partner_id")) for vals in vals_list
        ]
        leads = super().create(vals_list)
        if self.env.context.get("refinery_skip_route"):
            return leads
        override = self.env.company.refinery_route_override_owner
        to_route = self.browse(
            lead.id
            for lead, given in zip(leads, explicit, strict=True)
            if lead.active and (override or not given)
        )
        if to_route:
            to_route._refinery_route(trigger="create", only_configured=True)
        return leads

    # ------------------------------------------------------------------ routing

    def _refinery_route_facts(self):
        """Hook: the :class:`lib.routing.LeadFacts` the engine decides on."""
        self.ensure_one()
        account = self.refinery_account_id or self.partner_id.commercial_partner_id
        chain = []
        while account and account.id not in chain and len(chain) < 20:
            chain.append(account.id)
            account = account.parent_id
        return routing.LeadFacts(
            country_code=self.country_id.code or None,
            state_code=self.state_id.code or None,
            zip_raw=self.zip or None,
            county_fips=self.refinery_county_fips or None,
            grade=self.refinery_grade or None,
            category_id=self.refinery_category_id.id or None,
            team_id=self.team_id.id or None,
            account_ids=tuple(chain),
        )

    def _refinery_route_decide(self, round_robin, on_date=None):
        """Decide (without writing) the owner of each lead: ``{lead id: RouteOutcome}``."""
        Territory = self.env["crm.territory"]
        decisions = {}
        engines = {}
        for lead in self:
            company = lead.company_id or self.env.company
            if company not in engines:
                engines[company] = Territory._refinery_engine(company)
            decisions[lead.id] = engines[company].route(
                lead._refinery_route_facts(), on_date or round_robin.today
            )
        round_robin.prefetch(
            {
                decision.territory_id
                for decision in decisions.values()
                if decision.owner and decision.owner[0] == "team" and decision.territory_id
            }
        )
        return {
            lead.id: lead._refinery_route_resolve(decisions[lead.id], round_robin) for lead in self
        }

    def _refinery_route_resolve(self, decision, round_robin, grade=None):
        """Turn an engine decision into a rep, team or partner (round-robin in team territories)."""
        self.ensure_one()
        grade = grade or self.refinery_grade or None
        outcome = RouteOutcome(decision)
        if decision.owner is None:
            outcome.unroutable_reason = decision.unroutable_reason
            return outcome
        env = round_robin.env
        kind, owner_id = decision.owner
        if kind == "user":
            user = env["res.users"].browse(owner_id)
            outcome.user_id, outcome.owner_label = user.id, user.name
        elif kind == "partner":
            partner = env["res.partner"].browse(owner_id)
            outcome.partner_id, outcome.owner_label = partner.id, partner.display_name
        else:
            team = env["crm.team"].browse(owner_id)
            outcome.team_id = team.id
            territory = env["crm.territory"].browse(decision.territory_id)
            kept = self._refinery_route_kept_member(territory, round_robin)
            if kept:
                user = kept.user_id
                outcome.pick_text = self.env._(
                    "Kept %s: already the owner, and a member of the territory.", user.name
                )
            elif territory:
                member, text = round_robin.pick(territory, grade)
                outcome.pick_text = text
                user = member.user_id
                if member:
                    round_robin.last_pick[self.id] = member.id
            else:
                user = self._refinery_pick_team_member(team, round_robin, outcome)
            if not user and team.user_id.active:
                user = team.user_id
                outcome.notes.append(
                    self.env._(
                        "No member could take the lead: it goes to the team leader %s.", user.name
                    )
                )
            if not user:
                outcome.team_id = False
                outcome.unroutable_reason = "no_member"
                return outcome
            outcome.user_id = user.id
            outcome.owner_label = self.env._("%(user)s of %(team)s", user=user.name, team=team.name)
        return outcome

    def _refinery_route_kept_member(self, territory, round_robin):
        """Re-routing within the same territory keeps an owner who is still one of its members."""
        if not territory or self.refinery_territory_id != territory or not self.user_id:
            return territory.browse()
        return round_robin.members(territory).filtered(
            lambda member: member.user_id == self.user_id and member.available
        )[:1]

    def _refinery_pick_team_member(self, team, round_robin, outcome):
        """A named account owned by a team: the team member with the fewest open leads."""
        members = team.sudo().crm_team_member_ids.filtered(
            lambda member: (
                member.active
                and not member.assignment_optout
                and member.user_id.active
                and not member.user_id.share
            )
        )
        if not members:
            return self.env["res.users"]
        open_leads = round_robin.loads.open_leads(members.user_id)
        best = min(members, key=lambda member: (open_leads[member.user_id.id], member.user_id.id))
        outcome.pick_text = self.env._(
            "Picked %(user)s: fewest open leads (%(count)s) among the team's members.",
            user=best.user_id.name,
            count=open_leads[best.user_id.id],
        )
        return best.user_id

    def _refinery_route(self, apply=True, trigger="manual", only_configured=False, on_date=None):
        """Route the leads: ``{lead id: RouteOutcome}``; with ``apply``, give them their owner.

        ``only_configured`` skips companies without any territory or named
        account (routing on create then leaves Odoo's own assignment alone).
        """
        leads = self
        if only_configured:
            Territory = self.env["crm.territory"]
            leads = self.filtered(
                lambda lead: Territory._refinery_has_territories(
                    lead.company_id or self.env.company
                )
            )
        if not leads:
            return {}
        today = on_date or fields.Date.context_today(self)
        round_robin = RoundRobin(self.env, today)
        outcomes = leads._refinery_route_decide(round_robin, on_date=today)
        if apply:
            leads._refinery_route_apply(outcomes, trigger, round_robin)
            round_robin.flush()
        return outcomes

    def _refinery_route_apply(self, outcomes, trigger, round_robin=None):
        """Write the owners (one write per distinct set of values) and the decision log.

        Each lead's chatter line carries its own reason (``_track_set_log_message``),
        so leads routed by different rules still share one write.
        """
        now = fields.Datetime.now()
        Lead = self.sudo().with_context(mail_auto_subscribe_no_notify=True)
        groups = {}
        reasons = {}
        by_reason = defaultdict(list)
        teams = {}
        logs = []
        handed = defaultdict(list)
        for lead in self:
            outcome = outcomes[lead.id]
            decision = outcome.decision
            # One write per lead, shared by the leads given the same owner and route.
            values = {
                "refinery_territory_id": decision.territory_id or False,
                "refinery_routed_date": now,
                "refinery_route_state": "routed" if outcome.routed else "unroutable",
                "refinery_unroutable_reason": outcome.unroutable_reason or False,
            }
            if outcome.user_id:
                values["user_id"] = outcome.user_id
                values["team_id"] = outcome.team_id or lead._refinery_user_team(
                    outcome.user_id, teams
                )
            elif outcome.partner_id and lead.refinery_partner_id.id != outcome.partner_id:
                values.update(self._refinery_partner_values(outcome.partner_id, now))
            groups.setdefault(repr(sorted(values.items())), (values, []))[1].append(lead.id)
            reasons[lead.id] = self._refinery_route_reason(outcome)
            by_reason[reasons[lead.id]].append(lead.id)
            logs.append(lead._refinery_route_log_values(outcome, trigger, now))
        for reason, lead_ids in by_reason.items():
            Lead.browse(lead_ids)._track_set_log_message(reason)
        with Lead._refinery_subscribe_together():
            for values, lead_ids in groups.values():
                leads = Lead.browse(lead_ids)
                if "user_id" in values and round_robin is not None:
                    new_user = self.env["res.users"].browse(values["user_id"])
                    for lead in leads.filtered(
                        lambda lead, uid=new_user.id: lead.user_id.id != uid
                    ):
                        round_robin.moved(lead.team_id, lead.user_id, new_user)
                leads.write(values)
                if values.get("refinery_partner_id"):
                    for lead in leads:
                        handed[reasons[lead.id]].append(lead.id)
            for reason, lead_ids in handed.items():
                Lead.browse(lead_ids)._refinery_notify_partner(reason)
        # The new owners' SLA schedules now, before anything is flushed: each
        # lead is then stored with one UPDATE (owner, route and schedule).
        Lead._refinery_sla_run_deferred(flush=False)
        if trigger == "create":
            # Odoo does not track changes of records created in the same
            # transaction: say in the chatter who got the new lead and why.
            Lead._message_log_batch(
                {lead.id: self._refinery_route_chatter_line(outcomes[lead.id]) for lead in self}
            )
        self.env["crm.lead.routing"].sudo().create(logs)

    def _refinery_user_team(self, user_id, memo):
        """The team Odoo's ``_compute_team_id`` gives the lead for a new salesperson.

        Written along with the salesperson, so that Odoo does not search the
        default team lead by lead; ``memo`` keeps one search per user and type.
        """
        self.ensure_one()
        team = self.team_id
        if team and user_id in (team.member_ids | team.user_id).ids:
            return team.id
        key = (user_id, self.type)
        if key not in memo:
            use = "use_leads" if self.type == "lead" else "use_opportunities"
            memo[key] = (
                self.env["crm.team"]
                ._get_default_team_id(user_id=user_id, domain=[(use, "=", True)])
                .id
            )
        return memo[key]

    @api.model
    def _refinery_route_chatter_line(self, outcome):
        if outcome.routed:
            return self.env._(
                "Routed to %(owner)s. %(reason)s",
                owner=outcome.owner_label,
                reason=self._refinery_route_reason(outcome),
            )
        return self.env._(
            "Not routed (%s): the lead waits in the Unroutable queue.",
            dict(UNROUTABLE_REASONS).get(outcome.unroutable_reason),
        )

    def _refinery_route_reason(self, outcome):
        """The one-line owner-change reason for the chatter."""
        decision = outcome.decision
        if not outcome.routed:
            return self.env._("Routing: no owner (%s).", outcome.unroutable_reason)
        if decision.rule_kind == "named_account":
            return self.env._("Routing: named account, %s.", outcome.owner_label)
        return self.env._(
            "Routing: %(kind)s rule of territory %(territory)s.",
            kind=routing.KIND_LABELS.get(decision.rule_kind, decision.rule_kind),
            territory=decision.territory_name,
        )

    def _refinery_route_log_values(self, outcome, trigger, now):
        self.ensure_one()
        decision = outcome.decision
        lines = []
        if outcome.routed:
            lines.append(self.env._("Owner: %s.", outcome.owner_label))
        else:
            label = dict(UNROUTABLE_REASONS).get(outcome.unroutable_reason)
            lines.append(self.env._("No owner: %s. The lead waits in the Unroutable queue.", label))
        lines.append(routing.explain(decision))
        if outcome.pick_text:
            lines += [self.env._("Round-robin:"), outcome.pick_text]
        lines += outcome.notes
        return {
            "lead_id": self.id,
            "date": now,
            "trigger": trigger,
            "state": "routed" if outcome.routed else "unroutable",
            "territory_id": decision.territory_id or False,
            "rule_id": decision.rule_id or False,
            "rule_kind": decision.rule_kind or False,
            "named_account_id": decision.account_id or False,
            "user_id": outcome.user_id,
            "team_id": outcome.team_id,
            "partner_id": outcome.partner_id,
            "unroutable_reason": outcome.unroutable_reason or False,
            "conflict": decision.conflict,
            "reason": decision.reason,
            "explanation": "\n".join(lines),
        }

    # ------------------------------------------------------------------ follow-up

    def _refinery_pick_reassignee(self, loads=None):
        """Prefer another rep of the lead's territory (round-robin), else the team default."""
        self.ensure_one()
        territory = self.refinery_territory_id
        if territory.owner_kind == "team" and territory.member_ids:
            taken_from = self.sla_event_ids.filtered(lambda event: event.kind == "reassign").user_id
            round_robin = RoundRobin(self.env, fields.Date.context_today(self), loads=loads)
            member, _text = round_robin.pick(
                territory, self.refinery_grade or None, exclude_users=self.user_id | taken_from
            )
            if member:
                round_robin.flush()
                return member.user_id
        return super()._refinery_pick_reassignee(loads=loads)

    # ------------------------------------------------------------------ actions

    def action_refinery_route(self):
        """Route the selected leads again (button and batch action)."""
        outcomes = self._refinery_route(trigger="manual", only_configured=True)
        routed = sum(1 for outcome in outcomes.values() if outcome.routed)
        unroutable = len(outcomes) - routed
        if not outcomes:
            message = _("No territory or named account is configured.")
        else:
            message = _(
                "%(routed)s lead(s) routed, %(unroutable)s unroutable (see the Unroutable queue).",
                routed=routed,
                unroutable=unroutable,
            )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "message": message,
                "type": "warning" if unroutable else "success",
                "next": {"type": "ir.actions.act_window_close"},
            },
        }
