"""API keys of the integrations that post buyer activities (web forms, marketing tools)."""

import hashlib
import secrets

from odoo import _, api, fields, models

from ..lib import intake

#: Per worker process: one token bucket per key (requests are spread over workers).
_BUCKETS = {}


class CrmRefineryApiKey(models.Model):
    _name = "crm.refinery.api.key"
    _description = "Activity intake API key"
    _order = "name"

    name = fields.Char("Integration", required=True)
    active = fields.Boolean(default=True)
    prefix = fields.Char(readonly=True, help="The key's first characters, to recognise it.")
    key_hash = fields.Char(readonly=True, groups="base.group_system")
    user_id = fields.Many2one(
        "res.users",
        string="Acts as",
        default=lambda self: self.env.user,
        required=True,
        help="Activities and leads are created in this user's name.",
    )
    rate_per_minute = fields.Integer("Requests per minute", default=120)
    burst = fields.Integer(default=30, help="Requests allowed at once before the rate applies.")
    last_used = fields.Datetime(readonly=True)
    request_count = fields.Integer(readonly=True)

    _sql_constraints = [
        ("rate_positive", "CHECK(rate_per_minute > 0 AND burst > 0)", "Rates must be positive."),
    ]

    def _refinery_generate(self):
        """A new secret for this key: returned once, only its hash is kept."""
        self.ensure_one()
        secret = "lr_" + secrets.token_urlsafe(32)
        self.sudo().write({"prefix": secret[:10], "key_hash": _hash(secret)})
        return secret

    def action_generate(self):
        secret = self._refinery_generate()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": _("API key for %s", self.name),
                "message": _("Copy it now, it is not shown again: %s", secret),
                "sticky": True,
                "type": "warning",
            },
        }

    @api.model
    def _refinery_authenticate(self, secret):
        """The active key of ``secret``, or an empty recordset."""
        if not secret or not secret.startswith("lr_"):
            return self.browse()
        return self.sudo().search(
            [("key_hash", "=", _hash(secret)), ("active", "=", True)], limit=1
        )

    def _refinery_take_token(self):
        """``(allowed, retry_after)`` under the key's rate limit."""
        self.ensure_one()
        settings = (self.rate_per_minute / 60.0, self.burst)
        bucket = _BUCKETS.get(self.id)
        if bucket is None or (bucket.rate, bucket.burst) != (settings[0], float(settings[1])):
            bucket = _BUCKETS[self.id] = intake.TokenBucket(*settings)
        return bucket.take()


def _hash(secret):
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()
