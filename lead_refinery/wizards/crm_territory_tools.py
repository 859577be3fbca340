"""Territory manager tools: simulator, coverage report, realignment with preview.

All three ask the same cached engine the live routing uses, so what they show
is what routing does.
"""

from collections import Counter, defaultdict

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..lib import followup, postal, routing
from ..models.crm_lead_routing import UNROUTABLE_REASONS, RoundRobin
from ..models.crm_territory import GRADES


class CrmTerritorySimulator(models.TransientModel):
    """Where would this lead go? A ZIP, a ZIP+4 or an account, answered live."""

    _name = "crm.territory.simulator"
    _description = "Territory routing simulator"

    zip = fields.Char("ZIP / postcode", help="02134, 02134-1234, K1A 0B1 ...")
    country_id = fields.Many2one("res.country", default=lambda self: self.env.ref("base.us"))
    state_id = fields.Many2one("res.country.state", domain="[('country_id', '=?', country_id)]")
    account_id = fields.Many2one("res.partner", domain=[("is_company", "=", True)])
    grade = fields.Selection([(grade, grade) for grade in GRADES])
    category_id = fields.Many2one("product.category")
    team_id = fields.Many2one("crm.team")
    on_date = fields.Date(default=fields.Date.context_today, required=True)
    result_owner = fields.Char("Owner", compute="_compute_result")
    result_territory_id = fields.Many2one("crm.territory", compute="_compute_result")
    result_explanation = fields.Text("Explanation", compute="_compute_result")

    @api.depends(
        "zip", "country_id", "state_id", "account_id", "grade", "category_id", "team_id", "on_date"
    )
    def _compute_result(self):
        Lead = self.env["crm.lead"]
        for wizard in self:
            lead = Lead.new(
                {
                    "name": _("Simulated lead"),
                    "zip": wizard.zip,
                    "country_id": wizard.country_id.id,
                    "state_id": wizard.state_id.id,
                    "refinery_account_id": wizard.account_id.id,
                    "refinery_category_id": wizard.category_id.id,
                    "team_id": wizard.team_id.id,
                }
            )
            facts = lead._refinery_route_facts()
            facts = routing.LeadFacts(
                facts.country_code,
                facts.state_code,
                facts.zip_raw,
                grade=wizard.grade or None,
                category_id=facts.category_id,
                team_id=facts.team_id,
                account_ids=facts.account_ids,
            )
            today = wizard.on_date or fields.Date.context_today(self)
            engine = self.env["crm.territory"]._refinery_engine()
            decision = engine.route(facts, today)
            outcome = lead._refinery_route_resolve(
                decision, RoundRobin(self.env, today), grade=wizard.grade
            )
            values = lead._refinery_route_log_values(outcome, "manual", fields.Datetime.now())
            wizard.result_owner = outcome.owner_label or dict(UNROUTABLE_REASONS).get(
                outcome.unroutable_reason
            )
            wizard.result_territory_id = decision.territory_id or False
            wizard.result_explanation = values["explanation"]


