"""Buyer signals: contacts' activities, scored by type, adding up to leads per account.

Every intake channel hands canonical payloads (plain dicts, see
``_refinery_ingest``) to one service. Each payload ends as an activity or as
an intake reject with its reason and raw payload: nothing is dropped. After
each activity the account's interest in the activity's product category is
recomputed from its activities (:mod:`..lib.aggregation`); reaching the
threshold, or a hot activity, creates the lead for that account and category,
or updates the open one.

Concurrency: the interest row of (account, category) is upserted before the
open lead is looked up. Two transactions adding activities for the same
account and category serialise on that row; in Odoo's repeatable-read
transactions the later one fails with a serialisation error and is retried
by Odoo (requests, crons) or by the caller, and then sees the first one's
lead: one lead, never two.
"""

import contextlib
import hashlib
import json
from datetime import datetime, timedelta

from markupsafe import Markup, escape

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from ..lib import aggregation, ladder

CHANNELS = [
    ("import", "File import"),
    ("api", "API"),
    ("manual", "Logged by hand"),
    ("inbound", "Odoo inbound lead"),
]
#: Activities older than this are refused as data errors (wrong century, 1900 defaults).
OLDEST = timedelta(days=366 * 5)


class CrmRefineryActivityType(models.Model):
    _name = "crm.refinery.activity.type"
    _description = "Buyer activity type"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    code = fields.Char(required=True, help="Used by imports and the API.")
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    score = fields.Float(default=10.0, help="What one activity of this type counts.")
    window_days = fields.Integer(
        "Counts for (days)", default=90, help="An activity stops counting after this (0: never)."
    )
    half_life_days = fields.Float(
        "Half-life (days)", default=0.0, help="Its score halves every N days (0: no decay)."
    )
    hot = fields.Boolean(help="One activity of this type creates a lead at once.")

    _sql_constraints = [
        ("code_unique", "UNIQUE(code)", "Activity type codes are unique."),
        ("score_positive", "CHECK(score >= 0)", "A score cannot be negative."),
        ("window_positive", "CHECK(window_days >= 0)", "A window cannot be negative."),
        ("half_life_positive", "CHECK(half_life_days >= 0)", "A half-life cannot be negative."),
    ]

    def _refinery_lib_type(self):
        self.ensure_one()
        return aggregation.ActivityType(
            code=self.code,
            score=self.score,
            window_days=self.window_days or None,
            half_life_days=self.half_life_days or None,
            hot=self.hot,
        )


class CrmRefineryLeadThreshold(models.Model):
    """How much interest makes a lead, per product category and/or sales team."""

    _name = "crm.refinery.lead.threshold"
    _description = "Lead threshold"
    _order = "category_id, team_id"

    category_id = fields.Many2one("product.category")
    team_id = fields.Many2one("crm.team")
    threshold = fields.Float(required=True, default=100.0)

    _sql_constraints = [
        ("threshold_positive", "CHECK(threshold > 0)", "A threshold must be positive."),
        ("unique", "UNIQUE(category_id, team_id)", "One threshold per category and team."),
    ]


class CrmRefineryInterest(models.Model):
    """An account's current interest in one product category: its activity profile."""

    _name = "crm.refinery.interest"
    _description = "Account interest"
    _order = "score desc, id"
    _rec_name = "account_id"

    account_id = fields.Many2one("res.partner", required=True, ondelete="cascade", index=True)
    category_id = fields.Many2one("product.category", ondelete="cascade")
    score = fields.Float(readonly=True)
    threshold = fields.Float(readonly=True)
    activity_count = fields.Integer("Activities counted", readonly=True)
    contact_count = fields.Integer("Contacts", readonly=True)
    last_activity_at = fields.Datetime(readonly=True)
    lead_id = fields.Many2one("crm.lead", readonly=True, ondelete="set null")
    breakdown = fields.Text(readonly=True)

    def init(self):
        # One row per account and category, NULL category included: the row the
        # aggregation of that pair serialises on.
        self.env.cr.execute(
            "CREATE UNIQUE INDEX IF NOT EXISTS crm_refinery_interest_pair_uniq "
            "ON crm_refinery_interest (account_id, COALESCE(category_id, 0))"
        )


