from dataclasses import replace
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lead_refinery.lib import followup, ladder, workdays
from lead_refinery.lib.followup import (
    BREACH,
    ESCALATE,
    NONE,
    REASSIGN,
    RECYCLE,
    WARN,
    ContactStep,
    LeadSlaState,
    SlaPolicy,
    next_action,
    record_action,
)

UTC = timezone.utc
NY = ZoneInfo("America/New_York")
CAL = workdays.WorkCalendar(
    "America/New_York",
    tuple((weekday, 8.0, 17.0) for weekday in range(5)),
    workdays.us_federal_holidays([2026, 2027]),
)
POLICY = SlaPolicy(
    first_response_days=2,
    follow_up_days=3,
    warn_before_hours=4,
    grace_hours=4,
    max_reassignments=2,
    recycle_after_days=20,
)


def ny(*args):
    return datetime(*args, tzinfo=NY)


def new_lead(start, **changes):
    state = LeadSlaState(
        sla_start_utc=start,
        first_touch_utc=None,
        last_touch_utc=None,
        last_progress_utc=start,
        warned=False,
        breach_notified=False,
        reassign_count=0,
        escalated=False,
        stage=ladder.LEAD,
    )
    return replace(state, **changes) if changes else state


MONDAY_10 = ny(2026, 3, 16, 10)  # first response due Wednesday 10:00


# --- the ladder, step by step -----------------------------------------------------------------


def test_nothing_to_do_long_before_the_deadline():
    action = next_action(new_lead(MONDAY_10), POLICY, ny(2026, 3, 16, 11), CAL)
    assert action.kind == NONE
    assert action.deadline_utc == ny(2026, 3, 18, 10)
    assert "first response" in action.reason


def test_warning_starts_within_the_lead_time_in_working_hours():
    state = new_lead(MONDAY_10)
    # Tuesday 14:59: 2 h 01 left on Tuesday + 2 h on Wednesday morning.
    assert next_action(state, POLICY, ny(2026, 3, 17, 14, 59), CAL).kind == NONE
    action = next_action(state, POLICY, ny(2026, 3, 17, 15), CAL)
    assert action.kind == WARN
    assert action.deadline_utc == ny(2026, 3, 18, 10)
    # Tuesday night is outside working hours but only 2 working hours remain.
    assert next_action(state, POLICY, ny(2026, 3, 17, 22), CAL).kind == WARN


def test_no_warning_when_lead_time_is_zero():
    policy = replace(POLICY, warn_before_hours=0)
    state = new_lead(MONDAY_10)
    assert next_action(state, policy, ny(2026, 3, 18, 9, 59), CAL).kind == NONE
    assert next_action(state, policy, ny(2026, 3, 18, 10), CAL).kind == BREACH


def test_breach_then_grace_then_reassign():
    state = new_lead(MONDAY_10, warned=True)
    breach = next_action(state, POLICY, ny(2026, 3, 18, 10), CAL)
    assert breach.kind == BREACH and "notify the owner and the manager" in breach.reason
    state = record_action(state, breach, ny(2026, 3, 18, 10))
    assert state.breach_notified
    # Grace: 4 working hours after the deadline, Wednesday 14:00.
    assert next_action(state, POLICY, ny(2026, 3, 18, 13, 59), CAL).kind == NONE
    action = next_action(state, POLICY, ny(2026, 3, 18, 14), CAL)
    assert action.kind == REASSIGN
    state = record_action(state, action, ny(2026, 3, 18, 14))
    assert state.reassign_count == 1 and not state.breach_notified and not state.warned
    assert state.sla_start_utc == ny(2026, 3, 18, 14)
    # The new owner gets a fresh first-response clock: Friday 14:00.
    assert next_action(state, POLICY, ny(2026, 3, 18, 15), CAL).deadline_utc == ny(2026, 3, 20, 14)


def test_grace_period_skips_the_weekend():
    state = new_lead(ny(2026, 3, 18, 14), breach_notified=True, warned=True)
    # Deadline Friday 14:00, 3 h left on Friday, the last grace hour is Monday 8-9.
    assert next_action(state, POLICY, ny(2026, 3, 21, 12), CAL).kind == NONE
    assert next_action(state, POLICY, ny(2026, 3, 23, 8, 59), CAL).kind == NONE
    assert next_action(state, POLICY, ny(2026, 3, 23, 9), CAL).kind == REASSIGN


