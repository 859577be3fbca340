"""The indirect channel: leads handed to a partner company (distributor, rep firm).

A territory or named account owned by a partner company routes its leads
here: the lead keeps the partner (``refinery_partner_id``), the partner's
answer (pending, accepted, rejected) and every partner that held it, and
the partner's portal users are told. The follow-up cron hands a late
partner-owned lead to the next partner covering the address. The partner
portal builds on these fields.
"""

from markupsafe import Markup

from odoo import _, api, fields, models

from ..lib import routing

PARTNER_STATES = [
    ("pending", "Waiting for the partner"),
    ("accepted", "Accepted"),
    ("rejected", "Rejected"),
]


class CrmLead(models.Model):
    _inherit = "crm.lead"

    refinery_partner_id = fields.Many2one(
        "res.partner",
        string="Channel partner",
        domain=[("is_company", "=", True)],
        index="btree_not_null",
        tracking=True,
        copy=False,
        help="The distributor or rep firm this lead was handed to.",
    )
    refinery_partner_state = fields.Selection(PARTNER_STATES, string="Partner answer", copy=False)
    refinery_partner_accepted = fields.Boolean(
        "Accepted by the partner", copy=False, help="Set with the partner's answer."
    )
    refinery_partner_assigned_date = fields.Datetime("Handed to partner on", copy=False)
    refinery_partner_history_ids = fields.Many2many(
        "res.partner",
        "crm_lead_refinery_partner_history_rel",
        "lead_id",
        "partner_id",
        string="Partners that held it",
        copy=False,
    )

    @api.depends("refinery_partner_id")
    def _compute_refinery_unowned(self):
        return super()._compute_refinery_unowned()

    def _track_get_default_log_message(self, tracked_fields):
        if "refinery_partner_id" in tracked_fields and "user_id" not in tracked_fields:
            reason = self.env.context.get("refinery_owner_reason")
            return reason or _("Partner changed by hand by %s.", self.env.user.name)
        return super()._track_get_default_log_message(tracked_fields)

    def _refinery_has_owner(self):
        return super()._refinery_has_owner() or bool(self.refinery_partner_id)

    @api.model
    def _refinery_partner_values(self, partner_id, now):
        """The values that hand a lead to ``partner_id``, waiting for its answer."""
        return {
            "refinery_partner_id": partner_id,
            "refinery_partner_state": "pending",
            "refinery_partner_accepted": False,
            "refinery_partner_assigned_date": now,
            "refinery_partner_history_ids": [fields.Command.link(partner_id)],
        }

    @api.model
    def _refinery_partner_portal_partners(self, partner):
        """Hook: the contacts of ``partner``'s portal users, told about the leads handed to it."""
        users = (
            self.env["res.users"]
            .sudo()
            .search(
                [
                    ("partner_id.commercial_partner_id", "=", partner.id),
                    ("share", "=", True),
                ]
            )
        )
        return users.partner_id

    def _refinery_notify_partner(self, reason):
        portal_partners = {}
        for lead in self:
            partner = lead.refinery_partner_id
            if partner.id not in portal_partners:
                portal_partners[partner.id] = self._refinery_partner_portal_partners(partner)
            recipients = portal_partners[partner.id]
            if not recipients:
                continue
            lead.sudo().message_post(
                body=Markup("<p>%s</p><p>%s</p>")
                % (
                    _(
                        "A new lead for %(partner)s: %(lead)s. Please accept or reject it.",
                        partner=lead.refinery_partner_id.display_name,
                        lead=lead.name,
                    ),
                    reason,
                ),
                partner_ids=recipients.ids,
                message_type="notification",
                subtype_xmlid="mail.mt_note",
            )

    def _refinery_sla_set_owner(self, owner, reason):
        if owner._name != "res.partner":
            return super()._refinery_sla_set_owner(owner, reason)
        self.ensure_one()
        values = self._refinery_partner_values(owner.id, fields.Datetime.now())
        self.sudo().with_context(
            refinery_owner_reason=reason, mail_auto_subscribe_no_notify=True
        ).write(values)
        self._refinery_notify_partner(reason)
        return True

    def _refinery_pick_partner_reassignee(self):
        """The next partner for a late partner-owned lead.

        First the partners owning the other territories that cover the address
        (most specific first), then the territory's *Next partners*; never a
        partner that already held the lead.
        """
        self.ensure_one()
        held = self.refinery_partner_id | self.refinery_partner_history_ids
        env = self.env(su=True)
        candidates = []
        company = self.company_id or self.env.company
        engine = env["crm.territory"]._refinery_engine(company)
        today = fields.Date.context_today(self)
        decision = engine.route(self._refinery_route_facts(), today)
        usable = {routing.LESS_SPECIFIC, routing.LOWER_PRIORITY, routing.TIE_LOST}
        territory_ids = [decision.territory_id] + [
            alt.territory_id
            for alt in decision.alternatives
            if alt.outcome in usable and alt.territory_id
        ]
        for territory_id in territory_ids:
            territory = engine.territories.get(territory_id)
            if territory and territory.owner_kind == "partner":
                candidates.append(territory.owner_id)
        candidates += self.refinery_territory_id.fallback_partner_ids.ids
        for partner_id in candidates:
            partner = env["res.partner"].browse(partner_id)
            if partner not in held and partner.active:
                return self.env["res.partner"].browse(partner_id)
        return self.env["res.partner"]
