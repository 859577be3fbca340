from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from ..lib import followup

#: Activity type records by the engine's activity kinds (anything else is a to-do).
_KIND_BY_XMLID = {
    "mail.mail_activity_data_call": "call",
    "mail.mail_activity_data_email": "email",
    "mail.mail_activity_data_meeting": "meeting",
}


class CrmContactPlanStep(models.Model):
    _name = "crm.contact.plan.step"
    _description = "Lead contact plan step"
    _order = "plan_id, sequence, offset_days, id"

    plan_id = fields.Many2one("crm.contact.plan", required=True, ondelete="cascade", index=True)
    sequence = fields.Integer(default=10)
    offset_days = fields.Float(
        string="Day",
        help="Working days after the plan started (when the lead got its owner); "
        "0 is the same day.",
    )
    activity_type_id = fields.Many2one(
        "mail.activity.type",
        string="Activity",
        required=True,
        domain="['|', ('res_model', '=', False), ('res_model', '=', 'crm.lead')]",
    )
    summary = fields.Char(translate=True)
    note = fields.Html(translate=True)

    @api.constrains("offset_days")
    def _check_offset_days(self):
        for step in self:
            if step.offset_days < 0:
                raise ValidationError(
                    _("A contact plan step cannot be due before the plan starts.")
                )

    def _to_engine(self):
        self.ensure_one()
        xmlids = self.activity_type_id.get_external_id()
        kind = _KIND_BY_XMLID.get(xmlids.get(self.activity_type_id.id), "todo")
        return followup.ContactStep(
            offset_days=self.offset_days,
            activity_kind=kind,
            summary=self.summary or self.activity_type_id.name or "",
        )
