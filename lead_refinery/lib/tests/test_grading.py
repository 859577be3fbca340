import pytest
from hypothesis import given
from hypothesis import strategies as st

from lead_refinery.lib import grading

BANDS = grading.GradeThresholds(
    worth_high=50000, worth_medium=10000, probability_high=60, probability_medium=25
)


@pytest.mark.parametrize(
    ("worth", "probability", "expected"),
    [
        (50000, 60, "A"),  # limits belong to the band they open
        (80000, 25, "A"),
        (10000, 60, "A"),
        (49999.99, 59.9, "B"),
        (80000, 0, "B"),
        (0, 100, "B"),
        (10000, 0, "C"),
        (0, 25, "C"),
        (9999, 24, "D"),
        (None, None, "D"),
    ],
)
def test_grade_matrix(worth, probability, expected):
    assert grading.grade(worth, probability, BANDS) == expected


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"worth_high": 100, "worth_medium": 100}, "high worth limit"),
        ({"worth_high": 100, "worth_medium": 500}, "high worth limit"),
        ({"worth_medium": -1}, "cannot be negative"),
        ({"probability_high": 20, "probability_medium": 20}, "high probability limit"),
        ({"probability_high": 130}, "between 0 and 100"),
    ],
)
def test_unordered_or_overlapping_thresholds_are_refused(values, message):
    with pytest.raises(grading.ThresholdError, match=message):
        grading.GradeThresholds(**values)


@given(
    worth=st.floats(min_value=0, max_value=1e9, allow_nan=False),
    probability=st.floats(min_value=0, max_value=100, allow_nan=False),
    more_worth=st.floats(min_value=0, max_value=1e9, allow_nan=False),
)
def test_more_worth_never_lowers_the_grade(worth, probability, more_worth):
    better = grading.grade(worth + more_worth, probability, BANDS)
    assert better <= grading.grade(worth, probability, BANDS)  # "A" < "B" < ...
