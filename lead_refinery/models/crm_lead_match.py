from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..lib import names

MATCH_STATES = [
    ("pending", "To review"),
    ("accepted", "Accepted"),
    ("rejected", "Rejected"),
    ("superseded", "Superseded"),
]


class CrmLeadMatch(models.Model):
    """A suggested lead-to-account link waiting for (or after) a human decision."""

    _name = "crm.lead.match"
    _description = "Lead to account match suggestion"
    _order = "state, score desc, id desc"
    _rec_name = "partner_id"

    lead_id = fields.Many2one("crm.lead", required=True, ondelete="cascade", index=True)
    partner_id = fields.Many2one(
        "res.partner", string="Account", required=True, ondelete="cascade", index=True
    )
    score = fields.Float(digits=(5, 1), aggregator="avg")
    breakdown = fields.Json(help="Per-field evidence, 0-100 each, as the scorer saw it.")
    breakdown_text = fields.Text(string="Evidence", compute="_compute_breakdown_text")
    reasons = fields.Text()
    state = fields.Selection(MATCH_STATES, default="pending", required=True, index=True)
    name_norm = fields.Char(
        string="Normalised lead company",
        index=True,
        help="Remembered with a rejection, so the same name is not suggested for this "
        "account again.",
    )
    lead_partner_name = fields.Char(string="Company (as written)", readonly=True)
    lead_email = fields.Char(related="lead_id.email_from", string="Lead email")
    user_id = fields.Many2one("res.users", string="Decided by", readonly=True)
    date_decided = fields.Datetime(readonly=True)

    _sql_constraints = [
        ("lead_partner_uniq", "unique(lead_id, partner_id)", "This account is already suggested."),
    ]

    @api.depends("breakdown")
    def _compute_breakdown_text(self):
        for match in self:
            items = sorted((match.breakdown or {}).items(), key=lambda item: -float(item[1] or 0))
            match.breakdown_text = "\n".join(f"{name}: {float(value):.0f}" for name, value in items)

    def action_accept(self):
        """Link the lead to the account and teach the variant table the name it used."""
        for match in self:
            if match.state != "pending":
                raise UserError(_("This suggestion was already decided."))
            lead = match.lead_id
            match._learn_alias()
            lead._refinery_link_account(
                match.partner_id,
                _(
                    "Match accepted by %(user)s (score %(score).0f).",
                    user=self.env.user.name,
                    score=match.score,
                ),
            )
            match.write(
                {
                    "state": "accepted",
                    "user_id": self.env.uid,
                    "date_decided": fields.Datetime.now(),
                }
            )
            (
                lead.refinery_match_ids.filtered(lambda other: other.state == "pending") - match
            ).write({"state": "superseded"})
        return True

    def action_reject(self):
        """Refuse the link; the pair (and the same company name) is not suggested again."""
        pending = self.filtered(lambda match: match.state == "pending")
        pending.write(
            {"state": "rejected", "user_id": self.env.uid, "date_decided": fields.Datetime.now()}
        )
        for lead in pending.lead_id:
            if not lead.refinery_match_ids.filtered(lambda match: match.state == "pending"):
                lead.refinery_match_state = "new"
        return True

    def _learn_alias(self):
        """The lead's company name becomes a learned variant of the account."""
        self.ensure_one()
        raw = (self.lead_partner_name or "").strip()
        norm = names.normalize_company(raw)
        if not norm or norm == self.partner_id.identity_name_norm:
            return
        Alias = self.env["res.partner.alias"].sudo().with_context(active_test=False)
        if Alias.search_count([("name_norm", "=", norm)]):
            return
        kind = "acronym" if names.is_acronym_like(raw) else "misspelling"
        Alias.create(
            {"name": raw, "partner_id": self.partner_id.id, "kind": kind, "source": "learned"}
        )