class CrmRefineryActivity(models.Model):
    _name = "crm.refinery.activity"
    _description = "Buyer activity"
    _order = "occurred_at desc, id desc"

    contact_id = fields.Many2one("res.partner", index=True)
    account_id = fields.Many2one("res.partner", required=True, index=True)
    type_id = fields.Many2one("crm.refinery.activity.type", string="Activity", required=True)
    category_id = fields.Many2one("product.category", string="Product category", index=True)
    occurred_at = fields.Datetime("When", required=True, index=True)
    channel = fields.Selection(CHANNELS, required=True, default="manual")
    source_label = fields.Char("Received from", help="File name, integration or event.")
    campaign_id = fields.Many2one("utm.campaign")
    source_id = fields.Many2one("utm.source")
    medium_id = fields.Many2one("utm.medium")
    payload = fields.Json(readonly=True, help="The row or request as received.")
    idempotency_key = fields.Char(readonly=True, copy=False)
    score = fields.Float(readonly=True, help="The type's score when the activity arrived.")
    lead_id = fields.Many2one("crm.lead", readonly=True, index=True, ondelete="set null")
    note = fields.Text()
    company_id = fields.Many2one("res.company", default=lambda self: self.env.company)

    def init(self):
        self.env.cr.execute(
            "CREATE UNIQUE INDEX IF NOT EXISTS crm_refinery_activity_idempotency_uniq "
            "ON crm_refinery_activity (idempotency_key) WHERE idempotency_key IS NOT NULL"
        )

    @api.depends("type_id", "account_id", "occurred_at")
    def _compute_display_name(self):
        for activity in self:
            activity.display_name = (
                f"{activity.type_id.name or ''} — {activity.account_id.name or ''}"
            )

    # ------------------------------------------------------------------ service

    @api.model
    def _refinery_ingest(self, payloads, channel, source_label=None):
        """Store each canonical payload as an activity, or as an intake reject.

        A payload is a dict: ``activity_type`` (type code), ``category``
        (product category name), ``occurred_at`` (naive UTC datetime),
        ``contact_name``, ``email``, ``phone``, ``company_name``, ``street``,
        ``city``, ``state_code``, ``zip``, ``country_code``, ``website``,
        ``utm_campaign``/``utm_source``/``utm_medium``, ``note``,
        ``idempotency_key`` (derived from the content when missing) and
        ``raw`` (as received). Returns one dict per payload: ``status``
        (created / duplicate / rejected), ``activity_id``, ``lead_id``,
        ``reject_id``, ``errors`` and ``decision`` (the aggregation's reason).
        """
        # A trusted service: channels check who may call them (API keys, groups).
        service = self.sudo()
        results = []
        for payload in payloads:
            try:
                with self.env.cr.savepoint():
                    results.append(service._refinery_ingest_one(payload, channel, source_label))
            except (ValidationError, ValueError) as error:
                message = error.args[0] if error.args else str(error)
                reject = self.env["crm.refinery.intake.reject"]._refinery_reject(
                    payload, channel, source_label, {"row": message}
                )
                results.append({"status": "rejected", "reject_id": reject.id, "errors": message})
        return results

    @api.model
    def _refinery_ingest_one(self, payload, channel, source_label):
        payload = dict(payload)
        key = payload.get("idempotency_key") or idempotency_key(payload)
        existing = self.search([("idempotency_key", "=", key)], limit=1)
        if existing:
            return {
                "status": "duplicate",
                "activity_id": existing.id,
                "lead_id": existing.lead_id.id,
            }
        activity_type, category, errors = self._refinery_check(payload)
        if errors:
            reject = self.env["crm.refinery.intake.reject"]._refinery_reject(
                payload, channel, source_label, errors
            )
            return {"status": "rejected", "reject_id": reject.id, "errors": errors}
        account, contact = self._refinery_resolve_parties(payload)
        activity = self.create(
            {
                "contact_id": contact.id,
                "account_id": account.id,
                "type_id": activity_type.id,
                "category_id": category.id,
                "occurred_at": payload["occurred_at"],
                "channel": channel,
                "source_label": source_label,
                "campaign_id": self._refinery_utm("utm.campaign", payload.get("utm_campaign")),
                "source_id": self._refinery_utm("utm.source", payload.get("utm_source")),
                "medium_id": self._refinery_utm("utm.medium", payload.get("utm_medium")),
                "payload": _jsonable(payload.get("raw", payload)),
                "idempotency_key": key,
                "score": activity_type.score,
                "note": payload.get("note"),
            }
        )
        if payload.get("lead_id"):  # an inbound lead of Odoo's: the activity feeds it
            activity._refinery_attach_inbound_lead(self.env["crm.lead"].browse(payload["lead_id"]))
        decision, lead = activity._refinery_aggregate()
        return {
            "status": "created",
            "activity_id": activity.id,
            "lead_id": lead.id,
            "decision": decision.reason,
        }

    @api.model
    def _refinery_check(self, payload):
        """The payload's activity type and category, and the errors that make it a reject."""
        errors = {}
        Type = self.env["crm.refinery.activity.type"]
        activity_type = Type.search([("code", "=", payload.get("activity_type") or "")], limit=1)
        if not activity_type:
            known = ", ".join(Type.search([("code", "!=", False)]).mapped("code"))
            errors["activity_type"] = _(
                "Unknown activity type “%(code)s” (known: %(known)s).",
                code=payload.get("activity_type") or "",
                known=known,
            )
        category = self.env["product.category"]
        if payload.get("category"):
            name = str(payload["category"]).strip()
            category = category.search(
                ["|", ("complete_name", "=ilike", name), ("name", "=ilike", name)], limit=1
            )
            if not category:
                errors["category"] = _("Unknown product category “%s”.", name)
        occurred = payload.get("occurred_at")
        now = fields.Datetime.now()
        if not isinstance(occurred, datetime):
            errors["occurred_at"] = _("The date of the activity is missing or not a date.")
        elif occurred > now + aggregation.FUTURE_TOLERANCE:
            errors["occurred_at"] = _("%s is in the future.", occurred.isoformat(" "))
        elif occurred < now - OLDEST:
            errors["occurred_at"] = _("%s is too far in the past.", occurred.isoformat(" "))
        if not any(
            payload.get(name) for name in ("company_name", "email", "phone", "contact_name")
        ):
            errors["contact"] = _("Nothing identifies the contact or the company.")
        return activity_type, category, errors

    @api.model
    def _refinery_resolve_parties(self, payload):
        """Hook: ``(account, contact)`` for the payload, through account identity.

        The account is the existing company identity matching links at its
        auto-link threshold, else a new company; without any company, the
        contact is its own account.
        """
        Partner = self.env["res.partner"].sudo()
        if payload.get("account_id"):  # logged by hand on a known account or contact
            account = Partner.browse(payload["account_id"])
            return account, Partner.browse(payload.get("contact_id") or [])
        country = self.env["res.country"].search(
            [("code", "=", (payload.get("country_code") or "").upper())], limit=1
        )
        account = Partner.browse()
        if payload.get("company_name") or payload.get("email") or payload.get("website"):
            ranked = Partner.refinery_match_accounts(
                {
                    "name": payload.get("company_name"),
                    "email": payload.get("email"),
                    "website": payload.get("website"),
                    "phone": payload.get("phone"),
                    "zip": payload.get("zip"),
                    "city": payload.get("city"),
                    "state": payload.get("state_code"),
                    "country": country.code or None,
                },
                limit=1,
            )
            if ranked and ranked[0]["decision"] == "auto":
                account = Partner.browse(ranked[0]["partner_id"])
        if not account and payload.get("company_name"):
            account = Partner.create(
                {
                    "name": payload["company_name"].strip(),
                    "is_company": True,
                    "website": payload.get("website"),
                    "street": payload.get("street"),
                    "city": payload.get("city"),
                    "zip": payload.get("zip"),
                    "country_id": country.id,
                }
            )
        contact = Partner.browse()
        email = (payload.get("email") or "").strip().lower()
        if email:
            domain = [("email", "=ilike", email), ("is_company", "=", False)]
            if account:
                domain.append(("commercial_partner_id", "=", account.id))
            contact = Partner.search(domain, limit=1)
        if not contact and (payload.get("contact_name") or email or payload.get("phone")):
            contact = Partner.create(
                {
                    "name": payload.get("contact_name") or email or payload.get("phone"),
                    "email": email or False,
                    "phone": payload.get("phone"),
                    "parent_id": account.id,
                    "type": "contact",
                }
            )
        return account or contact, contact

    @api.model
    def _refinery_utm(self, model, name):
        if not name:
            return False
        return self.env[model].sudo()._find_or_create_record(str(name).strip()).id

    def _refinery_attach_inbound_lead(self, lead):
        """Make the inbound lead the open lead of this activity's account and category."""
        self.ensure_one()
        values = {}
        if not lead.refinery_account_id and self.account_id.is_company:
            values["refinery_account_id"] = self.account_id.id
        if not lead.refinery_category_id and self.category_id:
            values["refinery_category_id"] = self.category_id.id
        if values:
            lead.sudo().write(values)
        self.lead_id = lead

    # ------------------------------------------------------------------ aggregation

    def _refinery_aggregate(self):
        """Recompute the interest of this activity's (account, category); lead if warranted."""
        self.ensure_one()
        account, category = self.account_id, self.category_id
        interest = self.env["crm.refinery.interest"].sudo()
        # Serialise on the pair's row before looking for its open lead (see module doc).
        self.env.cr.execute(
            "INSERT INTO crm_refinery_interest (account_id, category_id, score, create_date, "
            "write_date, create_uid, write_uid) VALUES (%s, %s, 0, now() at time zone 'utc', "
            "now() at time zone 'utc', %s, %s) ON CONFLICT (account_id, COALESCE(category_id, 0)) "
            "DO UPDATE SET write_date = EXCLUDED.write_date RETURNING id",
            [account.id, category.id or None, self.env.uid, self.env.uid],
        )
        row = interest.browse(self.env.cr.fetchone()[0])
        now = fields.Datetime.now()
        profile, _types = self._refinery_profile(account, category, now)
        lead = self.lead_id.filtered(
            lambda lead: lead.active and lead.refinery_stage_code not in ladder.FINAL_CODES
        ) or self.env["crm.lead"]._refinery_open_interest_lead(account, category)
        threshold = self._refinery_threshold(category, lead.team_id)
        decision = aggregation.evaluate(profile, threshold, bool(lead))
        counted = self.browse([line[0] for line in decision.breakdown])
        if decision.kind == aggregation.CREATE:
            lead = self.env["crm.lead"]._refinery_create_interest_lead(account, category, counted)
        if lead:
            counted.filtered(lambda activity: not activity.lead_id).sudo().lead_id = lead
            lead._refinery_interest_updated(decision, counted)
        row.write(
            {
                "score": profile.total,
                "threshold": threshold,
                "activity_count": len(profile.by_activity),
                "contact_count": len(profile.contacts),
                "last_activity_at": max(counted.mapped("occurred_at"), default=now),
                "lead_id": lead.id,
                "breakdown": _breakdown_text(decision, counted),
            }
        )
        return decision, lead

    @api.model
    def _refinery_profile(self, account, category, now):
        types = {kind.code: kind for kind in self.env["crm.refinery.activity.type"].search([])}
        lib_types = {code: kind._refinery_lib_type() for code, kind in types.items()}
        windows = [kind.window_days for kind in lib_types.values()]
        domain = [("account_id", "=", account.id), ("category_id", "=", category.id)]
        if windows and None not in windows:
            domain.append(("occurred_at", ">=", now - timedelta(days=max(windows))))
        activities = self.search(domain)
        profiles = aggregation.interest(
            [
                aggregation.Activity(
                    id=activity.id,
                    account_id=account.id,
                    category_id=category.id or None,
                    contact_id=activity.contact_id.id or None,
                    type_code=activity.type_id.code,
                    occurred_utc=activity.occurred_at,
                    base_score=activity.score,
                )
                for activity in activities
            ],
            lib_types,
            now,
        )
        empty = aggregation.InterestScore(0.0, (), frozenset(), False)
        return profiles.get((account.id, category.id or None), empty), types

    @api.model
    def _refinery_threshold(self, category, team):
        overrides = {
            (row.category_id.id or None, row.team_id.id or None): row.threshold
            for row in self.env["crm.refinery.lead.threshold"].sudo().search([])
        }
        return aggregation.resolve_threshold(
            category.id or None,
            team.id or None,
            overrides,
            self.env.company.refinery_lead_threshold,
        )

    @api.model
    def _cron_refinery_decay(self):
        """Daily: recompute the interest scores that decay or leave their window."""
        rows = self.env["crm.refinery.interest"].search([("score", ">", 0)])
        now = fields.Datetime.now()
        for row in rows:
            profile, _types = self._refinery_profile(row.account_id, row.category_id, now)
            row.write({"score": profile.total, "activity_count": len(profile.by_activity)})
        return len(rows)


