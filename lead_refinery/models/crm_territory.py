"""Territories: who owns which addresses, and the cached routing engine built from them.

The models only store what managers configure; :mod:`..lib.routing` decides.
The engine (indexes over every rule) is built once per company and kept in
the registry's cache; any change to territories, rules, named accounts or
county corrections clears it, on every worker (Odoo's cache invalidation
signalling).
"""

from odoo import _, api, fields, models, tools
from odoo.exceptions import ValidationError
from odoo.tools import SQL

from ..lib import postal, routing

OWNER_KINDS = [
    ("team", "Sales team"),
    ("user", "Salesperson"),
    ("partner", "Partner (distributor / rep firm)"),
]
RULE_KINDS = [
    ("zip4", "ZIP+4 range"),
    ("zip5", "ZIP5 (or range)"),
    ("scf", "SCF (3-digit ZIP prefix)"),
    ("county", "County (FIPS)"),
    ("state", "State"),
    ("country", "Country"),
]
GRADES = ("A", "B", "C", "D")


def parse_grades(text):
    """'A, b' -> frozenset({'A', 'B'}); raises ValueError on anything else."""
    grades = frozenset(part.strip().upper() for part in (text or "").split(",") if part.strip())
    unknown = grades - set(GRADES)
    if unknown:
        raise ValueError(", ".join(sorted(unknown)))
    return grades


class RoutingConfigMixin(models.AbstractModel):
    """Clears the cached routing engines whenever routing configuration changes."""

    _name = "crm.territory.config.mixin"
    _description = "Routing configuration (clears the engine cache)"

    @api.model_create_multi
    def create(self, vals_list):
        records = super().create(vals_list)
        self.env.registry.clear_cache()
        return records

    def write(self, vals):
        result = super().write(vals)
        self.env.registry.clear_cache()
        return result

    def unlink(self):
        result = super().unlink()
        self.env.registry.clear_cache()
        return result


