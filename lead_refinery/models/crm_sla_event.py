from odoo import api, fields, models

EVENT_KINDS = [
    ("met", "First response in time"),
    ("warn", "Warning"),
    ("breach", "Breach"),
    ("reassign", "Reassignment"),
    ("escalate", "Escalation"),
    ("recycle", "Recycled"),
    ("reopen", "Reopened"),
]


class CrmSlaEvent(models.Model):
    """One follow-up event of one lead, for the owner of the time.

    Leads change owners; these rows keep who met or breached which deadline,
    so SLA results can be reported per rep (pivot by owner and kind).
    """

    _name = "crm.sla.event"
    _description = "Lead follow-up event"
    _order = "date desc, id desc"
    _rec_name = "kind"

    lead_id = fields.Many2one("crm.lead", required=True, ondelete="cascade", index=True)
    kind = fields.Selection(EVENT_KINDS, required=True, index=True)
    date = fields.Datetime(required=True, default=fields.Datetime.now, index=True)
    user_id = fields.Many2one("res.users", string="Owner", index=True)
    partner_id = fields.Many2one("res.partner", string="Partner owner")
    team_id = fields.Many2one("crm.team", string="Sales team")
    new_user_id = fields.Many2one("res.users", string="New owner")
    deadline = fields.Datetime()
    reason = fields.Char()
    # The lead's company when the event happened, not a related field: a lead's
    # company is recomputed with every owner change, and a stored related
    # field would make each such write read the lead's events.
    company_id = fields.Many2one(
        "res.company", compute="_compute_company_id", store=True, index=True
    )

    @api.depends("lead_id")
    def _compute_company_id(self):
        for event in self:
            event.company_id = event.lead_id.company_id
