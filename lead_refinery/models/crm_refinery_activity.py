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
from odoo.tools import email_normalize

from ..lib import aggregation, ladder

CHANNELS = [
    ("import", "File import"),
    ("api", "API"),
    ("manual", "Logged by hand"),
    ("inbound", "Odoo inbound lead"),
]
#: Activities older than this are refused as data errors (wrong century, 1900 defaults).
OLDEST = timedelta(days=366 * 5)
#: Payloads handled per savepoint, with set-based lookups and creates.
BATCH = 200
#: Partners created by intake: no chatter tracking or creation message, as Odoo's imports.
QUIET = {"tracking_disable": True, "mail_create_nolog": True}


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
    def _refinery_ingest(self, payloads, channel, source_label=None, lookups=None):
        """Store each canonical payload as an activity, or as an intake reject.

        A payload is a dict: ``activity_type`` (type code), ``category``
        (product category name), ``occurred_at`` (naive UTC datetime),
        ``contact_name``, ``email``, ``phone``, ``company_name``, ``street``,
        ``city``, ``state_code``, ``zip``, ``country_code``, ``website``,
        ``utm_campaign``/``utm_source``/``utm_medium``, ``note``,
        ``idempotency_key`` (derived from the content when missing) and
        ``raw`` (as received). Returns one dict per payload, in order:
        ``status`` (created / duplicate / rejected), ``activity_id``,
        ``lead_id``, ``reject_id``, ``errors`` and ``decision`` (the
        aggregation's reason for the payload's account and category once the
        batch is in).

        Payloads are processed in batches of :data:`BATCH`, each in one
        savepoint with set-based lookups and creates. A batch that raises a
        validation error is rolled back and redone payload by payload, so one
        bad payload becomes one reject and the others still go in. A caller
        feeding one source in several calls (the import wizard) may pass the
        same ``lookups`` (:meth:`_refinery_lookups`) to every call.
        """
        # A trusted service: channels check who may call them (API keys, groups).
        service = self.sudo()
        payloads = [dict(payload) for payload in payloads]
        lookups = lookups or service._refinery_lookups()
        results = []
        for start in range(0, len(payloads), BATCH):
            results += service._refinery_ingest_chunk(
                payloads[start : start + BATCH], channel, source_label, lookups
            )
        return results

    @api.model
    def _refinery_ingest_chunk(self, payloads, channel, source_label, lookups):
        try:
            with self.env.cr.savepoint():
                return self._refinery_ingest_batch(payloads, channel, source_label, lookups)
        except (ValidationError, ValueError) as error:
            lookups.reset()  # it may hold records the rollback removed
            if len(payloads) > 1:
                results = []
                for payload in payloads:
                    results += self._refinery_ingest_chunk(
                        [payload], channel, source_label, lookups
                    )
                return results
            message = error.args[0] if error.args else str(error)
            reject = self.env["crm.refinery.intake.reject"]._refinery_reject(
                payloads[0], channel, source_label, {"row": message}
            )
            return [{"status": "rejected", "reject_id": reject.id, "errors": message}]

    @api.model
    def _refinery_lookups(self):
        """A memo of intake's reference lookups, for one intake run (see :class:`_Lookups`)."""
        return _Lookups(self.env)

    @api.model
    def _refinery_ingest_batch(self, payloads, channel, source_label, lookups):
        results = [None] * len(payloads)
        keys = [payload.get("idempotency_key") or idempotency_key(payload) for payload in payloads]
        existing = {
            activity.idempotency_key: activity
            for activity in self.search([("idempotency_key", "in", list(set(keys)))])
        }
        fresh, repeated, seen = [], [], set()
        for index, key in enumerate(keys):
            if key in existing:
                activity = existing[key]
                results[index] = {
                    "status": "duplicate",
                    "activity_id": activity.id,
                    "lead_id": activity.lead_id.id,
                }
            elif key in seen:
                repeated.append(index)  # after its first occurrence is in: a duplicate
            else:
                seen.add(key)
                fresh.append(index)
        valid = []
        for index in fresh:
            payload = payloads[index]
            activity_type, category, errors = self._refinery_check(payload, lookups)
            if errors:
                reject = self.env["crm.refinery.intake.reject"]._refinery_reject(
                    payload, channel, source_label, errors
                )
                results[index] = {"status": "rejected", "reject_id": reject.id, "errors": errors}
            else:
                valid.append((index, activity_type, category))
        parties = self._refinery_resolve_parties(
            [payloads[index] for index, _type, _category in valid], lookups
        )
        values = []
        for (index, activity_type, category), (account, contact) in zip(
            valid, parties, strict=True
        ):
            payload = payloads[index]
            values.append(
                {
                    "contact_id": contact.id,
                    "account_id": account.id,
                    "type_id": activity_type.id,
                    "category_id": category.id,
                    "occurred_at": payload["occurred_at"],
                    "channel": channel,
                    "source_label": source_label,
                    "campaign_id": lookups.utm("utm.campaign", payload.get("utm_campaign")),
                    "source_id": lookups.utm("utm.source", payload.get("utm_source")),
                    "medium_id": lookups.utm("utm.medium", payload.get("utm_medium")),
                    "payload": _jsonable(payload.get("raw", payload)),
                    "idempotency_key": keys[index],
                    "score": activity_type.score,
                    "note": payload.get("note"),
                }
            )
        activities = self.create(values)
        for (index, _type, _category), activity in zip(valid, activities, strict=True):
            if payloads[index].get("lead_id"):  # an inbound lead of Odoo's: the activity feeds it
                activity._refinery_attach_inbound_lead(
                    self.env["crm.lead"].browse(payloads[index]["lead_id"])
                )
        outcome = activities._refinery_aggregate(lookups)
        for (index, _type, _category), activity in zip(valid, activities, strict=True):
            decision, lead = outcome[_pair(activity)]
            results[index] = {
                "status": "created",
                "activity_id": activity.id,
                "lead_id": lead.id,
                "decision": decision.reason,
            }
        if repeated:
            again = self._refinery_ingest_batch(
                [payloads[index] for index in repeated], channel, source_label, lookups
            )
            for index, result in zip(repeated, again, strict=True):
                results[index] = result
        return results

    @api.model
    def _refinery_check(self, payload, lookups=None):
        """The payload's activity type and category, and the errors that make it a reject."""
        lookups = lookups or self._refinery_lookups()
        errors = {}
        types = lookups.types()
        activity_type = types.get(payload.get("activity_type") or "")
        if activity_type is None:
            activity_type = self.env["crm.refinery.activity.type"]
            errors["activity_type"] = _(
                "Unknown activity type “%(code)s” (known: %(known)s).",
                code=payload.get("activity_type") or "",
                known=", ".join(types),
            )
        category = self.env["product.category"]
        if payload.get("category"):
            name = str(payload["category"]).strip()
            category = lookups.category(name)
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
    def _refinery_resolve_parties(self, payloads, lookups=None):
        """Hook: one ``(account, contact)`` per payload, through account identity.

        The account is the existing company identity matching links at its
        auto-link threshold, else a new company; without any company, the
        contact is its own account. A contact is found by email within its
        account (by email alone without an account); rows of one batch with
        the same email and account share one new contact. New partners are
        created without chatter tracking, as Odoo's own imports do.
        """
        lookups = lookups or self._refinery_lookups()
        Partner = self.env["res.partner"].sudo().with_context(**QUIET)
        accounts = [self._refinery_resolve_account(payload, lookups) for payload in payloads]
        # Contacts are found on Odoo's normalised email, the same for any case or "Name <...>".
        emails = [_email_key(payload.get("email")) for payload in payloads]
        known = (
            Partner.search(
                [
                    ("email_normalized", "in", sorted(set(filter(None, emails)))),
                    ("is_company", "=", False),
                ]
            )
            if any(emails)
            else Partner
        )
        by_email = {}
        for partner in known:  # in search order: the first found wins, as with limit=1
            by_email.setdefault(
                (partner.email_normalized, partner.commercial_partner_id.id), partner
            )
            by_email.setdefault((partner.email_normalized, None), partner)
        contacts, new_values, new_keys = [], [], {}
        for payload, account, email in zip(payloads, accounts, emails, strict=True):
            if payload.get("account_id"):  # logged by hand on a known account or contact
                contacts.append(Partner.browse(payload.get("contact_id") or []))
                continue
            key = (email, account.id or None)
            contact = (by_email.get(key) or new_keys.get(key)) if email else None
            if contact is None and email and not account:
                contact = next(
                    (slot for (mail, _id), slot in new_keys.items() if mail == email), None
                )
            if contact is None and (payload.get("contact_name") or email or payload.get("phone")):
                contact = len(new_values)  # a slot, filled once the batch is created
                new_values.append(
                    {
                        "name": payload.get("contact_name") or email or payload.get("phone"),
                        "email": email or False,
                        "phone": payload.get("phone"),
                        "parent_id": account.id,
                        "type": "contact",
                    }
                )
                if email:
                    new_keys[key] = contact
            contacts.append(contact)
        created = Partner._refinery_create_contacts(new_values) if new_values else Partner
        parties = []
        for account, contact in zip(accounts, contacts, strict=True):
            if isinstance(contact, int):
                contact = created[contact]
            contact = contact or Partner
            parties.append((account or contact, contact))
        return parties

    @api.model
    def _refinery_resolve_account(self, payload, lookups):
        """The account a payload names: given, matched at auto-link, or new (may be empty)."""
        Partner = self.env["res.partner"].sudo().with_context(**QUIET)
        if payload.get("account_id"):
            return Partner.browse(payload["account_id"])
        country = lookups.country(payload.get("country_code"))
        account, keys = Partner, None
        if payload.get("company_name") or payload.get("email") or payload.get("website"):
            keys = Partner._identity_keys_of(
                {
                    "name": payload.get("company_name"),
                    "email": payload.get("email"),
                    "website": payload.get("website"),
                    "phone": payload.get("phone"),
                    "zip": payload.get("zip"),
                    "city": payload.get("city"),
                    "state": payload.get("state_code"),
                    "country": country.code,
                }
            )
            account = Partner.browse(lookups.match(keys))
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
            lookups.account_created(keys, account.id)
        return account

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

    def _refinery_aggregate(self, lookups=None):
        """Recompute the interest of these activities' (account, category) pairs.

        Creates the lead of a pair whose interest warrants one, or updates its
        open lead. Returns ``{(account_id, category_id or None): (decision, lead)}``.
        """
        lookups = lookups or self._refinery_lookups()
        Lead = self.env["crm.lead"]
        pairs = sorted({_pair(activity) for activity in self}, key=lambda p: (p[0], p[1] or 0))
        if not pairs:
            return {}
        rows = self._refinery_interest_rows(pairs)
        now = fields.Datetime.now()
        profiles = self._refinery_profiles(pairs, now)
        leads = {}
        for activity in self:  # an activity's own open lead (an inbound lead) comes first
            if _is_open(activity.lead_id):
                leads.setdefault(_pair(activity), activity.lead_id)
        missing = [pair for pair in pairs if pair not in leads]
        leads.update(Lead._refinery_open_interest_leads(missing))
        # A pair whose counted activities already feed an open lead keeps that lead,
        # even when the lead's account is not set (an account that is a person).
        fed = self.browse(
            [line[0] for pair in pairs if pair not in leads for line in profiles[pair].by_activity]
        )
        for activity in fed:
            if _is_open(activity.lead_id):
                leads.setdefault(_pair(activity), activity.lead_id)
        decisions, to_create = {}, []
        for pair in pairs:
            lead = leads.get(pair, Lead)
            threshold = lookups.threshold(pair[1], lead.team_id.id or None)
            decision = aggregation.evaluate(profiles[pair], threshold, bool(lead))
            decisions[pair] = (decision, threshold)
            if decision.kind == aggregation.CREATE:
                to_create.append(pair)
        counted = {
            pair: self.browse([line[0] for line in decisions[pair][0].breakdown]) for pair in pairs
        }
        if to_create:
            Partner, Category = self.env["res.partner"], self.env["product.category"]
            created = (
                Lead.sudo()
                .with_context(refinery_skip_match=True)
                .create(
                    [
                        Lead._refinery_interest_lead_values(
                            Partner.browse(pair[0]), Category.browse(pair[1]), counted[pair]
                        )
                        for pair in to_create
                    ]
                )
            )
            leads.update(zip(to_create, created, strict=True))
        outcome = {}
        for pair in pairs:
            decision, threshold = decisions[pair]
            lead, activities = leads.get(pair, Lead), counted[pair]
            if lead:
                activities.filtered(lambda activity: not activity.lead_id).sudo().lead_id = lead
                lead._refinery_interest_updated(decision, activities)
            rows[pair].write(
                {
                    "score": profiles[pair].total,
                    "threshold": threshold,
                    "activity_count": len(profiles[pair].by_activity),
                    "contact_count": len(profiles[pair].contacts),
                    "last_activity_at": max(activities.mapped("occurred_at"), default=now),
                    "lead_id": lead.id,
                    "breakdown": _breakdown_text(decision, activities),
                }
            )
            outcome[pair] = (decision, lead)
        return outcome

    @api.model
    def _refinery_interest_rows(self, pairs):
        """Upsert the interest row of each pair, in a stable order (see module doc)."""
        self.env["crm.refinery.interest"].flush_model()
        placeholders = ", ".join(
            ["(%s, %s, 0, now() at time zone 'utc', now() at time zone 'utc', %s, %s)"] * len(pairs)
        )
        params = [
            value
            for account_id, category_id in pairs
            for value in (account_id, category_id, self.env.uid, self.env.uid)
        ]
        self.env.cr.execute(
            "INSERT INTO crm_refinery_interest (account_id, category_id, score, create_date, "
            f"write_date, create_uid, write_uid) VALUES {placeholders} "
            "ON CONFLICT (account_id, COALESCE(category_id, 0)) "
            "DO UPDATE SET write_date = EXCLUDED.write_date "
            "RETURNING id, account_id, category_id",
            params,
        )
        Interest = self.env["crm.refinery.interest"].sudo()
        return {
            (account_id, category_id): Interest.browse(row_id)
            for row_id, account_id, category_id in self.env.cr.fetchall()
        }

    @api.model
    def _refinery_profiles(self, pairs, now):
        """The current interest profile of each ``(account_id, category_id or None)`` pair."""
        lib_types = {
            kind.code: kind._refinery_lib_type()
            for kind in self.env["crm.refinery.activity.type"].search([])
        }
        windows = [kind.window_days for kind in lib_types.values()]
        wanted = set(pairs)
        domain = _pairs_domain(pairs, "account_id", "category_id")
        if windows and None not in windows:
            domain.append(("occurred_at", ">=", now - timedelta(days=max(windows))))
        rows = self.sudo().search_fetch(
            domain, ["account_id", "category_id", "contact_id", "type_id", "occurred_at", "score"]
        )
        profiles = aggregation.interest(
            [
                aggregation.Activity(
                    id=activity.id,
                    account_id=activity.account_id.id,
                    category_id=activity.category_id.id or None,
                    contact_id=activity.contact_id.id or None,
                    type_code=activity.type_id.code,
                    occurred_utc=activity.occurred_at,
                    base_score=activity.score,
                )
                for activity in rows
                if _pair(activity) in wanted
            ],
            lib_types,
            now,
        )
        empty = aggregation.InterestScore(0.0, (), frozenset(), False)
        return {pair: profiles.get(pair, empty) for pair in pairs}

    @api.model
    def _cron_refinery_decay(self, batch=500):
        """Daily: recompute the interest scores that decay or leave their window."""
        rows = self.env["crm.refinery.interest"].search([("score", ">", 0)])
        now = fields.Datetime.now()
        for start in range(0, len(rows), batch):
            chunk = rows[start : start + batch]
            pairs = [(row.account_id.id, row.category_id.id or None) for row in chunk]
            profiles = self._refinery_profiles(pairs, now)
            for row, pair in zip(chunk, pairs, strict=True):
                profile = profiles[pair]
                row.write({"score": profile.total, "activity_count": len(profile.by_activity)})
        return len(rows)