class CrmTerritoryCoverage(models.TransientModel):
    """US ZIPs nobody owns, and rules that claim the same leads."""

    _name = "crm.territory.coverage"
    _description = "Territory coverage report"

    on_date = fields.Date(default=fields.Date.context_today, required=True)
    state_filter = fields.Char(
        "States", help="Only these states, e.g. 'MA, NY' (empty: every US ZIP)."
    )
    zip_count = fields.Integer("ZIPs checked", readonly=True)
    gap_count = fields.Integer("ZIPs without owner", readonly=True)
    conflict_count = fields.Integer("Conflicts", readonly=True)
    invalid_rule_count = fields.Integer("Unusable rules", readonly=True)
    line_ids = fields.One2many("crm.territory.coverage.line", "report_id", readonly=True)
    done = fields.Boolean(readonly=True)

    def action_compute(self):
        self.ensure_one()
        engine = self.env["crm.territory"]._refinery_engine()
        states = {part.strip().upper() for part in (self.state_filter or "").split(",")} - {""}
        zips = [
            zip5
            for zip5 in postal.all_us_zip5()
            if not states or postal.state_for_zip(zip5) in states
        ]
        gaps = engine.coverage(zips, on_date=self.on_date)
        by_state = defaultdict(list)
        for zip5 in gaps:
            by_state[postal.state_for_zip(zip5) or "?"].append(zip5)
        lines = [
            {
                "kind": "gap",
                "state": state,
                "count": len(codes),
                "detail": _summarise(codes),
            }
            for state, codes in sorted(by_state.items())
        ]
        conflicts = engine.find_conflicts()
        lines += [
            {
                "kind": "conflict",
                "count": len(conflict.rule_ids),
                "detail": conflict.message,
                "territory_ids": [fields.Command.set(list(conflict.territory_ids))],
            }
            for conflict in conflicts
        ]
        lines += [
            {
                "kind": "invalid",
                "count": 1,
                "detail": _(
                    "Rule #%(rule)s: %(problems)s", rule=rule_id, problems="; ".join(problems)
                ),
            }
            for rule_id, problems in engine.invalid_rules.items()
        ]
        self.line_ids.unlink()
        self.write(
            {
                "zip_count": len(zips),
                "gap_count": len(gaps),
                "conflict_count": len(conflicts),
                "invalid_rule_count": len(engine.invalid_rules),
                "line_ids": [fields.Command.create(line) for line in lines],
                "done": True,
            }
        )
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
        }


def _summarise(codes, shown=40):
    """'01001, 01002, ... (and 12 more)': the ZIPs of a gap, ranges collapsed."""
    runs = []
    for code in codes:
        if runs and int(code) == int(runs[-1][1]) + 1:
            runs[-1][1] = code
        else:
            runs.append([code, code])
    parts = [low if low == high else f"{low}..{high}" for low, high in runs]
    text = ", ".join(parts[:shown])
    if len(parts) > shown:
        text += _(" ... and %s more ranges", len(parts) - shown)
    return text


class CrmTerritoryCoverageLine(models.TransientModel):
    _name = "crm.territory.coverage.line"
    _description = "Territory coverage report line"
    _order = "kind, state, id"

    report_id = fields.Many2one("crm.territory.coverage", required=True, ondelete="cascade")
    kind = fields.Selection(
        [
            ("conflict", "Overlapping rules"),
            ("gap", "ZIPs without owner"),
            ("invalid", "Unusable rule"),
        ],
        required=True,
    )
    state = fields.Char()
    count = fields.Integer()
    territory_ids = fields.Many2many("crm.territory")
    detail = fields.Text()


