import itertools
import random
from dataclasses import replace
from datetime import date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lead_refinery.lib import postal, routing
from lead_refinery.lib.routing import (
    KINDS,
    LeadFacts,
    Member,
    RoutingEngine,
    Rule,
    Territory,
    explain,
    pick_member,
)

DAY = date(2026, 3, 2)
# 12345 is Schenectady, NY: county 36093, SCF 123.
LEAD = LeadFacts("US", "NY", "12345-6789")
VALUES = {
    "zip4": ("12345-6000", "12345-6999"),
    "zip5": ("12345", None),
    "scf": ("123", None),
    "county": ("36093", None),
    "state": ("NY", None),
    "country": ("US", None),
}


def territories(count, **extra):
    return [Territory(i, "team", 100 + i, name=f"T{i}", **extra) for i in range(1, count + 1)]


def rule(rule_id, territory_id, kind, priority=0, **extra):
    value, value_to = VALUES[kind]
    return Rule(rule_id, territory_id, kind, value, value_to, priority=priority, **extra)


def engine(rules, count=None, named=None, **kwargs):
    count = count or max(r.territory_id for r in rules)
    return RoutingEngine(territories(count), rules, named, **kwargs)


def outcomes(decision):
    return {alt.rule_id: alt.outcome for alt in decision.alternatives}


# --- precedence -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("specific", "general"),
    [(a, b) for a, b in itertools.combinations(KINDS, 2)],  # KINDS is most specific first
)
def test_more_specific_kind_wins_whatever_the_priority(specific, general):
    # The general rule has the lower id and a much higher priority, and still loses.
    rules = [rule(1, 1, general, priority=100), rule(2, 2, specific)]
    decision = engine(rules).route(LEAD, DAY)
    assert decision.owner == routing.Owner("team", 102)
    assert (decision.rule_id, decision.rule_kind, decision.territory_id) == (2, specific, 2)
    assert outcomes(decision) == {1: routing.LESS_SPECIFIC}
    assert not decision.conflict


def test_every_kind_routes_on_its_own():
    for kind in KINDS:
        decision = engine([rule(5, 1, kind)]).route(LEAD, DAY)
        assert (decision.rule_id, decision.rule_kind) == (5, kind)


def test_reason_sentences():
    decision = engine([rule(7, 1, "zip4")]).route(LEAD, DAY)
    assert decision.reason == (
        "ZIP+4 12345-6789 is in rule #7 (12345-6000..12345-6999) of territory 'T1' "
        "(owner: team 101)."
    )
    decision = engine([Rule(3, 1, "zip5", "12000", "12999")]).route(LEAD, DAY)
    assert decision.reason.startswith("ZIP 12345 is in rule #3 (12000..12999) of territory")
    decision = engine([rule(4, 1, "county")]).route(LEAD, DAY)
    assert decision.reason.startswith("County 36093 of ZIP 12345 matches rule #4")


def test_higher_priority_breaks_ties_within_a_kind():
    rules = [rule(1, 1, "zip5", priority=1), rule(2, 2, "zip5", priority=5)]
    decision = engine(rules).route(LEAD, DAY)
    assert decision.rule_id == 2  # not the lowest id: the higher priority
    assert outcomes(decision) == {1: routing.LOWER_PRIORITY}
    assert not decision.conflict


def test_single_zip_and_range_of_one_kind_compare_by_priority():
    rules = [Rule(1, 1, "zip5", "12000", "12999", priority=3), rule(2, 2, "zip5")]
    assert engine(rules).route(LEAD, DAY).rule_id == 1


def test_equal_tie_is_flagged_and_decided_by_lowest_rule_id():
    rules = [rule(9, 2, "zip5"), rule(4, 1, "zip5"), rule(6, 3, "scf")]
    decision = engine(rules).route(LEAD, DAY)
    assert decision.rule_id == 4
    assert decision.conflict
    assert decision.conflict_rule_ids == (4, 9)
    assert "CONFLICT" in decision.reason
    assert "#4 was chosen as the lowest rule id" in decision.reason
    assert outcomes(decision) == {9: routing.TIE_LOST, 6: routing.LESS_SPECIFIC}
    assert "Conflict: rules 4, 9 tie" in explain(decision)


