"""One-report-changed rebuild of a built site, and the search stage's share of it.

    python benchmarks/corpus.py --tools congressgen 1000 /tmp/sc-corpus
    (cd /tmp/sc-corpus/congressgen && congressgen build -q)      # warm the cache once
    python benchmarks/search_rebuild.py /tmp/sc-corpus/congressgen [rounds]

Each round appends a sentence to one report (a different sentence each time, so the
report really changes), rebuilds in-process with the default options, and prints the
wall time of the whole build and of `search.index_files` within it.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from congressgen import search as search_module
from congressgen.build import BuildOptions, build


def main() -> None:
    site = Path(sys.argv[1]).resolve()
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    report = sorted((site / "content" / "reports").glob("*.md"))[len(sys.argv[0]) % 7]
    original = report.read_bytes()
    spent: list[float] = []
    real = search_module.index_files

    def timed(*args, **kwargs):
        start = time.perf_counter()
        try:
            return real(*args, **kwargs)
        finally:
            spent.append(time.perf_counter() - start)

    search_module.index_files = timed
    try:
        for n in range(rounds):
            report.write_bytes(original + f"\n\n第{n + 1}次修改：新增一段说明文字。\n".encode())
            spent.clear()
            start = time.perf_counter()
            build(BuildOptions(site))
            total = time.perf_counter() - start
            print(f"round {n + 1}: build {total:.2f} s, search {sum(spent):.2f} s")
    finally:
        report.write_bytes(original)
        search_module.index_files = real


if __name__ == "__main__":
    main()
