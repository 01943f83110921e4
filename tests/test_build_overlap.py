"""A cold build with several jobs stages the pages while forked processes run the check and
write the search index, the attachments and the static files (`output.write_site`,
`output.overlaps`). The output is byte for byte that of `--jobs 1`, a refusal found in a
forked process is reported once with its location, and the published output stays as it was."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

from congressgen import compile as compile_module
from congressgen import output as output_module
from congressgen import render as render_module
from congressgen.build import BuildOptions, build
from congressgen.errors import BuildFailed, CongressError

from conftest import MINIMAL_CONFIG, report_text, write
from test_cache import body, snapshot

COUNT = 12


def make_site(root: Path) -> Path:
    write(root / "congressgen.yaml", MINIMAL_CONFIG)
    write(root / "static/own.txt", "网站自己的文件\n")
    for n in range(COUNT):
        column = "news" if n % 4 == 3 else "reports"
        extra = {"attachments": f"[{{file: p{n:03d}.txt, title: 附件{n}}}]"} if n % 5 == 0 else {}
        if extra:
            write(root / "content" / column / f"p{n:03d}.txt", f"附件{n}的正文。\n")
        write(root / "content" / column / f"p{n:03d}.md",
              report_text(f"重叠第{n}号", f"2023-{1 + n % 12:02d}-{1 + n % 27:02d}", body(n),
                          tags=f"[标签{n % 5}, 标签{n % 3}]", id=f"p{n:03d}", **extra))
    return root


@pytest.fixture
def site(tmp_path) -> Path:
    return make_site(tmp_path / "site")


@pytest.fixture
def overlapping(monkeypatch):
    """Overlap (start the pool, fork render workers) even for a small site; counts the
    overlapped writes (a cold build, and an edit's, whose pool never starts)."""
    monkeypatch.setattr(compile_module, "MIN_PARALLEL", 2)
    monkeypatch.setattr(render_module, "MIN_PARALLEL_PAGES", 1)
    calls = []
    original = output_module._write_together

    def spy(*args, **kwargs):
        calls.append(os.getpid())
        return original(*args, **kwargs)

    monkeypatch.setattr(output_module, "_write_together", spy)
    return calls


def _leak(site: Path) -> tuple[Path, int, int]:
    """A report with an error-level check finding (an ID-card number); its file, line and column."""
    text = report_text("泄露", "2023-05-05", "一、工作回顾\n\n申请人身份证号110101199003071233。\n", id="leak")
    write(site / "content/reports/leak.md", text)
    lines = text.split("\n")
    line = next(i for i, x in enumerate(lines, 1) if "110101199003071233" in x)
    return site / "content/reports/leak.md", line, lines[line - 1].index("110101199003071233") + 1


@pytest.mark.parametrize("cache", [True, False])
def test_jobs_1_2_and_3_write_the_same_bytes(site, tmp_path, overlapping, cache):
    outputs, counts = {}, set()
    for jobs in (1, 2, 3):
        shutil.rmtree(site / ".congressgen-cache", ignore_errors=True)       # each a cold build
        result = build(BuildOptions(site, tmp_path / f"out{jobs}", jobs=jobs, cache=cache))
        outputs[jobs] = snapshot(tmp_path / f"out{jobs}")
        counts.add((result.written.written, result.written.unchanged, result.stats.rendered))
    assert len(overlapping) == 2                       # jobs 2 and 3 overlapped, jobs 1 did not
    assert outputs[1] == outputs[2] == outputs[3]
    assert len(counts) == 1                            # the files written by the children are counted
    assert any(p.startswith("static/") for p in outputs[1]) and "own.txt" in outputs[1]
    assert any(p.endswith(".txt") and p.startswith(("reports/", "news/")) for p in outputs[1])
    assert any(p.startswith("_search/") or "search" in p for p in outputs[1] if p.endswith(".json"))


def test_a_warm_rebuild_after_an_overlapped_cold_build_equals_a_cold_one(site, tmp_path, overlapping):
    build(BuildOptions(site, tmp_path / "warm", jobs=2))
    path = site / "content/reports/p001.md"
    path.write_text(path.read_text(encoding="utf-8") + "\n新增的一段话。\n", encoding="utf-8")
    build(BuildOptions(site, tmp_path / "warm", jobs=2))
    build(BuildOptions(site, tmp_path / "cold", jobs=1, cache=False))
    assert snapshot(tmp_path / "warm") == snapshot(tmp_path / "cold")


def test_an_edit_whose_pool_never_started_overlaps_too_and_equals_a_cold_build(site, tmp_path, overlapping,
                                                                              monkeypatch):
    """One report edited: too few to start the pool, yet the check and the search index still run
    in a forked process while the pages render (`output.overlaps`), with the bytes of a cold build."""
    build(BuildOptions(site, tmp_path / "warm", jobs=2))
    path = site / "content/reports/p001.md"
    path.write_text(path.read_text(encoding="utf-8") + "\n又新增的一段话。\n", encoding="utf-8")
    monkeypatch.setattr(compile_module, "MIN_PARALLEL", 10_000)      # as for an edit at any size
    again = build(BuildOptions(site, tmp_path / "warm", jobs=2))
    assert not again.stats.workers and again.stats.compiled == 1
    assert len(overlapping) == 2
    build(BuildOptions(site, tmp_path / "cold", jobs=1, cache=False))
    assert snapshot(tmp_path / "warm") == snapshot(tmp_path / "cold")


def test_an_edits_pages_may_use_every_job_while_a_cold_builds_leave_one_to_the_child(site, tmp_path, overlapping,
                                                                                     monkeypatch):
    """A cold build's child works as long as the pages: they render in `jobs - 1` processes. An
    edit's child is short, so its pages get every job (forked only when many are to be rendered)."""
    jobs_seen = []
    original = render_module.render_pages

    def spy(*args):
        jobs_seen.append(args[-1])
        return original(*args)

    monkeypatch.setattr(render_module, "render_pages", spy)
    build(BuildOptions(site, tmp_path / "out", jobs=2))
    path = site / "content/reports/p002.md"
    path.write_text(path.read_text(encoding="utf-8") + "\n再新增的一段话。\n", encoding="utf-8")
    monkeypatch.setattr(compile_module, "MIN_PARALLEL", 10_000)
    build(BuildOptions(site, tmp_path / "out", jobs=2))
    assert len(overlapping) == 2 and jobs_seen == [1, 2]
    build(BuildOptions(site, tmp_path / "cold", jobs=1, cache=False))
    assert snapshot(tmp_path / "out") == snapshot(tmp_path / "cold")


def test_an_edit_with_a_check_error_publishes_nothing_when_overlapped(site, tmp_path, overlapping):
    out = tmp_path / "out"
    build(BuildOptions(site, out, jobs=2))
    before = snapshot(out)
    leak, line, col = _leak(site)
    with pytest.raises(BuildFailed) as failed:
        build(BuildOptions(site, out, jobs=2))
    assert len(overlapping) == 2
    assert [(d.location.line, d.location.col) for d in failed.value.diagnostics
            if d.severity == "error" and d.location.path.endswith("leak.md")] == [(line, col)]
    assert snapshot(out) == before


def test_a_check_error_found_while_the_pages_render_is_reported_once_and_publishes_nothing(
        site, tmp_path, overlapping):
    out = tmp_path / "out"
    build(BuildOptions(site, out, jobs=2))
    before = snapshot(out)
    leak, line, col = _leak(site)
    messages = {}
    for jobs in (1, 2):
        with pytest.raises(BuildFailed) as caught:
            build(BuildOptions(site, out, jobs=jobs, cache=False))
        messages[jobs] = [str(d) for d in caught.value.diagnostics]
    assert len(overlapping) == 2                       # the good build and the refused jobs-2 build
    assert messages[1] == messages[2]
    found = [m for m in messages[2] if "pii-id-number" in m]
    assert len(found) == 1 and found[0].startswith(f"content/reports/leak.md:{line}:{col}:")
    assert snapshot(out) == before                     # the published output as it was
    assert not any(p.name.startswith(".out.") for p in tmp_path.iterdir())   # no staging left
    leak.unlink()
    build(BuildOptions(site, out, jobs=2, cache=False))
    assert snapshot(out) == before


def test_the_check_error_comes_before_a_template_error_as_with_one_job(site, tmp_path, overlapping):
    _leak(site)
    write(site / "themes/default/templates/article.html",
          '{% extends "builtin/article.html" %}\n{% block main %}\n{{ report.nosuchfield }}\n{% endblock %}\n')
    for jobs in (1, 2):
        with pytest.raises(BuildFailed) as caught:
            build(BuildOptions(site, tmp_path / f"out{jobs}", jobs=jobs, cache=False))
        assert any("pii-id-number" in str(d) for d in caught.value.diagnostics)
        assert not (tmp_path / f"out{jobs}").exists()
    (site / "content/reports/leak.md").unlink()
    for jobs in (1, 2):        # without the check error the template error is the one reported
        with pytest.raises(CongressError) as caught:
            build(BuildOptions(site, tmp_path / f"out{jobs}", jobs=jobs, cache=False))
        assert "article.html:3" in str(caught.value)
        assert not (tmp_path / f"out{jobs}").exists()


def test_a_collision_is_still_refused_when_the_files_are_written_aside(site, tmp_path, overlapping):
    out = tmp_path / "out"
    build(BuildOptions(site, out, jobs=2))
    before = snapshot(out)
    write(site / "static/Search.html", "<p>自己的搜索页</p>")
    with pytest.raises(CongressError) as caught:
        build(BuildOptions(site, out, jobs=2, cache=False))
    assert len(overlapping) == 2
    assert "static/Search.html" in str(caught.value)
    assert snapshot(out) == before


def test_a_forked_part_that_dies_is_done_again_by_the_build(site, tmp_path, overlapping, monkeypatch):
    """A child killed mid-way (here: it exits at once) hands nothing back; the parent does
    its part itself, so the output and the refusal are the same."""
    parent = os.getpid()
    real_write = output_module._write_generated

    def dying(site_model, cache, staged, *more):
        if os.getpid() != parent:
            os._exit(3)
        return real_write(site_model, cache, staged, *more)

    monkeypatch.setattr(output_module, "_write_generated", dying)
    build(BuildOptions(site, tmp_path / "one", jobs=1, cache=False))
    build(BuildOptions(site, tmp_path / "two", jobs=2, cache=False))
    assert len(overlapping) == 1
    assert snapshot(tmp_path / "one") == snapshot(tmp_path / "two")


def test_the_cache_is_packed_and_pruned_by_the_overlapped_build(site, tmp_path, overlapping):
    """The pack of compiled reports is written in a forked process: after the build the
    cache holds it and no single report files, and the next build takes every report from it."""
    first = build(BuildOptions(site, tmp_path / "out", jobs=2))
    assert first.stats.compiled == COUNT and len(overlapping) == 1
    cache = site / ".congressgen-cache"
    assert (cache / "reports.pack").is_file()
    assert not [p for p in (cache / "reports").rglob("*") if p.is_file()]
    again = build(BuildOptions(site, tmp_path / "out2", jobs=2))
    assert again.stats.compiled == 0 and again.stats.cached == COUNT
    assert snapshot(tmp_path / "out") == snapshot(tmp_path / "out2")


@pytest.mark.skipif(not render_module.can_fork(), reason="needs fork")
@pytest.mark.parametrize("jobs", [1, 2, 3])
def test_forked_pool_maps_in_order_and_redoes_a_dead_share(jobs):
    """The check's per-report rules inside the overlapped build run through `ForkedPool`."""
    parent = os.getpid()

    def square(n):
        if n == 7 and os.getpid() != parent:
            os._exit(3)                                # a share dies in its child: done here again
        return n * n

    pool = output_module.ForkedPool(jobs)
    assert pool.pool.map(square, range(10)) == [n * n for n in range(10)]
    assert pool.pool.map(square, []) == []
    assert pool.wanted(1000) == (jobs > 1)


@pytest.mark.skipif(not render_module.can_fork(), reason="needs fork")
def test_a_child_with_a_big_result_exits_before_the_parents_share_is_done(tmp_path):
    """A forked child's result is read as it comes: a child handing back more than a pipe
    holds is gone (its memory freed) while this process still works on its own share."""
    noted = tmp_path / "pid"

    def work(size):
        noted.write_text(str(os.getpid()))
        return b"x" * size

    def here(_share):
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if noted.is_file() and noted.read_text():
                with open(f"/proc/{noted.read_text()}/stat", "rb") as stat:
                    if stat.read().rsplit(b")", 1)[1].split()[0] == b"Z":     # exited, not yet reaped
                        return "exited first"
            time.sleep(0.01)
        return "still running"

    assert render_module.in_forked_processes([None, 4 << 20], work, here) == ["exited first", b"x" * (4 << 20)]
