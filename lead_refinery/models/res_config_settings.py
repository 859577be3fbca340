from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    refinery_currency_id = fields.Many2one(related="company_id.currency_id")
    refinery_worth_high = fields.Monetary(
        related="company_id.refinery_worth_high",
        currency_field="refinery_currency_id",
        readonly=False,
    )
    refinery_worth_medium = fields.Monetary(
        related="company_id.refinery_worth_medium",
        currency_field="refinery_currency_id",
        readonly=False,
    )
    refinery_probability_high = fields.Float(
        related="company_id.refinery_probability_high", readonly=False
    )
    refinery_probability_medium = fields.Float(
        related="company_id.refinery_probability_medium", readonly=False
    )
    refinery_match_auto = fields.Float(related="company_id.refinery_match_auto", readonly=False)
    refinery_match_review = fields.Float(related="company_id.refinery_match_review", readonly=False)
    refinery_match_link_customer = fields.Boolean(
        related="company_id.refinery_match_link_customer", readonly=False
    )
    refinery_route_override_owner = fields.Boolean(
        related="company_id.refinery_route_override_owner", readonly=False
    )
    refinery_lead_threshold = fields.Float(
        related="company_id.refinery_lead_threshold", readonly=False
    )
    refinery_inbound_activity_type_id = fields.Many2one(
        related="company_id.refinery_inbound_activity_type_id", readonly=False
    )
