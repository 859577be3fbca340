"""Time the pure demo/scale data generator at 1,000, 10,000 and 100,000 accounts.

Run from the repository root: python3 bench/bench_demodata.py

"generate" builds the whole DemoData (what the demo loader does); "stream"
walks iter_blocks() without keeping the records, as a batch loader can.
The first row includes loading the ZIP table and validating phone exchanges
once per process (cached afterwards), reported separately as "warm-up".
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
    started = time.perf_counter()
    demodata.generate(scale=1)
    print(f"warm-up (ZIP table, phone exchanges): {time.perf_counter() - started:.2f} s\n")
    print(
        f"{'accounts':>9} {'contacts':>9} {'leads':>8} {'generate s':>11} {'stream s':>9} "
        f"{'accounts/s':>11}"
    )
    for scale in (1_000, 10_000, 100_000):
        started = time.perf_counter()
        data = demodata.generate(scale=scale)
        generated = time.perf_counter() - started
        counts = (len(data.accounts), len(data.contacts), len(data.leads))
        del data
        started = time.perf_counter()
        for _block in demodata.iter_blocks(scale=scale):
            pass
        streamed = time.perf_counter() - started
        print(
            f"{counts[0]:>9,} {counts[1]:>9,} {counts[2]:>8,} {generated:>11.2f} "
            f"{streamed:>9.2f} {scale / generated:>11,.0f}"
        )


if __name__ == "__main__":
    main()
