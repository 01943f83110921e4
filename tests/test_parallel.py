"""`--jobs N`: compile and QR work runs in worker processes, forked from a build with no
other thread and spawned otherwise (nothing relies on fork), and the output is byte for byte
the output of `--jobs 1` either way."""

from __future__ import annotations

from pathlib import Path

import pytest

from congressgen import compile as compile_module
from congressgen.build import BuildOptions, build
from congressgen.errors import BuildFailed

from conftest import report_text, run_cli, write
from test_cache import body, snapshot

COUNT = 24


@pytest.fixture(scope="module")
def many(tmp_path_factory) -> Path:
    from conftest import MINIMAL_CONFIG

    root = tmp_path_factory.mktemp("parallel") / "site"
    write(root / "congressgen.yaml", MINIMAL_CONFIG)
    for n in range(COUNT):
        column = "news" if n % 4 == 3 else "reports"
        write(root / "content" / column / f"p{n:03d}.md",
              report_text(f"并行第{n}号", f"2023-{1 + n % 12:02d}-{1 + n % 27:02d}", body(n),
                          tags=f"[标签{n % 5}, 标签{n % 3}]", id=f"p{n:03d}"))
    return root


@pytest.fixture
def parallel_always(monkeypatch):
    """Use the workers even for a small site, so the test stays fast."""
    monkeypatch.setattr(compile_module, "MIN_PARALLEL", 2)


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_jobs_2_output_equals_jobs_1(many, tmp_path, parallel_always, monkeypatch, method):
    monkeypatch.setattr(compile_module, "_start_method", lambda: method)
    one = build(BuildOptions(many, tmp_path / "one", jobs=1, cache=False))
    two = build(BuildOptions(many, tmp_path / "two", jobs=2, cache=False))
    assert one.stats.workers == 0 and two.stats.workers == 2
    assert two.stats.compiled == COUNT
    assert snapshot(tmp_path / "one") == snapshot(tmp_path / "two")


def test_workers_are_forked_only_when_no_other_thread_runs():
    import threading

    from congressgen.render import can_fork

    assert compile_module._start_method() == ("fork" if can_fork() and threading.active_count() == 1 else "spawn")
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        assert compile_module._start_method() == "spawn"     # e.g. the preview server's threads
    finally:
        stop.set()
        other.join()


def test_a_forked_worker_collects_garbage_though_the_build_had_the_collector_off(monkeypatch):
    """The build turns the collector off while it loads (build._build); a forked worker
    inherits that, and Markdown's trees are cyclic: each worker turns it back on."""
    import gc

    monkeypatch.setattr(compile_module, "_start_method", lambda: "fork")
    workers = compile_module.Workers(2)
    gc.disable()
    try:
        enabled = [workers.pool.submit(gc.isenabled).result() for _ in range(4)]
    finally:
        gc.enable()
        workers.close()
    assert enabled == [True] * 4


def test_worker_errors_are_reported_like_serial_ones(many, tmp_path, parallel_always):
    bad = many / "content" / "reports" / "zz-bad.md"
    write(bad, "---\ntitle: 坏文件\ndate: 不是日期\n---\n\n正文。\n")
    try:
        messages = []
        for jobs in (1, 2):
            with pytest.raises(BuildFailed) as caught:
                build(BuildOptions(many, tmp_path / f"bad{jobs}", jobs=jobs, cache=False))
            messages.append([str(d) for d in caught.value.diagnostics])
        assert messages[0] == messages[1]
        assert any(m.startswith("content/reports/zz-bad.md:3:") for m in messages[0])
        assert not (tmp_path / "bad2").exists()
    finally:
        bad.unlink()


def test_cli_jobs_option_end_to_end(many, tmp_path):
    """Through the installed console script; the site is big enough here only with a low
    threshold, so this checks the option and the spawn-safe entry point, not the speed."""
    for jobs in ("1", "2"):
        result = run_cli("build", "--source", str(many), "--output", str(tmp_path / jobs), "--jobs", jobs,
                         "--no-cache", "--quiet")
        assert result.returncode == 0, result.stderr
    assert snapshot(tmp_path / "1") == snapshot(tmp_path / "2")
    bad = run_cli("build", "--source", str(many), "--jobs", "0")
    assert bad.returncode == 2


def test_module_entry_point_is_spawn_safe(many, tmp_path, monkeypatch):
    """`python -m congressgen` re-imported by a spawned worker must not run the CLI again."""
    import subprocess
    import sys

    env_code = ("import congressgen.compile as b, runpy, sys; b.MIN_PARALLEL = 2; "
                "sys.argv = ['congressgen', 'build', '--source', sys.argv[1], '--output', sys.argv[2], "
                "'--jobs', '2', '--no-cache', '--quiet']; runpy.run_module('congressgen', run_name='__main__')")
    result = subprocess.run([sys.executable, "-c", env_code, str(many), str(tmp_path / "m")],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "m" / "index.html").is_file()