class CrmTerritory(models.Model):
    _name = "crm.territory"
    _inherit = ["crm.territory.config.mixin", "mail.thread"]
    _description = "Sales territory"
    _order = "name, id"

    name = fields.Char(required=True, tracking=True)
    active = fields.Boolean(default=True, tracking=True)
    company_id = fields.Many2one(
        "res.company", default=lambda self: self.env.company, index=True, tracking=True
    )
    owner_kind = fields.Selection(OWNER_KINDS, required=True, default="team", tracking=True)
    team_id = fields.Many2one("crm.team", string="Sales team", tracking=True)
    user_id = fields.Many2one(
        "res.users", string="Salesperson", domain=[("share", "=", False)], tracking=True
    )
    partner_id = fields.Many2one(
        "res.partner",
        domain=[("is_company", "=", True)],
        tracking=True,
        help="The distributor or independent rep firm that works this territory's leads.",
    )
    fallback_partner_ids = fields.Many2many(
        "res.partner",
        "crm_territory_fallback_partner_rel",
        "territory_id",
        "partner_id",
        string="Next partners",
        domain=[("is_company", "=", True)],
        help="Partners a lead is offered to, in this order, when the owner partner does not "
        "accept it in time (after the partners of other territories covering the address).",
    )
    date_from = fields.Date("Effective from", tracking=True)
    date_to = fields.Date("Effective to", tracking=True)
    rule_ids = fields.One2many("crm.territory.rule", "territory_id", string="Rules")
    member_ids = fields.One2many("crm.territory.member", "territory_id", string="Members")
    rule_count = fields.Integer(compute="_compute_counts")
    lead_count = fields.Integer(compute="_compute_counts")
    note = fields.Text()

    @api.constrains("date_from", "date_to")
    def _check_dates(self):
        for territory in self:
            if (
                territory.date_from
                and territory.date_to
                and territory.date_to < territory.date_from
            ):
                raise ValidationError(
                    _("Territory “%s” cannot end before it starts.", territory.name)
                )

    @api.constrains("owner_kind", "team_id", "user_id", "partner_id")
    def _check_owner(self):
        field_by_kind = {"team": "team_id", "user": "user_id", "partner": "partner_id"}
        for territory in self:
            if not territory[field_by_kind[territory.owner_kind]]:
                label = dict(OWNER_KINDS)[territory.owner_kind]
                raise ValidationError(
                    _(
                        "Territory “%(name)s” needs its owner: %(kind)s.",
                        name=territory.name,
                        kind=label,
                    )
                )

    def _compute_counts(self):
        rules = dict(
            self.env["crm.territory.rule"]._read_group(
                [("territory_id", "in", self.ids)], ["territory_id"], ["__count"]
            )
        )
        leads = dict(
            self.env["crm.lead"]._read_group(
                [("refinery_territory_id", "in", self.ids)], ["refinery_territory_id"], ["__count"]
            )
        )
        for territory in self:
            territory.rule_count = rules.get(territory, 0)
            territory.lead_count = leads.get(territory, 0)

    @api.depends("name", "owner_kind", "team_id", "user_id", "partner_id")
    def _compute_display_name(self):
        for territory in self:
            owner = territory._refinery_owner_record()
            territory.display_name = (
                f"{territory.name} ({owner.display_name})" if owner else territory.name
            )

    def _refinery_owner_record(self):
        self.ensure_one()
        return {
            "team": self.team_id,
            "user": self.user_id,
            "partner": self.partner_id,
        }[self.owner_kind]

    def _refinery_owner_id(self):
        return self._refinery_owner_record().id

    # ------------------------------------------------------------------ engine

    @api.model
    def _refinery_engine(self, company=None):
        """The routing engine of ``company`` (default: the current one), cached per registry."""
        company = company or self.env.company
        return self._refinery_engine_cached(company.id)

    @tools.ormcache("company_id")
    def _refinery_engine_cached(self, company_id):
        return self.sudo()._refinery_build_engine(company_id)

    @api.model
    def _refinery_build_engine(self, company_id):
        """Read the configuration in a few queries and index it (see ``lib.routing``)."""
        company_domain = [("company_id", "in", [company_id, False])]
        territories = self.with_context(active_test=True).search(company_domain)
        lib_territories = [
            routing.Territory(
                id=territory.id,
                owner_kind=territory.owner_kind,
                owner_id=territory._refinery_owner_id(),
                date_from=territory.date_from,
                date_to=territory.date_to,
                name=territory.name,
            )
            for territory in territories
        ]
        lib_rules = self.env["crm.territory.rule"]._refinery_lib_rules(territories.ids)
        named = self.env["crm.named.account"].search([*company_domain, ("active", "=", True)])
        overrides = self.env["crm.territory.county.override"].search([("zip5", "!=", False)])
        return routing.RoutingEngine(
            lib_territories,
            lib_rules,
            named_accounts={
                account.partner_id.id: (
                    account.owner_kind,
                    account._refinery_owner_id(),
                    account.partner_id.display_name,
                )
                for account in named
            },
            county_resolver=postal.CountyResolver(
                {override.zip5: override.county_fips for override in overrides}
            ),
            strict_zip=True,
        )

    @api.model
    def _refinery_has_territories(self, company=None):
        """Whether routing is configured at all for ``company`` (else routing stays idle)."""
        engine = self._refinery_engine(company)
        return bool(engine.territories or engine.named_accounts)

    def action_view_rules(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "lead_refinery.crm_territory_rule_action"
        )
        action["domain"] = [("territory_id", "=", self.id)]
        action["context"] = {"default_territory_id": self.id}
        return action

    def action_view_leads(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "lead_refinery.crm_lead_refinery_action"
        )
        action["domain"] = [("refinery_territory_id", "=", self.id)]
        action["context"] = {}
        return action