class CrmRefineryIntakeReject(models.Model):
    """A row or request that could not become an activity, kept with why, to fix and retry."""

    _name = "crm.refinery.intake.reject"
    _description = "Intake reject"
    _order = "create_date desc, id desc"

    channel = fields.Selection(CHANNELS, required=True)
    source_label = fields.Char("Received from")
    payload = fields.Json(help="The payload as normalised.")
    payload_text = fields.Text("Payload (JSON)", help="Edit it to fix the row, then Process again.")
    errors = fields.Json()
    errors_text = fields.Text("Why", compute="_compute_errors_text")
    state = fields.Selection(
        [("new", "To review"), ("processed", "Processed"), ("ignored", "Ignored")],
        default="new",
        required=True,
        index=True,
    )
    activity_id = fields.Many2one("crm.refinery.activity", readonly=True)

    @api.depends("errors")
    def _compute_errors_text(self):
        for reject in self:
            errors = reject.errors or {}
            reject.errors_text = "\n".join(
                f"{field}: {message}" for field, message in errors.items()
            )

    @api.model
    def _refinery_reject(self, payload, channel, source_label, errors):
        data = _jsonable(payload)
        return self.sudo().create(
            {
                "channel": channel,
                "source_label": source_label,
                "payload": data,
                "payload_text": json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False),
                "errors": {str(key): str(value) for key, value in errors.items()},
            }
        )

    def action_process_again(self):
        """Re-run intake on the (possibly edited) payload."""
        for reject in self.filtered(lambda reject: reject.state == "new"):
            try:
                payload = json.loads(reject.payload_text or "{}")
            except ValueError as error:
                raise ValidationError(_("The payload is not valid JSON: %s", error)) from error
            if isinstance(payload.get("occurred_at"), str):
                # An unreadable date stays a string: intake rejects it again, saying why.
                with contextlib.suppress(ValueError):
                    payload["occurred_at"] = datetime.fromisoformat(payload["occurred_at"])
            payload.pop("idempotency_key", None)
            result = self.env["crm.refinery.activity"]._refinery_ingest(
                [payload], reject.channel, reject.source_label
            )[0]
            if result["status"] in ("created", "duplicate"):
                reject.write({"state": "processed", "activity_id": result["activity_id"]})
            else:
                # The new attempt left its own reject; keep only that one.
                new = self.browse(result["reject_id"])
                reject.write({"errors": new.errors, "payload": new.payload})
                new.unlink()
        return True

    def action_ignore(self):
        self.write({"state": "ignored"})


