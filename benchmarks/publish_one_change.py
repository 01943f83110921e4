"""How much a publish moves when one report changed: the demo site published to a local folder,
then again after editing one paragraph of one report. Prints bytes written (measured on disk:
files of the new release that are not hard links to the previous one) against the site's size,
and the wall time of each publish.

    python benchmarks/publish_one_change.py
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
REPORT = "content/reports/2024-qingshan-zhuxituan.md"


def cli(*args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "congressgen", *args], capture_output=True, text=True,
                          encoding="utf-8", check=True)
    return done.stdout


def timed(*args: str) -> float:
    started = time.perf_counter()
    cli(*args)
    return time.perf_counter() - started


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        site, www = Path(tmp) / "site", Path(tmp) / "www"
        site.mkdir()
        www.mkdir()
        shutil.copy(REPO / "congressgen.yaml", site)
        shutil.copytree(REPO / "content", site / "content")
        cli("build", "--source", str(site), "--quiet")
        first = timed("publish", str(www), "--source", str(site))
        report = site / REPORT
        report.write_text(report.read_text(encoding="utf-8").replace("努力建设", "努力建设（修订）", 1), encoding="utf-8")
        cli("build", "--source", str(site), "--quiet")
        second = timed("publish", str(www), "--source", str(site))
        releases = sorted((www / "releases").iterdir(), key=lambda p: int(p.name.rsplit("-", 1)[1]))
        old, new = releases[-2] / "site", releases[-1] / "site"
        total = copied = files = 0
        for path in new.rglob("*"):
            if path.is_file():
                total += path.stat().st_size
                previous = old / path.relative_to(new)
                if not previous.exists() or previous.stat().st_ino != path.stat().st_ino:
                    copied += path.stat().st_size
                    files += 1
        print(f"site: {total} bytes; second publish wrote {files} file(s), {copied} bytes "
              f"({100 * copied / total:.1f} %); publish wall time: first {first:.2f} s, second {second:.2f} s")


if __name__ == "__main__":
    main()
