from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from ..lib import names
from .res_partner import matching_trigram_index, matching_words_index

ALIAS_KINDS = [
    ("abbreviation", "Abbreviation"),
    ("former_name", "Former name"),
    ("division", "Division"),
    ("acronym", "Acronym"),
    ("misspelling", "Misspelling"),
]
ALIAS_SOURCES = [("manual", "Manual"), ("import", "Import"), ("learned", "Learned from a match")]


class ResPartnerAlias(models.Model):
    """The company-name variant table: "3M" is "Minnesota Mining and Manufacturing"."""

    _name = "res.partner.alias"
    _description = "Company name variant"
    _order = "partner_id, name"

    name = fields.Char(string="Variant", required=True, help="The name as respondents write it.")
    name_norm = fields.Char(
        string="Normalised variant",
        compute="_compute_name_norm",
        store=True,
        index=True,
        help="What matching compares: case, accents, punctuation, legal suffixes and "
        "generic abbreviations folded away.",
    )
    distinctive = fields.Char(
        compute="_compute_name_norm",
        store=True,
        help="The variant without generic words: what misspelling search compares.",
    )
    partner_id = fields.Many2one(
        "res.partner",
        string="Account",
        required=True,
        index=True,
        ondelete="cascade",
        domain=[("is_company", "=", True)],
    )
    kind = fields.Selection(ALIAS_KINDS, required=True, default="abbreviation")
    source = fields.Selection(ALIAS_SOURCES, required=True, default="manual", readonly=True)
    active = fields.Boolean(default=True)
    note = fields.Char()

    _sql_constraints = [
        (
            "name_norm_uniq",
            "unique(name_norm)",
            "This variant is already in the table (variants are compared once normalised).",
        ),
    ]

    def init(self):
        """Trigram and word indexes on the variant (pg_trgm is created by the pre-init hook)."""
        matching_trigram_index(self.env.cr, "res_partner_alias", "distinctive")
        matching_words_index(self.env.cr, "res_partner_alias", "distinctive")

    @api.depends("name")
    def _compute_name_norm(self):
        for alias in self:
            alias.name_norm = names.normalize_company(alias.name or "") or False
            alias.distinctive = names.distinctive(alias.name_norm) or False

    @api.constrains("name_norm", "name")
    def _check_name_norm(self):
        for alias in self:
            if not alias.name_norm:
                raise ValidationError(
                    _(
                        "“%s” has nothing left to match once normalised (only a legal suffix, "
                        "punctuation or blanks): it cannot be a company variant.",
                        alias.name,
                    )
                )

    @api.constrains("partner_id")
    def _check_partner_is_company(self):
        for alias in self:
            if not alias.partner_id.is_company:
                raise ValidationError(
                    _(
                        "Variants belong to companies; %s is a person.",
                        alias.partner_id.display_name,
                    )
                )
