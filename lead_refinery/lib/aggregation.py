"""Activity scoring: when do a company's contacts' activities add up to a lead?

Sales managers give each activity type (seminar attended, literature
requested, evaluation requested, trade-show badge scan...) a score, a
validity window and an optional half-life. Per (account, product category)
the decayed scores of the activities still in their window are summed; when
the sum reaches the threshold, or a "hot" activity arrives, a lead is created
(or the open lead for that account and category is updated). Below the
threshold the sum is the account's current interest in that category.

Design: no incremental running total. A running total can only be decayed
in one multiplication when every type shares one half-life, and removing
activities that leave their window needs the activities anyway. Instead
:func:`interest` recomputes a profile from its activities, which is exact at
any instant and cheap: the ORM loads the activities of one account and
category younger than the longest window (a few hundred rows at most) on
each new activity, and the daily decay cron recomputes the profiles that
have activities in a window.

Dates: an activity dated in the future by up to :data:`FUTURE_TOLERANCE`
(clock skew between web forms, scanners and the server) counts at full
score; further in the future it is a data error and is ignored, listed in
``InterestScore.ignored`` so the ORM can report it. Windows are inclusive:
an activity exactly ``window_days`` old still counts.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from .workdays import as_utc

CREATE, UPDATE, ACCUMULATE = "create", "update", "accumulate"
#: How far in the future an activity may be dated and still count (clock skew).
FUTURE_TOLERANCE = timedelta(days=1)
IGNORED_FUTURE, IGNORED_UNKNOWN_TYPE = "future", "unknown type"
_SECONDS_PER_DAY = 86400.0
#: Rounding slack when comparing a sum of decayed floats with the threshold.
_EPSILON = 1e-9


@dataclass(frozen=True, slots=True)
class ActivityType:
    """Scoring rule of one activity type. ``window_days`` None means no expiry."""

    code: str
    score: float
    window_days: float | None
    half_life_days: float | None = None
    hot: bool = False

    def __post_init__(self):
        if self.window_days is not None and self.window_days <= 0:
            raise ValueError(f"Activity type {self.code!r}: the window must be positive.")
        if self.half_life_days is not None and self.half_life_days < 0:
            raise ValueError(f"Activity type {self.code!r}: the half-life cannot be negative.")


@dataclass(frozen=True, slots=True)
class Activity:
    """One contact's activity. ``base_score`` None takes the type's score."""

    id: int
    account_id: int
    category_id: int | None
    contact_id: int | None
    type_code: str
    occurred_utc: datetime
    base_score: float | None = None


@dataclass(frozen=True, slots=True)
class InterestScore:
    """Current interest of one account in one category.

    ``by_activity`` holds ``(activity_id, contact_id, type_code, effective_score)``
    for every activity in its window; ``ignored`` holds ``(activity_id, reason)``
    for activities that could not be counted.
    """

    total: float
    by_activity: tuple
    contacts: frozenset
    hot: bool
    ignored: tuple = ()


@dataclass(frozen=True, slots=True)
class Decision:
    """What to do with a profile: create a lead, update the open one, or accumulate."""

    kind: str
    reason: str
    breakdown: tuple


def decayed_score(base, age_days, half_life_days):
    """``base`` halved every ``half_life_days``; no decay when the half-life is None or 0.

    A negative age (future date within tolerance) counts as age 0: a score
    never grows above its base.
    """
    if not half_life_days or age_days <= 0:
        return float(base)
    return base * 0.5 ** (age_days / half_life_days)


def interest(activities, types, now_utc):
    """Interest profiles keyed by ``(account_id, category_id)``.

    ``types`` maps codes to :class:`ActivityType` (an iterable of them works
    too). Activities outside their window count nothing and are left out of
    the breakdown; see the module docstring for future dates.
    """
    if not isinstance(types, dict):
        types = {kind.code: kind for kind in types}
    now_utc = as_utc(now_utc)
    latest = now_utc + FUTURE_TOLERANCE
    groups = {}
    for activity in activities:
        key = (activity.account_id, activity.category_id)
        group = groups.get(key)
        if group is None:
            group = groups[key] = ([], [], [False])
        counted, ignored, hot = group
        kind = types.get(activity.type_code)
        if kind is None:
            ignored.append((activity.id, IGNORED_UNKNOWN_TYPE))
            continue
        occurred = as_utc(activity.occurred_utc)
        if occurred > latest:
            ignored.append((activity.id, IGNORED_FUTURE))
            continue
        age = (now_utc - occurred).total_seconds() / _SECONDS_PER_DAY
        if kind.window_days is not None and age > kind.window_days:
            continue
        base = kind.score if activity.base_score is None else activity.base_score
        score = decayed_score(base, age, kind.half_life_days)
        counted.append((activity.id, activity.contact_id, activity.type_code, score))
        if kind.hot:
            hot[0] = True
    return {
        key: InterestScore(
            total=sum(row[3] for row in counted),
            by_activity=tuple(counted),
            contacts=frozenset(row[1] for row in counted if row[1] is not None),
            hot=hot[0],
            ignored=tuple(ignored),
        )
        for key, (counted, ignored, hot) in groups.items()
    }


def evaluate(interest_score, threshold, has_open_lead):
    """Create, update or accumulate, with the reason and the activities behind it.

    A hot activity in its window triggers at once whatever the total; otherwise
    the total must reach ``threshold``. The breakdown lists the counted
    activities, highest score first, for the lead's description.
    """
    if threshold <= 0:
        raise ValueError(f"The lead threshold must be positive, got {threshold:g}.")
    breakdown = tuple(sorted(interest_score.by_activity, key=lambda row: (-row[3], row[0])))
    total = interest_score.total
    summary = (
        f"score {total:.1f} / threshold {threshold:g} from {len(breakdown)} activit"
        f"{'y' if len(breakdown) == 1 else 'ies'} of {len(interest_score.contacts)} contact(s)"
    )
    if interest_score.hot:
        trigger = "hot activity"
    elif total + _EPSILON >= threshold:
        trigger = "threshold reached"
    else:
        return Decision(ACCUMULATE, f"below threshold: {summary}", breakdown)
    if has_open_lead:
        return Decision(UPDATE, f"{trigger}, open lead updated: {summary}", breakdown)
    return Decision(CREATE, f"{trigger}, lead created: {summary}", breakdown)


def resolve_threshold(category_id, team_id, overrides, default):
    """The lead threshold for a category and team, most specific setting first.

    ``overrides`` maps ``(category_id, team_id)`` to a threshold, either part
    None for "any". Precedence: category and team, then category alone (the
    product line decides how much interest is enough), then team alone, then
    ``default``.
    """
    for key in ((category_id, team_id), (category_id, None), (None, team_id)):
        value = overrides.get(key) if key != (None, None) else None
        if value is not None:
            return value
    return default
