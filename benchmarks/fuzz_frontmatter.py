"""Fuzz the front-matter reader: 100,000 generated hostile report files, reporting every
crash (any exception other than congressgen's own error type) and the time taken.

    python benchmarks/fuzz_frontmatter.py                  # 100,000 cases, seed 1
    python benchmarks/fuzz_frontmatter.py --cases 300000 --seed 7

The generator is tests/frontmatter_fuzz.py (the CI property test runs 10,000 of its cases
with seed 16). Each case is decoded, split, checked against the limits, parsed as YAML with
positions, validated and fingerprinted, as the build does before Markdown. Exit 1 on a crash.
"""

from __future__ import annotations

import argparse
import collections
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from frontmatter_fuzz import run  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    started = time.perf_counter()
    count, refused, crashes = run(args.cases, args.seed)
    seconds = time.perf_counter() - started
    print(f"{count:,} cases (seed {args.seed}) in {seconds:.1f} s: {count - refused - len(crashes):,} read, "
          f"{refused:,} refused with a path:line:col error, {len(crashes)} crashes")
    kinds = collections.Counter(f"{type(e).__name__}: {str(e)[:100]}" for _, e, _ in crashes)
    for kind, n in kinds.most_common(20):
        print(f"  {n:6d}  {kind}")
    for index, exc, raw in crashes[:3]:
        print(f"\ncase {index}: {type(exc).__name__}\n{raw[:400]!r}")
    sys.exit(1 if crashes else 0)


if __name__ == "__main__":
    main()
