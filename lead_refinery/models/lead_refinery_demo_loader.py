import logging
import time

from odoo import api, fields, models

from ..lib import demodata

_logger = logging.getLogger(__name__)

_BATCH = 2000
# No mail, no tracking, no follower subscriptions: bulk loading, not user actions.
_QUIET = {
    "tracking_disable": True,
    "mail_create_nolog": True,
    "mail_create_nosubscribe": True,
    "mail_notrack": True,
    "no_reset_password": True,
}


class LeadRefineryDemoLoader(models.AbstractModel):
    """Turn the pure demo generator's output into Odoo records.

    The demo data of the module calls ``load(60)``; benchmarks call it with
    a larger scale (up to 100,000 accounts) on their own database.
    """

    _name = "lead_refinery.demo.loader"
    _description = "Lead Refinery demo data loader"

    @api.model
    def load(self, scale=60, seed=42):
        started = time.perf_counter()
        env = self.with_context(**_QUIET).env
        data = demodata.generate(scale=scale, seed=seed, today=fields.Date.context_today(self))
        refs = _Refs(env)
        self._load_taxonomy(env, data, refs)
        self._load_people(env, data, refs)
        self._load_accounts(env, data, refs)
        self._load_leads(env, data, refs)
        _logger.info(
            "lead_refinery demo: %d accounts, %d contacts, %d leads loaded in %.1fs",
            len(data.accounts),
            len(data.contacts),
            len(data.leads),
            time.perf_counter() - started,
        )
        return True

    # ------------------------------------------------------------------ parts

    def _load_taxonomy(self, env, data, refs):
        medium_model, source_model = env["utm.medium"], env["utm.source"]
        for campaign in data.campaigns:
            medium = medium_model.search(
                [("name", "=", campaign.medium)], limit=1
            ) or medium_model.create({"name": campaign.medium})
            source = source_model.search(
                [("name", "=", campaign.source)], limit=1
            ) or source_model.create({"name": campaign.source})
            refs.campaigns[campaign.key] = env["utm.campaign"].create({"name": campaign.name}).id
            refs.mediums[campaign.key] = medium.id
            refs.sources[campaign.key] = source.id
        categories = env["crm.tag"]
        for category in data.categories:
            tag = categories.search([("name", "=", category.name)], limit=1) or categories.create(
                {"name": category.name}
            )
            refs.categories[category.key] = tag.id

    def _load_people(self, env, data, refs):
        salesman = env.ref("sales_team.group_sale_salesman")
        manager = env.ref("sales_team.group_sale_manager")
        users = env["res.users"].with_context(active_test=False)
        for team in data.teams:
            refs.teams[team.key] = env["crm.team"].create({"name": team.name, "use_leads": True}).id
        for rep in data.reps:
            user = users.search([("login", "=", rep.login)], limit=1)
            if not user:
                user = users.create(
                    {
                        "name": rep.name,
                        "login": rep.login,
                        "password": rep.login,
                        "email": rep.email,
                        "groups_id": [
                            fields.Command.set([(manager if rep.manager else salesman).id])
                        ],
                    }
                )
            refs.reps[rep.key] = user.id
            refs.rep_teams[rep.key] = rep.team_key
            env["crm.team.member"].create(
                {"crm_team_id": refs.teams[rep.team_key], "user_id": user.id}
            )
            if rep.manager:
                env["crm.team"].browse(refs.teams[rep.team_key]).user_id = user
        portal = env.ref("base.group_portal")
        for distributor in data.distributors:
            company = env["res.partner"].create(
                {
                    "name": distributor.name,
                    "is_company": True,
                    "email": distributor.email,
                    "street": distributor.street,
                    "city": distributor.city,
                    "zip": distributor.zip,
                    "state_id": refs.state(distributor.state_code),
                    "country_id": refs.us,
                    "comment": "Distributor"
                    if distributor.kind == "distributor"
                    else "Independent rep firm",
                }
            )
            refs.distributors[distributor.key] = company.id
            if not users.search([("login", "=", distributor.portal_login)], limit=1):
                users.create(
                    {
                        "name": distributor.contact_name,
                        "login": distributor.portal_login,
                        "password": distributor.portal_login,
                        "email": distributor.email,
                        "parent_id": company.id,
                        "groups_id": [fields.Command.set([portal.id])],
                    }
                )

    def _load_accounts(self, env, data, refs):
        partners = env["res.partner"]
        ordered = sorted(data.accounts, key=lambda account: account.parent_key is not None)
        for chunk in _chunks(ordered):
            values = [
                {
                    "name": account.name,
                    "is_company": True,
                    "website": account.website,
                    "phone": account.phone,
                    "street": account.street,
                    "city": account.city,
                    "zip": account.zip,
                    "state_id": refs.state(account.state_code),
                    "country_id": refs.us,
                    "parent_id": refs.accounts.get(account.parent_key, False),
                    "employee": False,
                }
                for account in chunk
            ]
            for account, partner in zip(chunk, partners.create(values), strict=True):
                refs.accounts[account.key] = partner.id
        for chunk in _chunks(data.contacts):
            values = [
                {
                    "name": contact.name,
                    "parent_id": refs.accounts[contact.account_key],
                    "function": contact.function,
                    "email": contact.email,
                    "phone": contact.phone,
                    "mobile": contact.mobile,
                }
                for contact in chunk
            ]
            for contact, partner in zip(chunk, partners.create(values), strict=True):
                refs.contacts[contact.key] = partner.id

    def _load_leads(self, env, data, refs):
        Lead = env["crm.lead"]
        stages = Lead._refinery_stages()
        reasons = {
            code: env.ref(f"lead_refinery.crm_lost_reason_reject_{code}").id
            for code in (
                "spam",
                "duplicate",
                "no_budget",
                "competitor_customer",
                "out_of_territory",
                "not_our_product",
            )
        }
        for chunk in _chunks(data.leads):
            values = [self._lead_values(lead, refs, stages, reasons) for lead in chunk]
            Lead.create(values)

    def _lead_values(self, lead, refs, stages, reasons):
        code = lead.refinery_stage
        values = {
            "name": lead.name,
            "type": "opportunity" if code in ("opportunity", "won", "lost") else "lead",
            "partner_id": refs.contacts.get(lead.contact_key, False),
            "partner_name": lead.partner_name,
            "contact_name": lead.contact_name,
            "email_from": lead.email_from,
            "phone": lead.phone,
            "street": lead.street,
            "city": lead.city,
            "zip": lead.zip,
            "state_id": refs.state(lead.state_code),
            "country_id": refs.us,
            "expected_revenue": lead.expected_revenue,
            "probability": lead.probability,
            "user_id": refs.reps.get(lead.owner_key, False),
            "team_id": refs.team_of_rep(lead.owner_key, data_reps=refs.rep_teams),
            "campaign_id": refs.campaigns.get(lead.campaign_key, False),
            "medium_id": refs.mediums.get(lead.campaign_key, False),
            "source_id": refs.sources.get(lead.campaign_key, False),
            "tag_ids": [fields.Command.set([refs.categories[lead.category_key]])]
            if lead.category_key
            else [],
            "refinery_stage_id": stages[code].id,
            "refinery_max_rank": max(
                stages[code].rank, stages["opportunity"].rank if code in ("won", "lost") else 0
            ),
            "touch_count": lead.touch_count,
            "date_last_touch": lead.date_last_touch,
        }
        if code == "won" and refs.won_stage:
            values.update({"stage_id": refs.won_stage, "probability": 100})
        if code == "rejected":
            values.update(
                {"lost_reason_id": reasons[lead.reject_reason], "active": False, "probability": 0}
            )
        elif code == "lost":
            values.update({"active": False, "probability": 0})
        return values


class _Refs:
    """Generator keys to database ids, filled while loading."""

    def __init__(self, env):
        self.env = env
        self.us = env.ref("base.us").id
        self._states = {
            state.code: state.id
            for state in env["res.country.state"].search([("country_id", "=", self.us)])
        }
        self.campaigns, self.mediums, self.sources, self.categories = {}, {}, {}, {}
        self.teams, self.reps, self.distributors, self.accounts, self.contacts = {}, {}, {}, {}, {}
        self.rep_teams = {}
        self.won_stage = env["crm.stage"].search([("is_won", "=", True)], limit=1).id

    def state(self, code):
        return self._states.get(code, False)

    def team_of_rep(self, rep_key, data_reps):
        return self.teams.get(data_reps.get(rep_key), False)


def _chunks(items, size=_BATCH):
    items = list(items)
    for start in range(0, len(items), size):
        yield items[start : start + size]