def test_escalates_once_the_reassignment_cap_is_reached():
    state = new_lead(MONDAY_10, warned=True, breach_notified=True, reassign_count=2)
    action = next_action(state, POLICY, ny(2026, 3, 18, 14), CAL)
    assert action.kind == ESCALATE and "2 reassignment" in action.reason
    state = record_action(state, action, ny(2026, 3, 18, 14))
    assert state.escalated
    assert next_action(state, POLICY, ny(2026, 3, 30, 14), CAL).kind == NONE


def test_zero_reassignments_escalates_directly():
    policy = replace(POLICY, max_reassignments=0)
    state = new_lead(MONDAY_10, warned=True, breach_notified=True)
    assert next_action(state, policy, ny(2026, 3, 18, 14), CAL).kind == ESCALATE


def test_hourly_cron_walks_the_whole_ladder():
    """Nobody ever touches the lead: the cron runs every hour and records what it did."""
    state, now, log = new_lead(MONDAY_10), MONDAY_10, []
    while not state.escalated and now < ny(2026, 4, 30):
        action = next_action(state, POLICY, now, CAL)
        if action.kind != NONE:
            log.append((action.kind, now.astimezone(NY).strftime("%a %d %H:%M")))
            state = record_action(state, action, now)
        now += timedelta(hours=1)
    assert log == [
        (WARN, "Tue 17 15:00"),
        (BREACH, "Wed 18 10:00"),
        (REASSIGN, "Wed 18 14:00"),
        (WARN, "Fri 20 10:00"),
        (BREACH, "Fri 20 14:00"),
        (REASSIGN, "Mon 23 09:00"),
        (WARN, "Tue 24 14:00"),
        (BREACH, "Wed 25 09:00"),
        (ESCALATE, "Wed 25 13:00"),
    ]


def test_late_cron_climbs_one_step_per_run():
    state = new_lead(MONDAY_10)
    late = ny(2026, 4, 10, 10)
    first = next_action(state, POLICY, late, CAL)
    assert first.kind == BREACH  # never reassign an owner who was not told
    state = record_action(state, first, late)
    assert next_action(state, POLICY, late, CAL).kind == REASSIGN


# --- idempotency ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "state, now, kind",
    [
        (new_lead(MONDAY_10), ny(2026, 3, 17, 16), WARN),
        (new_lead(MONDAY_10), ny(2026, 3, 18, 11), BREACH),
        (new_lead(MONDAY_10, breach_notified=True), ny(2026, 3, 18, 15), REASSIGN),
        (
            new_lead(MONDAY_10, breach_notified=True, reassign_count=2),
            ny(2026, 3, 18, 15),
            ESCALATE,
        ),
        (
            new_lead(MONDAY_10, first_touch_utc=MONDAY_10, last_touch_utc=ny(2026, 4, 10, 9)),
            ny(2026, 4, 14, 10),
            RECYCLE,
        ),
    ],
)
def test_recorded_action_is_not_repeated(state, now, kind):
    action = next_action(state, POLICY, now, CAL)
    assert action.kind == kind
    state = record_action(state, action, now)
    again = next_action(state, POLICY, now, CAL)
    assert again.kind == NONE
    assert next_action(state, POLICY, now, CAL) == again


# --- touches ----------------------------------------------------------------------------------


def test_touch_switches_to_the_follow_up_deadline():
    state = followup.record_touch(new_lead(MONDAY_10, warned=True), ny(2026, 3, 17, 11))
    assert state.first_touch_utc == ny(2026, 3, 17, 11) and not state.warned
    action = next_action(state, POLICY, ny(2026, 3, 18, 11), CAL)
    assert action.kind == NONE and "follow-up" in action.reason
    assert action.deadline_utc == ny(2026, 3, 20, 11)


