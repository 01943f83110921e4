"""How long `publish` takes to decide on an unchanged build of an N-report site: the generated
corpus (benchmarks/corpus.py) is built once, then `publish TARGET --dry-run` (preflight, hashing
the build, comparing with the target) is timed. Preflight reads the build record and hashes the
inputs; it compiles nothing, so the time grows with the bytes of the site, not its Markdown.

    python benchmarks/publish_preflight.py --reports 1000 --runs 3
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def cli(*args: str, cwd: Path) -> None:
    subprocess.run([sys.executable, "-m", "congressgen", *args], cwd=cwd, capture_output=True, check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reports", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        subprocess.run([sys.executable, str(HERE / "corpus.py"), str(args.reports), str(work / "corpus")],
                       capture_output=True, check=True)
        site, www = work / "corpus" / "congressgen", work / "www"
        www.mkdir()
        cli("build", "--quiet", cwd=site)
        times = []
        for _ in range(args.runs):
            started = time.perf_counter()
            cli("publish", str(www), "--dry-run", cwd=site)
            times.append(time.perf_counter() - started)
        print(f"publish --dry-run of an unchanged build, {args.reports} reports: median {statistics.median(times):.2f} s, "
              f"max {max(times):.2f} s over {args.runs} runs")


if __name__ == "__main__":
    main()
