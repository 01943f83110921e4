"""CPU time of a cold build's pre-build check and share QR codes on a generated site
(targets at 1,000 reports: check ≤ 1.0 s, QR codes ≤ 0.4 s; issue 17).

    python benchmarks/check_qr_speed.py                  # 1,000 reports, generated in a temp folder
    python benchmarks/check_qr_speed.py --reports 5000
    python benchmarks/check_qr_speed.py --site /tmp/perf-check-site    # an existing site

The site is loaded once (compile and model, not timed); then, with no build cache:
`check.errors_for_build` in this process and with two worker processes (the build's
`compile.Workers`, already started as in a cold build), and `compile.attach_qr_codes` in
this process. "before"-style lines time the straightforward paths the fast ones replace
(the HTML parser over every body; segno's own encoder and SVG writer) on the same input.
CPU figures are this process's (`time.process_time`), medians of --runs; wall times on a
shared machine include waiting for other processes.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))


def measure(work, runs: int) -> tuple[float, float]:
    cpu, wall = [], []
    for _ in range(runs):
        wall_start, cpu_start = time.perf_counter(), time.process_time()
        work()
        cpu.append(time.process_time() - cpu_start)
        wall.append(time.perf_counter() - wall_start)
    return statistics.median(cpu), statistics.median(wall)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reports", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--site", type=Path, help="an existing congressgen site (else one is generated)")
    args = parser.parse_args()

    import segno

    from congressgen.activecontent import _HtmlScan, html_active
    from congressgen.check import errors_for_build
    from congressgen.compile import QR_TITLE, Workers, attach_qr_codes
    from congressgen.content import TZ
    from congressgen.loading import load_site
    from congressgen.qr import qr_svg

    site_root = args.site
    if site_root is None:
        from corpus import generate

        site_root = generate(args.reports, Path(tempfile.mkdtemp(prefix="congressgen-checkqr-")),
                             tools=("congressgen",))["congressgen"]
    loaded = load_site(site_root, now=dt.date(2026, 11, 30))
    now = dt.datetime(2026, 11, 30, tzinfo=TZ)
    count = len(loaded.site.reports)
    print(f"site: {site_root} ({count} reports)")

    def check(workers=None):
        extra = {"workers": workers} if workers is not None else {}     # (a congressgen before workers ran the check: none)
        problems = errors_for_build(loaded.config, loaded.compiled, loaded.site, now=now, **extra)
        assert not problems, problems[:3]

    cpu, wall = measure(check, args.runs)
    print(f"check, one process:        {cpu:6.2f} s CPU ({wall:.2f} s wall)   target ≤ 1.0 s")
    workers = Workers(2)
    try:
        check(workers)                      # start the pool and import the rules in it, as a build has
        cpu, wall = measure(lambda: check(workers), args.runs)
        print(f"check, 2 worker processes: {cpu:6.2f} s CPU in this process, {wall:.2f} s wall")
    except TypeError:
        print("check, 2 worker processes: not in this congressgen")
    finally:
        workers.close()

    bodies = [c.body_html for c in loaded.compiled]

    def parser_only():
        for body in bodies:
            scan = _HtmlScan()
            scan.feed(body)
            scan.close()

    before, _ = measure(parser_only, args.runs)
    after, _ = measure(lambda: [html_active(b) for b in bodies], args.runs)
    print(f"active content in the HTML: before (HTML parser) {before:.2f} s CPU, after (pre-scan) {after:.3f} s")

    cpu, wall = measure(lambda: attach_qr_codes(loaded.site, None, None), args.runs)
    print(f"QR codes, one process:     {cpu:6.2f} s CPU ({wall:.2f} s wall)   target ≤ 0.4 s")
    urls = [r.url for r in loaded.site.reports]

    def segno_only():
        for url in urls:
            segno.make(url, error="m", micro=False).svg_inline(
                scale=3, border=2, dark="#000", light="#fff", title=QR_TITLE, svgclass="qr", lineclass=None,
                omitsize=True)

    before, _ = measure(segno_only, 1)
    after, _ = measure(lambda: [qr_svg(url, QR_TITLE) for url in urls], args.runs)
    print(f"QR codes: before (segno.make + svg_inline) {before:.2f} s CPU, after (congressgen.qr) {after:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