def test_touch_after_a_breach_clears_it_and_keeps_the_first_touch():
    state = new_lead(MONDAY_10, breach_notified=True)
    state = followup.record_touch(state, ny(2026, 3, 18, 12))
    state = followup.record_touch(state, ny(2026, 3, 19, 9))
    state = followup.record_touch(state, ny(2026, 3, 18, 16))  # recorded late, out of order
    assert state.first_touch_utc == ny(2026, 3, 18, 12)
    assert state.last_touch_utc == ny(2026, 3, 19, 9)
    assert not state.breach_notified
    assert followup.sla_deadline(state, POLICY, CAL) == ny(2026, 3, 24, 9)


def test_previous_owner_touch_does_not_count_after_reassignment():
    touched = followup.record_touch(new_lead(MONDAY_10), ny(2026, 3, 16, 11))
    reassigned = followup.restart_clock(touched, ny(2026, 3, 20, 11))
    assert followup.sla_deadline(reassigned, POLICY, CAL) == ny(2026, 3, 24, 11)


def test_naive_utc_values_are_accepted():
    state = new_lead(datetime(2026, 3, 16, 14), last_progress_utc=datetime(2026, 3, 16, 14))
    action = next_action(state, POLICY, datetime(2026, 3, 18, 14, 30), CAL)
    assert action.kind == BREACH
    assert action.deadline_utc == datetime(2026, 3, 18, 14, tzinfo=UTC)


# --- recycling and inactive leads -------------------------------------------------------------


def test_stalled_worked_lead_is_recycled_after_n_working_days():
    touched = new_lead(MONDAY_10, first_touch_utc=MONDAY_10, last_touch_utc=MONDAY_10)
    # 20 working days from Monday March 16 10:00: Monday April 13 10:00 (no holiday between).
    before = next_action(touched, POLICY, ny(2026, 4, 13, 9), CAL)
    assert before.kind != RECYCLE
    action = next_action(touched, POLICY, ny(2026, 4, 13, 10), CAL)
    assert action.kind == RECYCLE and action.deadline_utc == ny(2026, 4, 13, 10)
    state = record_action(touched, action, ny(2026, 4, 13, 10))
    assert state.stage == ladder.INCUBATING


def test_progress_postpones_recycling():
    touched = new_lead(MONDAY_10, first_touch_utc=MONDAY_10, last_touch_utc=ny(2026, 4, 10, 9))
    moved = followup.record_progress(touched, ny(2026, 4, 1, 9), ladder.QUALIFIED)
    assert moved.stage == ladder.QUALIFIED
    assert next_action(moved, POLICY, ny(2026, 4, 13, 10), CAL).kind == NONE


def test_untouched_lead_is_never_recycled():
    policy = replace(POLICY, recycle_after_days=1, max_reassignments=5)
    state = new_lead(MONDAY_10, warned=True)
    assert next_action(state, policy, ny(2026, 3, 25, 10), CAL).kind == BREACH


def test_escalated_stalled_lead_is_recycled():
    state = new_lead(MONDAY_10, escalated=True)
    assert next_action(state, POLICY, ny(2026, 4, 13, 9), CAL).kind == NONE
    assert next_action(state, POLICY, ny(2026, 4, 13, 10), CAL).kind == RECYCLE


def test_recycling_disabled():
    policy = replace(POLICY, recycle_after_days=None)
    state = new_lead(MONDAY_10, first_touch_utc=MONDAY_10, last_touch_utc=ny(2026, 6, 1, 9))
    assert next_action(state, policy, ny(2026, 6, 2, 9), CAL).kind == NONE


@pytest.mark.parametrize("stage", [ladder.WON, ladder.LOST, ladder.REJECTED, ladder.INCUBATING])
def test_no_action_on_closed_or_incubating_leads(stage):
    state = new_lead(MONDAY_10, stage=stage)
    action = next_action(state, POLICY, ny(2026, 6, 1, 10), CAL)
    assert action.kind == NONE and action.deadline_utc is None


def test_empty_calendar_raises():
    cal = workdays.WorkCalendar("UTC", ())
    with pytest.raises(workdays.EmptyCalendarError):
        next_action(new_lead(MONDAY_10), POLICY, ny(2026, 3, 17), cal)


