from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from ..lib import followup, grading

#: Lead fields that choose a lead's policy (see crm.lead._refinery_sla_policy_key).
POLICY_MATCH_FIELDS = ("team_id", "grade", "medium_id", "company_id", "sequence", "active")


class CrmSlaPolicy(models.Model):
    _name = "crm.sla.policy"
    _description = "Lead follow-up SLA policy"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    active = fields.Boolean(default=True)
    sequence = fields.Integer(default=10)
    company_id = fields.Many2one(
        "res.company", help="Leave empty for a policy shared by every company."
    )
    team_id = fields.Many2one(
        "crm.team", string="Sales team", help="Leave empty to apply to every team."
    )
    grade = fields.Selection(
        [(grade, grade) for grade in grading.GRADES], help="Leave empty to apply to every grade."
    )
    medium_id = fields.Many2one(
        "utm.medium", string="Channel", help="Leave empty to apply to every channel."
    )
    first_response_days = fields.Float(
        string="First response (working days)",
        default=2.0,
        required=True,
        help="Working days the owner has to touch a newly assigned lead (call, email, meeting).",
    )
    follow_up_days = fields.Float(
        string="Follow-up (working days)",
        default=3.0,
        required=True,
        help="Working days allowed between two touches.",
    )
    warn_before_hours = fields.Float(
        string="Warn before (working hours)",
        default=4.0,
        help="The owner is warned this many working hours before the deadline; 0 disables it.",
    )
    grace_hours = fields.Float(
        string="Grace period (working hours)",
        default=8.0,
        help="Working hours after a breach before the lead is reassigned.",
    )
    max_reassignments = fields.Integer(
        default=2,
        help="After this many reassignments a late lead goes to the manager's queue "
        "instead of another rep.",
    )
    recycle_after_days = fields.Float(
        string="Recycle after (working days)",
        default=30.0,
        help="A worked lead that made no progress on the refinery ladder for this many working "
        "days moves to incubating; 0 never recycles.",
    )
    contact_plan_id = fields.Many2one(
        "crm.contact.plan",
        help="Steps scheduled for the owner; empty: the contact plan of the lead's grade.",
    )

    @api.constrains(
        "first_response_days",
        "follow_up_days",
        "warn_before_hours",
        "grace_hours",
        "max_reassignments",
        "recycle_after_days",
    )
    def _check_durations(self):
        for policy in self:
            try:
                policy._to_engine()
            except ValueError as error:
                raise ValidationError(
                    _("SLA policy “%(name)s”: %(error)s", name=policy.name, error=error)
                ) from error

    def _to_engine(self):
        """The policy as the pure engine expects it."""
        self.ensure_one()
        return followup.SlaPolicy(
            first_response_days=self.first_response_days,
            follow_up_days=self.follow_up_days,
            warn_before_hours=self.warn_before_hours,
            grace_hours=self.grace_hours,
            max_reassignments=self.max_reassignments,
            recycle_after_days=self.recycle_after_days or None,
        )

    @api.model_create_multi
    def create(self, vals_list):
        policies = super().create(vals_list)
        self.env["crm.lead"]._refinery_sla_refresh_running()
        return policies

    def write(self, vals):
        result = super().write(vals)
        self.env["crm.lead"]._refinery_sla_refresh_running(
            None if set(vals) & set(POLICY_MATCH_FIELDS) else self
        )
        return result

    def unlink(self):
        leads = self.env["crm.lead"].search([("sla_policy_id", "in", self.ids)])
        result = super().unlink()
        leads._refinery_sla_refresh()
        return result