def test_two_rules_of_one_territory_are_no_conflict():
    rules = [rule(1, 1, "zip5"), Rule(2, 1, "zip5", "12300", "12399")]
    decision = engine(rules).route(LEAD, DAY)
    assert (decision.rule_id, decision.conflict) == (1, False)
    assert outcomes(decision) == {2: routing.SAME_TERRITORY}


# --- effective dates ------------------------------------------------------------------------


def dated_engine(date_from, date_to):
    terrs = [
        Territory(1, "user", 7, date_from, date_to, "Dated"),
        Territory(2, "team", 8, name="Fallback"),
    ]
    return RoutingEngine(terrs, [rule(1, 1, "zip5"), rule(2, 2, "state")])


@pytest.mark.parametrize(
    ("date_from", "date_to", "day", "winner"),
    [
        (date(2026, 1, 1), date(2026, 12, 31), date(2025, 12, 31), 2),  # before
        (date(2026, 1, 1), date(2026, 12, 31), date(2026, 1, 1), 1),  # first day
        (date(2026, 1, 1), date(2026, 12, 31), date(2026, 6, 1), 1),  # within
        (date(2026, 1, 1), date(2026, 12, 31), date(2026, 12, 31), 1),  # last day
        (date(2026, 1, 1), date(2026, 12, 31), date(2027, 1, 1), 2),  # after
        (None, date(2026, 12, 31), date(1990, 1, 1), 1),  # open start
        (date(2026, 1, 1), None, date(2099, 1, 1), 1),  # open end
        (date(2026, 1, 1), None, date(2025, 1, 1), 2),
    ],
)
def test_effective_dates(date_from, date_to, day, winner):
    decision = dated_engine(date_from, date_to).route(LEAD, day)
    assert decision.rule_id == winner
    if winner == 2:
        assert outcomes(decision)[1] == routing.OUT_OF_DATES
        assert f"not on {day.isoformat()}" in decision.alternatives[0].detail


def test_odoo_false_dates_mean_open():
    territory = Territory(1, "team", 1, False, False)
    assert territory.date_from is None and territory.active_on(date(1900, 1, 1))


def test_datetime_on_date_is_accepted():
    decision = dated_engine(date(2026, 1, 1), None).route(LEAD, datetime(2026, 1, 1, 23, 0))
    assert decision.rule_id == 1


# --- filters --------------------------------------------------------------------------------


def test_grade_filter():
    rules = [rule(1, 1, "zip5", grades={"A"}), rule(2, 2, "zip5", grades={"C", "D"})]
    eng = engine([*rules, rule(3, 3, "state")])
    assert eng.route(replace(LEAD, grade="A"), DAY).rule_id == 1
    assert eng.route(replace(LEAD, grade="D"), DAY).rule_id == 2
    decision = eng.route(replace(LEAD, grade="B"), DAY)
    assert decision.rule_id == 3
    assert outcomes(decision) == {1: routing.FILTER_MISMATCH, 2: routing.FILTER_MISMATCH}
    ungraded = eng.route(LEAD, DAY)
    assert ungraded.rule_id == 3
    assert "lead has no grade" in ungraded.alternatives[0].detail


def test_category_and_team_filters():
    rules = [
        rule(1, 1, "zip4", category_ids={5}),
        rule(2, 2, "zip5", team_ids={9}),
        rule(3, 3, "scf"),
    ]
    eng = engine(rules)
    assert eng.route(replace(LEAD, category_id=5, team_id=9), DAY).rule_id == 1
    assert eng.route(replace(LEAD, category_id=6, team_id=9), DAY).rule_id == 2
    decision = eng.route(replace(LEAD, category_id=6, team_id=1), DAY)
    assert decision.rule_id == 3
    assert [a.detail.split(": ")[1] for a in decision.alternatives] == [
        "rule is for categories 5, lead has 6",
        "rule is for teams 9, lead has 1",
    ]


def test_all_candidates_ineligible_is_no_coverage():
    decision = engine([rule(1, 1, "zip5", grades={"A"})]).route(LEAD, DAY)
    assert decision.owner is None
    assert decision.unroutable_reason == "no_coverage"
    assert "none is eligible" in decision.reason
    assert "no_coverage" in decision.problems


# --- named accounts -------------------------------------------------------------------------


