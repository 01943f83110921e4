"""How long from saving one report to the browser showing it, in a 1,000-report site.

Generates a site of N reports (copies of the demo reports with their own ids and dates), starts
`congressgen serve` on it as a clerk would, opens one article in headless Chromium, then edits a
sentence of that report's Markdown several times. Each latency is measured from just before the file
is written to the moment the reloaded page finished parsing (the new document's DOMContentLoaded,
read from the browser's own Navigation Timing clock), so polling in this script adds nothing.

    python benchmarks/serve_latency.py                 # 1,000 reports, 5 edits
    python benchmarks/serve_latency.py --reports 200 --runs 10

Then it edits the shared base template (copied into the site's theme) and the config's title
`--shared-runs` times each: every page is rebuilt, measured the same way. The page open in the browser
is shown before the rest of the build is done (`serve.FirstPages`), so each save waits for the whole
rebuild (its time printed in brackets) before the next.

Needs /usr/bin/chromium (or CONGRESSGEN_CHROMIUM) and the Python playwright package.
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
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("CONGRESSGEN_CHROMIUM", "/usr/bin/chromium")


def make_site(root: Path, count: int) -> Path:
    """N reports from the demo reports, each with its own id, title and date; the demo config."""
    sources = sorted((REPO / "content/reports").glob("*.md"))
    (root / "content/reports").mkdir(parents=True)
    shutil.copyfile(REPO / "congressgen.yaml", root / "congressgen.yaml")
    (root / "themes/default/templates").mkdir(parents=True)
    shutil.copyfile(REPO / "themes/default/templates/base.html", root / "themes/default/templates/base.html")
    for i in range(count):
        text = sources[i % len(sources)].read_text(encoding="utf-8")
        text = re.sub(r"^attachments:(\n  .*)*\n", "", text, flags=re.M)  # their files live beside the demo
        text = re.sub(r"^(id|date|title): .*\n", "", text, flags=re.M)
        year, month, day = 2010 + i % 16, 1 + i % 12, 1 + i % 28
        head = f"---\ntitle: 第{i}号测试报告\ndate: {year}-{month:02d}-{day:02d}\nid: r{i:04d}\n"
        (root / f"content/reports/r{i:04d}.md").write_text(head + text[4:], encoding="utf-8")
    return root


# A change every page reads: the shared base template (copied into the site's theme) and the config.
SHARED_EDITS = (
    ("template", "themes/default/templates/base.html", lambda text, m: text.replace("</head>", f"<!-- {m} --></head>", 1)),
    ("config", "congressgen.yaml", lambda text, m: re.sub(r"^title: (.*)$", lambda t: f"title: {t.group(1).split('cgbench')[0]}{m}",
                                                        text, count=1, flags=re.M)),
)


def article_path(i: int) -> str:
    year, month, day = 2010 + i % 16, 1 + i % 12, 1 + i % 28
    return f"reports/{year}{month:02d}/t{year}{month:02d}{day:02d}_r{i:04d}.html"


class Server:
    def __init__(self, site: Path):
        cmd = [sys.executable, "-m", "congressgen", "serve", "--source", str(site), "--port", "0"]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                     encoding="utf-8", env=dict(os.environ, PYTHONIOENCODING="utf-8"))
        self.lines: list[str] = []
        threading.Thread(target=lambda: [self.lines.append(x.rstrip()) for x in self.proc.stdout], daemon=True).start()

    def wait_for(self, pattern: str, timeout: float) -> re.Match:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in list(self.lines):
                if m := re.search(pattern, line):
                    return m
            if self.proc.poll() is not None:
                break
            time.sleep(0.02)
        raise SystemExit(f"serve did not print {pattern!r}:\n" + "\n".join(self.lines))

    def build_seconds(self, before: int) -> float:
        """The time of the rebuild after the first `before` ones (the page may be shown before it ends)."""
        deadline = time.monotonic() + 300
        while sum("已重新生成" in x for x in self.lines) <= before and time.monotonic() < deadline:
            time.sleep(0.02)
        line = [x for x in self.lines if "已重新生成" in x][before]
        return float(re.search(r"用时 ([\d.]+) 秒", line).group(1))

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=60)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--shared-runs", type=int, default=3, help="template and config edits each")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="serve-bench-") as tmp:
        site = make_site(Path(tmp) / "site", args.reports)
        target = args.reports // 2
        source = site / f"content/reports/r{target:04d}.md"
        original = source.read_text(encoding="utf-8")
        started = time.perf_counter()
        server = Server(site)
        url = server.wait_for(r"预览地址：(\S+)", timeout=900).group(1)
        print(f"{args.reports} reports; first build and start: {time.perf_counter() - started:.1f} s")
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                                            args=["--headless", "--no-sandbox", "--disable-gpu"])
                page = browser.new_page()
                page.goto(url + article_path(target))
                page.wait_for_function("window.LiveReload && window.LiveReload.connector.protocol > 0")
                time.sleep(0.3)
                latencies, builds = [], []
                for run in range(args.runs):
                    marker = f"基准测试第{run}次修改{time.time_ns()}"
                    rebuilds = sum("已重新生成" in x for x in server.lines)
                    saved_at = time.time() * 1000
                    source.write_text(original.replace("各位代表：", f"各位代表：{marker}", 1), encoding="utf-8")
                    page.locator("main", has_text=marker).wait_for(timeout=300_000)
                    shown_at = page.evaluate("performance.timeOrigin + "
                                             "performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd")
                    latencies.append((shown_at - saved_at) / 1000)
                    builds.append(server.build_seconds(rebuilds))
                    print(f"edit {run + 1}: save → page shown {latencies[-1]:.2f} s (rebuild {builds[-1]:.2f} s)")
                    time.sleep(0.5)
                shared = {}
                for kind, path, edit in SHARED_EDITS:
                    times = []
                    for run in range(args.shared_runs):
                        marker = f"cgbench{kind}{run}x{time.time_ns()}"
                        rebuilds = sum("已重新生成" in x for x in server.lines)
                        file = site / path
                        text = file.read_text(encoding="utf-8")
                        saved_at = time.time() * 1000
                        file.write_text(edit(text, marker), encoding="utf-8")
                        page.wait_for_function(f"document.documentElement.outerHTML.includes({marker!r})",
                                               timeout=300_000)
                        shown_at = page.evaluate("performance.timeOrigin + performance.getEntriesByType"
                                                 "('navigation')[0].domContentLoadedEventEnd")
                        times.append((shown_at - saved_at) / 1000)
                        print(f"{kind} edit {run + 1}: save → page shown {times[-1]:.2f} s "
                              f"(rebuild {server.build_seconds(rebuilds):.2f} s)")
                        time.sleep(0.5)
                    shared[kind] = times
                browser.close()
        finally:
            server.stop()
    print(f"report edit: median {statistics.median(latencies):.2f} s, max {max(latencies):.2f} s, "
          f"median rebuild {statistics.median(builds):.2f} s over {args.runs} edits "
          f"({os.cpu_count()} CPUs, Python {sys.version.split()[0]})")
    for kind, times in shared.items():
        print(f"{kind} edit: median {statistics.median(times):.2f} s, max {max(times):.2f} s over {len(times)} edits")


if __name__ == "__main__":
    main()
