"""The render stage's fast paths give exactly what the plain ones gave: relative URLs by
string segments equal posixpath.relpath's, pages rendered by worker processes equal pages
rendered in one, and the cheaper memo bookkeeping decides exactly as before."""

from __future__ import annotations

import itertools
import os
import posixpath
from pathlib import Path
from urllib.parse import quote

from congressgen.urls import relative_url


def reference_relative_url(from_path: str, to_path: str) -> str:
    """relative_url as it was, on posixpath.relpath (the behaviour to keep)."""
    target, mark, fragment = to_path.partition("#")
    if not target:
        return mark + fragment or "#"
    rel = posixpath.relpath(target, posixpath.dirname(from_path) or ".")
    rel += "/" if target.endswith("/") and not rel.endswith("/") else ""
    return quote(rel, safe="/._-~%") + mark + fragment


FROM = ["index.html", "404.html", "reports/index.html", "reports/2024/t1.html", "a/b/c/d.html",
        "reports/", "a//b.html", "a/./b.html", "a/../b.html", "./x.html", "中文/页.html", "reports/index"]
TO = ["", "#", "#top", "index.html", "reports/", "reports/index.html", "reports/2024/t1.html#s2",
      "reports/2024/", "reports/2025/t9.html", "a/b/c/d.html", "a/b/", "a/b", "a", "a/", "static/x.css",
      "../x.html", "./x.html", "a//b.html", "a/./b.html", "a/../b.html", "/", "/abs/x.html", "a//",
      "中文/页.html", "a b/c d.html", "reports", "reports/index", "x?y=1.html", "%E4.html", "a#b#c"]


def test_relative_url_equals_posixpath_relpath_for_every_pair():
    for source, target in itertools.product(FROM, TO):
        assert relative_url(source, target) == reference_relative_url(source, target), (source, target)


# --- pages rendered by forked workers --------------------------------------------------------

import pytest  # noqa: E402

from congressgen import render  # noqa: E402
from congressgen.build import BuildOptions, build  # noqa: E402
from congressgen.errors import CongressError  # noqa: E402
from congressgen.serve import LiveSite  # noqa: E402

from conftest import MINIMAL_CONFIG, REPO, write  # noqa: E402
from test_cache import make_site, snapshot  # noqa: E402
from test_seams import registered  # noqa: E402,F401 - a data source, a page kind, an output
from test_serve_live import CHANGES, URL, change, cold, site  # noqa: E402,F401


@pytest.fixture
def forked(monkeypatch):
    """Workers even for a small site (the threshold is for speed only); counts the forks."""
    if not render.can_fork():
        pytest.skip("render workers need fork")
    monkeypatch.setattr(render, "MIN_PARALLEL_PAGES", 2)
    forks = []
    real_fork = os.fork

    def fork():
        forks.append(1)
        return real_fork()

    monkeypatch.setattr(os, "fork", fork)
    return forks


def memo_meaning(folder: Path) -> dict:
    """The render memo of an output, as what it means: per page its base key and its reads."""
    from congressgen.cache import BuildCache
    from congressgen.renderdeps import load_memo

    memo = load_memo(BuildCache(folder.parent / "site" / ".congressgen-cache"), render.memo_name(folder, False))
    return {path: (entry.base, sorted((repr(memo.keys[i]), memo.digests[i]) for i in entry.reads))
            for path, entry in memo.pages.items()}


def small_site(tmp_path: Path) -> Path:
    write(tmp_path / "site" / "congressgen.yaml", MINIMAL_CONFIG)
    return make_site(tmp_path / "site", 12)


def test_workers_render_the_same_bytes_stats_and_memo_as_one_process(tmp_path, forked):
    root = small_site(tmp_path)
    results = {}
    for jobs in (1, 2, 3):
        out = tmp_path / f"out{jobs}"
        first = build(BuildOptions(root, out, jobs=jobs))
        assert first.stats.rendered > 3 and first.stats.reused == 0
        results[jobs] = (snapshot(out), first.stats.rendered_paths, memo_meaning(out))
        change_report = root / "content" / "reports" / "r01.md"
        text = change_report.read_text(encoding="utf-8")
        change_report.write_text(text + "\n新的一段。\n", encoding="utf-8")
        again = build(BuildOptions(root, out, jobs=jobs))
        change_report.write_text(text, encoding="utf-8")
        assert 0 < again.stats.rendered < first.stats.rendered
        results[jobs] += (snapshot(out), again.stats.rendered_paths, again.stats.reused)
        build(BuildOptions(root, out, jobs=jobs))        # back as it was, for the next jobs
    assert results[1] == results[2] == results[3]
    # in three builds each (none started the pool: each overlaps, output.write_site, its pages with
    # every job): jobs 2, the overlapped child and one render worker; jobs 3, the child and two
    assert len(forked) == 3 * (2 + 3)


def test_a_template_error_in_a_worker_is_the_error_one_process_reports(tmp_path, forked):
    root = small_site(tmp_path)
    base = (REPO / "themes/default/templates/article.html").read_text(encoding="utf-8")
    write(root / "themes/default/templates/article.html",
          base.replace("{% block main %}", "{% block main %}{{ page.report[page.report.id] }}", 1))
    messages = []
    for jobs in (1, 2):
        with pytest.raises(CongressError) as caught:
            build(BuildOptions(root, tmp_path / f"out{jobs}", jobs=jobs, check=False))
        messages.append(str(caught.value))
        assert not (tmp_path / f"out{jobs}").exists()
    # every article fails, each naming its own report: the first one in page order is reported
    assert messages[0] == messages[1] and "has no attribute 'r" in messages[0]
    assert forked


@pytest.mark.parametrize("what", CHANGES)
def test_preview_rendered_by_workers_equals_a_cold_build_after_each_kind_of_save(site, tmp_path, registered,  # noqa: F811
                                                                                  forked, what):
    live = LiveSite(site, tmp_path / "preview", URL, jobs=2)
    live.build()
    assert snapshot(live.output) == cold(site, tmp_path)
    change(site, what)
    live.build()
    assert snapshot(live.output) == cold(site, tmp_path)
    assert not (tmp_path / ".preview.pending").exists()
    assert forked


def test_live_output_replaces_files_atomically_and_removes_the_old_ones_afterwards(tmp_path):
    import time

    from congressgen.output import LiveOutput

    out = tmp_path / "preview"
    first = LiveOutput(out)
    first.write("a/page.html", b"old")
    first.commit()
    old_inode = (out / "a/page.html").stat().st_ino
    second = LiveOutput(out, first.paths, first.written)
    second.write("a/page.html", b"new")
    second.write("b.html", b"added")
    second.commit()
    assert (out / "a/page.html").read_bytes() == b"new" and (out / "b.html").read_bytes() == b"added"
    assert (out / "a/page.html").stat().st_ino != old_inode
    deadline = time.monotonic() + 10
    while list(tmp_path.glob(".preview.replaced-*")) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["preview"]
