"""三审三校 in `congressgen check`: a site that requires review gets an error for a published
report that lacks a stage or changed after one; `build` keeps its own gate (--allow-unreviewed)."""

from __future__ import annotations

import pytest

from conftest import report_text, run_cli, write
from congressgen.check import run_check
from congressgen.config import load_config
from congressgen.errors import Location

review = pytest.importorskip("congressgen.review")   # the review stage (its own issue)


def review_findings(root):
    config, _ = load_config(root)
    return [f for f in run_check(config).findings if f.rule == "review-missing"]


@pytest.fixture
def reviewed_site(site_dir):
    config = site_dir / "congressgen.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "review:\n  required: true\n", encoding="utf-8")
    path = write(site_dir / "content/reports/a.md", report_text(body="一、工作回顾\n\n正文。\n"))
    write(site_dir / "content/reports/b.md", report_text(body="一、工作回顾\n\n草稿。\n", draft="true"))
    return site_dir, path


def test_missing_stages_then_signed_then_changed(reviewed_site):
    site_dir, path = reviewed_site
    missing = review_findings(site_dir)
    assert [(f.path, f.line, f.severity) for f in missing] == [("content/reports/a.md", 1, "error")] * 3
    assert all(stage in " ".join(f.message for f in missing) for stage in ("初审", "复审", "终审"))

    policy = review.ReviewPolicy.from_config({"required": True}, Location("congressgen.yaml"))
    for stage in ("初审", "复审", "终审"):
        review.record(path, "content/reports/a.md", stage, "张三", policy)
    assert review_findings(site_dir) == []

    path.write_text(path.read_text(encoding="utf-8").replace("正文。", "改过的正文。"), encoding="utf-8")
    stale = review_findings(site_dir)
    review_line = path.read_text(encoding="utf-8").split("\n").index("review:") + 1
    assert len(stale) == 3 and {(f.line, f.col) for f in stale} == {(review_line, 1)}
    assert "内容已修改" in stale[0].message


def test_build_keeps_its_own_gate_and_override(reviewed_site):
    site_dir, _ = reviewed_site
    refused = run_cli("build", cwd=site_dir)
    allowed = run_cli("build", "--allow-unreviewed", cwd=site_dir)
    assert refused.returncode == 1 and "初审" in refused.stderr
    assert allowed.returncode == 0, allowed.stderr