class CrmTerritoryRule(models.Model):
    _name = "crm.territory.rule"
    _inherit = ["crm.territory.config.mixin"]
    _description = "Territory rule"
    _order = "territory_id, kind, value, id"

    territory_id = fields.Many2one("crm.territory", required=True, ondelete="cascade", index=True)
    active = fields.Boolean(default=True)
    kind = fields.Selection(RULE_KINDS, required=True, default="zip5")
    value = fields.Char(
        required=True,
        help="ZIP+4 (12345-0000), ZIP5 (02134), SCF (021), county FIPS (36061) or county name "
        "with a state, state (NY, or CA-ON for another country), country (US).",
    )
    value_to = fields.Char(
        "To", help="End of a ZIP5 or ZIP+4 range (inclusive); empty for a single value."
    )
    county_state = fields.Char(
        "County state",
        help="For a county given by name: its state (MO). The name is turned into the FIPS.",
    )
    priority = fields.Integer(
        default=0, help="Between rules of the same kind, the higher priority wins."
    )
    grades = fields.Char(help="Only leads of these grades, e.g. 'A, B' (empty: any grade).")
    category_ids = fields.Many2many(
        "product.category", string="Product categories", help="Empty: any category."
    )
    team_ids = fields.Many2many("crm.team", string="Sales teams", help="Empty: any team.")
    company_id = fields.Many2one(related="territory_id.company_id", store=True)

    @api.model_create_multi
    def create(self, vals_list):
        return super().create(
            [self._refinery_normalise_vals(vals, vals.get("kind", "zip5")) for vals in vals_list]
        )

    def write(self, vals):
        if not {"value", "value_to", "kind", "county_state"} & set(vals):
            return super().write(vals)
        for rule in self:
            kind = vals.get("kind", rule.kind)
            values = dict(vals)
            if kind == "county":
                values.setdefault("value", rule.value)
                values.setdefault("county_state", rule.county_state)
            super(CrmTerritoryRule, rule).write(self._refinery_normalise_vals(values, kind))
        return True

    @api.model
    def _refinery_normalise_vals(self, vals, kind):
        """Values lose surrounding blanks; a county given by name becomes its FIPS."""
        vals = dict(vals)
        for name in ("value", "value_to"):
            if isinstance(vals.get(name), str):
                vals[name] = vals[name].strip()
        value = vals.get("value") or ""
        if kind == "county" and value and not value.isdigit():
            fips = postal.county_fips(vals.get("county_state") or "", value)
            if not fips:
                raise ValidationError(
                    _(
                        "“%(county)s” is not a county of “%(state)s” (or two counties share "
                        "the name): enter its 5-digit FIPS code, or the state it is in.",
                        county=value,
                        state=vals.get("county_state") or _("no state given"),
                    )
                )
            vals["value"] = fips
        return vals

    @api.model
    def _refinery_lib_rules(self, territory_ids):
        """The active rules of these territories as :class:`lib.routing.Rule`, in one query.

        Tens of thousands of ZIP rules would take seconds to read record by
        record through the ORM; the engine is rebuilt after every configuration
        change, so this is a plain SELECT. The category and team filters are
        read from their relation tables as stored: a filter on an archived
        team keeps restricting the rule to that team instead of vanishing.
        """
        self.flush_model()
        rule_sets = [
            SQL(
                "ARRAY(SELECT rel.%s FROM %s rel WHERE rel.%s = rule.id) AS %s",
                SQL.identifier(self._fields[name].column2),
                SQL.identifier(self._fields[name].relation),
                SQL.identifier(self._fields[name].column1),
                SQL.identifier(name),
            )
            for name in ("category_ids", "team_ids")
        ]
        self.env.cr.execute(
            SQL(
                "SELECT rule.id, rule.territory_id, rule.kind, rule.value, rule.value_to,"
                " rule.priority, rule.grades, %s, %s"
                " FROM crm_territory_rule rule"
                " WHERE rule.active AND rule.territory_id = ANY(%s)"
                " ORDER BY rule.territory_id, rule.kind, rule.value, rule.id",
                *rule_sets,
                list(territory_ids),
            )
        )
        return [
            routing.Rule(
                **dict(row, priority=row["priority"] or 0, grades=parse_grades(row["grades"]))
            )
            for row in self.env.cr.dictfetchall()
        ]

    def _refinery_lib_rule(self):
        self.ensure_one()
        return routing.Rule(
            id=self.id,
            territory_id=self.territory_id.id,
            kind=self.kind,
            value=self.value,
            value_to=self.value_to or None,
            priority=self.priority,
            grades=parse_grades(self.grades),
            category_ids=self.category_ids.ids,
            team_ids=self.team_ids.ids,
        )

    @api.constrains("kind", "value", "value_to", "grades")
    def _check_rule(self):
        for rule in self:
            try:
                parse_grades(rule.grades)
            except ValueError as error:
                raise ValidationError(
                    _("Unknown grade(s) %(grades)s: use A, B, C or D.", grades=str(error))
                ) from error
            problems = routing.rule_problems(rule._refinery_lib_rule())
            if problems:
                raise ValidationError(
                    _("Rule %(rule)s: %(problems)s.", rule=rule.value, problems="; ".join(problems))
                )

    @api.depends("kind", "value", "value_to")
    def _compute_display_name(self):
        labels = dict(RULE_KINDS)
        for rule in self:
            span = f"{rule.value}..{rule.value_to}" if rule.value_to else rule.value
            rule.display_name = f"{labels.get(rule.kind, rule.kind)} {span or ''}".strip()