class CrmTerritoryRealign(models.TransientModel):
    """Re-route open leads after a territory change: preview, then apply exactly that."""

    _name = "crm.territory.realign"
    _description = "Territory realignment"

    territory_ids = fields.Many2many(
        "crm.territory",
        string="Only leads of",
        help="Only re-route leads currently in these territories (empty: every open lead "
        "of the company).",
    )
    include_unrouted = fields.Boolean("Also leads never routed or unroutable", default=True)
    state = fields.Selection(
        [("draft", "Draft"), ("preview", "Preview"), ("done", "Applied")],
        default="draft",
        required=True,
    )
    line_ids = fields.One2many("crm.territory.realign.line", "wizard_id", readonly=True)
    change_count = fields.Integer("Leads changing hands", readonly=True)
    unchanged_count = fields.Integer("Leads staying", readonly=True)
    unroutable_count = fields.Integer("Leads left as they are (unroutable)", readonly=True)
    summary = fields.Text(readonly=True)

    def _lead_domain(self):
        domain = [
            ("company_id", "in", [self.env.company.id, False]),
            ("refinery_stage_code", "not in", list(followup.INACTIVE_STAGES)),
        ]
        if self.territory_ids:
            territory = [("refinery_territory_id", "in", self.territory_ids.ids)]
            if self.include_unrouted:
                territory = [
                    "|",
                    *territory,
                    ("refinery_route_state", "in", ["not_routed", "unroutable"]),
                ]
            domain += territory
        elif not self.include_unrouted:
            domain.append(("refinery_route_state", "=", "routed"))
        return domain

    def action_preview(self):
        self.ensure_one()
        leads = self.env["crm.lead"].search(self._lead_domain(), order="id")
        today = fields.Date.context_today(self)
        round_robin = RoundRobin(self.env, today)
        outcomes = leads._refinery_route_decide(round_robin, on_date=today)
        lines = []
        moves = Counter()
        for lead in leads:
            outcome = outcomes[lead.id]
            log = lead._refinery_route_log_values(outcome, "realign", fields.Datetime.now())
            member = round_robin.last_pick.get(lead.id, False)
            new_owner = (outcome.user_id, outcome.partner_id)
            old_owner = (lead.user_id.id, lead.refinery_partner_id.id)
            if not outcome.routed:
                action = "keep"
            elif new_owner != old_owner or (
                outcome.partner_id and lead.user_id and not outcome.user_id
            ):
                action = "move"
            elif (decision_territory := outcome.decision.territory_id or False) != (
                lead.refinery_territory_id.id
            ):
                action = "territory" if decision_territory else "same"
            else:
                action = "same"
            moves[action] += 1
            lines.append(
                {
                    "lead_id": lead.id,
                    "action": action,
                    "old_user_id": lead.user_id.id,
                    "old_partner_id": lead.refinery_partner_id.id,
                    "old_territory_id": lead.refinery_territory_id.id,
                    "new_user_id": outcome.user_id,
                    "new_team_id": outcome.team_id,
                    "new_partner_id": outcome.partner_id,
                    "new_territory_id": outcome.decision.territory_id or False,
                    "member_id": member,
                    "rule_id": log["rule_id"],
                    "rule_kind": log["rule_kind"],
                    "named_account_id": log["named_account_id"],
                    "unroutable_reason": log["unroutable_reason"],
                    "conflict": log["conflict"],
                    "reason": log["reason"],
                    "explanation": log["explanation"],
                }
            )
        self.line_ids.unlink()
        self.write(
            {
                "state": "preview",
                "line_ids": [fields.Command.create(line) for line in lines],
                "change_count": moves["move"],
                "unchanged_count": moves["same"] + moves["territory"],
                "unroutable_count": moves["keep"],
                "summary": _(
                    "%(move)s lead(s) change hands, %(territory)s only change territory, "
                    "%(same)s stay, %(keep)s cannot be routed and keep their owner.",
                    move=moves["move"],
                    territory=moves["territory"],
                    same=moves["same"],
                    keep=moves["keep"],
                ),
            }
        )
        return self._reopen()

    def action_apply(self):
        """Write exactly the previewed owners; refuse if a lead changed hands meanwhile."""
        self.ensure_one()
        if self.state != "preview":
            raise UserError(_("Preview the realignment first."))
        lines = self.line_ids.filtered(lambda line: line.action in ("move", "territory"))
        stale = lines.filtered(
            lambda line: (
                (line.lead_id.user_id, line.lead_id.refinery_partner_id)
                != (line.old_user_id, line.old_partner_id)
            )
        )
        if stale:
            raise UserError(
                _(
                    "%(count)s lead(s) changed owner since the preview (%(leads)s): preview again.",
                    count=len(stale),
                    leads=", ".join(stale[:5].lead_id.mapped("display_name")),
                )
            )
        now = fields.Datetime.now()
        groups = defaultdict(list)
        for line in lines:
            groups[line._apply_key()].append(line)
        Lead = self.env["crm.lead"]
        # One subscription per salesperson and team, one UPDATE per lead (see routing).
        with Lead._refinery_subscribe_together():
            for key, group in groups.items():
                values = dict(key)
                leads = Lead.browse([line.lead_id.id for line in group])
                reason = _("Realignment: %s.", group[0].reason_short())
                if values.get("refinery_partner_id"):
                    values.update(Lead._refinery_partner_values(values["refinery_partner_id"], now))
                values.update(
                    refinery_routed_date=now,
                    refinery_route_state="routed",
                    refinery_unroutable_reason=False,
                )
                leads.sudo().with_context(
                    refinery_owner_reason=reason, mail_auto_subscribe_no_notify=True
                ).write(values)
                if values.get("refinery_partner_id"):
                    leads._refinery_notify_partner(reason)
        Lead.sudo()._refinery_sla_run_deferred(flush=False)
        picked = Counter(line.member_id.id for line in lines if line.member_id)
        for member_id, count in picked.items():
            member = self.env["crm.territory.member"].browse(member_id)
            member.sudo().write(
                {"assigned_count": member.assigned_count + count, "last_assigned": now}
            )
        self.env["crm.lead.routing"].sudo().create([line._log_values(now) for line in lines])
        self.state = "done"
        return self._reopen()

    def _reopen(self):
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
        }


