from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lead_refinery.lib import aggregation
from lead_refinery.lib.aggregation import (
    ACCUMULATE,
    CREATE,
    UPDATE,
    Activity,
    ActivityType,
    decayed_score,
    evaluate,
    interest,
    resolve_threshold,
)

UTC = timezone.utc
NOW = datetime(2026, 3, 16, 12, tzinfo=UTC)
TYPES = {
    t.code: t
    for t in (
        ActivityType("seminar", 20, 90, 30),
        ActivityType("literature", 10, 60, None),
        ActivityType("visit", 40, 30, 15),
        ActivityType("evaluation", 50, 30, None, hot=True),
        ActivityType("download", 5, 30, 7),
        ActivityType("badge_scan", 15, 60, 30),
        ActivityType("inbound_call", 30, 14, 0),
    )
}
ACME, GLOBEX = 100, 200
PUMPS, VALVES = 1, 2


def activity(id_, type_code, days_ago, account=ACME, category=PUMPS, contact=11, base=None):
    return Activity(
        id=id_,
        account_id=account,
        category_id=category,
        contact_id=contact,
        type_code=type_code,
        occurred_utc=NOW - timedelta(days=days_ago),
        base_score=base,
    )


# --- decay ------------------------------------------------------------------------------------


def test_decayed_score_halves_every_half_life():
    assert decayed_score(20, 0, 30) == 20
    assert decayed_score(20, 30, 30) == pytest.approx(10)
    assert decayed_score(20, 60, 30) == pytest.approx(5)
    assert decayed_score(20, 15, 30) == pytest.approx(20 / 2**0.5)


def test_no_decay_without_half_life_and_none_for_future_ages():
    assert decayed_score(10, 400, None) == 10
    assert decayed_score(10, 400, 0) == 10
    assert decayed_score(10, -2, 7) == 10


@settings(max_examples=200)
@given(
    base=st.floats(min_value=0, max_value=1000),
    a=st.floats(min_value=0, max_value=1000),
    b=st.floats(min_value=0, max_value=1000),
    half_life=st.floats(min_value=0.1, max_value=365),
)
def test_decay_never_grows_with_age(base, a, b, half_life):
    young, old = sorted((a, b))
    assert 0 <= decayed_score(base, old, half_life) <= decayed_score(base, young, half_life) <= base


# --- interest ---------------------------------------------------------------------------------


def test_interest_sums_decayed_scores_within_windows():
    profiles = interest(
        [
            activity(1, "seminar", 30),  # 20 -> 10
            activity(2, "literature", 59),  # no decay, inside its 60-day window
            activity(3, "download", 7, contact=12),  # 5 -> 2.5
            activity(4, "inbound_call", 15),  # outside its 14-day window
            activity(5, "literature", 60),  # exactly the window: counts
        ],
        TYPES,
        NOW,
    )
    profile = profiles[(ACME, PUMPS)]
    assert profile.total == pytest.approx(10 + 10 + 2.5 + 10)
    assert [row[0] for row in profile.by_activity] == [1, 2, 3, 5]
    assert profile.by_activity[0] == (1, 11, "seminar", pytest.approx(10))
    assert profile.contacts == frozenset({11, 12})
    assert not profile.hot
    assert profile.ignored == ()


def test_interest_is_keyed_by_account_and_category():
    profiles = interest(
        [
            activity(1, "visit", 0),
            activity(2, "visit", 0, category=VALVES),
            activity(3, "literature", 1, account=GLOBEX, contact=21),
            activity(4, "literature", 2, account=GLOBEX, contact=22),
        ],
        list(TYPES.values()),
        NOW,
    )
    assert set(profiles) == {(ACME, PUMPS), (ACME, VALVES), (GLOBEX, PUMPS)}
    assert profiles[(ACME, VALVES)].total == 40
    assert profiles[(GLOBEX, PUMPS)].total == 20
    assert profiles[(GLOBEX, PUMPS)].contacts == frozenset({21, 22})


def test_activity_base_score_overrides_the_type_score():
    profile = interest([activity(1, "seminar", 30, base=60)], TYPES, NOW)[(ACME, PUMPS)]
    assert profile.total == pytest.approx(30)


def test_very_old_activities_count_nothing():
    profiles = interest([activity(1, "seminar", 3650), activity(2, "badge_scan", 61)], TYPES, NOW)
    profile = profiles[(ACME, PUMPS)]
    assert profile.total == 0 and profile.by_activity == () and profile.contacts == frozenset()


def test_future_dates_within_tolerance_count_in_full_beyond_are_ignored():
    profiles = interest(
        [
            activity(1, "seminar", -0.5),  # 12 h ahead: clock skew, full score
            activity(2, "visit", -30),  # a month ahead: data error
            activity(3, "teleport", 1),  # unknown type
        ],
        TYPES,
        NOW,
    )
    profile = profiles[(ACME, PUMPS)]
    assert profile.total == 20
    assert profile.ignored == (
        (2, aggregation.IGNORED_FUTURE),
        (3, aggregation.IGNORED_UNKNOWN_TYPE),
    )


