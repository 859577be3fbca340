"""Account identity benchmark: accuracy against Odoo core, and latency at scale.

Run with the project's virtualenv after scripts/test.sh or scripts/run.sh::

    ~/.cache/lead_refinery/venv/bin/python bench/bench_identity.py [--max-accounts 100000]

1. Accuracy. A labelled set (bench/identity_dataset.py: 300 accounts, a third
   with one variant in the table, 1,000 leads of eleven kinds) is loaded in a
   fresh database. Each lead is matched by lead_refinery (a link counts when
   the decision is "auto") and by Odoo 18 core's own logic on the same data
   in the same run: ``crm.lead._find_matching_partner()`` (email, then name
   ilike), then an account with the lead's email domain or phone, as Odoo's
   duplicate detection compares them. Precision, recall and F1 overall and per
   kind are printed for both.
2. Latency. The account table grows to 10,000 and then 100,000 companies
   (twice as many variants). For a sample of leads the indexed candidate
   search plus scoring (``res.partner._identity_rank``), after a warm-up on
   300 other leads, is timed against a
   full-scan rapidfuzz baseline over every normalised account name in the
   same process; p50 and p95 are printed with their ratio.
"""

import argparse
import statistics
import time
from collections import defaultdict

from identity_dataset import KINDS, build_dataset
from odoo_env import environment, fresh_database, percentile
from rapidfuzz import fuzz, process

from odoo import sql_db
from odoo.tools import SQL

from lead_refinery.lib import demodata, matching, names

QUIET = {
    "tracking_disable": True,
    "mail_create_nolog": True,
    "mail_notrack": True,
    "refinery_skip_match": True,
}


def load_accounts(env, accounts, aliases, us):
    states = {
        state.code: state.id
        for state in env["res.country.state"].search([("country_id", "=", us.id)])
    }
    Partner = env["res.partner"].with_context(**QUIET)
    ids = {}
    for start in range(0, len(accounts), 2000):
        chunk = accounts[start : start + 2000]
        records = Partner.create(
            [
                {
                    "name": account["name"],
                    "is_company": True,
                    "website": account["website"],
                    "email": account["email"],
                    "phone": account["phone"],
                    "street": account.get("street"),
                    "city": account["city"],
                    "zip": account["zip"],
                    "state_id": states.get(account["state"], False),
                    "country_id": us.id,
                }
                for account in chunk
            ]
        )
        ids.update(zip((account["key"] for account in chunk), records.ids, strict=True))
    Alias = env["res.partner.alias"].with_context(**QUIET)
    seen = set(Alias.search([]).mapped("name_norm"))
    values = []
    for alias in aliases:
        norm = names.normalize_company(alias["name"])
        if norm and norm not in seen:
            seen.add(norm)
            values.append(
                {
                    "name": alias["name"],
                    "partner_id": ids[alias["account_key"]],
                    "kind": alias["kind"],
                }
            )
    for start in range(0, len(values), 5000):
        Alias.create(values[start : start + 5000])
    env.flush_all()
    return ids


def create_leads(env, leads, us):
    states = {
        state.code: state.id
        for state in env["res.country.state"].search([("country_id", "=", us.id)])
    }
    return (
        env["crm.lead"]
        .with_context(**QUIET)
        .create(
            [
                {
                    "name": lead["name"],
                    "type": "lead",
                    "partner_name": lead["partner_name"],
                    "contact_name": lead["contact_name"],
                    "email_from": lead["email"],
                    "phone": lead["phone"],
                    "city": lead["city"],
                    "zip": lead["zip"],
                    "state_id": states.get(lead["state"], False),
                    "country_id": us.id,
                }
                for lead in leads
            ]
        )
    )


def odoo_core_match(lead, account_ids):
    """Odoo 18 core: _find_matching_partner, then email domain or phone like its duplicate check."""
    partner = lead._find_matching_partner()
    if not partner and lead.email_normalized and "@" in lead.email_normalized:
        domain = lead.email_normalized.split("@", 1)[1]
        if domain not in names.FREEMAIL_DOMAINS:
            partner = lead.env["res.partner"].search(
                ["|", ("email", "=ilike", f"%@{domain}"), ("website", "ilike", domain)], limit=1
            )
    if not partner and lead.phone_sanitized:
        partner = lead.env["res.partner"].search(
            [("phone_sanitized", "=", lead.phone_sanitized)], limit=1
        )
    account = partner.commercial_partner_id
    return account.id if account.id in account_ids else None


