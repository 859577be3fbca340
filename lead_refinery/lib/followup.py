"""SLA follow-up decisions: what the escalation cron must do with one lead now.

A lead's SLA clock starts when it is assigned. Until the owner touches it the
deadline is the *first-response* time; after a touch it is the *follow-up*
time measured from the last touch. All durations are working time on the
owner's calendar (:mod:`.workdays`). Per cron run, :func:`next_action` returns
at most one step of the ladder

    warn (before the deadline) -> breach (owner and manager notified)
    -> reassign (after the grace period; clock restarts) ... -> escalate
       (after ``max_reassignments`` reassignments, to the manager's queue)

plus ``recycle`` (to incubating) for worked leads that stopped progressing.
The function is pure and idempotent: it reads flags (``warned``,
``breach_notified``, ...) that the caller sets once the action is done, with
:func:`record_action`; calling it again then answers ``none``. A cron that ran
late climbs one step per run, so an owner is always notified of a breach
before the lead is taken away. Partner-owned leads follow the same rules.

:func:`next_check` gives the instant from which :func:`next_action` stops
answering ``none``; stored (indexed) on the lead, it lets the cron read only
the leads that are due instead of every open lead.
"""

from dataclasses import dataclass, replace
from datetime import datetime

from . import ladder
from .workdays import (
    add_working_days,
    add_working_hours,
    as_utc,
    subtract_working_hours,
    working_hours_between,
)

NONE, WARN, BREACH, REASSIGN, ESCALATE, RECYCLE = (
    "none",
    "warn",
    "breach",
    "reassign",
    "escalate",
    "recycle",
)
ACTION_KINDS = (NONE, WARN, BREACH, REASSIGN, ESCALATE, RECYCLE)
#: Ladder stages on which no SLA runs: closed leads, and incubating ones (being nurtured).
INACTIVE_STAGES = ladder.FINAL_CODES | {ladder.INCUBATING}
ACTIVITY_KINDS = frozenset({"call", "email", "meeting", "todo"})


@dataclass(frozen=True, slots=True)
class SlaPolicy:
    """Deadlines of one SLA policy (days and hours of working time).

    ``recycle_after_days`` of 0 or None disables recycling; ``warn_before_hours``
    of 0 disables the warning.
    """

    first_response_days: float
    follow_up_days: float
    warn_before_hours: float = 0.0
    grace_hours: float = 0.0
    max_reassignments: int = 0
    recycle_after_days: float | None = None

    def __post_init__(self):
        if self.first_response_days <= 0 or self.follow_up_days <= 0:
            raise ValueError("SLA response and follow-up times must be positive.")
        if self.warn_before_hours < 0 or self.grace_hours < 0:
            raise ValueError("SLA warning and grace times cannot be negative.")
        if self.max_reassignments < 0:
            raise ValueError("The maximum number of reassignments cannot be negative.")
        if self.recycle_after_days is not None and self.recycle_after_days < 0:
            raise ValueError("The recycling delay cannot be negative.")


@dataclass(frozen=True, slots=True)
class LeadSlaState:
    """What the cron knows about one lead's SLA (stored on the lead by the ORM).

    ``sla_start_utc`` is when the current owner's clock started (assignment or
    last reassignment); ``first_touch_utc`` is the lead's first touch ever (for
    metrics), ``last_touch_utc`` its latest one. ``stage`` is a :mod:`.ladder` code.
    """

    sla_start_utc: datetime
    first_touch_utc: datetime | None
    last_touch_utc: datetime | None
    last_progress_utc: datetime
    warned: bool = False
    breach_notified: bool = False
    reassign_count: int = 0
    escalated: bool = False
    stage: str = ladder.LEAD


@dataclass(frozen=True, slots=True)
class Action:
    """One decision. ``deadline_utc`` is the deadline the decision was measured
    against: the SLA deadline (the recycling date for ``recycle``), None on a
    closed or escalated lead."""

    kind: str
    deadline_utc: datetime | None
    reason: str


