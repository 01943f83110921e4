"""What the build's check (error-level rules before writing) costs in a rebuild where one
report changed, and what the whole rebuild costs.

    python benchmarks/corpus.py --tools congressgen 1000 /tmp/cc-corpus    # once
    python benchmarks/check_rebuild.py /tmp/cc-corpus/congressgen         # 5 rounds
    python benchmarks/check_rebuild.py /tmp/cc-corpus/congressgen --no-check-cache

Builds once (warm cache), then each round appends a sentence to one report (a different one
each round) and rebuilds in this process, timing `errors_for_build` inside the build. The
edited reports get their original bytes back at the end. `--no-check-cache` runs the check
without the build cache (every document-local rule on every report, as before the cache).
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import congressgen.check as check
from congressgen.build import BuildOptions, build
from congressgen.content import find_sources


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("site", type=Path)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--no-check-cache", action="store_true")
    args = parser.parse_args()
    site = args.site.resolve()
    original = check.errors_for_build
    spent: list[float] = []

    def timed(*a, **kw):
        if args.no_check_cache:
            kw.pop("cache", None)
        started = time.perf_counter()
        try:
            return original(*a, **kw)
        finally:
            spent.append(time.perf_counter() - started)

    check.errors_for_build = timed
    build(BuildOptions(site))                      # warm: cache and output up to date
    sources = find_sources(site / "content")
    kept: dict[Path, bytes] = {}
    totals = []
    try:
        for n in range(args.rounds):
            path = sources[(n * 97) % len(sources)]
            kept.setdefault(path, path.read_bytes())
            path.write_bytes(path.read_bytes() + f"\n本轮补充说明第{n + 1}条。\n".encode("utf-8"))
            started = time.perf_counter()
            build(BuildOptions(site))
            totals.append(time.perf_counter() - started)
    finally:
        for path, raw in kept.items():
            path.write_bytes(raw)
    checks = spent[1:]
    print(f"{len(sources)} reports, {args.rounds} one-report-changed rebuilds"
          f"{' (check without cache)' if args.no_check_cache else ''}:")
    print(f"  rebuild  median {statistics.median(totals):.2f} s  (min {min(totals):.2f})")
    print(f"  check    median {statistics.median(checks):.3f} s  (min {min(checks):.3f})")


if __name__ == "__main__":
    main()