def scores(pairs):
    """(precision, recall, f1) of [(expected, predicted), ...] where None is 'no account'."""
    tp = sum(1 for expected, predicted in pairs if predicted is not None and predicted == expected)
    fp = sum(1 for expected, predicted in pairs if predicted is not None and predicted != expected)
    fn = sum(1 for expected, predicted in pairs if expected is not None and predicted != expected)
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def accuracy(env, us):
    accounts, aliases, leads = build_dataset()
    key_to_id = load_accounts(env, accounts, aliases, us)
    account_ids = set(key_to_id.values())
    records = create_leads(env, leads, us)
    t_auto, t_review = env.company._refinery_match_thresholds()
    ours, core = defaultdict(list), defaultdict(list)
    for lead, record in zip(leads, records, strict=True):
        expected = key_to_id.get(lead["expected"]) if lead["expected"] else None
        ranked = record._refinery_match_candidates()
        best = ranked[0] if ranked else None
        predicted = (
            best["partner_id"]
            if best and matching.decide(best["score"], t_auto, t_review) == "auto"
            else None
        )
        ours[lead["kind"]].append((expected, predicted))
        core[lead["kind"]].append((expected, odoo_core_match(record, account_ids)))
    print(
        f"\n== Accuracy: {len(accounts)} accounts, {len(aliases)} variants in the table, "
        f"{len(leads)} leads"
    )
    print(
        f"{'kind':<28} {'n':>4}   {'lead_refinery P / R / F1':>26}   {'Odoo core P / R / F1':>24}"
    )
    for kind in (*KINDS, "overall"):
        mine = [pair for k in KINDS for pair in ours[k]] if kind == "overall" else ours[kind]
        theirs = [pair for k in KINDS for pair in core[k]] if kind == "overall" else core[kind]
        p1, r1, f1 = scores(mine)
        p2, r2, f2 = scores(theirs)
        print(
            f"{kind:<28} {len(mine):>4}   {p1:>7.3f} {r1:>7.3f} {f1:>7.3f}"
            f"      {p2:>7.3f} {r2:>7.3f} {f2:>7.3f}"
        )
    return records


def vacuum_analyze(env, tables):
    """What autovacuum does after a bulk load: statistics, visibility map, hint bits.

    Without it the first searches after the load pay for setting the hint
    bits of the new rows and visit every heap page the indexes point at;
    the benchmark measures the steady state a user meets instead.
    """
    env.cr.commit()
    with sql_db.db_connect(env.cr.dbname).cursor() as cr:
        cr._cnx.autocommit = True  # VACUUM cannot run inside a transaction
        for table in tables:
            cr.execute(SQL("VACUUM ANALYZE %s", SQL.identifier(table)))


def grow(env, target, us, seed=11):
    Partner = env["res.partner"]
    current = Partner.search_count([("is_company", "=", True)])
    missing = target - current
    if missing <= 0:
        return
    started = time.perf_counter()
    data = demodata.generate(scale=missing, seed=seed + target)
    accounts = []
    for account in data.accounts:
        accounts.append(
            {
                "key": f"{target}_{account.key}",
                "name": f"{account.name}",
                "website": account.website,
                "email": f"info@{account.website.removeprefix('www.')}",
                "phone": account.phone,
                "street": account.street,
                "city": account.city,
                "state": account.state_code,
                "zip": account.zip,
            }
        )
    aliases = [
        {"name": text, "account_key": f"{target}_{account.key}", "kind": kind}
        for account in data.accounts
        for text, kind in account.variants[:2]
    ]
    load_accounts(env, accounts, aliases, us)
    vacuum_analyze(env, ("res_partner", "res_partner_alias"))
    total_aliases = env["res.partner.alias"].search_count([])
    print(
        f"\n   loaded {missing:,} accounts in {time.perf_counter() - started:.0f} s "
        f"(now {target:,} accounts, {total_aliases:,} variants)"
    )


def latency(env, leads, sample=300):
    Partner = env["res.partner"]
    keys = [lead._refinery_identity_keys() for lead in leads[:sample]]
    # Steady state: other leads warm PostgreSQL's cache and the common-word memo
    # first; the timed leads are not among them.
    for lead in leads[sample : 2 * sample]:
        Partner._identity_rank(lead._refinery_identity_keys())
    env.cr.execute(
        "SELECT id, identity_name_norm FROM res_partner WHERE identity_name_norm IS NOT NULL"
    )
    rows = env.cr.fetchall()
    choices = [norm for _id, norm in rows]
    ours, scan = [], []
    for key in keys:
        started = time.perf_counter()
        Partner._identity_rank(key)
        ours.append((time.perf_counter() - started) * 1000)
        if key.name_norm:
            started = time.perf_counter()
            process.extract(key.name_norm, choices, scorer=fuzz.token_sort_ratio, limit=5)
            scan.append((time.perf_counter() - started) * 1000)
    p50, p95 = percentile(ours, 0.5), percentile(ours, 0.95)
    s50, s95 = percentile(scan, 0.5), percentile(scan, 0.95)
    print(
        f"   indexed search + scoring: p50 {p50:6.2f} ms  p95 {p95:6.2f} ms"
        f"  (mean {statistics.mean(ours):.2f})"
    )
    print(
        f"   full-scan rapidfuzz     : p50 {s50:6.2f} ms  p95 {s95:6.2f} ms"
        "  (names only, no scoring)"
    )
    print(f"   ratio full-scan / indexed at p95: {s95 / p95:.1f}x")
    return p95


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--max-accounts", type=int, default=100_000)
    parser.add_argument("--reuse", action="store_true", help="reuse the benchmark database")
    args = parser.parse_args()
    if not args.reuse:
        fresh_database()
    with environment() as env:
        us = env.ref("base.us")
        leads = accuracy(env, us)
        env.cr.commit()
        results = {}
        for target in (10_000, 100_000):
            if target > args.max_accounts:
                break
            grow(env, target, us)
            env.cr.commit()
            print(f"== Latency per lead at {target:,} accounts")
            results[target] = latency(env, leads)
        if len(results) == 2:
            print(f"\n   p95 grows {results[100_000] / results[10_000]:.2f}x for 10x the accounts")


if __name__ == "__main__":
    main()
