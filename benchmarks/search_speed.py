"""What 站内搜索 costs: build time and index size for a 1,000-report site, and (with
--browser) how long Chromium takes to show results and how many bytes a query loads.

    python benchmarks/search_speed.py                    # 1,000 generated reports
    python benchmarks/search_speed.py --reports 200 --browser
    python benchmarks/search_speed.py --site /tmp/corpus/congressgen   # any existing site

The generated corpus reuses the demo site's real paragraphs (content/), shuffled, with
place names and figures varied, ~5,000 Han characters per report, in three columns, so
the index sees realistic Chinese vocabulary. Seeded: the same --reports gives the same
bytes. Builds with and without search alternate, each into a fresh folder; the fastest of
--runs is reported (the least disturbed by other load), and index_files() is also timed
alone in CPU seconds.
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import http.server
import random
import re
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from congressgen.build import BuildOptions, build  # noqa: E402
from congressgen.search import INDEX_DIR, index_files  # noqa: E402

PLACES = ["青山", "河西", "示例"]
SYLLABLES = "东南西北金石柳云安白新平桃李梅竹松泉湖溪岭塘湾集桥坪坝口源川阳山河"
COLUMNS = ["reports", "news", "notices"]
QUERIES = ["人大主席团", "预算审查", "全过程人民民主", "民生实事", "票决", "2024年", "镇"]


def demo_paragraphs() -> list[str]:
    paragraphs = []
    for path in sorted((REPO / "content").rglob("*.md")):
        body = path.read_text(encoding="utf-8").split("\n---\n", 1)[1]
        paragraphs += [p.strip() for p in body.split("\n\n") if p.strip() and not p.startswith("|")]
    return paragraphs


def generate_site(root: Path, count: int, seed: int = 2024) -> Path:
    rng = random.Random(seed)
    pool = demo_paragraphs()
    config = (REPO / "congressgen.yaml").read_text(encoding="utf-8")
    (root / "content").mkdir(parents=True)
    (root / "congressgen.yaml").write_text(config, encoding="utf-8")
    for n in range(count):
        town = rng.choice(SYLLABLES) + rng.choice(SYLLABLES)
        year = 2015 + n % 11
        column = COLUMNS[0] if n % 3 else COLUMNS[1 + n % 2]
        paragraphs, size = [], 0
        while size < 5000:
            text = rng.choice(pool)
            for place in PLACES:
                text = text.replace(place, town)
            text = re.sub(r"\d", lambda _: str(rng.randrange(10)), text)
            paragraphs.append(text)
            size += len(text)
        date = f"{year}-{1 + n % 12:02d}-{1 + n % 28:02d}"
        source = (f"---\ntitle: {town}镇{year}年工作报告（第{n}号）\ndate: {date}\nid: r{n:04d}\n"
                  f"tags: [{rng.choice(['民生实事', '预算审查', '代表建议', '乡村振兴'])}]\n---\n\n"
                  + "\n\n".join(paragraphs) + "\n")
        target = root / "content" / column / f"r{n:04d}.md"
        target.parent.mkdir(exist_ok=True)
        target.write_text(source, encoding="utf-8")
    return root


def with_search(site: Path, on: bool) -> None:
    config = site / "congressgen.yaml"
    text = re.sub(r"^search:.*$", "", config.read_text(encoding="utf-8"), flags=re.M)
    config.write_text(text.rstrip("\n") + f"\nsearch: {'true' if on else 'false'}\n", encoding="utf-8")


def timed_build(site: Path, out: Path) -> float:
    shutil.rmtree(out, ignore_errors=True)
    started = time.perf_counter()
    build(BuildOptions(source=site, output=out))
    return time.perf_counter() - started


def digest(folder: Path) -> str:
    h = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            h.update(path.relative_to(folder).as_posix().encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


def size_report(out: Path) -> str:
    index = out / INDEX_DIR
    shards = sorted((index / "index").glob("*.json"))
    texts = list((index / "text").glob("*.json"))
    mb = lambda n: f"{n / 1024 / 1024:.1f} MB"  # noqa: E731
    sizes = [p.stat().st_size for p in shards]
    return (f"meta.json {(index / 'meta.json').stat().st_size / 1024:.0f} KB; {len(shards)} postings shards "
            f"{mb(sum(sizes))} (largest {max(sizes) / 1024:.0f} KB); {len(texts)} text files "
            f"{mb(sum(p.stat().st_size for p in texts))}")


def browser_figures(out: Path) -> None:
    from playwright.sync_api import sync_playwright

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    handler = functools.partial(Quiet, directory=str(out))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{httpd.server_address[1]}/"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--headless", "--no-sandbox"])
        for query in QUERIES:
            context = browser.new_context()
            page = context.new_page()
            loaded = []
            page.on("response", lambda r: loaded.append(r) if INDEX_DIR in r.url else None)
            page.goto(base + "search.html")
            page.wait_for_selector("#search-results[aria-busy=false]", state="attached")
            loaded.clear()
            started = time.perf_counter()
            page.fill("#search-page-q", query)
            page.click("#search-form button[type=submit]")
            page.wait_for_selector("#search-results[aria-busy=false]", state="attached")
            shown = time.perf_counter() - started
            page.wait_for_load_state("networkidle")
            total = sum(len(r.body()) for r in loaded)
            print(f"  {query}: {page.inner_text('#search-status')[:40]}… results in {shown * 1000:.0f} ms, "
                  f"{len(loaded)} index files, {total / 1024:.0f} KB (cold cache)")
            context.close()
        browser.close()
    httpd.shutdown()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reports", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--site", type=Path, help="benchmark this site instead of a generated one")
    parser.add_argument("--browser", action="store_true", help="also time queries in headless Chromium")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        site = work / "site"
        if args.site:
            shutil.copytree(args.site, site, ignore=shutil.ignore_patterns("build", ".build*", ".congressgen-cache"))
        else:
            generate_site(site, args.reports)
        off, on = [], []
        for _ in range(args.runs):
            with_search(site, False)
            off.append(timed_build(site, work / "off"))
            with_search(site, True)
            on.append(timed_build(site, work / "on"))
        result = build(BuildOptions(source=site, output=work / "again"))
        started = time.process_time()
        files = index_files(result.site)
        index_cpu = time.process_time() - started
        same = digest(work / "on") == digest(work / "again")
        print(f"{len(result.site.reports)} reports; build without search {min(off):.2f} s, with search "
              f"{min(on):.2f} s (fastest of {args.runs}; medians {statistics.median(off):.2f} / "
              f"{statistics.median(on):.2f} s): search adds {min(on) - min(off):.2f} s; "
              f"index_files() alone {index_cpu:.2f} CPU s for {len(files)} files")
        print("index size:", size_report(work / "again"))
        print("two builds byte-identical (index included):", same)
        if args.browser:
            browser_figures(work / "again")


if __name__ == "__main__":
    main()