def test_named_account_beats_a_zip4_rule():
    named = {42: ("partner", 900, "Acme distributor")}
    eng = engine([rule(1, 1, "zip4")], named=named)
    decision = eng.route(replace(LEAD, account_ids=(41, 42)), DAY)
    assert decision.owner == routing.Owner("partner", 900)
    assert (decision.rule_kind, decision.account_id, decision.territory_id) == (
        "named_account",
        42,
        None,
    )
    assert outcomes(decision) == {1: routing.NAMED_ACCOUNT_WINS}
    assert "'Acme distributor'" in decision.reason


def test_closest_named_account_wins_over_its_parent():
    named = {10: ("user", 1, "Subsidiary"), 20: ("user", 2, "Parent group")}
    decision = engine([rule(1, 1, "zip5")], named=named).route(
        replace(LEAD, account_ids=(10, 20)), DAY
    )
    assert decision.owner == routing.Owner("user", 1)
    shadowed = [a for a in decision.alternatives if a.outcome == routing.SHADOWED_ACCOUNT]
    assert [a.account_id for a in shadowed] == [20]


def test_named_account_routes_even_without_a_usable_zip():
    eng = engine([rule(1, 1, "state")], named={5: ("team", 3, "Key account")})
    decision = eng.route(LeadFacts("US", "NY", "2134", account_ids=(5,)), DAY)
    assert decision.owner == routing.Owner("team", 3)
    assert decision.problems == ("leading_zero_lost",)


# --- bad input and unroutable leads ---------------------------------------------------------


@pytest.mark.parametrize(
    ("facts", "reason"),
    [
        (LeadFacts("US", "NY", None), "no_zip"),
        (LeadFacts("US", "NY", "12A45"), "invalid_zip"),
        (LeadFacts("US", "NY", "123456"), "invalid_zip"),
        (LeadFacts("US", "NY", "2134"), "ambiguous_zip"),
        (LeadFacts("US", "NY", "K1A 0B1"), "ambiguous_zip"),
        (LeadFacts(None, None, "2134"), "ambiguous_zip"),
        (LeadFacts(None, None, None), "no_zip"),
        (LeadFacts("FR", None, "75008"), "foreign_address"),
        (LeadFacts("CA", "ON", "K1A 0B1"), "foreign_address"),
        (LeadFacts("US", "CA", "90210"), "no_coverage"),
    ],
)
def test_unroutable_reasons(facts, reason):
    rules = [rule(1, 1, "zip5"), rule(2, 2, "state")]
    decision = engine(rules).route(facts, DAY)
    assert decision.owner is None
    assert decision.unroutable_reason == reason
    assert decision.reason
    assert reason in routing.UNROUTABLE_REASONS


def test_bad_zip_is_not_routed_by_state_unless_allowed():
    facts = LeadFacts("US", "NY", "2134")
    strict = engine([rule(1, 1, "zip5"), rule(2, 2, "state")]).route(facts, DAY)
    assert strict.owner is None
    assert outcomes(strict) == {2: routing.ZIP_NEEDS_FIXING}
    assert "02134" in strict.reason
    lenient = engine([rule(1, 1, "zip5"), rule(2, 2, "state")], strict_zip=False)
    decision = lenient.route(facts, DAY)
    assert (decision.rule_id, decision.problems) == (2, ("leading_zero_lost",))


def test_the_three_zip_plus4_spellings_route_alike():
    eng = engine([rule(1, 1, "zip4"), rule(2, 2, "zip5")])
    for raw in ("12345-6789", "123456789", "12345 6789"):
        assert eng.route(replace(LEAD, zip_raw=raw), DAY).rule_id == 1
    assert eng.route(replace(LEAD, zip_raw="12345-5999"), DAY).rule_id == 2
    assert eng.route(replace(LEAD, zip_raw="12345"), DAY).rule_id == 2


def test_missing_country_is_inferred_from_a_clean_zip():
    decision = engine([rule(1, 1, "country")]).route(LeadFacts(None, None, "12345"), DAY)
    assert decision.rule_id == 1
    assert decision.problems == ("country_inferred",)
    assert "inferred" in decision.problem_messages()[0]