class CrmTerritoryMember(models.Model):
    """A rep of a team-owned territory, as the round-robin sees them."""

    _name = "crm.territory.member"
    _description = "Territory member"
    _order = "territory_id, id"

    territory_id = fields.Many2one("crm.territory", required=True, ondelete="cascade", index=True)
    user_id = fields.Many2one(
        "res.users", required=True, domain=[("share", "=", False)], ondelete="cascade"
    )
    active = fields.Boolean(default=True)
    weight = fields.Float(
        default=1.0, help="A weight of 2 takes twice the leads of weight 1; 0 pauses the rep."
    )
    capacity = fields.Integer(
        "Max open leads", default=0, help="No new lead once the rep has this many open (0: no cap)."
    )
    grades = fields.Char(
        help="Only leads of these grades, e.g. 'A' for field reps, 'C, D' for "
        "inside sales (empty: any grade).",
    )
    available = fields.Boolean(
        default=True,
        help="Untick to stop giving the rep leads (time off is read from "
        "the rep's leaves on their working calendar).",
    )
    assigned_count = fields.Integer(
        "Leads received", default=0, readonly=True, help="Leads routed to the rep here."
    )
    last_assigned = fields.Datetime(readonly=True)

    _sql_constraints = [
        ("user_unique", "UNIQUE(territory_id, user_id)", "A rep is a member of a territory once."),
        ("weight_positive", "CHECK(weight >= 0)", "A weight cannot be negative."),
        ("capacity_positive", "CHECK(capacity >= 0)", "A capacity cannot be negative."),
    ]

    @api.constrains("grades")
    def _check_grades(self):
        for member in self:
            try:
                parse_grades(member.grades)
            except ValueError as error:
                raise ValidationError(
                    _("Unknown grade(s) %(grades)s: use A, B, C or D.", grades=str(error))
                ) from error


class CrmNamedAccount(models.Model):
    """A national or named account: its leads go to its owner, whatever the address."""

    _name = "crm.named.account"
    _inherit = ["crm.territory.config.mixin"]
    _description = "Named account"
    _order = "partner_id"

    partner_id = fields.Many2one(
        "res.partner",
        string="Account",
        required=True,
        domain=[("is_company", "=", True)],
        ondelete="cascade",
        help="The account; its divisions and subsidiaries (companies under it) follow it.",
    )
    active = fields.Boolean(default=True)
    company_id = fields.Many2one("res.company", default=lambda self: self.env.company)
    owner_kind = fields.Selection(OWNER_KINDS, required=True, default="user")
    team_id = fields.Many2one("crm.team", string="Sales team")
    user_id = fields.Many2one("res.users", string="Salesperson", domain=[("share", "=", False)])
    owner_partner_id = fields.Many2one(
        "res.partner", string="Partner", domain=[("is_company", "=", True)]
    )
    note = fields.Text()

    _sql_constraints = [
        (
            "partner_unique",
            "UNIQUE(partner_id, company_id)",
            "An account has one named-account owner.",
        ),
    ]

    @api.constrains("owner_kind", "team_id", "user_id", "owner_partner_id")
    def _check_owner(self):
        for account in self:
            if not account._refinery_owner_id():
                raise ValidationError(
                    _("Named account “%s” needs its owner.", account.partner_id.display_name)
                )

    def _refinery_owner_id(self):
        self.ensure_one()
        return {
            "team": self.team_id,
            "user": self.user_id,
            "partner": self.owner_partner_id,
        }[self.owner_kind].id


class CrmTerritoryCountyOverride(models.Model):
    """A user's correction of the county of one ZIP (USPS and sales maps disagree)."""

    _name = "crm.territory.county.override"
    _inherit = ["crm.territory.config.mixin"]
    _description = "ZIP to county correction"
    _order = "zip5"

    zip5 = fields.Char("ZIP", required=True, index=True)
    county_fips = fields.Char("County FIPS", required=True)
    note = fields.Char()

    _sql_constraints = [("zip5_unique", "UNIQUE(zip5)", "A ZIP has one county correction.")]

    @api.constrains("zip5", "county_fips")
    def _check_codes(self):
        for override in self:
            if not (len(override.zip5) == 5 and override.zip5.isdigit()):
                raise ValidationError(_("“%s” is not a 5-digit ZIP.", override.zip5))
            if not (len(override.county_fips) == 5 and override.county_fips.isdigit()):
                raise ValidationError(_("“%s” is not a 5-digit county FIPS.", override.county_fips))
