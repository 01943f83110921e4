"""`congressgen import` of plain-text and Markdown reports, and the importer's pure parts:
escaping that keeps every character, the opening-line guesses, ids."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest

from conftest import MINIMAL_CONFIG, run_cli, write
from congressgen.build import BuildOptions, build
from congressgen.config import load_config
from congressgen.content import ID_PATTERN, parse_source, read_source
from congressgen.importer import (ImportOptions, escape_line_start, escape_text, parse_dateline, plan_import,
                                  split_run_in, text_paragraphs)
from congressgen.markdown import BodyRenderer

# ----------------------------------------------------------------------------- escaping

TRICKY = [
    "我受*镇人大主席团委托……助力*经济", "镇长**同志和李**同志", "a_b__c", "<b>x</b> & R&amp;D &#123;",
    "[1](x) [^1]", "`code`", "# 号", "> 引用", "- 项", "+ 项", "* 项", "2024. 年", "---", "- - -", "___",
    "| a | b |", "\\ 反斜杠 \\*", "C:\\path\\_x", "{: .x}", "1) 项", "***", "<!-- 注释 -->", "&nbsp;",
    "http://a_b__c.example/x?a=1&b=2", "面积10m2，增长5.2%。", "#3号地块", "=== 分隔 ===",
]


@pytest.mark.parametrize("text", TRICKY)
def test_escaped_plain_text_renders_to_exactly_itself(text):
    assert BodyRenderer().render(escape_line_start(escape_text(text))).text == text


def test_asterisks_are_all_escaped_beside_bold_only():
    assert escape_text("*镇") == "*镇"                       # redaction marks stay readable
    assert escape_text("张*", all_asterisks=True) == "张\\*"
    markdown = "**重点：**" + escape_text("张*同志", all_asterisks=True)
    assert BodyRenderer().render(markdown).html == "<p><strong>重点：</strong>张*同志</p>"


@pytest.mark.parametrize("paragraph, rendered_text", [
    ("（一）全力推进重点地块开发。#3号地块年内出让。", "#3号地块年内出让。"),
    ("一、主要工作。- 横线开头的说明。", "- 横线开头的说明。"),
    ("二、其他工作。> 引号开头。", "> 引号开头。"),
])
def test_run_in_text_after_a_numbered_heading_keeps_its_characters(paragraph, rendered_text):
    lines = split_run_in(escape_text(paragraph))
    assert len(lines) == 2
    rendered = BodyRenderer().render("\n\n".join(lines))
    assert rendered_text in rendered.text.split("\n")
    assert len(rendered.outline.entries) == 1


def test_ordinary_numbered_paragraph_is_left_whole_for_the_build():
    assert split_run_in("一、坚持依法履职。今年以来，主席团……") == ["一、坚持依法履职。今年以来，主席团……"]


def test_outline_numbering_is_not_escaped():
    assert escape_line_start("1.深化联络站建设。") == "1.深化联络站建设。"
    assert escape_line_start("2024. 年") == "2024\\. 年"


# ----------------------------------------------------------------------------- opening lines

@pytest.mark.parametrize("line, date, session", [
    ("——2024年4月26日在青山镇第十届人民代表大会第六次会议上", "2024-04-26", "青山镇第十届人民代表大会第六次会议"),
    ("（2024年1月19日在示例县第十八届人民代表大会第四次会议上）", "2024-01-19", "示例县第十八届人民代表大会第四次会议"),
    ("——二〇二四年一月十九日在示例县第十八届人民代表大会第四次会议上", "2024-01-19", "示例县第十八届人民代表大会第四次会议"),
    ("— 2025年 2月 3日 在××镇第十一届人民代表大会第一次会议上", "2025-02-03", "××镇第十一届人民代表大会第一次会议"),
    ("2024年12月31日", "2024-12-31", ""),
])
def test_dateline_gives_date_and_session(line, date, session):
    assert parse_dateline(line) == (dt.date.fromisoformat(date), session)


@pytest.mark.parametrize("line", ["2024年4月26日，镇政府召开专题会议。", "2024年2月30日在某会议上", "一、2024年工作回顾"])
def test_dateline_ignores_ordinary_sentences(line):
    assert parse_dateline(line) is None


def test_text_paragraphs_one_per_line_and_hard_wrapped_blocks_joined():
    notepad = "标题\n——2024年4月26日在某会议上\n各位代表：\n第一段。\n一、标题\n第二段。"
    assert text_paragraphs(notepad) == notepad.split("\n")
    wrapped = ("一、坚持依法履职，全面加强监督工作。今年以来，主席团坚持把监督工\n"
               "作放在全镇发展大局中谋划推进，突出重点、注重实效，努力做到监督有\n"
               "力。\n"
               "　　第二段从缩进开始，也是一个自然段。")
    assert text_paragraphs(wrapped) == [
        "一、坚持依法履职，全面加强监督工作。今年以来，主席团坚持把监督工作放在全镇发展大局中谋划推进，突出重点、注重实效，努力做到监督有力。",
        "第二段从缩进开始，也是一个自然段。"]


# ----------------------------------------------------------------------------- plain text imports

TEXT_TITLE = "河西镇人民政府工作报告"
TEXT_LINES = [
    TEXT_TITLE,
    "——2025年1月8日在河西镇第十届人民代表大会第五次会议上",
    "镇长　吉𠮷祥",
    "各位代表：",
    "　　现在，我代表镇人民政府向大会报告工作，请予审议，并请*镇政协委员和列席人员提出意见。",
    "一、2024年工作回顾",
    "（一）经济运行稳中有进。全年实现地区生产总值三十二亿元，增长百分之六点一，朱镕基路改造完成。",
    "1. 项目建设：重点项目十二个，完成投资5.2亿元；",
    "（1）工业项目七个；",
    "二、存在的问题",
    "少数项目进度滞后，营商环境仍需优化。",
    "2025年工作安排",
    "一、抓项目促发展",
    "（一）全力推进重点地块开发。#3 号地块年内出让，标记 <b> 与 a__b 原样保留。",
    "各位代表，让我们团结奋进！",
]


def _text_bytes(kind: str) -> bytes:
    text = "\n".join(TEXT_LINES) + "\n"
    if kind == "utf-8":
        return text.encode("utf-8")
    if kind == "utf-8-bom":
        return b"\xef\xbb\xbf" + text.encode("utf-8")
    return text.replace("\n", "\r\n").encode("gb18030")


@pytest.fixture(scope="module")
def text_site(tmp_path_factory):
    """The same report as UTF-8, UTF-8 with BOM and GB18030 with CRLF, imported by one command."""
    root = tmp_path_factory.mktemp("text-site") / "site"
    write(root / "congressgen.yaml", MINIMAL_CONFIG)
    files = {}
    for kind in ("utf-8", "utf-8-bom", "gb18030-crlf"):
        files[kind] = write(root.parent / f"hexi-{kind}.txt", _text_bytes(kind))
    result = run_cli("import", *map(str, files.values()), "--source", str(root))
    assert result.returncode == 0, result.stderr
    return {"root": root, "files": files, "stdout": result.stdout, "stderr": result.stderr}


def _md_of(site, name: str) -> Path:
    return site["root"] / "content" / "reports" / f"{Path(name).stem}.md"


@pytest.mark.parametrize("kind", ["utf-8", "utf-8-bom", "gb18030-crlf"])
def test_text_import_keeps_every_character_title_and_outline(text_site, kind):
    root = text_site["root"]
    md = _md_of(text_site, text_site["files"][kind].name)
    raw = md.read_bytes()
    assert b"\r" not in raw and not raw.startswith(b"\xef\xbb\xbf")       # saved as UTF-8, LF
    config, _ = load_config(root)
    source, _ = read_source(raw, md.name)
    fm, _ = parse_source(source, config)
    assert fm.title == TEXT_TITLE and fm.date.date() == dt.date(2025, 1, 8)
    assert fm.session == "河西镇第十届人民代表大会第五次会议" and fm.author == "镇长 吉𠮷祥" and fm.draft
    assert fm.id == md.stem                                              # an ASCII file name is the id
    rendered = BodyRenderer().render(source.body)
    expected = re.sub(r"\s+", "", "".join(TEXT_LINES[1:]))
    shown = re.sub(r"\s+", "", rendered.text)
    # The build drops the sentence end after a run-in heading ("（一）经济运行稳中有进。…") by design.
    assert shown.replace("。", "") == expected.replace("。", "")
    assert "*镇政协委员" in rendered.text and "#3 号地块年内出让，标记 <b> 与 a__b 原样保留" in rendered.text
    # "一、2024年工作回顾" only names the part: its items are what it holds (issue 15)
    assert rendered.outline.sections == ("经济运行稳中有进", "存在的问题")
    assert rendered.outline.tasks == ("抓项目促发展",)
    assert [e.text for e in rendered.outline.entries if e.kind == "part"] == ["2025年工作安排"]
    assert [e.marker for e in rendered.outline.entries] == ["一、", "（一）", "1.", "（1）", "二、", "", "一、", "（一）"]
    assert (md.with_suffix("") / text_site["files"][kind].name).read_bytes() == _text_bytes(kind)


def test_gb18030_import_says_it_converted(text_site):
    assert "hexi-gb18030-crlf.txt: 警告: 原文是 GBK/GB18030 编码，已转换为 UTF-8 保存" in text_site["stderr"]
    assert "hexi-utf-8.txt: 警告" not in text_site["stderr"]


def test_imported_text_reports_build(text_site, tmp_path):
    result = build(BuildOptions(text_site["root"], tmp_path / "out", drafts=True))
    pages = sorted(p.name for p in (tmp_path / "out" / "reports" / "202501").glob("*.html"))
    assert pages == ["t20250108_hexi-gb18030-crlf.html", "t20250108_hexi-utf-8-bom.html", "t20250108_hexi-utf-8.html"]
    page = (tmp_path / "out" / "reports" / "202501" / "t20250108_hexi-utf-8.html").read_text(encoding="utf-8")
    assert 'id="sec-1"' in page and 'id="task-1"' in page and "吉𠮷祥" in page
    assert 'href="t20250108_hexi-utf-8/hexi-utf-8.txt" download' in page
    assert len(result.site.reports) == 3


# ----------------------------------------------------------------------------- Markdown and options

def test_markdown_import_keeps_markdown_and_front_matter(site_dir):
    write(site_dir.parent / "项目表.csv", "序号,项目\n1,道路\n")
    source = write(site_dir.parent / "draft-notes.md", "---\ntags: [工作报告]\ndoc_number: 青人发〔2024〕3号\n"
                                                      "attachments:\n  - {file: 项目表.csv, title: 项目表}\n---\n\n"
                                                      "# 青山镇人大主席团工作报告\n\n一、工作回顾\n\n正文有 **重点** 和表格：\n\n"
                                                      "| a | b |\n|---|---|\n| 1 | 2 |\n")
    result = run_cli("import", str(source), "--source", str(site_dir), "--date", "2024-05-06")
    assert result.returncode == 0, result.stderr
    text = (site_dir / "content" / "reports" / "draft-notes.md").read_text(encoding="utf-8")
    assert 'title: "青山镇人大主席团工作报告"' in text and "date: 2024-05-06\n" in text
    assert "doc_number: 青人发〔2024〕3号" in text and "- 工作报告" in text
    assert text.endswith("一、工作回顾\n\n正文有 **重点** 和表格：\n\n| a | b |\n|---|---|\n| 1 | 2 |\n")
    assert '- {file: "draft-notes/项目表.csv", title: "项目表"}' in text         # carried into the bundle
    assert (site_dir / "content" / "reports" / "draft-notes" / "项目表.csv").is_file()
    assert build(BuildOptions(site_dir, site_dir / "build", drafts=True)).site.reports[0].attachments[0].title == "项目表"


def test_title_option_keeps_the_documents_own_title_line(site_dir):
    source = write(site_dir.parent / "notes.txt", "河西镇政府工作报告（征求意见稿）\n一、工作回顾\n正文。\n")
    result = run_cli("import", str(source), "--source", str(site_dir), "--title", "2024年河西镇政府工作报告")
    assert result.returncode == 0, result.stderr
    text = (site_dir / "content" / "reports" / "notes.md").read_text(encoding="utf-8")
    assert 'title: "2024年河西镇政府工作报告"' in text
    assert "\n河西镇政府工作报告（征求意见稿）\n" in text                  # nothing lost


def test_missing_date_and_title_are_left_for_the_clerk(site_dir):
    config, _ = load_config(site_dir)
    source = write(site_dir.parent / "片段.txt", "今年以来，镇人大主席团认真履行职责。\n各项工作取得新进展。\n")
    result = plan_import(source, ImportOptions(source=site_dir), config, set(), today=dt.date(2025, 3, 4))
    assert result.guess.title == "片段" and result.guess.date == dt.date(2025, 3, 4)
    assert result.ident == "2025-0304-1" and ID_PATTERN.match(result.ident)
    assert any("标题 title" in t for t in result.todo) and any("暂填今天 2025-03-04" in t for t in result.todo)
    assert any("没有识别出" in t for t in result.todo)
    assert "draft: true" in result.text and "今年以来，镇人大主席团认真履行职责。\n\n各项工作取得新进展。\n" in result.text
    # A second Chinese-named file on the same day gets the next number, not a clash.
    other = write(site_dir.parent / "另一篇.txt", "第二篇。\n")
    assert plan_import(other, ImportOptions(source=site_dir), config, {"2025-0304-1"},
                       today=dt.date(2025, 3, 4)).ident == "2025-0304-2"


@pytest.mark.parametrize("args, message", [
    (["--column", "工作报告"], "栏目目录名"),
    (["--id", "Bad ID"], "id 只能用"),
])
def test_bad_options_are_refused(site_dir, args, message):
    source = write(site_dir.parent / "a.txt", "标题\n正文。\n")
    result = run_cli("import", str(source), "--source", str(site_dir), *args)
    assert result.returncode == 1 and message in result.stderr
    assert not (site_dir / "content").exists()


def test_one_id_for_several_files_is_a_usage_error(site_dir):
    a = write(site_dir.parent / "a.txt", "标题\n")
    b = write(site_dir.parent / "b.txt", "标题\n")
    result = run_cli("import", str(a), str(b), "--id", "x", "--source", str(site_dir))
    assert result.returncode == 2 and "只能在导入单个文件时使用" in result.stderr


def test_import_needs_a_site(tmp_path):
    source = write(tmp_path / "a.txt", "标题\n")
    result = run_cli("import", str(source), "--source", str(tmp_path / "nowhere"))
    assert result.returncode == 1 and "congressgen.yaml" in result.stderr


def test_imported_text_reports_pass_congressgen_check(text_site):
    result = run_cli("check", "--source", str(text_site["root"]), "--format", "json")
    errors = [f for f in json.loads(result.stdout) if f["severity"] == "error"]
    assert result.returncode == 0 and errors == [], errors