@dataclass(frozen=True, slots=True)
class ContactStep:
    """A step of a contact plan, due ``offset_days`` working days after the plan starts."""

    offset_days: float
    activity_kind: str
    summary: str = ""

    def __post_init__(self):
        if self.activity_kind not in ACTIVITY_KINDS:
            raise ValueError(
                f"Unknown activity kind {self.activity_kind!r}; "
                f"expected one of {', '.join(sorted(ACTIVITY_KINDS))}."
            )
        if self.offset_days < 0:
            raise ValueError("A contact step cannot be due before the plan starts.")


def select_policy(policies, team_id, grade, channel):
    """The id of the most specific policy matching a lead, or None.

    ``policies`` holds ``(policy_id, team_id, grade, channel, sequence)``
    tuples; None in a criterion matches anything. Precedence: a policy naming
    the team beats any policy that does not (the team owns its SLA), then one
    naming the grade (a lead's value) beats one naming only the channel. Among
    equally specific policies the lowest sequence wins, then the lowest id, so
    the choice never depends on the order of the list.
    """
    best_key, best_id = None, None
    for policy_id, p_team, p_grade, p_channel, sequence in policies:
        if (
            (p_team is not None and p_team != team_id)
            or (p_grade is not None and p_grade != grade)
            or (p_channel is not None and p_channel != channel)
        ):
            continue
        specificity = (p_team is not None) * 4 + (p_grade is not None) * 2 + (p_channel is not None)
        key = (-specificity, sequence, policy_id)
        if best_key is None or key < best_key:
            best_key, best_id = key, policy_id
    return best_id


def sla_deadline(state, policy, cal):
    """The deadline in force: first response from the clock start while the
    current owner has not touched the lead, else follow-up from the last touch.

    A touch before the clock (re)started belongs to a previous owner, so after
    a reassignment the new owner gets the first-response time.
    """
    if _touched_in_clock(state):
        return add_working_days(state.last_touch_utc, policy.follow_up_days, cal)
    return add_working_days(state.sla_start_utc, policy.first_response_days, cal)


def next_action(state, policy, now_utc, cal):
    """The single action the cron should take on this lead now (see module docstring).

    Order of checks: a closed or incubating lead needs nothing; a lead that
    has been worked on (touched, or escalated) with no progress for
    ``recycle_after_days`` working days is recycled; an escalated lead waits
    in the manager's queue; otherwise the SLA ladder applies. A lead nobody
    ever touched is never recycled: that would hide an SLA failure.
    """
    if state.stage in INACTIVE_STAGES:
        return Action(NONE, None, f"no SLA on a {state.stage} lead")
    now_utc = as_utc(now_utc)
    if policy.recycle_after_days and (state.first_touch_utc is not None or state.escalated):
        recycle_at = add_working_days(state.last_progress_utc, policy.recycle_after_days, cal)
        if now_utc >= recycle_at:
            return Action(
                RECYCLE,
                recycle_at,
                f"no progress for {policy.recycle_after_days:g} working days: move to incubating",
            )
    if state.escalated:
        return Action(NONE, None, "escalated: waiting in the manager's queue")

    deadline = sla_deadline(state, policy, cal)
    what = "follow-up" if _touched_in_clock(state) else "first response"
    if now_utc < deadline:
        if (
            policy.warn_before_hours
            and not state.warned
            and working_hours_between(now_utc, deadline, cal) <= policy.warn_before_hours
        ):
            return Action(
                WARN, deadline, f"{what} due within {policy.warn_before_hours:g} working hours"
            )
        return Action(NONE, deadline, f"{what} not due yet")
    if not state.breach_notified:
        return Action(BREACH, deadline, f"{what} deadline passed: notify the owner and the manager")
    grace_end = add_working_hours(deadline, policy.grace_hours, cal)
    if now_utc < grace_end:
        return Action(
            NONE, deadline, f"{what} late, within the {policy.grace_hours:g} h grace period"
        )
    if state.reassign_count >= policy.max_reassignments:
        return Action(
            ESCALATE,
            deadline,
            f"{what} late after {state.reassign_count} reassignment(s): escalate to the manager",
        )
    return Action(
        REASSIGN, deadline, f"{what} late past the grace period: reassign in the territory"
    )


