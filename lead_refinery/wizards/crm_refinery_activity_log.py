from odoo import _, api, fields, models
from odoo.exceptions import UserError


class CrmRefineryActivityLog(models.TransientModel):
    """Log a buyer activity by hand, on a contact or an account (a call, a visit request...)."""

    _name = "crm.refinery.activity.log"
    _description = "Log a buyer activity"

    partner_id = fields.Many2one(
        "res.partner",
        string="Contact or account",
        required=True,
        default=lambda self: (
            self.env.context.get("active_id")
            if self.env.context.get("active_model") == "res.partner"
            else False
        ),
    )
    type_id = fields.Many2one("crm.refinery.activity.type", string="Activity", required=True)
    category_id = fields.Many2one("product.category", string="Product category")
    occurred_at = fields.Datetime("When", required=True, default=fields.Datetime.now)
    note = fields.Text()

    @api.model
    def _payload(self, wizard):
        partner = wizard.partner_id
        account = partner.commercial_partner_id
        return {
            "activity_type": wizard.type_id.code,
            "category": wizard.category_id.complete_name or None,
            "occurred_at": wizard.occurred_at,
            "account_id": account.id,
            "contact_id": partner.id if partner != account else False,
            "contact_name": partner.name,
            "note": wizard.note,
            "idempotency_key": f"manual:{self.env.uid}:{wizard.id}:{partner.id}",
        }

    def action_log(self):
        self.ensure_one()
        result = self.env["crm.refinery.activity"]._refinery_ingest(
            [self._payload(self)], "manual", _("Logged by %s", self.env.user.name)
        )[0]
        if result["status"] == "rejected":
            errors = result["errors"]
            text = errors if isinstance(errors, str) else "\n".join(errors.values())
            raise UserError(text)
        if result.get("lead_id"):
            return {
                "type": "ir.actions.act_window",
                "res_model": "crm.lead",
                "res_id": result["lead_id"],
                "view_mode": "form",
            }
        return {"type": "ir.actions.act_window_close"}
