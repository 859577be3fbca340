from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..lib import grading

_DEFAULTS = grading.GradeThresholds()
THRESHOLD_FIELDS = (
    "refinery_worth_high",
    "refinery_worth_medium",
    "refinery_probability_high",
    "refinery_probability_medium",
)


class ResCompany(models.Model):
    _inherit = "res.company"

    refinery_worth_high = fields.Monetary(
        string="High worth from",
        currency_field="currency_id",
        default=_DEFAULTS.worth_high,
        help="Expected revenue at or above which a lead is of high worth.",
    )
    refinery_worth_medium = fields.Monetary(
        string="Medium worth from",
        currency_field="currency_id",
        default=_DEFAULTS.worth_medium,
    )
    refinery_probability_high = fields.Float(
        string="High probability from (%)", default=_DEFAULTS.probability_high
    )
    refinery_probability_medium = fields.Float(
        string="Medium probability from (%)", default=_DEFAULTS.probability_medium
    )

    def _refinery_grade_thresholds(self):
        """The grading bands of this company as the pure engine expects them."""
        self.ensure_one()
        return grading.GradeThresholds(
            worth_high=self.refinery_worth_high,
            worth_medium=self.refinery_worth_medium,
            probability_high=self.refinery_probability_high,
            probability_medium=self.refinery_probability_medium,
        )

    @api.constrains(*THRESHOLD_FIELDS)
    def _check_refinery_thresholds(self):
        for company in self:
            try:
                company._refinery_grade_thresholds()
            except grading.ThresholdError as error:
                raise ValidationError(str(error)) from error

    def write(self, vals):
        res = super().write(vals)
        if any(name in vals for name in THRESHOLD_FIELDS):
            leads = (
                self.env["crm.lead"]
                .with_context(active_test=False)
                .search([("company_id", "in", [*self.ids, False])])
            )
            leads._compute_refinery_grade()
        return res
