from odoo import _, api, fields, models


class MailActivity(models.Model):
    _inherit = "mail.activity"

    refinery_plan_step_id = fields.Many2one(
        "crm.contact.plan.step",
        string="Contact plan step",
        readonly=True,
        ondelete="set null",
        index="btree_not_null",
    )

    @api.model_create_multi
    def create(self, vals_list):
        activities = super().create(vals_list)
        if not self.env.context.get("refinery_no_reopen"):
            lead_ids = {act.res_id for act in activities if act.res_model == "crm.lead"}
            if lead_ids:
                leads = self.env["crm.lead"].sudo().browse(lead_ids).exists()
                leads._refinery_reopen_incubating(_("A new activity was scheduled on it."))
        return activities

    def _action_done(self, feedback=False, attachment_ids=None):
        """Completing a contact-plan step schedules the plan's next step."""
        done_steps = [
            (activity.res_id, activity.refinery_plan_step_id)
            for activity in self
            if activity.res_model == "crm.lead" and activity.refinery_plan_step_id
        ]
        result = super()._action_done(feedback=feedback, attachment_ids=attachment_ids)
        for lead_id, step in done_steps:
            lead = self.env["crm.lead"].sudo().browse(lead_id).exists()
            if lead:
                lead._refinery_plan_step_done(step)
        return result
