import pytest

from lead_refinery.lib import ladder


def test_progress_ranks_are_ordered():
    codes = ["touch", "contact", "lead", "qualified", "opportunity", "won"]
    ranks = [ladder.rank(code) for code in codes]
    assert ranks == sorted(ranks) and len(set(ranks)) == len(ranks)
    assert all(ladder.rank(code) == 0 for code in ("lost", "incubating", "rejected"))


@pytest.mark.parametrize(
    ("before", "after", "max_rank", "backwards", "new_max"),
    [
        ("lead", "qualified", 30, False, 40),
        ("qualified", "contact", 40, True, 40),
        ("qualified", "incubating", 40, False, 40),
        ("incubating", "lead", 40, True, 40),  # leaving a parking stage below the peak
        ("incubating", "qualified", 40, False, 40),
        ("opportunity", "lost", 50, False, 50),
        ("lost", "opportunity", 50, False, 50),
    ],
)
def test_moves(before, after, max_rank, backwards, new_max):
    move = ladder.move(before, after, max_rank)
    assert move.backwards is backwards
    assert move.new_max_rank == new_max


def test_owner_and_good_lead_rules():
    assert not ladder.needs_owner("touch")
    assert not ladder.needs_owner("rejected")
    assert all(ladder.needs_owner(code) for code in ("contact", "lead", "incubating", "lost"))
    assert ladder.is_good(30, "lead")
    assert ladder.is_good(40, "incubating")
    assert not ladder.is_good(40, "rejected")
    assert not ladder.is_good(20, "contact")


@pytest.mark.parametrize(
    ("code", "state", "expected"),
    [
        ("lead", {"active": True, "is_won": False, "is_opportunity": True}, "opportunity"),
        ("qualified", {"active": True, "is_won": False, "is_opportunity": True}, "opportunity"),
        ("incubating", {"active": True, "is_won": False, "is_opportunity": True}, None),
        ("opportunity", {"active": True, "is_won": True, "is_opportunity": True}, "won"),
        ("won", {"active": True, "is_won": False, "is_opportunity": True}, "opportunity"),
        ("opportunity", {"active": False, "is_won": False, "is_opportunity": True}, "lost"),
        ("rejected", {"active": False, "is_won": False, "is_opportunity": False}, None),
        (
            "lost",
            {"active": True, "is_won": False, "is_opportunity": True, "previous_code": "qualified"},
            "qualified",
        ),
        (
            "rejected",
            {"active": True, "is_won": False, "is_opportunity": False, "previous_code": None},
            "lead",
        ),
        ("lead", {"active": True, "is_won": False, "is_opportunity": False}, None),
    ],
)
def test_pipeline_implies_ladder(code, state, expected):
    assert ladder.implied_by_crm(code, **state) == expected