def test_canadian_lead_routes_by_province_then_country():
    rules = [
        Rule(1, 1, "country", "CA"),
        Rule(2, 2, "state", "CA-ON"),
        rule(3, 3, "state"),  # US-NY must not catch Ontario
    ]
    eng = engine(rules)
    ontario = eng.route(LeadFacts("CA", "ON", "K1A 0B1"), DAY)
    assert (ontario.rule_id, ontario.owner) == (2, routing.Owner("team", 102))
    assert ontario.problems == ("foreign_address",)
    quebec = eng.route(LeadFacts("CA", "QC", "H2X 1Y4"), DAY)
    assert quebec.rule_id == 1
    uk_lead = eng.route(LeadFacts(None, None, "SW1A 1AA"), DAY)
    assert uk_lead.unroutable_reason == "foreign_address"


def test_state_mismatch_is_reported_and_the_given_state_is_used():
    eng = engine([Rule(1, 1, "state", "VT")])
    decision = eng.route(LeadFacts("US", "VT", "12345"), DAY)
    assert decision.rule_id == 1
    assert "state_zip_mismatch" in decision.problems


def test_state_is_derived_from_the_zip_when_missing():
    decision = engine([rule(1, 1, "state")]).route(LeadFacts("US", None, "12345"), DAY)
    assert decision.rule_id == 1


def test_county_override_on_the_lead_and_in_the_resolver():
    rules = [Rule(1, 1, "county", "36001"), rule(2, 2, "county")]  # Albany vs Schenectady
    assert engine(rules).route(LEAD, DAY).rule_id == 2
    assert engine(rules).route(replace(LEAD, county_fips="36001"), DAY).rule_id == 1
    resolver = postal.CountyResolver({"12345": "36001"})
    assert engine(rules, county_resolver=resolver).route(LEAD, DAY).rule_id == 1


def test_county_from_a_differently_spelled_name_routes():
    fips = postal.county_fips("MO", "Saint Louis Co.")
    eng = engine([Rule(1, 1, "county", fips)])
    assert eng.route(LeadFacts("US", "MO", "63105"), DAY).rule_id == 1


def test_unknown_zip_is_reported():
    decision = engine([Rule(1, 1, "scf", "000")]).route(LeadFacts("US", None, "00000"), DAY)
    assert decision.rule_id == 1
    assert "unknown_zip" in decision.problems


def test_invalid_rules_are_skipped_and_reported():
    rules = [
        Rule(1, 1, "zip5", "2134"),
        Rule(2, 1, "zip5", "12399", "12300"),
        Rule(3, 1, "zip4", "12345-0000", "12346-0000"),
        Rule(4, 1, "scf", "12"),
        Rule(5, 1, "county", "Kings"),
        Rule(6, 1, "planet", "Mars"),
        Rule(7, 99, "country", "US"),
        Rule(8, 1, "state", "NY", "NJ"),
        rule(9, 1, "zip5"),
    ]
    eng = engine(rules, count=1)
    assert sorted(eng.invalid_rules) == [1, 2, 3, 4, 5, 6, 7, 8]
    assert "leading zeros" in eng.invalid_rules[1][0]
    assert "reversed" in eng.invalid_rules[2][0]
    assert "inside one ZIP5" in eng.invalid_rules[3][0]
    assert "does not exist" in eng.invalid_rules[7][0]
    assert eng.route(LEAD, DAY).rule_id == 9


def test_bad_owner_kind_is_refused():
    with pytest.raises(ValueError, match="owner kind"):
        RoutingEngine([Territory(1, "robot", 1)], [])


# --- conflicts ------------------------------------------------------------------------------


def conflict_pairs(rules, terrs=None):
    terrs = terrs or territories(5)
    return [c.rule_ids for c in RoutingEngine(terrs, rules).find_conflicts()]


def test_overlapping_zip5_ranges_and_singles_conflict():
    rules = [
        Rule(1, 1, "zip5", "10000", "10100"),
        Rule(2, 2, "zip5", "10050", "10200"),
        Rule(3, 3, "zip5", "10150"),
        Rule(4, 4, "zip5", "10300", "10400"),  # touches nobody
        Rule(5, 5, "zip5", "10150"),
    ]
    conflicts = RoutingEngine(territories(5), rules).find_conflicts()
    assert [c.rule_ids for c in conflicts] == [(1, 2), (2, 3), (2, 5), (3, 5)]
    assert conflicts[0].overlap == "10050..10100"
    assert conflicts[0].territory_ids == (1, 2)
    assert "both cover 10050..10100" in conflicts[0].message


