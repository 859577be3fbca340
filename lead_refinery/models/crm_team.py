from odoo import fields, models


class CrmTeam(models.Model):
    _inherit = "crm.team"

    refinery_unowned_count = fields.Integer(
        string="Unowned leads", compute="_compute_refinery_unowned_count"
    )

    def _compute_refinery_unowned_count(self):
        counts = dict(
            self.env["crm.lead"]._read_group(
                [("team_id", "in", self.ids), ("refinery_unowned", "=", True)],
                ["team_id"],
                ["__count"],
            )
        )
        for team in self:
            team.refinery_unowned_count = counts.get(team, 0)

    def action_open_refinery_unowned(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "lead_refinery.crm_lead_refinery_unowned_action"
        )
        action["domain"] = [("team_id", "=", self.id), ("refinery_unowned", "=", True)]
        return action