def test_hot_only_when_the_hot_activity_is_in_its_window():
    hot = interest([activity(1, "evaluation", 10)], TYPES, NOW)[(ACME, PUMPS)]
    assert hot.hot and hot.total == 50
    expired = interest([activity(1, "evaluation", 31)], TYPES, NOW)[(ACME, PUMPS)]
    assert not expired.hot


def test_naive_datetimes_are_read_as_utc():
    naive = Activity(1, ACME, PUMPS, 11, "seminar", datetime(2026, 2, 14, 12), None)
    profile = interest([naive], TYPES, datetime(2026, 3, 16, 12))[(ACME, PUMPS)]
    assert profile.total == pytest.approx(10)


# --- evaluate ---------------------------------------------------------------------------------


def profile_of(*activities):
    return interest(activities, TYPES, NOW)[(ACME, PUMPS)]


def test_below_threshold_accumulates():
    decision = evaluate(
        profile_of(activity(1, "seminar", 0), activity(2, "download", 0)), 50, False
    )
    assert decision.kind == ACCUMULATE
    assert "below threshold" in decision.reason and "25.0" in decision.reason


def test_threshold_reached_creates_or_updates():
    profile = profile_of(
        activity(1, "seminar", 0),
        activity(2, "literature", 3, contact=12),
        activity(3, "visit", 15, contact=13),  # 40 -> 20
    )
    assert profile.total == pytest.approx(50)
    created = evaluate(profile, 50, has_open_lead=False)
    assert created.kind == CREATE and "threshold reached" in created.reason
    assert "3 contact(s)" in created.reason
    assert [row[0] for row in created.breakdown] == [1, 3, 2]
    assert evaluate(profile, 50, has_open_lead=True).kind == UPDATE
    assert evaluate(profile, 50.01, has_open_lead=False).kind == ACCUMULATE


def test_hot_activity_triggers_regardless_of_threshold():
    profile = profile_of(activity(1, "evaluation", 0))
    decision = evaluate(profile, 1000, has_open_lead=False)
    assert decision.kind == CREATE and decision.reason.startswith("hot activity")
    assert evaluate(profile, 1000, has_open_lead=True).kind == UPDATE


def test_decay_brings_a_profile_back_below_the_threshold():
    activities = [activity(1, "visit", 0), activity(2, "badge_scan", 0, contact=12)]
    assert evaluate(interest(activities, TYPES, NOW)[(ACME, PUMPS)], 50, False).kind == CREATE
    later = NOW + timedelta(days=15)  # visit 40 -> 20, badge 15 -> 10.6
    assert evaluate(interest(activities, TYPES, later)[(ACME, PUMPS)], 50, False).kind == ACCUMULATE


def test_threshold_must_be_positive():
    with pytest.raises(ValueError, match="positive"):
        evaluate(profile_of(activity(1, "seminar", 0)), 0, False)


# --- thresholds -------------------------------------------------------------------------------

OVERRIDES = {(PUMPS, 7): 80, (PUMPS, None): 60, (None, 7): 40, (None, 8): 30}


@pytest.mark.parametrize(
    "category, team, expected",
    [
        (PUMPS, 7, 80),
        (PUMPS, 8, 60),  # category beats team
        (PUMPS, None, 60),
        (VALVES, 7, 40),
        (VALVES, 9, 50),
        (None, None, 50),
        (None, 8, 30),
    ],
)
def test_resolve_threshold_most_specific_wins(category, team, expected):
    assert resolve_threshold(category, team, OVERRIDES, 50) == expected


def test_activity_type_validation():
    with pytest.raises(ValueError, match="window"):
        ActivityType("x", 1, 0)
    with pytest.raises(ValueError, match="half-life"):
        ActivityType("x", 1, 10, -1)


# --- properties -------------------------------------------------------------------------------


@settings(max_examples=100)
@given(
    ages=st.lists(st.floats(min_value=-0.9, max_value=200), max_size=30),
    codes=st.lists(st.sampled_from(sorted(TYPES)), min_size=30, max_size=30),
)
def test_total_is_the_sum_of_the_breakdown_and_bounded_by_base_scores(ages, codes):
    activities = [activity(i, codes[i], age, contact=i % 3) for i, age in enumerate(ages)]
    profiles = interest(activities, TYPES, NOW)
    if not activities:
        assert profiles == {}
        return
    profile = profiles[(ACME, PUMPS)]
    assert profile.total == pytest.approx(sum(row[3] for row in profile.by_activity))
    assert profile.total <= sum(TYPES[code].score for code in codes[: len(ages)]) + 1e-9
    ages = [(NOW - a.occurred_utc).total_seconds() / 86400 for a in activities]
    assert profile.hot == any(
        TYPES[a.type_code].hot and age <= TYPES[a.type_code].window_days
        for a, age in zip(activities, ages, strict=True)
    )