def test_zip4_overlaps_conflict():
    rules = [
        Rule(1, 1, "zip4", "12345-0000", "12345-4999"),
        Rule(2, 2, "zip4", "12345-4000", "12345-9999"),
        Rule(3, 3, "zip4", "12346-0000", "12346-9999"),
    ]
    conflicts = RoutingEngine(territories(3), rules).find_conflicts()
    assert [(c.rule_ids, c.overlap) for c in conflicts] == [((1, 2), "12345-4000..12345-4999")]


def test_duplicate_values_of_keyed_kinds_conflict():
    rules = [
        Rule(1, 1, "state", "NY"),
        Rule(2, 2, "state", "US-NY"),
        Rule(3, 3, "county", "36093"),
        Rule(4, 4, "county", "36093"),
        Rule(5, 5, "scf", "123"),
    ]
    assert conflict_pairs(rules) == [(3, 4), (1, 2)]


def test_what_is_not_a_conflict():
    terrs = [
        *territories(3),
        Territory(4, "team", 4, date(2020, 1, 1), date(2020, 12, 31)),
        Territory(5, "team", 5, date(2021, 1, 1), None),
    ]
    rules = [
        rule(1, 1, "zip5", grades={"A"}),
        rule(2, 2, "zip5", grades={"B", "C"}),  # other grades
        rule(3, 3, "zip5", priority=1),  # other priority
        rule(4, 4, "scf"),
        rule(5, 5, "scf"),  # territories never active together
        rule(6, 1, "zip5", grades={"A"}, category_ids={1}),  # same territory as rule 1
    ]
    assert conflict_pairs(rules, terrs) == []
    # ...and the same rules without the filters do conflict.
    assert conflict_pairs([rule(1, 1, "zip5"), rule(2, 2, "zip5", grades={"B"})]) == [(1, 2)]


# --- coverage -------------------------------------------------------------------------------


def test_coverage_finds_uncovered_zips():
    rules = [
        Rule(1, 1, "zip5", "02134"),
        Rule(2, 1, "scf", "100"),
        Rule(3, 1, "county", "36093"),  # Schenectady County: 12345, 12303...
        Rule(4, 1, "state", "VT"),
        Rule(5, 1, "zip5", "90200", "90299"),
        Rule(6, 1, "zip4", "94105-0000", "94105-9999"),  # partial: does not count
    ]
    eng = RoutingEngine(territories(1), rules)
    zips = ["02134", "02135", "10001", "12345", "12303", "05401", "90210", "94105", "60601"]
    assert eng.coverage(zips) == ["02135", "94105", "60601"]


def test_coverage_of_every_zip_with_a_us_country_rule():
    eng = RoutingEngine(territories(1), [Rule(1, 1, "country", "US")])
    gaps = eng.coverage()
    # Puerto Rico, Guam... are countries of their own in Odoo.
    territories_of_their_own = {"PR", "VI", "GU", "AS", "MP", "FM", "MH", "PW"}
    assert {postal.state_for_zip(z) for z in gaps} == territories_of_their_own
    assert "10001" not in gaps and "00901" in gaps


def test_coverage_respects_dates():
    terrs = [Territory(1, "team", 1, date(2020, 1, 1), date(2020, 12, 31))]
    eng = RoutingEngine(terrs, [Rule(1, 1, "zip5", "02134")])
    assert eng.coverage(["02134"]) == []
    assert eng.coverage(["02134"], on_date=date(2021, 1, 1)) == ["02134"]


# --- index correctness ----------------------------------------------------------------------