# --- policies ---------------------------------------------------------------------------------


POLICIES = [
    (1, None, None, None, 10),  # company default
    (2, None, "A", None, 10),
    (3, None, "A", "web", 10),
    (4, 7, None, None, 10),
    (5, 7, "A", None, 20),
    (6, 7, "A", None, 5),
    (7, None, None, "web", 1),
]


@pytest.mark.parametrize(
    "team, grade, channel, expected",
    [
        (7, "A", "web", 6),  # team + grade; sequence 5 beats 20
        (7, "B", "web", 4),  # team beats grade and channel
        (8, "A", "web", 3),
        (8, "A", "phone", 2),
        (8, "B", "web", 7),
        (8, "B", "phone", 1),
        (None, None, None, 1),
    ],
)
def test_select_policy_most_specific_wins(team, grade, channel, expected):
    assert followup.select_policy(POLICIES, team, grade, channel) == expected
    assert followup.select_policy(list(reversed(POLICIES)), team, grade, channel) == expected


def test_select_policy_without_match():
    assert followup.select_policy([(1, 7, None, None, 1)], 8, "A", "web") is None
    assert followup.select_policy([], 8, "A", "web") is None


def test_policy_validation():
    with pytest.raises(ValueError, match="positive"):
        SlaPolicy(0, 3)
    with pytest.raises(ValueError, match="negative"):
        SlaPolicy(1, 3, grace_hours=-1)


# --- contact plans ----------------------------------------------------------------------------


PLAN = (
    ContactStep(0, "call", "Intro call"),
    ContactStep(2, "email", "Send the brochure"),
    ContactStep(5, "meeting", "Demo"),
)


def test_contact_plan_steps_are_due_from_the_plan_start():
    start = ny(2026, 11, 23, 9)  # Monday of Thanksgiving week
    assert followup.next_step(PLAN, 0, start, CAL) == (0, start)
    assert followup.next_step(PLAN, 1, start, CAL) == (1, ny(2026, 11, 25, 9))
    # Five working days: Tue, Wed, (Thanksgiving), Fri, Mon, Tue.
    assert followup.next_step(PLAN, 2, start, CAL) == (2, ny(2026, 12, 1, 9))
    assert followup.next_step(PLAN, 3, start, CAL) is None


def test_contact_step_validation():
    with pytest.raises(ValueError, match="Unknown activity kind"):
        ContactStep(1, "fax")
    with pytest.raises(ValueError, match="before the plan starts"):
        ContactStep(-1, "call")


# --- metrics ----------------------------------------------------------------------------------


def test_time_to_first_touch_in_working_hours():
    created = ny(2026, 3, 13, 16)  # Friday
    assert followup.time_to_first_touch_hours(created, ny(2026, 3, 16, 10), CAL) == pytest.approx(3)
    assert followup.time_to_first_touch_hours(created, None, CAL) is None
    assert followup.time_to_first_touch_hours(created, ny(2026, 3, 13, 10), CAL) == 0.0


def test_sla_met():
    created = ny(2026, 3, 13, 16)  # 2 days: due Tuesday 16:00
    assert followup.sla_met(created, ny(2026, 3, 17, 16), 2, CAL) is True
    assert followup.sla_met(created, ny(2026, 3, 17, 16, 1), 2, CAL) is False
    assert followup.sla_met(created, None, 2, CAL, ny(2026, 3, 17, 12)) is None
    assert followup.sla_met(created, None, 2, CAL, ny(2026, 3, 18, 9)) is False
    assert followup.sla_met(created, None, 2, CAL) is None


# --- properties -------------------------------------------------------------------------------


