from odoo import _, api, fields, models

from ..lib import matching, names

MATCH_STATES = [
    ("unmatched", "Not matched yet"),
    ("linked", "Linked to an account"),
    ("review", "Waiting for review"),
    ("new", "New company"),
]


class CrmLead(models.Model):
    """Account identity on leads: which existing account a lead comes from."""

    _inherit = "crm.lead"

    refinery_account_id = fields.Many2one(
        "res.partner",
        string="Account",
        index=True,
        tracking=True,
        copy=False,
        domain=[("is_company", "=", True)],
        help="The existing company account this lead was matched to.",
    )
    refinery_match_state = fields.Selection(
        MATCH_STATES, string="Account match", default="unmatched", index=True, copy=False
    )
    refinery_company_as_written = fields.Char(
        string="Company as written",
        readonly=True,
        copy=False,
        help="The company name exactly as the respondent gave it, kept when the lead is "
        "linked to an account (which renames the lead's company).",
    )
    refinery_match_ids = fields.One2many("crm.lead.match", "lead_id", string="Match suggestions")
    identity_name_norm = fields.Char(compute="_compute_lead_identity_keys", store=True)
    identity_domain = fields.Char(
        compute="_compute_lead_identity_keys", store=True, index="btree_not_null"
    )
    identity_phone = fields.Char(
        compute="_compute_lead_identity_keys", store=True, index="btree_not_null"
    )
    identity_zip5 = fields.Char(
        compute="_compute_lead_identity_keys", store=True, index="btree_not_null"
    )
    refinery_duplicate_ids = fields.Many2many(
        "crm.lead", string="Open leads of the same account", compute="_compute_refinery_duplicates"
    )
    refinery_duplicate_count = fields.Integer(compute="_compute_refinery_duplicates")

    def init(self):
        result = super().init()
        self.env.cr.execute(
            "CREATE INDEX IF NOT EXISTS crm_lead_identity_name_norm_trgm_idx ON crm_lead "
            "USING gin (identity_name_norm gin_trgm_ops) WHERE identity_name_norm IS NOT NULL"
        )
        return result

    @api.depends(
        "partner_name", "email_from", "website", "phone", "zip", "city", "state_id", "country_id"
    )
    def _compute_lead_identity_keys(self):
        for lead in self:
            keys = lead._refinery_identity_keys()
            lead.identity_name_norm = keys.name_norm or False
            lead.identity_domain = keys.email_domain or keys.website_domain or False
            lead.identity_phone = keys.phone or False
            lead.identity_zip5 = keys.zip5 or False

    def _refinery_identity_keys(self):
        """The pure engine's identity keys of the company this lead speaks for."""
        self.ensure_one()
        return names.identity_keys(
            name=self.partner_name,
            email=self.email_from,
            website=self.website,
            phone=self.phone,
            zip=self.zip,
            city=self.city,
            state=self.state_id.code,
            country_code=self.country_id.code or "US",
        )

    @api.depends("refinery_account_id")
    def _compute_refinery_duplicates(self):
        accounts = self.refinery_account_id
        groups = {}
        if accounts:
            for lead in self.search(
                [
                    ("refinery_account_id", "in", accounts.ids),
                    ("active", "=", True),
                    ("probability", "<", 100),
                ]
            ):
                groups.setdefault(lead.refinery_account_id.id, self.browse())
                groups[lead.refinery_account_id.id] |= lead
        for lead in self:
            others = groups.get(lead.refinery_account_id.id, self.browse()) - lead
            lead.refinery_duplicate_ids = others if lead.refinery_account_id else False
            lead.refinery_duplicate_count = len(others) if lead.refinery_account_id else 0

    # ------------------------------------------------------------------ matching

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("partner_name"):
                vals.setdefault("refinery_company_as_written", vals["partner_name"])
        leads = super().create(vals_list)
        if not self.env.context.get("refinery_skip_match"):
            leads._refinery_auto_match()
        return leads

    def _refinery_match_candidates(self, limit=5):
        """Hook: ranked account candidates of this lead (dicts, best first).

        Accounts whose suggestion was rejected for this lead, or for the same
        normalised company name, are never offered again.
        """
        self.ensure_one()
        keys = self._refinery_identity_keys()
        rejected = self.env["crm.lead.match"].search(
            [
                ("state", "=", "rejected"),
                "|",
                ("lead_id", "=", self.id),
                ("name_norm", "=", keys.name_norm or "-"),
            ]
        )
        return self.env["res.partner"]._identity_rank(
            keys, exclude_ids=rejected.partner_id.ids, limit=limit
        )

    def _refinery_auto_match(self, set_customer=None):
        """Link, suggest or declare new, for every lead not linked yet.

        ``set_customer``: also make the account (through the respondent's
        contact) the lead's customer. By default only on-demand matching does;
        matching at creation follows the company setting, off by default because
        Odoo's own flows (mail gateway, conversion wizard, duplicate detection)
        expect a new lead without a customer.
        """
        if set_customer is None:
            set_customer = self.env.company.refinery_match_link_customer
        t_auto, t_review = self.env.company._refinery_match_thresholds()
        Match = self.env["crm.lead.match"].sudo()
        matchable = self.filtered(
            lambda lead: (
                not lead.refinery_account_id
                and (lead.partner_name or lead.email_from or lead.phone or lead.website)
            )
        )
        for lead in matchable:
            candidates = lead._refinery_match_candidates()
            best = candidates[0] if candidates else None
            decision = matching.decide(best["score"], t_auto, t_review) if best else "new"
            if decision == "auto":
                account = self.env["res.partner"].browse(best["partner_id"])
                lead._refinery_link_account(
                    account,
                    set_customer=set_customer,
                    reason=_(
                        "Matched automatically (score %(score).0f): %(why)s",
                        score=best["score"],
                        why="; ".join(best["reasons"]),
                    ),
                )
                continue
            reviewable = [
                row
                for row in candidates
                if matching.decide(row["score"], t_auto, t_review) != "new"
            ]
            if decision == "review" or reviewable:
                name_norm = lead.identity_name_norm or False
                written_name = lead.refinery_company_as_written or lead.partner_name
                existing = set(lead.refinery_match_ids.partner_id.ids)
                Match.create(
                    [
                        {
                            "lead_id": lead.id,
                            "partner_id": row["partner_id"],
                            "score": row["score"],
                            "breakdown": row["breakdown"],
                            "reasons": "\n".join(row["reasons"]),
                            "name_norm": name_norm,
                            "lead_partner_name": written_name,
                        }
                        for row in (reviewable or [best])[:3]
                        if row["partner_id"] not in existing
                    ]
                )
                lead.refinery_match_state = "review"
            else:
                lead.refinery_match_state = "new"

    def _refinery_link_account(self, account, reason, set_customer=True):
        """Link the lead to an existing account without losing the respondent's details.

        ``partner_id`` becomes the contact of that account with the lead's email
        (found, or created from the lead like Odoo's own conversion does), so
        Odoo's partner sync never overwrites the respondent's email, phone or
        address with the company's. Without any person data the account itself
        becomes the customer.
        """
        self.ensure_one()
        values = {"refinery_account_id": account.id, "refinery_match_state": "linked"}
        if set_customer and not self.partner_id:
            values["partner_id"] = self._refinery_contact_for(account).id
        self._message_log(
            body=_("Account: %(account)s. %(reason)s", account=account.display_name, reason=reason)
        )
        self.write(values)

    def _refinery_contact_for(self, account):
        self.ensure_one()
        if self.email_normalized:
            contact = self.env["res.partner"].search(
                [
                    ("email_normalized", "=", self.email_normalized),
                    ("commercial_partner_id", "=", account.id),
                ],
                limit=1,
            )
            if contact:
                return contact
        contact_name = self.contact_name or (self.email_from and self.email_from.split("@")[0])
        if not contact_name:
            return account
        return self.env["res.partner"].create(
            self._prepare_customer_values(contact_name, is_company=False, parent_id=account.id)
        )

    def action_refinery_match(self):
        """Button and batch action: (re)run account matching on the selected leads."""
        self.filtered(lambda lead: lead.refinery_match_state != "linked")._refinery_auto_match(
            set_customer=True
        )
        return True

    def action_refinery_merge_duplicates(self):
        """Offer Odoo's merge wizard for the open leads of the same account."""
        self.ensure_one()
        leads = self | self.refinery_duplicate_ids
        action = self.env["ir.actions.act_window"]._for_xml_id("crm.action_merge_opportunities")
        action["context"] = {
            "active_model": "crm.lead",
            "active_ids": leads.ids,
            "active_id": self.id,
        }
        action["name"] = _(
            "Merge: %(count)s open leads of %(account)s",
            count=len(leads),
            account=self.refinery_account_id.display_name,
        )
        return action
