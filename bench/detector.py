"""Red-flag check time per message (the detector, the verdict and, when the rules find
nothing, the learned safety net), over the phrasing table and the forum-style messages.

    python -m bench.detector [--rounds N]

Target: well under 5 ms per message (median and 95th percentile) on 2 cores.
"""

from __future__ import annotations

import argparse
import statistics
import time

import yaml

from core.paths import PROJECT_ROOT
from core.triage.verdict import build_triage

DATA = PROJECT_ROOT / "tests" / "data"
PHRASINGS_FILE = DATA / "red_flag_phrasings.yml"
FORUM_FILE = DATA / "forum_red_flags_tuning.yml"
TARGET_MS = 5.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    table = yaml.safe_load(PHRASINGS_FILE.read_text())
    texts = [row["text"] for row in table["red_flags"]] + table["look_alikes"]
    texts += [row["text"] for row in yaml.safe_load(FORUM_FILE.read_text())["messages"]]
    started = time.perf_counter()
    triage = build_triage()
    load_ms = (time.perf_counter() - started) * 1000
    for text in texts:  # warm-up
        triage.assess(text)
    timings = []
    for _ in range(args.rounds):
        for text in texts:
            started = time.perf_counter()
            triage.assess(text)
            timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    median = statistics.median(timings)
    p95 = timings[int(0.95 * (len(timings) - 1))]
    print(f"red-flag check: {len(texts)} messages x {args.rounds} rounds")
    print(
        f"  start-up {load_ms:.0f} ms; per message: median {median:.3f} ms, p95 {p95:.3f} ms, max {timings[-1]:.3f} ms"
    )
    print(f"  target < {TARGET_MS} ms: {'met' if p95 < TARGET_MS else 'NOT met'}")
    return 0 if p95 < TARGET_MS else 1


if __name__ == "__main__":
    raise SystemExit(main())