def naive_route(terrs, rules, facts, day):
    """Reference: scan every rule (no index), most specific, then priority, then id."""
    code = postal.parse_postal(facts.zip_raw, facts.country_code)
    by_id = {t.id: t for t in terrs}
    best = None
    for r in rules:
        if not by_id[r.territory_id].active_on(day):
            continue
        if r.grades and facts.grade not in r.grades:
            continue
        number = int(code.zip5)
        if r.kind == "zip5":
            high = int(r.value_to or r.value)
            if not int(r.value) <= number <= high:
                continue
        elif r.kind == "zip4":
            low, high = r.value.replace("-", ""), (r.value_to or r.value).replace("-", "")
            if code.plus4 is None or not int(low) <= int(code.zip5 + code.plus4) <= int(high):
                continue
        key = (-routing.SPECIFICITY[r.kind], -r.priority, r.id)
        if best is None or key < best[0]:
            best = (key, r.id)
    return best[1] if best else None


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_indexed_routing_equals_a_linear_scan(data):
    terrs = [*territories(4, date_from=None), Territory(5, "team", 5, date(2027, 1, 1))]
    rules = []
    for rule_id in range(1, data.draw(st.integers(1, 25)) + 1):
        kind = data.draw(st.sampled_from(["zip5", "zip5", "zip4"]))
        priority = data.draw(st.integers(0, 2))
        territory_id = data.draw(st.integers(1, 5))
        grades = data.draw(st.sampled_from([frozenset(), frozenset({"A"})]))
        if kind == "zip5":
            low = data.draw(st.integers(12300, 12400))
            high = data.draw(st.sampled_from([None, low + data.draw(st.integers(0, 40))]))
            value, value_to = f"{low:05d}", (f"{high:05d}" if high is not None else None)
        else:
            low = data.draw(st.integers(0, 9999))
            high = min(9999, low + data.draw(st.integers(0, 3000)))
            value, value_to = f"12345-{low:04d}", f"12345-{high:04d}"
        rules.append(Rule(rule_id, territory_id, kind, value, value_to, priority, grades))
    eng = RoutingEngine(terrs, rules)
    for _ in range(10):
        zip5 = f"{data.draw(st.integers(12300, 12440)):05d}"
        plus4 = data.draw(st.sampled_from(["", f"-{data.draw(st.integers(0, 9999)):04d}"]))
        facts = LeadFacts("US", None, zip5 + plus4, grade=data.draw(st.sampled_from([None, "A"])))
        assert eng.route(facts, DAY).rule_id == naive_route(terrs, rules, facts, DAY)


@given(
    st.lists(
        st.tuples(st.integers(0, 60), st.integers(0, 20)).map(lambda t: (t[0], t[0] + t[1])),
        max_size=15,
    ),
    st.integers(-5, 90),
)
def test_interval_index_returns_exactly_the_covering_ranges(ranges, point):
    class Fake:
        def __init__(self, rule_id):
            self.rule = Rule(rule_id, 1, "zip5", "00000")

    items = [(low, high, Fake(i)) for i, (low, high) in enumerate(ranges)]
    index = routing._IntervalIndex(items)
    found = sorted(e.rule.id for e in index.at(point))
    assert found == [i for i, (low, high) in enumerate(ranges) if low <= point <= high]


# --- explanation ----------------------------------------------------------------------------


def test_explain_lists_owner_reason_alternatives_and_problems():
    rules = [rule(1, 1, "zip4"), rule(2, 2, "state"), rule(3, 3, "zip5", grades={"A"})]
    text = explain(engine(rules).route(replace(LEAD, country_code=None, state_code=None), DAY))
    lines = text.splitlines()
    assert lines[0] == "Owner: team 101 (by ZIP+4; territory 'T1', rule #1)."
    assert lines[1].startswith("Why: ZIP+4 12345-6789 is in rule #1")
    assert "Other candidates:" in lines
    assert any("state rule #2 (US-NY) of territory 'T2': less specific" in ln for ln in lines)
    assert any("rule is for grade A, lead has no grade" in ln for ln in lines)
    assert lines[-2:] == [
        "Problems:",
        "  - " + postal.describe_problem("country_inferred", postal.parse_postal("12345-6789")),
    ]


def test_explain_unrouted():
    text = explain(engine([rule(1, 1, "zip5")]).route(LeadFacts("US", "NY", "2134"), DAY))
    assert text.splitlines()[0] == "No owner (ambiguous_zip)."
    assert "02134" in text


# --- round-robin ----------------------------------------------------------------------------


def assign(members, leads, grade=None, on_date=None):
    """Pick ``leads`` times, counting each pick like the ORM would; return the picks."""
    members = {m.id: m for m in members}
    picks = []
    for step in range(leads):
        chosen, _why = pick_member(list(members.values()), grade, on_date)
        picks.append(chosen)
        if chosen is not None:
            m = members[chosen]
            members[chosen] = replace(
                m,
                assigned_count=m.assigned_count + 1,
                open_count=m.open_count + 1,
                last_assigned=step,
            )
    return picks, members


