from odoo import _, api, fields, models
from odoo.exceptions import AccessError

from ..models.res_company import MATCH_THRESHOLD_FIELDS, THRESHOLD_FIELDS


class CrmRefineryThresholds(models.TransientModel):
    """Let Refinery Managers set grading bands and match thresholds without Settings rights.

    Odoo's Settings screen is for administrators only; grading is a sales
    management decision, so managers get this small form on their company.
    """

    _name = "crm.refinery.thresholds"
    _description = "Refinery thresholds"

    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    refinery_worth_high = fields.Monetary(string="High worth from")
    refinery_worth_medium = fields.Monetary(string="Medium worth from")
    refinery_probability_high = fields.Float(string="High probability from (%)")
    refinery_probability_medium = fields.Float(string="Medium probability from (%)")
    refinery_match_auto = fields.Float(string="Auto-link from")
    refinery_match_review = fields.Float(string="Review from")
    refinery_match_link_customer = fields.Boolean(string="Matching at creation sets the customer")

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        company = self.env["res.company"].browse(values.get("company_id")) or self.env.company
        values.update(
            {
                name: company[name]
                for name in THRESHOLD_FIELDS + MATCH_THRESHOLD_FIELDS
                if name in fields_list
            }
        )
        return values

    def action_apply(self):
        self.ensure_one()
        if not self.env.user.has_group("lead_refinery.group_refinery_manager"):
            raise AccessError(_("Only Refinery Managers can change the refinery thresholds."))
        if self.company_id not in self.env.user.company_ids:
            raise AccessError(
                _("You cannot change the thresholds of a company you do not belong to.")
            )
        self.company_id.sudo().write(
            {name: self[name] for name in THRESHOLD_FIELDS + MATCH_THRESHOLD_FIELDS}
        )
        return {"type": "ir.actions.act_window_close"}
