"""Benchmark of the territory-routing engine at national scale.

Run from the repository root: ``python3 bench/bench_routing_engine.py``.

Rule set: one ZIP5 rule per real USPS ZIP (~42k, spread over 400
territories), one SCF rule per SCF (~900), one county rule per county FIPS
(~3.2k), state rules, a few hundred ZIP+4 ranges, country rules and 50 named
accounts; some territories expired, some rules filtered by grade. Routes
50,000 synthetic leads (ZIP+4, ZIP5, foreign, bad ZIPs, missing country,
named accounts) and prints the index build time, leads/s and per-decision
percentiles, then a naive linear-scan router over the same rules (same
precedence, no index) on 500 leads, and the speed ratio.
"""

import random
import statistics
import sys
import time
import types
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
# Same trick as lead_refinery/lib/tests/conftest.py: load lead_refinery.lib without Odoo.
if "lead_refinery" not in sys.modules:
    _package = types.ModuleType("lead_refinery")
    _package.__path__ = [str(ROOT / "lead_refinery")]
    sys.modules["lead_refinery"] = _package

from lead_refinery.lib import postal, routing  # noqa: E402
from lead_refinery.lib.routing import LeadFacts, Rule, Territory  # noqa: E402

N_LEADS = 50_000
N_NAIVE = 500
N_TERRITORIES = 400
DAY = date(2026, 6, 1)


