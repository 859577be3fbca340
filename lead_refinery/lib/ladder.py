"""The refinery stage ladder: where a lead stands between first touch and disposition.

The ladder is separate from the sales pipeline stages: it says how refined
a lead is, not where a deal sits in the sales process. Progress stages have
increasing ranks; side stages (incubating, rejected) are parked states that
do not raise the highest stage a lead has reached.
"""

from dataclasses import dataclass

TOUCH, CONTACT, LEAD, QUALIFIED, OPPORTUNITY, WON, LOST = (
    "touch",
    "contact",
    "lead",
    "qualified",
    "opportunity",
    "won",
    "lost",
)
INCUBATING, REJECTED = "incubating", "rejected"

#: Progress stages, in order.
PROGRESS_RANK = {TOUCH: 10, CONTACT: 20, LEAD: 30, QUALIFIED: 40, OPPORTUNITY: 50, WON: 60}
#: Parking and closing states: entering them never raises the highest stage
#: reached, so a lost opportunity still counts as having reached "opportunity".
SIDE_STAGES = frozenset({LOST, INCUBATING, REJECTED})
ALL_CODES = (*PROGRESS_RANK, *SIDE_STAGES)
FINAL_CODES = frozenset({WON, LOST, REJECTED})
#: A "good lead" reached at least the lead stage and was never rejected.
GOOD_FROM_RANK = PROGRESS_RANK[LEAD]


@dataclass(frozen=True, slots=True)
class Move:
    """What moving a lead from one ladder stage to another means."""

    backwards: bool
    new_max_rank: int


def rank(code):
    """Rank of a progress stage; side stages and unknown codes rank 0."""
    return PROGRESS_RANK.get(code, 0)


def move(from_code, to_code, max_rank):
    """Classify a move and give the highest rank reached after it.

    A move is backwards when it leaves a progress stage for a lower progress
    stage (side stages are parking places, never "backwards"; leaving one
    for a stage below the highest one reached is a step back too).
    """
    to_rank = rank(to_code)
    reference = rank(from_code) if from_code not in SIDE_STAGES else max_rank
    backwards = bool(to_rank) and to_rank < reference
    return Move(backwards=backwards, new_max_rank=max(max_rank or 0, to_rank))


def needs_owner(code):
    """Whether a lead at this stage must have an accountable owner.

    A raw touch may wait for routing, and a rejected lead is closed; every
    other lead, incubating or lost ones included, stays someone's.
    """
    return code not in (TOUCH, REJECTED)


def is_good(max_rank, code):
    """The single definition of a good lead used by every refinery report."""
    return code != REJECTED and (max_rank or 0) >= GOOD_FROM_RANK


def implied_by_crm(code, *, active, is_won, is_opportunity, previous_code=None):
    """The ladder stage Odoo's own pipeline state implies, or None to keep ``code``.

    Converting a lead into an opportunity, winning it, losing (archiving) it
    and restoring it happen in Odoo's pipeline; the ladder follows so that
    both views of a lead never contradict each other. Archiving never turns a
    rejection into a loss; restoring a rejected or lost lead brings it back to
    the progress stage it left (``previous_code``).
    """
    if not active:
        return LOST if code not in (LOST, REJECTED) else None
    if code in (LOST, REJECTED):
        restored = previous_code if previous_code and previous_code not in SIDE_STAGES else None
        return restored or (OPPORTUNITY if is_opportunity else LEAD)
    if is_won:
        return WON if code != WON else None
    if code == WON:
        return OPPORTUNITY
    if is_opportunity and code not in SIDE_STAGES and rank(code) < PROGRESS_RANK[OPPORTUNITY]:
        return OPPORTUNITY
    return None
