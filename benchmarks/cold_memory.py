"""Where the cold build's memory goes: PSS of every process of the build's tree over time.

Runs `congressgen build --quiet` (cold: the output and the cache removed first) as a fresh
process, samples every 20 ms the PSS of each process in its tree (the measure of
`benchmarks/run.py`, whose `_pss` it reuses), and prints the peak of the whole tree with the
processes it was made of, a timeline, wall and CPU (user + sys, children included).

    python benchmarks/cold_memory.py /tmp/site-5k/congressgen [--jobs 2] [--every 1.0]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run  # noqa: E402 - the benchmark's own measure and runner
from run import _pss, congressgen_command  # noqa: E402


def tree(root: int) -> dict[int, tuple[int, int]]:
    """pid -> (parent, PSS) for `root` and its descendants."""
    parents: dict[int, int] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                with open(f"/proc/{entry.name}/stat", "rb") as f:
                    parents[int(entry.name)] = int(f.read().rsplit(b")", 1)[1].split()[1])
            except OSError:
                pass
    children: dict[int, list[int]] = {}
    for pid, parent in parents.items():
        children.setdefault(parent, []).append(pid)
    found, stack = {}, [root]
    while stack:
        pid = stack.pop()
        found[pid] = (parents.get(pid, 0), _pss(pid, 0))
        stack.extend(children.get(pid, ()))
    return found


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("site", type=Path)
    parser.add_argument("--jobs", type=int)
    parser.add_argument("--every", type=float, default=2.0, help="seconds between timeline lines")
    args = parser.parse_args()
    for rel in ("build", ".congressgen-cache"):
        shutil.rmtree(args.site / rel, ignore_errors=True)
    command = congressgen_command() + ["build", "--quiet"] + (["--jobs", str(args.jobs)] if args.jobs else [])
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    samples: list[tuple[float, dict]] = []
    started = time.perf_counter()

    def recording(root: int) -> int:          # run.py's sampler, each process's PSS kept
        procs = tree(root)
        samples.append((time.perf_counter() - started, procs))
        return sum(v for _, v in procs.values())

    run._tree_rss = recording
    measured = run.run_once(command, args.site, env)
    mib = 1024 * 1024

    def level(pid: int, procs: dict) -> int:
        d, p = 0, pid
        while p in procs and procs[p][0] in procs:     # the build's own parent is not sampled
            p, d = procs[p][0], d + 1
        return d

    shown = -1.0
    for at, procs in samples:
        if at - shown >= args.every:
            shown = at
            parts = " ".join(f"{'+' * level(p, procs)}{v / mib:.0f}" for p, (_, v) in sorted(procs.items()))
            print(f"{at:6.1f}s {sum(v for _, v in procs.values()) / mib:6.0f} MiB  [{parts}]")
    at, procs = max(samples, key=lambda s: sum(v for _, v in s[1].values()))
    peak = sum(v for _, v in procs.values())
    print(f"peak {peak / mib:.0f} MiB at {at:.1f}s: " +
          ", ".join(f"pid {p} depth {level(p, procs)}: {v / mib:.0f}" for p, (_, v) in sorted(procs.items())))
    print(f"wall {measured.wall:.1f} s, CPU {measured.cpu:.1f} s, CPU/wall {measured.cpu / measured.wall:.2f}")


if __name__ == "__main__":
    main()
