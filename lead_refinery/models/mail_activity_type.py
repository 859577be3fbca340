from odoo import fields, models


class MailActivityType(models.Model):
    _inherit = "mail.activity.type"

    refinery_touch = fields.Boolean(
        string="Counts as a touch",
        help="Completing an activity of this type on a lead counts as a contact with the "
        "buyer (calls, emails, meetings) in the lead's touch counter.",
    )
