from odoo import api, fields, models


class CrmLeadReject(models.TransientModel):
    """Reject one or several leads with a managed reason and an optional note."""

    _name = "crm.lead.reject"
    _description = "Reject leads"

    lead_ids = fields.Many2many("crm.lead", required=True)
    reason_id = fields.Many2one(
        "crm.lost.reason",
        required=True,
        domain=[("is_reject_reason", "=", True)],
    )
    note = fields.Text()

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        if "lead_ids" in fields_list and self.env.context.get("active_model") == "crm.lead":
            values["lead_ids"] = [fields.Command.set(self.env.context.get("active_ids", []))]
        return values

    def action_reject(self):
        self.ensure_one()
        self.lead_ids.action_refinery_reject(self.reason_id, self.note)
        return {"type": "ir.actions.act_window_close"}
