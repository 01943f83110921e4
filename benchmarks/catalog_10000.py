"""The 政府信息公开目录 at 10,000 items: the size of zfxxgk/mulu.json (plain and gzip), the
number of static catalog pages, the build time, and in headless Chromium the time from
opening the 目录 to the filters being ready and the time one filter change takes.

    python benchmarks/catalog_10000.py /tmp/catalog-site            # makes the site, builds it
    python benchmarks/catalog_10000.py /tmp/catalog-site --items 2000

The site is `congressgen init --type 政府` plus N 政策文件 items with varied 主题分类,
发布机构 and dates. Chromium is /usr/bin/chromium through Playwright (the test tools).
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import gzip
import http.server
import shutil
import threading
import time
from pathlib import Path

from congressgen.build import BuildOptions, build
from congressgen.scaffold import init_site

TOPICS = ("综合政务\\政务公开", "城乡建设\\村镇建设", "财政\\预算", "农业、林业、水利", "卫生、体育", "教育")
ISSUERS = ("示例镇人民政府", "示例镇财政所", "示例镇农业农村办公室", "示例镇社会事务办公室")


def make_site(root: Path, items: int) -> None:
    if root.exists():
        shutil.rmtree(root)
    init_site(root, kind="政府")
    folder = root / "content" / "zcwj"
    for n in range(items):
        day = dt.date(2016, 1, 1) + dt.timedelta(days=n * 3653 // items)
        (folder / f"{n:05d}.md").write_text(
            f"---\ntitle: 示例镇人民政府关于第{n}项工作的通知\ndate: {day}\nid: d{n:05d}\n"
            f"index_number: 000000000/{day.year}-{n:05d}\ntopic: {TOPICS[n % len(TOPICS)]}\n"
            f"issuer: {ISSUERS[n % len(ISSUERS)]}\ndoc_number: 示镇政发〔{day.year}〕{n % 97 + 1}号\n---\n\n"
            f"各村（社区）：现将第{n}项工作通知如下。\n", encoding="utf-8")


def browser_times(out: Path) -> tuple[float, float]:
    from playwright.sync_api import sync_playwright

    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(out))
    handler.log_message = lambda *a: None
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"], headless=True)
            page = browser.new_page()
            started = time.perf_counter()
            page.goto(f"http://127.0.0.1:{httpd.server_address[1]}/zfxxgk/mulu.html")
            page.wait_for_selector("html[data-mulu=ready]")
            ready = time.perf_counter() - started
            started = time.perf_counter()
            page.select_option("#mulu-topic", TOPICS[1])
            page.wait_for_function("document.querySelector('#mulu-count').textContent.includes('第 1/')")
            change = time.perf_counter() - started
            browser.close()
    finally:
        httpd.shutdown()
    return ready, change


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("site", type=Path)
    parser.add_argument("--items", type=int, default=10_000)
    args = parser.parse_args()
    make_site(args.site, args.items)
    started = time.perf_counter()
    result = build(BuildOptions(args.site, None, check=False, jobs=1))
    seconds = time.perf_counter() - started
    data = (result.output / "zfxxgk" / "mulu.json").read_bytes()
    pages = len(list((result.output / "zfxxgk").glob("mulu*.html")))
    print(f"items: {args.items + 8} (with the 8 examples); build: {seconds:.1f} s (one process, no check)")
    print(f"mulu.json: {len(data) / 1e6:.2f} MB, gzip -6: {len(gzip.compress(data, 6)) / 1e6:.2f} MB; "
          f"static catalog pages: {pages}")
    ready, change = browser_times(result.output)
    print(f"Chromium: filters ready {ready * 1000:.0f} ms after opening; one filter change {change * 1000:.0f} ms")


if __name__ == "__main__":
    main()
