"""Every output path has exactly one writer, or the build fails naming both sources
(issue 16, item 4). Each case is built as a clerk would (`congressgen build`); a failed build
leaves the previous output as it was."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote

import pytest

from conftest import MINIMAL_CONFIG, report_text, run_cli, write


def site(root: Path, permalink: str | None = None, extra_config: str = "") -> Path:
    config = MINIMAL_CONFIG + (f'permalink: "{permalink}"\n' if permalink else "") + extra_config
    write(root / "congressgen.yaml", config)
    write(root / "content/reports/ok.md", report_text(title="正常的报告", id="ok", tags="[监督]"))
    write(root / "content/news/n1.md", report_text(title="一条动态", date="2024-05-10", id="n1"))
    return root


def build(root: Path, out: Path):
    return run_cli("build", "--source", str(root), "--output", str(out), "--quiet")


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def assert_refused(root: Path, out: Path, *names: str) -> str:
    """A first good build, then the clash: the build fails naming both, and out/ is unchanged."""
    result = build(root, out)
    assert result.returncode == 1, result.stdout + result.stderr
    for name in names:
        assert name in result.stderr, (name, result.stderr)
    assert "两个来源" in result.stderr or "目录" in result.stderr
    return result.stderr


@pytest.fixture
def out(tmp_path) -> Path:
    return tmp_path / "out"


def _good_build_first(root: Path, out: Path) -> dict[str, bytes]:
    result = build(root, out)
    assert result.returncode == 0, result.stderr
    return snapshot(out)


def test_report_with_id_index_under_the_column_list_page(tmp_path, out):
    root = site(tmp_path / "site", "/{column}/{id}.html")
    before = _good_build_first(root, out)
    write(root / "content/reports/index.md", report_text(title="名叫index的报告", id="index"))
    stderr = assert_refused(root, out, "reports/index.html", "content/reports/index.md:1", "名叫index的报告",
                            "栏目“工作报告”的列表页", "content/reports/")
    assert "permalink" in stderr
    assert snapshot(out) == before


@pytest.mark.parametrize("ident,page,title", [("index", "index.html", "测试县人大常委会"),
                                              ("search", "search.html", "站内搜索"),
                                              ("archive", "archive.html", "文章归档")])
def test_report_replacing_home_or_search_page(tmp_path, out, ident, page, title):
    root = site(tmp_path / "site", "/{id}.html")
    before = _good_build_first(root, out)
    write(root / f"content/reports/{ident}-report.md", report_text(title="冲突的报告", id=ident))
    assert_refused(root, out, f"输出文件 {page} ", f"content/reports/{ident}-report.md:1", f"“{title}”页面")
    assert snapshot(out) == before


def test_column_folder_named_tags_and_the_tag_index(tmp_path, out):
    root = site(tmp_path / "site", extra_config="")
    before = _good_build_first(root, out)
    config = root / "congressgen.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace(
        "  news: {title: 人大动态}\n", "  news: {title: 人大动态}\n  tags: {title: 标签栏目}\n"), encoding="utf-8")
    write(root / "content/tags/t1.md", report_text(title="标签栏目里的文章", id="t1"))
    assert_refused(root, out, "tags/index.html", "栏目“标签栏目”的列表页", "content/tags/", "自动生成")
    assert snapshot(out) == before


def test_two_attachments_named_the_same_in_different_reports_stay_two_files(tmp_path, out):
    root = site(tmp_path / "site")
    for ident, data in (("a1", "甲,1\n"), ("a2", "乙,2\n")):
        write(root / f"content/reports/{ident}.md", report_text(
            title=f"报告{ident}", id=ident, attachments=f"\n  - {{file: {ident}/表.csv, title: 数据表}}"))
        write(root / f"content/reports/{ident}/表.csv", data)
    result = build(root, out)
    assert result.returncode == 0, result.stderr
    files = {path: data for path, data in snapshot(out).items() if path.endswith("表.csv")}
    assert sorted(files.values()) == sorted(["甲,1\n".encode(), "乙,2\n".encode()])
    assert len(files) == 2
    for ident, data in (("a1", "甲"), ("a2", "乙")):       # each page's link downloads its own data
        page = next(p for p in out.rglob(f"*_{ident}.html"))
        hrefs = {unquote(h) for h in re.findall(r'href="([^"]+)"', page.read_text(encoding="utf-8"))}
        [target] = [h for h in hrefs if h.endswith("表.csv")]
        assert (page.parent / target).read_bytes() == data.encode() + b",%d\n" % (1 if ident == "a1" else 2)


def test_bundle_file_named_like_the_report_page(tmp_path, out):
    root = site(tmp_path / "site", "/{column}/{id}/")
    before = _good_build_first(root, out)
    write(root / "content/reports/ok/index.html", "<p>覆盖页面</p>")
    assert_refused(root, out, "reports/ok/index.html", "content/reports/ok.md", "content/reports/ok/index.html", "附件")
    assert snapshot(out) == before


def test_static_file_named_like_a_generated_page_case_insensitively(tmp_path, out):
    root = site(tmp_path / "site")
    before = _good_build_first(root, out)
    write(root / "static/Search.html", "<p>自己的搜索页</p>")       # one file on Windows and macOS
    assert_refused(root, out, "static/Search.html", "“站内搜索”页面")
    assert snapshot(out) == before


def test_a_file_where_another_output_needs_a_folder(tmp_path, out):
    root = site(tmp_path / "site")
    before = _good_build_first(root, out)
    write(root / "static/reports", "不是目录")
    stderr = assert_refused(root, out, "static/reports", "所在的目录")
    assert stderr.count("错误") == 1          # one clash reported once, not once per file below it
    assert snapshot(out) == before


def test_several_clashes_are_all_reported(tmp_path, out):
    root = site(tmp_path / "site", "/{id}.html")
    write(root / "content/reports/x.md", report_text(title="甲", id="index"))
    write(root / "content/reports/y.md", report_text(title="乙", id="search"))
    result = build(root, out)
    assert result.returncode == 1
    assert "content/reports/x.md:1" in result.stderr and "content/reports/y.md:1" in result.stderr
    assert not out.exists()


def test_check_lists_the_same_clash_with_a_stable_rule_id(tmp_path):
    import json

    root = site(tmp_path / "site", "/{column}/{id}.html")
    write(root / "content/reports/index.md", report_text(title="名叫index的报告", id="index"))
    result = run_cli("check", "--source", str(root), "--format", "json")
    found = [f for f in json.loads(result.stdout) if f["rule"] == "output-collision"]
    assert result.returncode == 1
    assert [(f["path"], f["line"], f["severity"]) for f in found] == [("content/reports/index.md", 1, "error")]
    assert "reports/index.html" in found[0]["message"] and "栏目“工作报告”的列表页" in found[0]["message"]


def test_the_quick_path_test_never_misses_a_clash_find_collisions_reports():
    """refuse_collisions makes the claims only when may_collide says a clash is possible: on
    random path sets, whenever find_collisions reports one, may_collide said so."""
    import random

    from congressgen.collisions import Claim, GENERATED, find_collisions, may_collide
    from congressgen.errors import Location

    rng = random.Random(17)
    parts = ["a", "A", "b", "index.html", "Index.html", "x.json", "é", "e\u0301", "tags"]
    for _ in range(3000):
        paths = ["/".join(rng.choice(parts) for _ in range(rng.randint(1, 3))) for _ in range(rng.randint(1, 6))]
        claims = [Claim(p, f"w{n}", Location(p), GENERATED) for n, p in enumerate(paths)]
        assert may_collide(paths) == bool(find_collisions(claims)), paths