@settings(max_examples=150, deadline=None)
@given(
    start_hours=st.integers(min_value=0, max_value=24 * 200),
    elapsed=st.integers(min_value=0, max_value=24 * 60),
    warned=st.booleans(),
    notified=st.booleans(),
    reassigned=st.integers(min_value=0, max_value=4),
    touched=st.booleans(),
)
def test_recording_an_action_never_asks_for_it_again(
    start_hours, elapsed, warned, notified, reassigned, touched
):
    start = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(hours=start_hours)
    now = start + timedelta(hours=elapsed)
    state = new_lead(
        start,
        warned=warned,
        breach_notified=notified,
        reassign_count=reassigned,
        first_touch_utc=start if touched else None,
        last_touch_utc=start if touched else None,
    )
    action = next_action(state, POLICY, now, CAL)
    assert action.kind in followup.ACTION_KINDS
    if action.kind != NONE:
        after = record_action(state, action, now)
        assert next_action(after, POLICY, now, CAL).kind != action.kind


# --- next check -------------------------------------------------------------------------------


def test_next_check_follows_the_ladder():
    state = new_lead(MONDAY_10)
    # Warning: 4 working hours before Wednesday 10:00 is Tuesday 15:00.
    assert followup.next_check(state, POLICY, CAL) == ny(2026, 3, 17, 15)
    state = replace(state, warned=True)
    assert followup.next_check(state, POLICY, CAL) == ny(2026, 3, 18, 10)
    state = replace(state, breach_notified=True)
    assert followup.next_check(state, POLICY, CAL) == ny(2026, 3, 18, 14)  # end of grace
    escalated = replace(state, escalated=True)
    assert followup.next_check(escalated, POLICY, CAL) == ny(2026, 4, 13, 10)  # recycling
    assert followup.next_check(escalated, replace(POLICY, recycle_after_days=None), CAL) is None


def test_next_check_warns_before_a_moved_deadline_even_after_a_breach():
    """A breach was notified, then the deadline moved later (a longer policy): warn again."""
    state = new_lead(MONDAY_10, breach_notified=True)
    assert followup.next_check(state, POLICY, CAL) == ny(2026, 3, 17, 15)
    assert next_action(state, POLICY, ny(2026, 3, 17, 15), CAL).kind == WARN
    # Once the deadline passed the warning is moot: the end of the grace period is next.
    assert followup.next_check(state, POLICY, CAL, ny(2026, 3, 18, 11)) == ny(2026, 3, 18, 14)


def test_next_check_without_warning_is_the_deadline():
    policy = replace(POLICY, warn_before_hours=0)
    assert followup.next_check(new_lead(MONDAY_10), policy, CAL) == ny(2026, 3, 18, 10)


def test_next_check_of_a_touched_lead_is_the_earliest_of_follow_up_and_recycling():
    touched = new_lead(MONDAY_10, first_touch_utc=MONDAY_10, last_touch_utc=ny(2026, 3, 17, 11))
    # Follow-up due Friday 11:00, warned 4 working hours before: Thursday 16:00.
    assert followup.next_check(touched, POLICY, CAL) == ny(2026, 3, 19, 16)
    policy = replace(POLICY, recycle_after_days=1)
    assert followup.next_check(touched, policy, CAL) == ny(2026, 3, 17, 10)


@pytest.mark.parametrize("stage", [ladder.WON, ladder.LOST, ladder.REJECTED, ladder.INCUBATING])
def test_next_check_is_none_on_inactive_leads(stage):
    assert followup.next_check(new_lead(MONDAY_10, stage=stage), POLICY, CAL) is None


@settings(max_examples=300, deadline=None)
@given(
    offset_hours=st.integers(min_value=0, max_value=24 * 60),
    warned=st.booleans(),
    breach_notified=st.booleans(),
    touched=st.booleans(),
    escalated=st.booleans(),
)
def test_nothing_happens_before_next_check(
    offset_hours, warned, breach_notified, touched, escalated
):
    """The cron may skip a lead until its next check: next_action says none before it."""
    touch = MONDAY_10 + timedelta(hours=5) if touched else None
    state = new_lead(
        MONDAY_10,
        first_touch_utc=touch,
        last_touch_utc=touch,
        warned=warned,
        breach_notified=breach_notified,
        escalated=escalated,
    )
    now = MONDAY_10 + timedelta(hours=offset_hours)
    check = followup.next_check(state, POLICY, CAL, now)
    if check is None or now < check:
        assert next_action(state, POLICY, now, CAL).kind == NONE
    if check is not None:
        assert next_action(state, POLICY, max(now, check), CAL).kind != NONE
