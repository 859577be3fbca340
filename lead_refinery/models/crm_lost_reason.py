from odoo import fields, models


class CrmLostReason(models.Model):
    """Odoo's managed list of lost reasons, also used for refinery rejections."""

    _inherit = "crm.lost.reason"

    is_reject_reason = fields.Boolean(
        string="Rejection reason",
        help="Offered when a lead is rejected (it never was a good lead), "
        "rather than lost after being worked.",
    )
    description = fields.Text(string="When to use", translate=True, help="When to use this reason.")