class _Lookups:
    """Intake's reference lookups, memoised for one intake run.

    Types, categories, countries, UTM records and lead thresholds are looked
    up once per run instead of once per row. Account matches are memoised by
    identity keys; a company created by intake forgets them, since it may be
    a better match for later rows. A rolled-back batch resets everything.
    """

    def __init__(self, env):
        self.env = env
        self.reset()

    def reset(self):
        self._types = None
        self._categories = {}
        self._countries = {}
        self._utm = {}
        self._thresholds = None
        self._matches = {}

    def types(self):
        if self._types is None:
            types = self.env["crm.refinery.activity.type"].sudo().search([])
            self._types = {kind.code: kind for kind in types}
        return self._types

    def category(self, name):
        key = name.casefold()
        if key not in self._categories:
            self._categories[key] = (
                self.env["product.category"]
                .sudo()
                .search(["|", ("complete_name", "=ilike", name), ("name", "=ilike", name)], limit=1)
            )
        return self._categories[key]

    def country(self, code):
        code = (code or "").strip().upper()
        if code not in self._countries:
            Country = self.env["res.country"].sudo()
            self._countries[code] = (
                Country.search([("code", "=", code)], limit=1) if code else Country
            )
        return self._countries[code]

    def utm(self, model, name):
        if not name:
            return False
        key = (model, str(name).strip())
        if key not in self._utm:
            self._utm[key] = self.env[model].sudo()._find_or_create_record(key[1]).id
        return self._utm[key]

    def threshold(self, category_id, team_id):
        if self._thresholds is None:
            self._thresholds = {
                (row.category_id.id or None, row.team_id.id or None): row.threshold
                for row in self.env["crm.refinery.lead.threshold"].sudo().search([])
            }
        return aggregation.resolve_threshold(
            category_id, team_id, self._thresholds, self.env.company.refinery_lead_threshold
        )

    def match(self, keys):
        """The account matching links ``keys`` to at its auto-link threshold, or False."""
        if keys not in self._matches:
            Partner = self.env["res.partner"].sudo()
            self._matches[keys] = Partner._refinery_auto_match(keys)
        return self._matches[keys]

    def account_created(self, keys, account_id):
        self._matches = {} if keys is None else {keys: account_id}


