"""ORM bulk routing benchmark: 10,000 leads through territories, against Odoo core assignment.

Run with the project's virtualenv after scripts/test.sh or scripts/run.sh::

    ~/.cache/lead_refinery/venv/bin/python bench/bench_routing_orm.py [--leads 10000] [--reuse]

A fresh database (``LR_BENCH_DB``, default ``lr_bench``) gets the issue's rule
set: one ZIP5 rule per USPS ZIP (about 41,000), one SCF rule per 3-digit
prefix (about 900), one county rule per county (about 3,200) and 50 named
accounts, in 400 territories (team-owned with three reps each, rep-owned and
partner-owned). Then, in the same process and on the same leads:

1. lead_refinery: ``crm.lead._refinery_route()`` on 10,000 existing unowned leads
   (engine build from the database, decisions, weighted round-robin with
   capacity, owner writes with tracking, one decision record per lead), cold
   (engine built in the run) and the engine build alone;
2. Odoo 18 core: the same 10,000 leads unassigned again, one sales team per
   territory group with an ``assignment_domain`` on its ZIP prefixes and
   three members, and ``crm.team._action_assign_leads(force_quota=True,
   creation_delta_days=0)``.

Between the runs the leads are reset to their state before routing (no
owner, followers, messages or SLA clock), and the salespersons and teams
routing gave are written again by plain ORM writes, one per owner and team:
what writing the owners costs through Odoo's write with tracking and
followers (and lead_refinery's SLA clock), whatever decides them. Routing
and the plain write alternate ``--rounds`` times (default 2): this machine's
speed drifts by a third between runs, so each round prints their ratio and
the best routing time is reported.

3. creation of 2,000 more leads with routing on create, against the same
   creation with routing switched off (``refinery_skip_route``).

Every run ends with a commit (tracking and other end-of-transaction work
included). Target: 10,000 leads routed in at most 15 s.
"""

import argparse
import random
import resource
import time
from collections import Counter, defaultdict

from odoo_env import environment, fresh_database

QUIET = {
    "tracking_disable": True,
    "mail_create_nolog": True,
    "mail_notrack": True,
    "refinery_skip_match": True,
    "refinery_skip_route": True,
}
N_TERRITORIES = 400
N_CORE_TEAMS = 50