def next_check(state, policy, cal, now_utc=None):
    """The instant from which :func:`next_action` may answer something else than ``none``.

    None when it never will (closed or incubating lead, escalated lead that
    is never recycled). Before that instant the cron has nothing to do with
    the lead; at or after it, it calls :func:`next_action`. The warning check
    is the instant ``warn_before_hours`` working hours before the deadline
    (see :func:`.workdays.subtract_working_hours`); the breach check is the
    deadline, or the end of the grace period once the breach was notified;
    recycling, the end of the no-progress delay. With ``now_utc``, a warning
    whose deadline has already passed is left out (it can no longer happen).
    """
    if state.stage in INACTIVE_STAGES:
        return None
    times = []
    if policy.recycle_after_days and (state.first_touch_utc is not None or state.escalated):
        times.append(add_working_days(state.last_progress_utc, policy.recycle_after_days, cal))
    if not state.escalated:
        deadline = sla_deadline(state, policy, cal)
        if state.breach_notified:
            times.append(add_working_hours(deadline, policy.grace_hours, cal))
        else:
            times.append(deadline)
        if (
            policy.warn_before_hours
            and not state.warned
            and (now_utc is None or as_utc(now_utc) < deadline)
        ):
            times.append(subtract_working_hours(deadline, policy.warn_before_hours, cal))
    return min(times) if times else None


def restart_clock(state, now_utc):
    """State after a reassignment: clock restarted at ``now_utc``, flags cleared, count + 1."""
    return replace(
        state,
        sla_start_utc=now_utc,
        warned=False,
        breach_notified=False,
        reassign_count=state.reassign_count + 1,
    )


def record_action(state, action, now_utc):
    """State after the caller has carried out ``action`` (what makes next_action idempotent)."""
    kind = action.kind
    if kind == WARN:
        return replace(state, warned=True)
    if kind == BREACH:
        return replace(state, breach_notified=True)
    if kind == REASSIGN:
        return restart_clock(state, now_utc)
    if kind == ESCALATE:
        return replace(state, escalated=True)
    if kind == RECYCLE:
        return replace(state, stage=ladder.INCUBATING, last_progress_utc=now_utc)
    return state


def record_touch(state, when_utc):
    """State after the owner touched the lead (call, email...): a new follow-up period begins."""
    last = state.last_touch_utc
    return replace(
        state,
        first_touch_utc=state.first_touch_utc or when_utc,
        last_touch_utc=when_utc if last is None else max(last, when_utc),
        warned=False,
        breach_notified=False,
    )


def record_progress(state, when_utc, stage=None):
    """State after the lead progressed (moved up the ladder); restarts the recycling delay."""
    return replace(state, last_progress_utc=when_utc, stage=stage or state.stage)


def next_step(plan_steps, completed_count, plan_start_utc, cal):
    """``(index, due_utc)`` of the next contact-plan step, or None when the plan is done.

    Offsets count from the plan start, not from the previous step, so a late
    step does not push the rest of the plan back.
    """
    if completed_count >= len(plan_steps):
        return None
    index = max(completed_count, 0)
    return index, add_working_days(plan_start_utc, plan_steps[index].offset_days, cal)


def time_to_first_touch_hours(created_utc, first_touch_utc, cal):
    """Working hours from creation to first touch (None if untouched, 0 if touched earlier)."""
    if first_touch_utc is None:
        return None
    return max(working_hours_between(created_utc, first_touch_utc, cal), 0.0)


def sla_met(start_utc, touch_utc, days, cal, now_utc=None):
    """Whether a touch came within ``days`` working days of ``start_utc``.

    True or False once decided; for an untouched lead, False when ``now_utc``
    is past the deadline and None (pending) otherwise or when ``now_utc`` is not given.
    """
    deadline = add_working_days(start_utc, days, cal)
    if touch_utc is not None:
        return as_utc(touch_utc) <= deadline
    if now_utc is not None and as_utc(now_utc) > deadline:
        return False
    return None


def _touched_in_clock(state):
    touch = state.last_touch_utc
    return touch is not None and as_utc(touch) >= as_utc(state.sla_start_utc)
