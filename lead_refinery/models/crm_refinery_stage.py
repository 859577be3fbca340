from odoo import api, fields, models

from ..lib import ladder


class CrmRefineryStage(models.Model):
    """A rung of the refinery ladder, with the definition sales and marketing agreed on."""

    _name = "crm.refinery.stage"
    _description = "Refinery Stage"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    code = fields.Selection(
        [(code, code.capitalize()) for code in ladder.ALL_CODES],
        required=True,
        readonly=True,
        help="Technical role of the stage in the refinery ladder.",
    )
    sequence = fields.Integer(default=10)
    definition = fields.Html(
        translate=True,
        help="The agreed definition: what must be true for a lead to be in this stage.",
    )
    rank = fields.Integer(
        compute="_compute_rank",
        store=True,
        help="Position on the progress ladder; parking and closing stages rank 0.",
    )
    fold = fields.Boolean(help="Folded in the refinery kanban.")
    is_final = fields.Boolean(compute="_compute_rank", store=True)
    lead_count = fields.Integer(compute="_compute_lead_counts")
    unowned_count = fields.Integer(compute="_compute_lead_counts")

    _sql_constraints = [
        ("code_uniq", "unique(code)", "There is exactly one refinery stage per ladder role."),
    ]

    @api.depends("code")
    def _compute_rank(self):
        for stage in self:
            stage.rank = ladder.rank(stage.code)
            stage.is_final = stage.code in ladder.FINAL_CODES

    def _compute_lead_counts(self):
        leads = self.env["crm.lead"].with_context(active_test=False)
        totals = dict(
            leads._read_group(
                [("refinery_stage_id", "in", self.ids)], ["refinery_stage_id"], ["__count"]
            )
        )
        unowned = dict(
            leads._read_group(
                [("refinery_stage_id", "in", self.ids), ("refinery_unowned", "=", True)],
                ["refinery_stage_id"],
                ["__count"],
            )
        )
        for stage in self:
            stage.lead_count = totals.get(stage, 0)
            stage.unowned_count = unowned.get(stage, 0)

    @api.model
    def _by_code(self, code):
        """The stage playing a ladder role (stages are data records, looked up by role)."""
        return self.search([("code", "=", code)], limit=1)

    def action_open_leads(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "lead_refinery.crm_lead_refinery_action"
        )
        action["domain"] = [("refinery_stage_id", "=", self.id)]
        action["context"] = {"active_test": False}
        return action