def peak_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def build_configuration(env, rnd):
    from odoo.addons.lead_refinery.lib import postal  # noqa: PLC0415 (needs Odoo's addons path)

    zips = postal.all_us_zip5()
    users = env["res.users"].with_context(**QUIET, no_reset_password=True)
    reps = users.create(
        [
            {
                "name": f"Bench rep {i}",
                "login": f"bench_rep_{i}",
                "groups_id": [(6, 0, [env.ref("sales_team.group_sale_salesman").id])],
            }
            for i in range(60)
        ]
    )
    Partner = env["res.partner"].with_context(**QUIET)
    partners = Partner.create(
        [{"name": f"Bench distributor {i}", "is_company": True} for i in range(20)]
    )
    teams = (
        env["crm.team"]
        .with_context(**QUIET)
        .create([{"name": f"Bench team {i}"} for i in range(20)])
    )
    scfs = sorted({zip5[:3] for zip5 in zips})
    territory_of_scf = {scf: i * N_TERRITORIES // len(scfs) for i, scf in enumerate(scfs)}
    Territory = env["crm.territory"].with_context(**QUIET)
    values = []
    for index in range(N_TERRITORIES):
        roll = index % 10
        if roll < 7:
            members = rnd.sample(list(reps), 3)
            owner = {
                "owner_kind": "team",
                "team_id": teams[index % len(teams)].id,
                "member_ids": [
                    (0, 0, {"user_id": rep.id, "weight": rnd.choice([1, 1, 2])}) for rep in members
                ],
            }
        elif roll < 9:
            owner = {"owner_kind": "user", "user_id": reps[index % len(reps)].id}
        else:
            owner = {"owner_kind": "partner", "partner_id": partners[index % len(partners)].id}
        values.append({"name": f"Bench territory {index}", **owner})
    territories = Territory.create(values)
    rules = []
    for zip5 in zips:
        rules.append(
            {
                "territory_id": territories[territory_of_scf[zip5[:3]]].id,
                "kind": "zip5",
                "value": zip5,
                "grades": "A" if rnd.random() < 0.02 else False,
            }
        )
    for scf in scfs:
        rules.append(
            {"territory_id": territories[territory_of_scf[scf]].id, "kind": "scf", "value": scf}
        )
    for fips in sorted({postal.county_fips_for_zip(zip5) for zip5 in zips} - {None}):
        rules.append({"territory_id": rnd.choice(territories).id, "kind": "county", "value": fips})
    Rule = env["crm.territory.rule"].with_context(**QUIET)
    for start in range(0, len(rules), 5000):
        Rule.create(rules[start : start + 5000])
    accounts = Partner.create(
        [{"name": f"Bench key account {i}", "is_company": True} for i in range(50)]
    )
    env["crm.named.account"].with_context(**QUIET).create(
        [
            {"partner_id": account.id, "owner_kind": "user", "user_id": rnd.choice(reps).id}
            for account in accounts
        ]
    )
    return zips, scfs, territory_of_scf, reps, accounts, len(rules)


def create_leads(env, rnd, zips, accounts, count, quiet=QUIET):
    us = env.ref("base.us").id
    Lead = env["crm.lead"].with_context(**quiet)
    leads = Lead.browse()
    values = []
    for index in range(count):
        roll = rnd.random()
        zip5 = rnd.choice(zips)
        row = {
            "name": f"Bench routing lead {index}",
            "type": "lead",
            "user_id": False,
            "team_id": False,
            "country_id": us,
            "zip": zip5,
            "expected_revenue": rnd.choice([0, 5000, 20000, 80000]),
        }
        if roll < 0.25:
            row["zip"] = f"{zip5}-{rnd.randrange(10000):04d}"
        elif roll < 0.30:
            row["zip"] = rnd.choice(["1234O", zip5.lstrip("0") or "0", ""])
        elif roll < 0.40:
            row["refinery_account_id"] = rnd.choice(accounts).id
        values.append(row)
    for start in range(0, count, 2000):
        leads |= Lead.create(values[start : start + 2000])
    return leads


def reset(env, leads):
    """The leads as they were before any routing: no owner, followers, messages or SLA clock."""
    env.cr.execute(
        "DELETE FROM mail_followers WHERE res_model = 'crm.lead' AND res_id = ANY(%s)", [leads.ids]
    )
    env.cr.execute(
        "DELETE FROM mail_message WHERE model = 'crm.lead' AND res_id = ANY(%s)", [leads.ids]
    )
    env.cr.execute("DELETE FROM crm_lead_routing WHERE lead_id = ANY(%s)", [leads.ids])
    env.cr.execute(
        "UPDATE crm_lead SET sla_start = NULL, sla_deadline = NULL, sla_next_check = NULL, "
        "sla_policy_id = NULL WHERE id = ANY(%s)",
        [leads.ids],
    )
    unassign(env, leads)


def run_plain_write(env, leads):
    """The same owners written by plain ORM writes (one per owner and team), tracking on."""
    owners = defaultdict(list)
    for lead in env["crm.lead"].browse(leads.ids):
        if lead.user_id:
            owners[lead.user_id.id, lead.team_id.id].append(lead.id)
    reset(env, leads)
    Lead = env["crm.lead"].sudo().with_context(mail_auto_subscribe_no_notify=True)
    began = time.perf_counter()
    for (user_id, team_id), lead_ids in owners.items():
        Lead.browse(lead_ids).write({"user_id": user_id, "team_id": team_id})
    env.cr.commit()
    return time.perf_counter() - began, sum(map(len, owners.values())), len(owners)


def unassign(env, leads):
    env.cr.execute(
        "UPDATE crm_lead SET user_id = NULL, team_id = NULL, refinery_territory_id = NULL, "
        "refinery_partner_id = NULL, type = 'lead' WHERE id = ANY(%s)",
        [leads.ids],
    )
    env.cr.commit()
    env.invalidate_all()


def run_refinery(env, leads):
    env.registry.clear_cache()
    began = time.perf_counter()
    env["crm.territory"]._refinery_engine()
    build = time.perf_counter() - began
    env.registry.clear_cache()
    env.invalidate_all()
    began = time.perf_counter()
    outcomes = env["crm.lead"].browse(leads.ids)._refinery_route(trigger="manual")
    env.cr.commit()
    elapsed = time.perf_counter() - began
    kinds = Counter(
        outcome.decision.rule_kind or outcome.unroutable_reason for outcome in outcomes.values()
    )
    owned = sum(1 for outcome in outcomes.values() if outcome.routed)
    return build, elapsed, kinds, owned


def run_create(env, rnd, zips, accounts, count):
    """Creation with routing on against creation with routing off: the cost routing adds."""
    timings = {}
    for label, skip in (("off", True), ("on", False)):
        env.invalidate_all()
        began = time.perf_counter()
        leads = create_leads(
            env(context=dict(env.context, refinery_skip_route=skip, tracking_disable=False)),
            rnd,
            zips,
            accounts,
            count,
            quiet={"refinery_skip_match": True},
        )
        env.cr.commit()
        timings[label] = time.perf_counter() - began
        owned = sum(1 for lead in leads if lead.user_id or lead.refinery_partner_id)
    return timings, owned


def run_core(env, leads, scfs, territory_of_scf):
    # Reps of their own: Odoo's daily quota counts the leads a rep received in the last 24 h.
    reps = (
        env["res.users"]
        .with_context(**QUIET, no_reset_password=True)
        .create(
            [
                {
                    "name": f"Core bench rep {i}",
                    "login": f"core_bench_rep_{i}",
                    "groups_id": [(6, 0, [env.ref("sales_team.group_sale_salesman").id])],
                }
                for i in range(N_CORE_TEAMS * 3)
            ]
        )
    )
    groups = defaultdict(list)
    for scf in scfs:
        groups[territory_of_scf[scf] * N_CORE_TEAMS // N_TERRITORIES].append(scf)
    Team = env["crm.team"].with_context(tracking_disable=True)
    teams = Team.browse()
    for index, prefixes in sorted(groups.items()):
        domain = ["|"] * (len(prefixes) - 1) + [("zip", "=like", f"{p}%") for p in prefixes]
        teams |= Team.create(
            {
                "name": f"Core bench team {index}",
                "use_leads": True,
                "assignment_domain": repr(domain),
                "crm_team_member_ids": [
                    (0, 0, {"user_id": reps[index * 3 + offset].id, "assignment_max": 30 * 400})
                    for offset in range(3)
                ],
            }
        )
    env.cr.commit()
    unassign(env, leads)
    began = time.perf_counter()
    teams.with_context(tracking_disable=False)._action_assign_leads(
        force_quota=True, creation_delta_days=0
    )
    env.cr.commit()
    elapsed = time.perf_counter() - began
    env.cr.execute(
        "SELECT count(*) FROM crm_lead WHERE id = ANY(%s) AND user_id IS NOT NULL", [leads.ids]
    )
    return elapsed, env.cr.fetchone()[0]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--leads", type=int, default=10_000)
    parser.add_argument("--reuse", action="store_true", help="keep an existing database")
    parser.add_argument(
        "--rounds", type=int, default=2, help="routing and plain-write runs (best one kept)"
    )
    args = parser.parse_args()
    rnd = random.Random(2026)
    if not args.reuse:
        fresh_database()
    with environment() as env:
        env = env(context=dict(env.context, tracking_disable=False))
        began = time.perf_counter()
        zips, scfs, territory_of_scf, _reps, accounts, n_rules = build_configuration(env, rnd)
        leads = create_leads(env, rnd, zips, accounts, args.leads)
        env.cr.commit()
        print(
            f"Set-up: {n_rules:,} rules in {N_TERRITORIES} territories, 50 named accounts, "
            f"{len(leads):,} leads in {time.perf_counter() - began:.1f} s"
        )
        # Routing and the plain write alternate, so that a slow spell of the machine hits both.
        rounds = []
        for round_no in range(1, args.rounds + 1):
            if round_no > 1:
                reset(env, leads)
            build, elapsed, kinds, owned = run_refinery(env, leads)
            print(f"Round {round_no}: engine build from the database: {build:.2f} s")
            print(
                f"Round {round_no}: lead_refinery: {len(leads):,} leads routed in {elapsed:.2f} s "
                f"({len(leads) / elapsed:,.0f} leads/s; target <= 15 s), {owned:,} given an "
                "owner; decided by " + ", ".join(f"{k} {v:,}" for k, v in sorted(kinds.items()))
            )
            plain, plain_leads, plain_writes = run_plain_write(env, leads)
            print(
                f"Round {round_no}: plain ORM write of the same salespersons and teams "
                f"({plain_leads:,} leads, {plain_writes:,} writes, tracking and followers on, no "
                f"routing): {plain:.2f} s; routing costs {elapsed / plain:.2f}x that"
            )
            rounds.append((elapsed, plain))
        elapsed = min(routed for routed, _plain in rounds)
        print(
            f"Best of {len(rounds)}: routing {elapsed:.2f} s ({len(leads) / elapsed:,.0f} "
            f"leads/s), plain write {min(plain for _routed, plain in rounds):.2f} s; "
            "routing / plain write by round: "
            + ", ".join(f"{routed / plain:.2f}x" for routed, plain in rounds)
        )
        reset(env, leads)
        core_elapsed, core_owned = run_core(env, leads, scfs, territory_of_scf)
        print(
            f"Odoo core _action_assign_leads ({N_CORE_TEAMS} teams, ZIP-prefix domains): "
            f"{len(leads):,} leads in {core_elapsed:.2f} s ({len(leads) / core_elapsed:,.0f} "
            f"leads/s), {core_owned:,} given a salesperson (the others get a team only)"
        )
        sample = min(2000, args.leads)
        timings, created_owned = run_create(env, rnd, zips, accounts, sample)
        print(
            f"Creating {sample:,} leads (ORM create, tracking on): {timings['off']:.2f} s without "
            f"routing, {timings['on']:.2f} s with routing on create ({created_owned:,} owned); "
            f"routing adds {(timings['on'] - timings['off']) / sample * 1000:.1f} ms per lead, "
            f"ratio {timings['on'] / timings['off']:.2f}x"
        )
        print(
            f"Ratio core / lead_refinery (its slowest round): "
            f"{core_elapsed / max(routed for routed, _plain in rounds):.2f}x; "
            f"peak RSS {peak_mb():.0f} MB"
        )


if __name__ == "__main__":
    main()