class CrmTerritoryRealignLine(models.TransientModel):
    _name = "crm.territory.realign.line"
    _description = "Territory realignment line"
    _order = "action, id"

    wizard_id = fields.Many2one("crm.territory.realign", required=True, ondelete="cascade")
    lead_id = fields.Many2one("crm.lead", required=True, ondelete="cascade")
    action = fields.Selection(
        [
            ("move", "Changes hands"),
            ("territory", "Same owner, new territory"),
            ("same", "Stays"),
            ("keep", "Unroutable: keeps its owner"),
        ],
        required=True,
    )
    old_user_id = fields.Many2one("res.users", string="Current salesperson")
    old_partner_id = fields.Many2one("res.partner", string="Current partner")
    old_territory_id = fields.Many2one("crm.territory", string="Current territory")
    new_user_id = fields.Many2one("res.users", string="New salesperson")
    new_team_id = fields.Many2one("crm.team", string="New team")
    new_partner_id = fields.Many2one("res.partner", string="New partner")
    new_territory_id = fields.Many2one("crm.territory", string="New territory")
    member_id = fields.Many2one("crm.territory.member")
    rule_id = fields.Many2one("crm.territory.rule")
    rule_kind = fields.Char()
    named_account_id = fields.Many2one("res.partner")
    unroutable_reason = fields.Selection(UNROUTABLE_REASONS)
    conflict = fields.Boolean()
    reason = fields.Text()
    explanation = fields.Text()

    def _apply_key(self):
        values = {"refinery_territory_id": self.new_territory_id.id}
        if self.new_user_id:
            values["user_id"] = self.new_user_id.id
            if self.new_team_id:
                values["team_id"] = self.new_team_id.id
        if self.new_partner_id:
            values["refinery_partner_id"] = self.new_partner_id.id
        return tuple(sorted(values.items()))

    def reason_short(self):
        if self.rule_kind == "named_account":
            return _("named account")
        return _(
            "%(kind)s rule of territory %(territory)s",
            kind=routing.KIND_LABELS.get(self.rule_kind, self.rule_kind),
            territory=self.new_territory_id.name,
        )

    def _log_values(self, now):
        return {
            "lead_id": self.lead_id.id,
            "date": now,
            "trigger": "realign",
            "state": "routed",
            "territory_id": self.new_territory_id.id,
            "rule_id": self.rule_id.id,
            "rule_kind": self.rule_kind,
            "named_account_id": self.named_account_id.id,
            "user_id": self.new_user_id.id,
            "team_id": self.new_team_id.id,
            "partner_id": self.new_partner_id.id,
            "conflict": self.conflict,
            "reason": self.reason,
            "explanation": self.explanation,
        }
