from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..lib import grading, matching

_DEFAULTS = grading.GradeThresholds()
THRESHOLD_FIELDS = (
    "refinery_worth_high",
    "refinery_worth_medium",
    "refinery_probability_high",
    "refinery_probability_medium",
)
MATCH_THRESHOLD_FIELDS = (
    "refinery_match_auto",
    "refinery_match_review",
    "refinery_match_link_customer",
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

    refinery_match_auto = fields.Float(
        string="Auto-link from",
        default=matching.T_AUTO,
        help="Match score (0-100) at or above which a lead is linked to the account "
        "without review.",
    )
    refinery_match_review = fields.Float(
        string="Review from",
        default=matching.T_REVIEW,
        help="Match score from which a suggestion goes to the review queue; below it the "
        "lead's company is treated as new.",
    )

    refinery_match_link_customer = fields.Boolean(
        string="Matching at creation sets the customer",
        help="When a new lead is linked to an account automatically, also set the lead's "
        "customer (the respondent as a contact of that account). Off by default: Odoo's "
        "mail gateway, conversion wizard and duplicate detection expect new leads without "
        "a customer. Accepting a suggestion or the Match account button always sets it.",
    )

    refinery_route_override_owner = fields.Boolean(
        string="Routing overrides a given salesperson",
        help="Route new leads even when they were created with a salesperson or partner. "
        "Off by default: an owner given explicitly is kept.",
    )

    refinery_lead_threshold = fields.Float(
        string="Interest that makes a lead",
        default=100.0,
        help="Sum of the (decayed) activity scores of an account in one product category from "
        "which a lead is created; per category or team in Lead Thresholds.",
    )

    refinery_inbound_activity_type_id = fields.Many2one(
        "crm.refinery.activity.type",
        string="Inbound leads count as",
        help="Odoo's own inbound leads (mail alias, website form) are also logged as a buyer "
        "activity of this type, and count towards their account's interest. Empty: they don't.",
    )

    def _refinery_match_thresholds(self):
        """(auto-link, review) score thresholds of this company."""
        self.ensure_one()
        return self.refinery_match_auto, self.refinery_match_review

    @api.constrains("refinery_match_auto", "refinery_match_review")
    def _check_refinery_match_thresholds(self):
        for company in self:
            if not 0 <= company.refinery_match_review < company.refinery_match_auto <= 100:
                raise ValidationError(
                    self.env._(
                        "Match thresholds must satisfy "
                        "0 ≤ review (%(review)s) < auto-link (%(auto)s) ≤ 100.",
                        review=company.refinery_match_review,
                        auto=company.refinery_match_auto,
                    )
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
