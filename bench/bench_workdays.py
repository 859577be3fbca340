"""Micro-benchmark of the working-time and SLA engines.

Run from the repository root: ``python3 bench/bench_workdays.py``. Prints how
many deadlines (``add_working_days``), SLA decisions (``next_action``) and
interest profiles (``interest``) are computed per second on one core.
"""

import random
import sys
import time
import types
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
# Same trick as lead_refinery/lib/tests/conftest.py: load lead_refinery.lib without Odoo.
if "lead_refinery" not in sys.modules:
    _package = types.ModuleType("lead_refinery")
    _package.__path__ = [str(ROOT / "lead_refinery")]
    sys.modules["lead_refinery"] = _package

from lead_refinery.lib import aggregation, followup, ladder, workdays  # noqa: E402

UTC = timezone.utc
N = 20_000


def rate(label, func, items):
    func(items[0])  # warm the calendar's day cache like a long-running cron would
    began = time.perf_counter()
    for item in items:
        func(item)
    elapsed = time.perf_counter() - began
    print(
        f"{label:<48} {len(items) / elapsed:>12,.0f} /s  ({elapsed * 1e6 / len(items):.1f} µs each)"
    )
    return len(items) / elapsed


def main():
    rnd = random.Random(42)
    cal = workdays.WorkCalendar(
        "America/New_York",
        tuple((d, 8.0, 12.0) for d in range(5)) + tuple((d, 13.0, 17.0) for d in range(5)),
        workdays.us_federal_holidays(range(2025, 2030)),
    )
    base = datetime(2026, 1, 1, tzinfo=UTC)
    starts = [base + timedelta(minutes=rnd.randrange(0, 2 * 365 * 24 * 60)) for _ in range(N)]

    print(f"{N:,} calls each, America/New_York, Mon-Fri 8-12 + 13-17, US federal holidays")
    rate("add_working_days(start, 3)", lambda s: workdays.add_working_days(s, 3, cal), starts)
    rate("add_working_days(start, 20)", lambda s: workdays.add_working_days(s, 20, cal), starts)
    rate(
        "working_hours_between(start, start + 7 days)",
        lambda s: workdays.working_hours_between(s, s + timedelta(days=7), cal),
        starts,
    )

    policy = followup.SlaPolicy(
        2, 3, warn_before_hours=4, grace_hours=4, max_reassignments=2, recycle_after_days=20
    )
    states = []
    for start in starts:
        touched = rnd.random() < 0.5
        states.append(
            (
                followup.LeadSlaState(
                    sla_start_utc=start,
                    first_touch_utc=start + timedelta(hours=3) if touched else None,
                    last_touch_utc=start + timedelta(hours=3) if touched else None,
                    last_progress_utc=start,
                    warned=rnd.random() < 0.3,
                    breach_notified=rnd.random() < 0.3,
                    reassign_count=rnd.randrange(3),
                    escalated=False,
                    stage=ladder.LEAD,
                ),
                start + timedelta(hours=rnd.randrange(0, 24 * 40)),
            )
        )
    rate(
        "next_action(state, policy, now)",
        lambda item: followup.next_action(item[0], policy, item[1], cal),
        states,
    )

    kinds = {
        t.code: t
        for t in (
            aggregation.ActivityType("seminar", 20, 90, 30),
            aggregation.ActivityType("download", 5, 30, 7),
            aggregation.ActivityType("evaluation", 50, 30, None, hot=True),
        )
    }
    now = datetime(2026, 6, 1, tzinfo=UTC)
    profiles = [
        [
            aggregation.Activity(
                i,
                1,
                1,
                rnd.randrange(5),
                rnd.choice(sorted(kinds)),
                now - timedelta(days=rnd.uniform(0, 120)),
            )
            for i in range(200)
        ]
        for _ in range(200)
    ]
    rate(
        "interest() of one account+category, 200 activities",
        lambda acts: aggregation.interest(acts, kinds, now),
        profiles,
    )


if __name__ == "__main__":
    main()
