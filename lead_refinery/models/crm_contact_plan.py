from odoo import api, fields, models

from ..lib import followup, grading


class CrmContactPlan(models.Model):
    _name = "crm.contact.plan"
    _description = "Lead contact plan"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    active = fields.Boolean(default=True)
    sequence = fields.Integer(default=10)
    grade = fields.Selection(
        [(grade, grade) for grade in grading.GRADES],
        help="Leads of this grade follow this plan unless their SLA policy names one; "
        "a plan without grade serves the grades no plan names.",
    )
    step_ids = fields.One2many("crm.contact.plan.step", "plan_id", string="Steps", copy=True)
    step_count = fields.Integer(compute="_compute_step_count")
    description = fields.Text()

    @api.depends("step_ids")
    def _compute_step_count(self):
        for plan in self:
            plan.step_count = len(plan.step_ids)

    @api.model
    def _refinery_plan_for_grade(self, grade):
        """The plan of a grade: the plan naming the grade, else a plan naming none."""
        plans = self.search([("step_ids", "!=", False)])
        rows = [(plan.id, None, plan.grade or None, None, plan.sequence) for plan in plans]
        return self.browse(followup.select_policy(rows, None, grade or None, None))

    def _to_engine(self):
        """The steps as the pure engine expects them, in the plan's order."""
        self.ensure_one()
        return [step._to_engine() for step in self.step_ids]