class CrmLead(models.Model):
    _inherit = "crm.lead"

    refinery_activity_ids = fields.One2many(
        "crm.refinery.activity", "lead_id", string="Activities behind the lead"
    )
    refinery_activity_count = fields.Integer(compute="_compute_refinery_activity_stats")
    refinery_activity_contact_ids = fields.Many2many(
        "res.partner",
        string="Contacts behind the lead",
        compute="_compute_refinery_activity_stats",
    )
    refinery_interest_score = fields.Float("Interest score", readonly=True, copy=False)
    refinery_interest_evidence = fields.Html("Why this lead", readonly=True, copy=False)

    @api.depends("refinery_activity_ids")
    def _compute_refinery_activity_stats(self):
        for lead in self:
            lead.refinery_activity_count = len(lead.refinery_activity_ids)
            lead.refinery_activity_contact_ids = lead.refinery_activity_ids.contact_id

    @api.model
    def message_new(self, msg_dict, custom_values=None):
        lead = super().message_new(msg_dict, custom_values=custom_values)
        lead._refinery_inbound_activity()
        return lead

    def _refinery_inbound_activity(self):
        """Hook: Odoo's own inbound leads (mail alias, website form) become buyer activities.

        Called by the mail gateway for every new lead; a website form module
        calls it after creating its lead. Does nothing unless the company sets
        the activity type of inbound leads. Returns the intake results.
        """
        results = []
        for lead in self:
            kind = (lead.company_id or self.env.company).refinery_inbound_activity_type_id
            if not kind:
                continue
            payload = {
                "activity_type": kind.code,
                "category": lead.refinery_category_id.complete_name or None,
                "occurred_at": lead.create_date or fields.Datetime.now(),
                "contact_name": lead.contact_name or lead.partner_id.name,
                "email": lead.email_normalized or lead.email_from,
                "phone": lead.phone,
                "company_name": lead.partner_name or None,
                "city": lead.city,
                "zip": lead.zip,
                "country_code": lead.country_id.code,
                "website": lead.website,
                "note": lead.name,
                "lead_id": lead.id,
                "idempotency_key": f"crm.lead:{lead.id}",
            }
            if lead.refinery_account_id:
                payload["account_id"] = lead.refinery_account_id.id
                payload["contact_id"] = (
                    lead.partner_id.id
                    if lead.partner_id.commercial_partner_id == lead.refinery_account_id
                    and lead.partner_id != lead.refinery_account_id
                    else False
                )
            results += self.env["crm.refinery.activity"]._refinery_ingest(
                [payload], "inbound", _("Odoo lead %s", lead.display_name)
            )
        return results

    @api.model
    def _refinery_open_interest_lead(self, account, category):
        """Hook: the open lead of this account and category, if any."""
        return self.sudo().search(
            [
                ("refinery_account_id", "=", account.id),
                ("refinery_category_id", "=", category.id),
                ("refinery_stage_code", "not in", list(ladder.FINAL_CODES)),
            ],
            limit=1,
            order="id",
        )

    @api.model
    def _refinery_create_interest_lead(self, account, category, activities):
        """Hook: the lead an account's activities add up to (routed like any new lead)."""
        contact = activities.sorted("occurred_at")[-1:].contact_id
        name = _(
            "%(account)s: interest in %(category)s",
            account=account.name,
            category=category.display_name or _("our products"),
        )
        return (
            self.sudo()
            .with_context(refinery_skip_match=True)
            .create(
                {
                    "name": name,
                    "type": "lead",
                    "user_id": False,
                    "partner_name": account.name if account.is_company else False,
                    "contact_name": contact.name if contact != account else False,
                    "email_from": contact.email,
                    "phone": contact.phone,
                    "street": account.street,
                    "city": account.city,
                    "zip": account.zip,
                    "state_id": account.state_id.id,
                    "country_id": account.country_id.id,
                    "refinery_account_id": account.id if account.is_company else False,
                    "refinery_match_state": "linked" if account.is_company else "unmatched",
                    "refinery_category_id": category.id,
                    "campaign_id": activities[:1].campaign_id.id,
                    "source_id": activities[:1].source_id.id,
                    "medium_id": activities[:1].medium_id.id,
                }
            )
        )

    def _refinery_interest_updated(self, decision, activities):
        """Write the evidence on the lead; bring an incubating lead back."""
        self.ensure_one()
        by_id = {activity.id: activity for activity in activities}
        rows = Markup("").join(
            Markup("<tr><td>%s</td><td>%s</td><td>%s</td><td>%.1f</td></tr>")
            % (
                escape(fields.Datetime.to_string(by_id[activity_id].occurred_at)),
                escape(by_id[activity_id].type_id.name),
                escape(by_id[activity_id].contact_id.display_name or ""),
                score,
            )
            for activity_id, _contact, _code, score in decision.breakdown
            if activity_id in by_id
        )
        total = sum(line[3] for line in decision.breakdown)
        evidence = Markup(
            "<p>%s</p><table class='table table-sm'><thead><tr><th>%s</th><th>%s</th>"
            "<th>%s</th><th>%s</th></tr></thead><tbody>%s</tbody></table>"
        ) % (
            decision.reason,
            _("When"),
            _("Activity"),
            _("Contact"),
            _("Score"),
            rows,
        )
        self.sudo().write(
            {"refinery_interest_score": total, "refinery_interest_evidence": evidence}
        )
        if self.refinery_stage_code == ladder.INCUBATING:
            self._refinery_reopen_incubating(_("new activity: %s", decision.reason))


def idempotency_key(payload):
    """A stable key of a payload's content (its raw form and own key left out)."""
    content = {
        key: value
        for key, value in payload.items()
        if key not in ("raw", "idempotency_key") and value not in (None, "")
    }
    text = json.dumps(_jsonable(content), sort_keys=True, ensure_ascii=False)
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


def _jsonable(value):
    if isinstance(value, dict):
        return {str(key): _jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(item) for item in value]
    if isinstance(value, datetime):
        return value.isoformat(" ")
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def _breakdown_text(decision, activities):
    names = {activity.id: activity for activity in activities}
    lines = [decision.reason]
    for activity_id, _contact, code, score in decision.breakdown:
        activity = names.get(activity_id)
        who = activity.contact_id.display_name if activity else ""
        lines.append(f"  {code} by {who}: {score:.1f}")
    return "\n".join(lines)


class ResPartner(models.Model):
    _inherit = "res.partner"

    refinery_interest_ids = fields.One2many(
        "crm.refinery.interest", "account_id", string="Interest by product category"
    )
    refinery_activity_ids = fields.One2many(
        "crm.refinery.activity", "account_id", string="Activity timeline"
    )
