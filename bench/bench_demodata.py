"""Time the pure demo/scale data generator at 1k, 10k and 100k accounts.

Run from the repository root: python bench/bench_demodata.py
"""

import sys
import time
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
if "lead_refinery" not in sys.modules:  # load lib/ without importing Odoo
    package = types.ModuleType("lead_refinery")
    package.__path__ = [str(ROOT / "lead_refinery")]
    sys.modules["lead_refinery"] = package

from lead_refinery.lib import demodata  # noqa: E402


def main():
    print(f"{'accounts':>9} {'contacts':>9} {'leads':>8} {'seconds':>8} {'accounts/s':>11}")
    for scale in (1_000, 10_000, 100_000):
        started = time.perf_counter()
        data = demodata.generate(scale=scale)
        elapsed = time.perf_counter() - started
        print(
            f"{len(data.accounts):>9,} {len(data.contacts):>9,} {len(data.leads):>8,} "
            f"{elapsed:>8.2f} {scale / elapsed:>11,.0f}"
        )


if __name__ == "__main__":
    main()
