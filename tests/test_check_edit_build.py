"""The build's check after an edit (the check cache warm) refuses exactly what a cold build
refuses — the same errors and warnings in the same order — also when the error is in a report
that did not change (a link whose target was deleted or renamed), and lets the build through
again once the problem is gone."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from congressgen.build import BuildOptions, build
from congressgen.errors import BuildFailed

from conftest import MINIMAL_CONFIG, report_text, write


def write_report(root: Path, n: int, body: str) -> None:
    write(root / "content" / "reports" / f"r{n}.md",
          report_text(f"第{n}号报告", f"2024-03-1{n}", body, id=f"r{n}"))


@pytest.fixture
def site(tmp_path: Path) -> Path:
    root = tmp_path / "site"
    write(root / "congressgen.yaml", MINIMAL_CONFIG)
    for n in range(1, 6):
        write_report(root, n, f"一、工作回顾\n\n第{n}号报告正文。\n")
    write_report(root, 2, "一、工作回顾\n\n详见[第三号报告](r3.md)和[第四号报告](r4.md#sec-1)。\n")
    return root


def outcome(site: Path, out: Path, cache: bool = True) -> list[str] | None:
    """The diagnostics of a refused build (None: it was built)."""
    try:
        result = build(BuildOptions(site, out, jobs=1, cache=cache))
    except BuildFailed as exc:
        return [f"{d.location}|{d.severity}|{d.message}" for d in exc.diagnostics]
    return None if result else []


def cold(site: Path, tmp: Path) -> list[str] | None:
    copy = tmp / "cold-site"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(site, copy, ignore=shutil.ignore_patterns(".congressgen-cache"))
    return outcome(copy, tmp / "cold-out", cache=False)


@pytest.mark.parametrize("edit", ["target_deleted", "target_renamed", "anchor_gone", "broken_link_added"])
def test_an_error_an_edit_causes_is_reported_exactly_as_by_a_cold_build(site, tmp_path, edit):
    out = tmp_path / "out"
    assert outcome(site, out) is None
    if edit == "target_deleted":          # r2 unchanged: its link now leads nowhere
        (site / "content/reports/r3.md").unlink()
    elif edit == "target_renamed":
        (site / "content/reports/r3.md").rename(site / "content/reports/r30.md")
    elif edit == "anchor_gone":           # r4 has no section 1 any more
        write_report(site, 4, "没有标题的正文。\n")
    else:
        write_report(site, 5, "一、工作回顾\n\n见[不存在的页面](nothing.md)，电话 13812345678。\n")
    warm = outcome(site, out)
    assert warm, "the edit should make the build refuse"
    assert warm == cold(site, tmp_path)
    assert outcome(site, out) == warm       # and again, with everything cached


def test_an_error_that_goes_away_lets_the_warm_build_through(site, tmp_path):
    out = tmp_path / "out"
    assert outcome(site, out) is None
    target = site / "content/reports/r3.md"
    kept = target.read_text(encoding="utf-8")
    target.unlink()
    assert outcome(site, out)
    write(target, kept)
    assert outcome(site, out) is None
    assert cold(site, tmp_path) is None
