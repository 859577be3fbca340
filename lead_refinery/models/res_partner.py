from odoo import api, fields, models

from ..lib import matching, names

#: Partner fields the identity keys are computed from.
IDENTITY_SOURCE_FIELDS = (
    "name",
    "email",
    "website",
    "phone",
    "zip",
    "city",
    "state_id",
    "country_id",
)
#: The stored keys, each indexed for the candidate query.
IDENTITY_KEY_FIELDS = (
    "identity_name_norm",
    "identity_phonetic",
    "identity_acronym",
    "identity_domain",
    "identity_phone",
    "identity_zip5",
)


class ResPartner(models.Model):
    _inherit = "res.partner"

    identity_name_norm = fields.Char(
        string="Normalised name", compute="_compute_identity_keys", store=True, copy=False
    )
    identity_phonetic = fields.Char(
        string="Sounds like", compute="_compute_identity_keys", store=True, index="btree_not_null"
    )
    identity_acronym = fields.Char(
        string="Acronym key", compute="_compute_identity_keys", store=True, index="btree_not_null"
    )
    identity_domain = fields.Char(
        string="Company domain",
        compute="_compute_identity_keys",
        store=True,
        index="btree_not_null",
        help="Website domain, or the domain of the company email when it is not a free-mail one.",
    )
    identity_phone = fields.Char(
        string="Phone (E.164)", compute="_compute_identity_keys", store=True, index="btree_not_null"
    )
    identity_zip5 = fields.Char(
        string="ZIP5", compute="_compute_identity_keys", store=True, index="btree_not_null"
    )
    alias_ids = fields.One2many("res.partner.alias", "partner_id", string="Name variants")

    def init(self):
        result = super().init()
        self.env.cr.execute(
            "CREATE INDEX IF NOT EXISTS res_partner_identity_name_norm_trgm_idx ON res_partner "
            "USING gin (identity_name_norm gin_trgm_ops) WHERE identity_name_norm IS NOT NULL"
        )
        return result

    @api.depends(*IDENTITY_SOURCE_FIELDS, "is_company")
    def _compute_identity_keys(self):
        empty = dict.fromkeys(IDENTITY_KEY_FIELDS, False)
        for partner in self:
            if not partner.is_company:
                # Only accounts are matched against; contacts carry no keys.
                partner.update(empty)
                continue
            partner.update(self._identity_columns(partner._identity_keys()))

    def _identity_keys(self):
        """The pure engine's identity keys of this company."""
        self.ensure_one()
        return names.identity_keys(
            name=self.name,
            email=self.email,
            website=self.website,
            phone=self.phone,
            zip=self.zip,
            city=self.city,
            state=self.state_id.code,
            country_code=self.country_id.code or "US",
        )

    @api.model
    def _identity_columns(self, keys):
        return {
            "identity_name_norm": keys.name_norm or False,
            "identity_phonetic": keys.phonetic or False,
            "identity_acronym": keys.acronym or False,
            "identity_domain": keys.website_domain or keys.email_domain or False,
            "identity_phone": keys.phone or False,
            "identity_zip5": keys.zip5 or False,
        }

    # ------------------------------------------------------------------ matching API

    @api.model
    def _identity_candidate_ids(self, keys, limit=30):
        """Account ids worth scoring for these keys, found through indexes only.

        Each branch is an index lookup: trigram similarity on the normalised name
        and on the variant table, and equality on domain, phone, phonetic key
        and acronym. Nothing scans every account.
        """
        branches, params = [], {"limit": limit}
        if keys.name_norm:
            params["name"] = keys.name_norm
            branches.append(
                "(SELECT id FROM res_partner WHERE identity_name_norm %% %(name)s AND active"
                " ORDER BY similarity(identity_name_norm, %(name)s) DESC LIMIT %(limit)s)"
            )
            branches.append(
                "(SELECT partner_id FROM res_partner_alias WHERE name_norm %% %(name)s AND active"
                " ORDER BY similarity(name_norm, %(name)s) DESC LIMIT %(limit)s)"
            )
            params["acronym"] = keys.acronym or keys.name_norm.replace(" ", "")
            branches.append(
                "(SELECT id FROM res_partner WHERE identity_acronym = %(acronym)s AND active"
                " LIMIT %(limit)s)"
            )
        for column, value in (
            ("identity_domain", keys.website_domain or keys.email_domain),
            ("identity_phone", keys.phone),
            ("identity_phonetic", keys.phonetic),
        ):
            if value:
                params[column] = value
                branches.append(
                    f"(SELECT id FROM res_partner WHERE {column} = %({column})s AND active"
                    " LIMIT %(limit)s)"
                )
        if keys.email_domain and keys.email_domain != keys.website_domain:
            params["email_domain"] = keys.email_domain
            branches.append(
                "(SELECT id FROM res_partner WHERE identity_domain = %(email_domain)s AND active"
                " LIMIT %(limit)s)"
            )
        if not branches:
            return []
        self.flush_model(IDENTITY_KEY_FIELDS)
        self.env["res.partner.alias"].flush_model(["name_norm", "active", "partner_id"])
        self.env.cr.execute("SET LOCAL pg_trgm.similarity_threshold = 0.35")
        self.env.cr.execute(" UNION ".join(branches), params)
        return [row[0] for row in self.env.cr.fetchall()]

    @api.model
    def _identity_rank(self, keys, exclude_ids=(), limit=5):
        """Score the indexed candidates of ``keys``; best first, as plain dicts."""
        candidate_ids = [
            pid for pid in self._identity_candidate_ids(keys) if pid not in set(exclude_ids)
        ]
        accounts = self.browse(candidate_ids).with_context(active_test=False)
        accounts = accounts.filtered("is_company")
        aliases = {}
        for alias in self.env["res.partner.alias"].search([("partner_id", "in", accounts.ids)]):
            aliases.setdefault(alias.partner_id.id, []).append(alias.name_norm)
        ranked = matching.rank_candidates(
            keys,
            [
                (account.id, account._identity_keys(), tuple(aliases.get(account.id, ())))
                for account in accounts
            ],
        )
        return [
            {
                "partner_id": account_id,
                "score": round(result.score, 1),
                "breakdown": dict(result.breakdown),
                "reasons": list(result.reasons),
            }
            for account_id, result in ranked[:limit]
        ]

    @api.model
    def refinery_match_accounts(self, values, limit=5):
        """Public API (RPC-friendly): ranked existing accounts for company data.

        ``values`` may hold name, email, website, phone, zip, city, state (code)
        and country (code). Returns up to ``limit`` dicts with partner_id, name,
        score (0-100), decision (auto / review / new), breakdown and reasons.
        """
        keys = names.identity_keys(
            name=values.get("name"),
            email=values.get("email"),
            website=values.get("website"),
            phone=values.get("phone"),
            zip=values.get("zip"),
            city=values.get("city"),
            state=values.get("state"),
            country_code=values.get("country") or "US",
        )
        thresholds = self.env.company._refinery_match_thresholds()
        ranked = self._identity_rank(keys, limit=limit)
        names_by_id = {
            partner.id: partner.display_name
            for partner in self.browse([r["partner_id"] for r in ranked])
        }
        for row in ranked:
            row["name"] = names_by_id[row["partner_id"]]
            row["decision"] = matching.decide(row["score"], *thresholds)
        return ranked
