"""How long `congressgen check` takes on a 1,000-report site (target: under 10 s on 2 cores).

    python benchmarks/check_speed.py                 # generate a corpus in a temp folder, time the check
    python benchmarks/check_speed.py --reports 2000  # another size
    python benchmarks/check_speed.py --keep /tmp/corpus

The corpus is made from the demo site's own reports (repo root content/), varied per copy:
ids, dates 2015–2025, three columns, links to the previous report and its #sec-1 anchor,
and every tenth report with a bundle folder holding a CSV attachment and an image. The
check runs as a clerk runs it — the installed console script in a fresh process — pinned
to two CPUs where the OS allows it. The corpus is clean, so the run exits 0.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
COLUMNS = ("reports", "news", "notices")


def demo_bodies() -> list[str]:
    bodies = []
    for path in sorted((REPO / "content").rglob("*.md")):
        text = path.read_text(encoding="utf-8")
        parts = text.split("\n---\n", 1)
        if len(parts) == 2 and not path.parent.name.startswith("20"):
            bodies.append(parts[1])
    return bodies


def generate(root: Path, count: int) -> None:
    """A site with `count` reports under root (config copied from the demo site)."""
    if root.exists():
        shutil.rmtree(root)
    (root / "content").mkdir(parents=True)
    shutil.copy(REPO / "congressgen.yaml", root / "congressgen.yaml")
    bodies = demo_bodies()
    previous: dict[str, tuple[str, bool]] = {}
    for n in range(count):
        column = COLUMNS[n % len(COLUMNS)]
        year = 2015 + n % 11
        month, day = 1 + n % 12, 1 + n % 28
        ident = f"r{n:05d}"
        name = f"{year}-{ident}"
        body = re.sub(r"20\d\d年", f"{year}年", bodies[n % len(bodies)])
        front = [f"title: 第{n + 1}号工作报告（{year}年）", f"date: {year}-{month:02d}-{day:02d}",
                 f"id: {ident}", "tags: [工作报告, 民生实事]", f"doc_number: 示政发〔{year}〕{n + 1}号",
                 f"index_number: 11330000MB0000000X/{year}-{n + 1:05d}"]
        extra = ""
        if n % 10 == 0:
            bundle = root / "content" / column / name
            bundle.mkdir(parents=True)
            (bundle / "项目表.csv").write_text("序号,项目,投资（万元）\n1,道路硬化,620\n2,污水管网,480\n", encoding="utf-8")
            (bundle / "photo.png").write_bytes(b"\x89PNG\r\n\x1a\n")
            front.append(f"attachments:\n  - file: {name}/项目表.csv\n    title: 项目表")
            extra += f"\n\n![会场照片]({name}/photo.png)\n"
        if column in previous:
            earlier, has_outline = previous[column]
            anchor = f"和[上一篇第一部分]({earlier}.md#sec-1)" if has_outline else ""
            extra += f"\n\n参见[上一篇]({earlier}.md){anchor}。\n"
        previous[column] = (name, bool(re.search(r"^一、", body, re.M)))
        (root / "content" / column).mkdir(parents=True, exist_ok=True)
        text = "---\n" + "\n".join(front) + "\n---\n" + body.rstrip() + extra + "\n"
        (root / "content" / column / f"{name}.md").write_text(text, encoding="utf-8")


def child_cpu() -> float:
    """User + system CPU seconds used by finished child processes (0 where not available)."""
    try:
        import resource
    except ImportError:
        return 0.0
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def two_cpus():
    """preexec: pin the check to two CPUs (Linux); elsewhere it runs unpinned."""
    if hasattr(os, "sched_setaffinity") and len(os.sched_getaffinity(0)) > 2:
        cpus = sorted(os.sched_getaffinity(0))[:2]
        return lambda: os.sched_setaffinity(0, cpus)
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reports", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="generate the corpus here and keep it")
    args = parser.parse_args()
    root = args.keep or Path(tempfile.mkdtemp(prefix="congressgen-check-")) / "site"
    started = time.perf_counter()
    generate(root, args.reports)
    print(f"corpus: {args.reports} reports in {root} ({time.perf_counter() - started:.1f} s to generate)")
    exe = shutil.which("congressgen") or str(Path(sys.executable).with_name("congressgen"))
    times, cpu = [], []
    for run in range(args.runs):
        before = child_cpu()
        started = time.perf_counter()
        result = subprocess.run([exe, "check", "--source", str(root)], capture_output=True, text=True,
                                encoding="utf-8", preexec_fn=two_cpus())
        times.append(time.perf_counter() - started)
        cpu.append(child_cpu() - before)
        print(f"run {run + 1}: {times[-1]:.2f} s wall, {cpu[-1]:.2f} s CPU, exit {result.returncode}; "
              f"{result.stderr.strip()}")
        if result.returncode != 0:
            print(result.stdout[:2000])
            return 1
    print(f"congressgen check, {args.reports} reports, 2 CPUs: median {statistics.median(times):.2f} s wall "
          f"(best {min(times):.2f} s; CPU {statistics.median(cpu):.2f} s; target < 10 s)")
    if os.getloadavg()[0] > (os.cpu_count() or 1) if hasattr(os, "getloadavg") else False:
        print(f"note: load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs: wall times include waiting "
              "for other processes; the CPU figure is the check's own work")
    if not args.keep:
        shutil.rmtree(root.parent, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