def test_equal_weights_stay_within_one_lead_at_every_step():
    members = [Member(i) for i in (30, 10, 20, 50, 40, 60, 70)]
    state = {m.id: m for m in members}
    for _ in range(100):
        chosen, _ = pick_member(list(state.values()))
        state[chosen] = replace(state[chosen], assigned_count=state[chosen].assigned_count + 1)
        counts = [m.assigned_count for m in state.values()]
        assert max(counts) - min(counts) <= 1
    assert sorted(m.assigned_count for m in state.values()) == [14, 14, 14, 14, 14, 15, 15]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.integers(1, 10_000), min_size=1, max_size=12, unique=True),
    st.integers(0, 150),
    st.randoms(use_true_random=False),
)
def test_fairness_and_independence_of_member_order(ids, leads, rnd):
    members = [Member(i) for i in ids]
    shuffled = list(members)
    rnd.shuffle(shuffled)
    picks, final = assign(members, leads)
    assert assign(shuffled, leads)[0] == picks  # order of creation does not matter
    counts = [m.assigned_count for m in final.values()]
    assert max(counts) - min(counts) <= 1
    assert sum(counts) == leads


def test_ties_rotate_to_who_waited_longest():
    picks, _ = assign([Member(1), Member(2), Member(3)], 7)
    assert picks == [1, 2, 3, 1, 2, 3, 1]


def test_weights():
    picks, final = assign([Member(1, weight=2.0), Member(2), Member(3)], 40)
    assert [final[i].assigned_count for i in (1, 2, 3)] == [20, 10, 10]
    assert picks[:4].count(1) == 2


def test_capacity_unavailability_leave_and_pause_are_skipped_with_reasons():
    members = [
        Member(1, capacity=5, open_count=5, name="Full"),
        Member(2, available=False, name="Away"),
        Member(3, leaves=((date(2026, 3, 1), date(2026, 3, 6)),), name="Holiday"),
        Member(4, weight=0, name="Paused"),
        Member(5, assigned_count=50, name="Busy"),
    ]
    chosen, why = pick_member(members, on_date=DAY)
    assert chosen == 5
    assert "Full (#1): at capacity (5/5 open leads)" in why
    assert "Away (#2): unavailable" in why
    assert "Holiday (#3): on leave 2026-03-01..2026-03-06" in why
    assert "Paused (#4): weight 0" in why
    assert why.startswith("Picked Busy (#5)")
    # After the leave the holiday-maker is back and, having fewer leads, wins.
    assert pick_member(members, on_date=date(2026, 3, 7))[0] == 3


def test_capacity_fills_up():
    picks, final = assign([Member(1, capacity=2), Member(2, capacity=3)], 7)
    assert picks == [1, 2, 1, 2, 2, None, None]
    assert [final[1].open_count, final[2].open_count] == [2, 3]


def test_grade_rules():
    members = [
        Member(1, grades=frozenset({"A"}), name="Field"),
        Member(2, grades=frozenset({"C", "D"})),
    ]
    assert pick_member(members, grade="A")[0] == 1
    assert pick_member(members, grade="C")[0] == 2
    chosen, why = pick_member(members, grade="B")
    assert chosen is None
    assert why.splitlines()[0] == "No member can take this lead."
    assert "Field (#1): takes grade A only, lead is B" in why
    assert pick_member([Member(3)], grade="B")[0] == 3  # empty grades = any


def test_no_members():
    assert pick_member([]) == (None, "No member can take this lead.")


def test_explanation_lists_the_others():
    chosen, why = pick_member([Member(1, assigned_count=3), Member(2, assigned_count=1)])
    assert chosen == 2
    assert why.splitlines() == [
        "Picked #2: lowest load 2 = (1 assigned + 1) / weight 1.",
        "#1: load 4",
    ]


def test_random_weights_follow_the_shares():
    rnd = random.Random(7)
    weights = {i: rnd.choice([0.5, 1.0, 2.0, 3.0]) for i in range(1, 6)}
    _picks, final = assign([Member(i, weight=w) for i, w in weights.items()], 1000)
    total = sum(weights.values())
    for i, weight in weights.items():
        assert abs(final[i].assigned_count - 1000 * weight / total) <= 2
