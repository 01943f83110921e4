"""CPU time of the Chinese search index (`search.index_files`) in each build path, on a
generated site of N ~15 KB reports (benchmarks/corpus.py).

    python benchmarks/search_index_speed.py                 # 1,000 reports
    python benchmarks/search_index_speed.py --reports 200 --rounds 5
    python benchmarks/search_index_speed.py --site /tmp/corpus/congressgen   # an existing site (copied)

Each figure is the CPU time (`time.process_time`, so other load on the machine matters
little) spent inside `index_files` during one real build, the median of --rounds:

- cold, no cache: `build --no-cache --jobs 1` in a fresh process;
- cold, empty cache: the first `build` of the site (writes the token store and index state);
- one report edited: a sentence appended to one report, then `build` in a fresh process
  (reads the index state from the cache folder, patches it, writes it back);
- serve save: the same edit in `serve.LiveSite`, which keeps the index state in memory.

With --jobs above 1 (the default: one per core) a cold build with the cache counts the
reports' tokens in its worker pool first (`search.tokenise_ahead`); its wall time is printed
as well (its CPU is the workers').
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(REPO / "benchmarks"))


def _timed(module, name: str, spent: list[float], clock=time.process_time) -> None:
    """Wrap `module.name` so that each call's time (by `clock`) is noted in `spent` (nothing
    when there is no such function: an older congressgen, for a before/after figure)."""
    real = getattr(module, name, None)
    if real is None:
        return

    def timed(*args, **kwargs):
        start = clock()
        try:
            return real(*args, **kwargs)
        finally:
            spent.append(clock() - start)

    setattr(module, name, timed)


def edit(site: Path, n: int) -> None:
    report = sorted((site / "content" / "reports").glob("*.md"))[7]
    with open(report, "a", encoding="utf-8") as handle:
        handle.write(f"\n\n第{n + 1}次修改：新增一段说明文字，检查搜索索引。\n")


def child(mode: str, site: Path, out: Path, jobs: int | None) -> None:
    """One build in this (fresh) process; prints the index CPU time, and the wall time of
    `tokenise_ahead` (the tokens counted in the worker pool, jobs > 1), as JSON."""
    from congressgen import build as build_module, search
    from congressgen.build import BuildOptions, build

    spent: list[float] = []
    ahead: list[float] = []
    _timed(search, "index_files", spent)
    _timed(build_module, "tokenise_ahead", ahead, time.perf_counter)
    build(BuildOptions(site, out, jobs=jobs, cache=mode != "nocache", check=False))
    print(json.dumps([sum(spent), sum(ahead)]))


def run_child(mode: str, site: Path, out: Path, jobs: int | None, pool: list[float] | None = None) -> float:
    args = [sys.executable, __file__, "--child", mode, "--site", str(site), "--out", str(out)]
    if jobs:
        args += ["--jobs", str(jobs)]
    done = subprocess.run(args, check=True, capture_output=True, text=True)
    index, ahead = json.loads(done.stdout.strip().splitlines()[-1])
    if pool is not None:
        pool.append(ahead)
    return index


def serve_rounds(site: Path, out: Path, rounds: int) -> list[float]:
    from congressgen import search
    from congressgen.serve import LiveSite

    spent: list[float] = []
    _timed(search, "index_files", spent)
    live = LiveSite(site, out, "http://127.0.0.1:8000/")
    live.build()
    figures = []
    for n in range(rounds):
        edit(site, 100 + n)
        spent.clear()
        live.build()
        figures.append(sum(spent))
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reports", type=int, default=1000)
    parser.add_argument("--site", type=Path, help="an existing site to copy instead of generating one")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=None)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.site, args.out, args.jobs)
        return
    with tempfile.TemporaryDirectory(prefix="search-index-speed-") as temp:
        root = Path(temp)
        if args.site:
            site = root / "site"
            shutil.copytree(args.site, site, ignore=shutil.ignore_patterns(".congressgen-cache"))
        else:
            from corpus import generate

            site = generate(args.reports, root / "corpus", tools=("congressgen",))["congressgen"]
        reports = len(list((site / "content").rglob("*.md")))
        results: dict[str, list[float]] = {"cold, no cache": [], "cold, empty cache": [],
                                           "one report edited (build)": []}
        pool: list[float] = []
        for n in range(args.rounds):
            results["cold, no cache"].append(run_child("nocache", site, root / f"nc{n}", args.jobs))
            shutil.rmtree(site / ".congressgen-cache", ignore_errors=True)
            results["cold, empty cache"].append(run_child("cache", site, root / "out", args.jobs, pool))
        for n in range(args.rounds):
            edit(site, n)
            results["one report edited (build)"].append(run_child("cache", site, root / "out", args.jobs))
        results["serve save (in memory)"] = serve_rounds(site, root / "serve-out", args.rounds)
        print(f"search index CPU time, {reports} reports, median of {args.rounds}, jobs {args.jobs or 'per core'}:")
        for name, figures in results.items():
            median = statistics.median(figures)
            shown = f"{median * 1000:.0f} ms" if median < 1 else f"{median:.2f} s"
            print(f"  {name:28} {shown:>9}   ({', '.join(f'{f * 1000:.0f}' for f in figures)} ms)")
        if any(pool):
            print(f"  + cold, empty cache: tokens counted in the worker pool before, "
                  f"{statistics.median(pool):.2f} s wall (search.tokenise_ahead)")


if __name__ == "__main__":
    main()
