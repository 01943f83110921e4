"""Page rendering at N reports: render CPU and wall time in a cold build and after a shared-template edit.

Generates a corpus (benchmarks/corpus.py), then
  1. cold: `build.build` with an empty cache (the render stage timed on its own: `output.write_site`);
  2. template edit in `serve`: a `serve.LiveSite` kept in memory builds once, the shared base
     template (copied into the site's theme) is edited, and the next build re-renders every page;
  3. config edit in `serve`: the same after a change of the config's title.
CPU is this process plus its worker processes (os.times: user + system, children included).

    python benchmarks/render_speed.py                     # 1,000 reports, jobs = cores
    python benchmarks/render_speed.py --reports 1000 --jobs 1 --runs 3
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))


def _cpu() -> float:
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


class Timer:
    """Wraps render.render_pages (the pages: memo, templates, writing them) to time it alone."""

    def __init__(self):
        self.samples: list[tuple[float, float]] = []

    def install(self):
        from congressgen import render

        original = render.render_pages

        def timed(*args, **kwargs):
            wall, cpu = time.perf_counter(), _cpu()
            try:
                return original(*args, **kwargs)
            finally:
                self.samples.append((time.perf_counter() - wall, _cpu() - cpu))

        render.render_pages = timed


def make_corpus(count: int, where: Path) -> Path:
    import corpus

    site = where / "site"
    corpus_dir = where / "corpus"
    argv = sys.argv
    try:
        sys.argv = ["corpus.py", str(count), str(corpus_dir), "--tools", "congressgen"]
        corpus.main()
    finally:
        sys.argv = argv
    shutil.copytree(corpus_dir / "congressgen", site)
    templates = site / "themes/default/templates"
    templates.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(REPO / "themes/default/templates/base.html", templates / "base.html")
    return site


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=1000)
    parser.add_argument("--jobs", type=int, default=None, help="render processes (default: one per core)")
    parser.add_argument("--runs", type=int, default=3, help="template and config edits, each")
    parser.add_argument("--site", type=Path, help="an existing congressgen site instead of a generated one")
    args = parser.parse_args()

    from congressgen.build import BuildOptions, build
    from congressgen.serve import LiveSite

    timer = Timer()
    timer.install()
    with tempfile.TemporaryDirectory(prefix="cg-render-") as tmp:
        tmp = Path(tmp)
        if args.site:
            site = tmp / "site"
            shutil.copytree(args.site, site)
            (site / "themes/default/templates").mkdir(parents=True, exist_ok=True)
            shutil.copyfile(REPO / "themes/default/templates/base.html",
                            site / "themes/default/templates/base.html")
        else:
            site = make_corpus(args.reports, tmp)
        result = build(BuildOptions(site, tmp / "out", jobs=args.jobs, check=False))
        wall, cpu = timer.samples[-1]
        print(f"cold build ({len(result.site.pages)} pages, jobs={args.jobs or os.cpu_count()}): "
              f"render {wall:.2f} s wall, {cpu:.2f} s CPU; build {result.seconds:.2f} s")

        live = LiveSite(site, tmp / "preview", "http://127.0.0.1:1/")
        if hasattr(live, "jobs"):          # (a congressgen from before render workers has none)
            live.jobs = args.jobs or os.cpu_count() or 1
        live.build()
        base = site / "themes/default/templates/base.html"
        config = site / "congressgen.yaml"
        original_base, original_config = base.read_text(encoding="utf-8"), config.read_text(encoding="utf-8")
        for what, path, edit in (
            ("template", base, lambda text, n: text.replace("</head>", f"<!-- edit {n} --></head>", 1)),
            ("config", config, lambda text, n: text.replace("title: ", f"title: 第{n}次", 1)),
        ):
            text = original_base if what == "template" else original_config
            walls, cpus, totals = [], [], []
            for n in range(args.runs):
                path.write_text(edit(text, n), encoding="utf-8")
                started = time.perf_counter()
                live.build()
                totals.append(time.perf_counter() - started)
                walls.append(timer.samples[-1][0])
                cpus.append(timer.samples[-1][1])
            path.write_text(text, encoding="utf-8")
            live.build()
            print(f"serve, {what} edit (median of {args.runs}, {live.rendered.rendered} pages rendered): "
                  f"render {statistics.median(walls):.2f} s wall, {statistics.median(cpus):.2f} s CPU; "
                  f"whole rebuild {statistics.median(totals):.2f} s")


if __name__ == "__main__":
    main()