def build_rules(rnd, zips):
    territories = []
    for tid in range(1, N_TERRITORIES + 1):
        expired = tid % 50 == 0  # 8 territories ended last year
        territories.append(
            Territory(
                tid,
                rnd.choice(["team", "user", "partner"]),
                1000 + tid,
                date(2020, 1, 1),
                date(2025, 12, 31) if expired else None,
                f"Territory {tid}",
            )
        )
    rules = []
    next_id = iter(range(1, 10**7)).__next__
    scfs = sorted({z[:3] for z in zips})
    territory_of_scf = {scf: 1 + i * N_TERRITORIES // len(scfs) for i, scf in enumerate(scfs)}
    for zip5 in zips:
        grades = frozenset({"A"}) if rnd.random() < 0.02 else frozenset()
        rules.append(Rule(next_id(), territory_of_scf[zip5[:3]], "zip5", zip5, grades=grades))
    for scf in scfs:
        rules.append(Rule(next_id(), territory_of_scf[scf], "scf", scf))
    fips = sorted({postal.county_fips_for_zip(z) for z in zips} - {None})
    for code in fips:
        rules.append(Rule(next_id(), rnd.randrange(1, N_TERRITORIES + 1), "county", code))
    states = sorted({postal.state_for_zip(z) for z in zips})
    for state in states:
        rules.append(Rule(next_id(), rnd.randrange(1, N_TERRITORIES + 1), "state", state))
    for zip5 in rnd.sample(zips, 300):
        low = rnd.randrange(0, 9000)
        high = min(9999, low + rnd.randrange(0, 3000))
        rules.append(
            Rule(
                next_id(),
                rnd.randrange(1, N_TERRITORIES + 1),
                "zip4",
                f"{zip5}-{low:04d}",
                f"{zip5}-{high:04d}",
                priority=rnd.choice([0, 0, 1]),
            )
        )
    for country in ("US", "CA", "GB", "MX"):
        rules.append(Rule(next_id(), rnd.randrange(1, N_TERRITORIES + 1), "country", country))
    named = {
        account: (rnd.choice(["user", "partner"]), 5000 + account, f"Key account {account}")
        for account in range(1, 51)
    }
    return territories, rules, named


def build_leads(rnd, zips, rules):
    zip4_rules = [r for r in rules if r.kind == "zip4"]
    leads = []
    for _ in range(N_LEADS):
        roll = rnd.random()
        grade = rnd.choice(["A", "B", "C", "D", None])
        zip5 = rnd.choice(zips)
        state = postal.state_for_zip(zip5)
        accounts = ()
        if roll < 0.10:  # ZIP+4 inside a ZIP+4 rule
            r = rnd.choice(zip4_rules)
            low, high = int(r.value[6:]), int(r.value_to[6:])
            facts = LeadFacts("US", None, f"{r.value[:5]}-{rnd.randint(low, high):04d}")
        elif roll < 0.35:  # any ZIP+4, three spellings
            sep = rnd.choice(["-", "", " "])
            facts = LeadFacts("US", state, f"{zip5}{sep}{rnd.randrange(10000):04d}")
        elif roll < 0.70:
            facts = LeadFacts("US", state, zip5)
        elif roll < 0.75:  # missing country, clean ZIP
            facts = LeadFacts(None, None, zip5)
        elif roll < 0.83:  # foreign
            facts = rnd.choice(
                [
                    LeadFacts("CA", "ON", "K1A 0B1"),
                    LeadFacts("GB", None, "SW1A 1AA"),
                    LeadFacts("FR", None, "75008"),
                    LeadFacts(None, None, "M5V 3L9"),
                ]
            )
        elif roll < 0.90:  # bad ZIPs
            facts = LeadFacts(
                "US", state, rnd.choice([zip5.lstrip("0") or "0", "1234O", "123456", "", "K1A 0B1"])
            )
        else:  # named account (sometimes behind a subsidiary)
            accounts = (rnd.randrange(100, 10**6), rnd.randrange(1, 51))
            facts = LeadFacts("US", state, zip5)
        leads.append(
            LeadFacts(
                facts.country_code,
                facts.state_code,
                facts.zip_raw,
                grade=grade,
                account_ids=accounts,
            )
        )
    return leads


def naive_route(by_id, rules, named, facts, day):
    """Same precedence without an index: test every rule against the lead."""
    for account in facts.account_ids:
        if account in named:
            return named[account][:2]
    code = postal.parse_postal(facts.zip_raw, facts.country_code)
    country = postal.normalize_country(facts.country_code) or code.country_code
    zip5 = code.zip5 if code.routable else None
    fips = postal.county_fips_for_zip(zip5) if zip5 else None
    state = facts.state_code or (postal.state_for_zip(zip5) if zip5 else None)
    best = None
    for rule in rules:
        kind, value = rule.kind, rule.value
        if kind == "zip4":
            if not zip5 or not code.plus4 or value[:5] != zip5:
                continue
            if not int(value[6:]) <= int(code.plus4) <= int(rule.value_to[6:]):
                continue
        elif kind == "zip5":
            if not zip5 or not value <= zip5 <= (rule.value_to or value):
                continue
        elif kind == "scf":
            if not zip5 or zip5[:3] != value:
                continue
        elif kind == "county":
            if fips != value:
                continue
        elif kind == "state":
            if not zip5 or state != value:
                continue
        elif kind == "country" and (country != value or (country == "US" and not zip5)):
            continue
        territory = by_id[rule.territory_id]
        if not territory.active_on(day) or (rule.grades and facts.grade not in rule.grades):
            continue
        key = (-routing.SPECIFICITY[kind], -rule.priority, rule.id)
        if best is None or key < best[0]:
            best = (key, territory)
    return (best[1].owner_kind, best[1].owner_id) if best else None


def percentile(sorted_values, fraction):
    return sorted_values[min(len(sorted_values) - 1, int(fraction * len(sorted_values)))]


def main():
    rnd = random.Random(2026)
    began = time.perf_counter()
    zips = postal.all_us_zip5()
    print(
        f"ZIP table (zipcodes + addfips, built once per process): {len(zips):,} ZIPs "
        f"in {time.perf_counter() - began:.2f} s"
    )
    territories, rules, named = build_rules(rnd, zips)
    counts = {kind: sum(r.kind == kind for r in rules) for kind in routing.KINDS}
    print(
        f"Rules: {len(rules):,} ("
        + ", ".join(f"{kind} {n:,}" for kind, n in counts.items())
        + f"), {len(territories)} territories, {len(named)} named accounts"
    )

    began = time.perf_counter()
    engine = routing.RoutingEngine(territories, rules, named)
    print(f"Index build: {(time.perf_counter() - began) * 1000:.0f} ms")
    assert not engine.invalid_rules, engine.invalid_rules

    leads = build_leads(rnd, zips, rules)
    for facts in leads[:200]:  # warm-up
        engine.route(facts, DAY)
    timings = []
    outcomes = {}
    clock = time.perf_counter_ns
    began = time.perf_counter()
    for facts in leads:
        start = clock()
        decision = engine.route(facts, DAY)
        timings.append(clock() - start)
        key = decision.rule_kind or decision.unroutable_reason
        outcomes[key] = outcomes.get(key, 0) + 1
    elapsed = time.perf_counter() - began
    timings.sort()
    rate = len(leads) / elapsed
    print(f"Routed {len(leads):,} leads in {elapsed:.2f} s: {rate:,.0f} leads/s (target >= 5,000)")
    print(
        "Per decision: "
        + ", ".join(
            f"{label} {value / 1e6:.3f} ms"
            for label, value in (
                ("p50", percentile(timings, 0.50)),
                ("p95", percentile(timings, 0.95)),
                ("p99", percentile(timings, 0.99)),
                ("max", timings[-1]),
                ("mean", statistics.fmean(timings)),
            )
        )
        + " (target p95 <= 1 ms)"
    )
    print("Decided by: " + ", ".join(f"{k} {v:,}" for k, v in sorted(outcomes.items())))

    sample = leads[:N_NAIVE]
    began = time.perf_counter()
    by_id = {t.id: t for t in territories}
    naive = [naive_route(by_id, rules, named, facts, DAY) for facts in sample]
    naive_elapsed = time.perf_counter() - began
    naive_rate = len(sample) / naive_elapsed
    indexed = [engine.route(facts, DAY).owner for facts in sample]
    agree = sum(
        (tuple(a) if a else None) == (tuple(b) if b else None)
        for a, b in zip(naive, indexed, strict=True)
    )
    print(
        f"Naive linear scan over {len(rules):,} rules: {naive_rate:,.0f} leads/s on "
        f"{len(sample)} leads; indexed engine is {rate / naive_rate:,.0f}x faster "
        f"(same owner for {agree}/{len(sample)} leads)"
    )

    began = time.perf_counter()
    conflicts = engine.find_conflicts()
    took = (time.perf_counter() - began) * 1000
    print(f"find_conflicts: {len(conflicts)} conflicts in {took:.0f} ms")
    began = time.perf_counter()
    gaps = engine.coverage(on_date=DAY)
    print(
        f"coverage: {len(gaps)} uncovered ZIPs on {DAY} in "
        f"{(time.perf_counter() - began) * 1000:.0f} ms"
    )


if __name__ == "__main__":
    main()
