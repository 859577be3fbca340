from odoo import fields, models


class CrmRefineryStageEntry(models.Model):
    """When a lead entered (and left) a refinery stage: the raw material of funnel reports."""

    _name = "crm.refinery.stage.entry"
    _description = "Refinery Stage Entry"
    _order = "date_in desc, id desc"

    lead_id = fields.Many2one("crm.lead", required=True, ondelete="cascade", index=True)
    stage_id = fields.Many2one("crm.refinery.stage", required=True, ondelete="restrict", index=True)
    stage_code = fields.Selection(related="stage_id.code", store=True)
    date_in = fields.Datetime(required=True, default=fields.Datetime.now)
    date_out = fields.Datetime()
    user_id = fields.Many2one("res.users", string="Moved by", default=lambda self: self.env.user)
    backwards = fields.Boolean(help="The lead was moved back down the ladder.")
    campaign_id = fields.Many2one(related="lead_id.campaign_id", store=True)
