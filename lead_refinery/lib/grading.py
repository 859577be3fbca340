"""Lead classification: grade A/B/C/D from potential worth and win probability.

A lead's potential worth (expected revenue) falls in a high, medium or low
band, and so does its probability of winning. Each band is worth 2, 1 or 0
points; the grade follows from the sum, so the matrix is symmetric and easy
to explain to a sales manager::

                    probability
                    low   medium  high
    worth   high     B      A      A
            medium   C      B      A
            low      D      C      B

Grades drive routing (A leads to field reps) and follow-up plans.
"""

from dataclasses import dataclass

GRADES = ("A", "B", "C", "D")
_GRADE_BY_POINTS = {4: "A", 3: "A", 2: "B", 1: "C", 0: "D"}


class ThresholdError(ValueError):
    """Grading thresholds that overlap or are out of order."""


@dataclass(frozen=True, slots=True)
class GradeThresholds:
    """Band limits. A value at or above a limit belongs to that band."""

    worth_high: float = 50000.0
    worth_medium: float = 10000.0
    probability_high: float = 60.0
    probability_medium: float = 25.0

    def __post_init__(self):
        check_thresholds(self)


def check_thresholds(thresholds):
    """Raise ThresholdError with a readable message unless the bands are ordered."""
    problems = []
    if thresholds.worth_medium < 0:
        problems.append("the medium worth limit cannot be negative")
    if thresholds.worth_high <= thresholds.worth_medium:
        problems.append(
            f"the high worth limit ({thresholds.worth_high:g}) must be above "
            f"the medium worth limit ({thresholds.worth_medium:g})"
        )
    if not 0 <= thresholds.probability_medium <= 100 or not 0 <= thresholds.probability_high <= 100:
        problems.append("probability limits must lie between 0 and 100 %")
    if thresholds.probability_high <= thresholds.probability_medium:
        problems.append(
            f"the high probability limit ({thresholds.probability_high:g} %) must be above "
            f"the medium probability limit ({thresholds.probability_medium:g} %)"
        )
    if problems:
        raise ThresholdError("Invalid grading thresholds: " + "; ".join(problems) + ".")


def band(value, high, medium):
    """Points of a value: 2 in the high band, 1 in the medium band, 0 below."""
    value = value or 0.0
    if value >= high:
        return 2
    if value >= medium:
        return 1
    return 0


def grade(worth, probability, thresholds=None):
    """Grade of a lead with the given expected revenue and probability (0-100)."""
    thresholds = thresholds or GradeThresholds()
    points = band(worth, thresholds.worth_high, thresholds.worth_medium) + band(
        probability, thresholds.probability_high, thresholds.probability_medium
    )
    return _GRADE_BY_POINTS[points]
