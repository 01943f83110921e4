"""Benchmark: `congressgen stats ingest` on a generated 1,000,000-line nginx combined log.

    python benchmarks/stats_ingest.py [--lines 1000000] [--keep DIR]

Copies the demo site (config + content) to a temporary folder, writes a log whose mix looks
like a small government site's (article views with and without query strings, attachment
downloads and ranges, assets, list pages, bots, 404s, HEAD/POST, 304s, a few broken lines),
then ingests it in a fresh child process and reports lines per second (one core: the
ingestion is single-threaded), peak memory (the child's maximum resident set) and the
store's size. It ingests the same log a second time to show that nothing is added.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

BROWSERS = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{v}.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{v}.0.0.0 Safari/537.36 Edg/{v}.0.0.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_{v} like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.{v}(0x18003030) NetType/WIFI Language/zh_CN",
    "Mozilla/5.0 (Linux; Android 14; V2{v}A Build/UP1A; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/{v}.0.6261.120 Mobile Safari/537.36 XWEB/1160065 MMWEBSDK/20240301 MicroMessenger/8.0.48",
    "Mozilla/5.0 (X11; Linux x86_64; rv:{v}.0) Gecko/20100101 Firefox/{v}.0",
]
BOTS = [
    "Mozilla/5.0 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)",
    "Sogou web spider/4.0(+http://www.sogou.com/docs/help/webmasters.htm#07)",
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Mozilla/5.0 (Linux; Android 5.0) AppleWebKit/537.36 (KHTML, like Gecko) Mobile Safari/537.36 (compatible; Bytespider; spider-feedback@bytedance.com)",
    "curl/8.5.0",
]


def demo_site(root: Path) -> Path:
    site = root / "site"
    site.mkdir()
    shutil.copy(REPO / "congressgen.yaml", site / "congressgen.yaml")
    shutil.copytree(REPO / "content", site / "content")
    return site


def site_targets(site: Path):
    sys.path.insert(0, str(REPO / "src"))
    from congressgen.config import load_config
    from congressgen.stats.urlmap import DOWNLOAD, load_url_map

    config, _ = load_config(site)
    urlmap = load_url_map(config)
    base = config.base_path
    quote = __import__("urllib.parse", fromlist=["quote"]).quote
    pages = [base + quote(p) for p, t in urlmap.targets.items() if t.kind != DOWNLOAD]
    files = [(base + quote(p), t.size) for p, t in urlmap.targets.items() if t.kind == DOWNLOAD]
    others = [base + p.replace("index.html", "") for p in sorted(urlmap.pages)]
    assets = [base + p for p in sorted(urlmap.assets)]
    return pages, files, others, assets


def generate(path: Path, lines: int, site: Path, seed: int = 5) -> None:
    rng = random.Random(seed)
    pages, files, others, assets = site_targets(site)
    start = dt.datetime(2025, 3, 1, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    step = 30 * 86400 / lines
    queries = ["", "", "", "?from=singlemessage", "?from=timeline&isappinstalled=0", "?spm=a1.b2"]
    with open(path, "w", encoding="utf-8", newline="\n") as out:
        for i in range(lines):
            when = (start + dt.timedelta(seconds=i * step)).strftime("%d/%b/%Y:%H:%M:%S %z")
            ip = f"{rng.randrange(1, 224)}.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"
            ua = rng.choice(BROWSERS).format(v=rng.randrange(100, 130))
            method, status, size, referer = "GET", 200, rng.randrange(8000, 60000), "-"
            roll = rng.random()
            if roll < 0.45:
                target = rng.choice(pages) + rng.choice(queries)
            elif roll < 0.47:
                target, size = rng.choice(files)
            elif roll < 0.48:
                target, full = rng.choice(files)
                start_byte = rng.choice([0, 0, 512])
                status, size = 206, full - start_byte
            elif roll < 0.73:
                target = rng.choice(assets)
            elif roll < 0.81:
                target = rng.choice(others)
            elif roll < 0.89:
                target, ua = rng.choice(pages), rng.choice(BOTS)
            elif roll < 0.93:
                target, status, size = f"/wp-login.php?x={rng.randrange(10**6)}", 404, 153
            elif roll < 0.96:
                target, method = rng.choice(pages), rng.choice(["HEAD", "POST"])
            elif roll < 0.98:
                target, status, size = rng.choice(pages), 304, 0
            elif roll < 0.999:
                target = rng.choice(pages)
                referer = "https://www.baidu.com/link?url=" + "".join(rng.choice("abcdefXYZ0123") for _ in range(40))
            else:
                out.write(f"{ip} - - [{when}] \"GET {rng.choice(pages)}\n")   # cut off
                continue
            out.write(f'{ip} - - [{when}] "{method} {target} HTTP/1.1" {status} {size} "{referer}" "{ua}"\n')


def child(site: Path, log: Path) -> None:
    """Runs in a fresh process so that its peak memory is the ingestion's own."""
    import resource

    sys.path.insert(0, str(REPO / "src"))
    from congressgen.config import load_config
    from congressgen.stats.ingest import ingest_file, make_scanner
    from congressgen.stats.store import StatsStore, db_path

    config, _ = load_config(site)
    store = StatsStore(db_path(config))
    scanner = make_scanner(config, store, "combined")
    before_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss     # Python, the compiled site
    runs = []
    for _ in range(2):
        started, cpu = time.perf_counter(), time.process_time()
        result = ingest_file(log, scanner, store)
        runs.append({"seconds": time.perf_counter() - started, "cpu": time.process_time() - cpu,
                     "lines": result.lines, "views": result.views,
                     "downloads": result.downloads, "skipped": result.skipped})
    store.close()
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"runs": runs, "peak_rss_mib": peak_kib / 1024, "before_rss_mib": before_kib / 1024,
                      "db_mib": db_path(config).stat().st_size / 2**20}))


def rate(run: dict) -> str:
    """Lines per CPU second of the one ingesting core (what the machine's other load cannot
    change), and per wall-clock second as measured."""
    return (f"{run['lines'] / run['cpu']:,.0f} lines/s of CPU time ({run['cpu']:.2f} s), "
            f"{run['lines'] / run['seconds']:,.0f} lines/s wall ({run['seconds']:.2f} s)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--keep", type=Path, help="keep the generated site and log in this folder")
    parser.add_argument("--child", nargs=2, type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    root = Path(tempfile.mkdtemp(prefix="stats-bench-")) if not args.keep else args.keep
    root.mkdir(parents=True, exist_ok=True)
    try:
        site = demo_site(root)
        log = root / "access.log"
        started = time.perf_counter()
        generate(log, args.lines, site)
        print(f"generated {args.lines:,} lines ({log.stat().st_size / 2**20:.0f} MiB) in {time.perf_counter() - started:.1f} s")
        out = subprocess.run([sys.executable, __file__, "--child", str(site), str(log)],
                             check=True, capture_output=True, text=True).stdout
        report = json.loads(out.strip().splitlines()[-1])
        first, second = report["runs"]
        print(f"first ingest:  {rate(first)}, views {first['views']:,}, downloads {first['downloads']:,}")
        print("  skipped: " + ", ".join(f"{k} {v:,}" for k, v in first["skipped"].items() if v))
        print(f"second ingest: {rate(second)}, views {second['views']:,}, downloads {second['downloads']:,}, duplicates {second['skipped']['duplicate']:,}")
        print(f"peak memory (max RSS of the ingesting process): {report['peak_rss_mib']:.0f} MiB, "
              f"of which {report['before_rss_mib']:.0f} MiB before reading the log (Python and the compiled site); "
              f"store size: {report['db_mib']:.1f} MiB")
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