def _pair(activity):
    return (activity.account_id.id, activity.category_id.id or None)


def _pairs_domain(pairs, account_field, category_field):
    """A domain covering ``(account_id, category_id or None)`` pairs (and more: filter after)."""
    categories = {category_id or False for _account, category_id in pairs}
    return [
        (account_field, "in", sorted({account_id for account_id, _category in pairs})),
        (category_field, "in", list(categories)),
    ]


def _is_open(lead):
    return bool(lead) and lead.active and lead.refinery_stage_code not in ladder.FINAL_CODES


def _email_key(email):
    email = (email or "").strip().lower()
    return (email_normalize(email, strict=False) or email) if email else ""


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
    def _refinery_open_interest_leads(self, pairs):
        """Hook: ``{(account_id, category_id or None): lead}``, the open lead of each pair.

        The oldest open lead wins when an account has several for a category.
        """
        if not pairs:
            return {}
        wanted = set(pairs)
        leads = self.sudo().search(
            [
                *_pairs_domain(pairs, "refinery_account_id", "refinery_category_id"),
                ("refinery_stage_code", "not in", list(ladder.FINAL_CODES)),
            ],
            order="id",
        )
        found = {}
        for lead in leads:
            pair = (lead.refinery_account_id.id, lead.refinery_category_id.id or None)
            if pair in wanted:
                found.setdefault(pair, lead)
        return found

    @api.model
    def _refinery_interest_lead_values(self, account, category, activities):
        """Hook: the values of the lead an account's activities add up to.

        The lead is created like any new lead, so it is routed to its owner.
        """
        contact = activities.sorted("occurred_at")[-1:].contact_id
        name = _(
            "%(account)s: interest in %(category)s",
            account=account.name,
            category=category.display_name or _("our products"),
        )
        return {
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
