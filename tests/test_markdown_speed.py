"""The Markdown stage's shortcuts give the output of the full pipeline, byte for byte."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

import markdown as md_lib

from congressgen.markdown import EXTENSIONS, BodyRenderer, LiteralAsteriskExtension, has_raw_html
from congressgen.outline import LEADIN_CLOSE, LEADIN_OPEN, prepare

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = sorted((ROOT / "content").rglob("*.md")) + sorted((ROOT / "tests" / "outline_corpus").glob("*.md"))


def _body(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    if text.startswith("---") and "\n---\n" in text:
        return text.split("\n---\n", 1)[1]
    return text


@pytest.fixture(scope="module")
def renderer() -> BodyRenderer:
    return BodyRenderer()


@pytest.fixture(scope="module")
def stock():
    """Python-Markdown as configured, without any of our speed-ups (fast inline pass, brace-only
    attr_list, no block HTML pass for plain bodies)."""
    md = md_lib.Markdown(
        extensions=list(EXTENSIONS) + [LiteralAsteriskExtension()],
        extension_configs={"footnotes": {"BACKLINK_TITLE": "返回正文第 %d 处注释", "SEPARATOR": "-"}},
        output_format="html")

    def convert(text: str) -> str:
        md.reset()
        return md.convert(text)
    return convert


def test_every_sample_body_converts_the_same_without_the_block_html_pass(renderer, stock):
    plain = 0
    for path in SAMPLES:
        prepared, _ = prepare(_body(path))
        full = renderer.convert(prepared, plain=False)
        assert full == stock(prepared), path
        if not has_raw_html(prepared):
            plain += 1
            assert renderer.convert(prepared, plain=True) == full, path
        assert renderer.convert(prepared) == full, path
    assert plain >= len(SAMPLES) // 2          # the shortcut is really taken


# Characters Markdown gives meaning to, CJK text and the outline's marks; never a bare "<".
PIECES = ["一是", "二要", "。", "，", "**", "*", "_", "__", "&amp;", "&#123;", "&", "#", "## ", "\n", "\n\n",
          "    ", "> ", "- ", "1. ", "|", " | ", "---", "===", "[^1]", "[^1]: 注", "[链接](http://a.cn)",
          "`代码`", "\\", "{#x .y}", "{", "}", "（一）", "一、", "3.", "：", "\u3000", "abc ", "\x02", "\x03",
          LEADIN_OPEN + "一是" + LEADIN_CLOSE, "工作报告", "2024-2025", "100%", "![图](a.png)", "~~~", "```",
          "{: .cls}", "**粗**{.c}", "\n{: #id}\n", "| a {.x} |", "## 标题 {#h .k}\n", "* 项 {.li}\n"]


def test_random_markdown_converts_the_same_as_stock_python_markdown(renderer, stock):
    rng = random.Random(17)
    for _ in range(4000):
        text = "".join(rng.choice(PIECES) for _ in range(rng.randint(1, 60)))
        prepared, _ = prepare(text)
        expected = stock(prepared)
        assert renderer.convert(prepared) == expected, repr(text)
        if not has_raw_html(prepared):
            assert renderer.convert(prepared, plain=True) == expected, repr(text)


@pytest.mark.parametrize("text, raw", [
    ("纯文字。", False),
    (LEADIN_OPEN + "一是" + LEADIN_CLOSE + "抓落实。", False),
    ("<div markdown>**加粗**</div>", True),
    ("<!-- outline: plan -->", True),
    (LEADIN_OPEN + "一是" + LEADIN_CLOSE + "见</strong>", True),    # a closing tag of the clerk's own
    ("a < b", True),
    ("&#3 不完整的字符引用", True),
])
def test_raw_html_is_recognised(text, raw):
    assert has_raw_html(text) is raw


@pytest.mark.parametrize("line", ["一、总体要求", "（二）抓落实", "(三)抓落实", "1.强化监督", "１．强化监督", "٣. 标题", "（4）细则"])
def test_the_marker_prefilter_lets_every_marker_through(line):
    from congressgen import outline

    expected = next((level for level, pattern in outline._MARKERS if pattern.match(line)), None)
    found = outline.match_marker(line)
    assert expected is not None and found is not None and found[0] == expected


# Lead-in heavy bodies without the characters that keep the marks as HTML (see marks_pass_as_text).
LEADIN_PIECES = [p for p in PIECES if not any(c in p for c in "&[`*_")] + [
    "一是抓", "。二是", "，三是", "（一）", "一、", "\n\n", "\n", "是", "二", "：", "   ", "  \n", "> ", "- ", "1. ",
    "\x01", "\u3000", " ", "  ", "+ ", "#", "=", "-", "|", "{", "}", ":", "\\"] * 2


def test_run_in_marks_as_control_characters_give_stock_output(renderer, stock):
    from congressgen.markdown import marks_pass_as_text

    rng = random.Random(3)
    taken = 0
    for _ in range(25000):
        text = "".join(rng.choice(LEADIN_PIECES) for _ in range(rng.randint(1, 50)))
        prepared, _ = prepare(text)
        if LEADIN_OPEN not in prepared or has_raw_html(prepared) or not marks_pass_as_text(prepared):
            continue
        taken += 1
        assert renderer.convert(prepared) == stock(prepared), repr(text)
    assert taken > 200


# Block structure: nesting, lazy lines, indented code, quotes in lists, HTML blocks, footnote
# and reference definitions, tables, setext and ATX headings, rules, and comments.
BLOCK_PIECES = ["- 项\n", "* 项\n", "+ 项\n", "1. 项\n", "2) 项\n", "    ", "  ", "\n", "\n\n", "> ", ">> ",
                "# ", "## 题 ##", "标题\n===\n", "标题\n---\n", "***\n", "___\n", "- - -\n", "| a | b |\n|---|---|\n",
                "| 1 | 2 |\n", "[^1]: 注释\n", "[^1]", "[a]: http://a.cn \"t\"\n", "[a]", "<div markdown=\"1\">\n",
                "</div>\n", "<!-- 注释 -->\n", "<p>段</p>\n", "```\n", "    代码\n", "\t", "文字", "。", "**粗**",
                "{: .c}\n", "## 一、标题 {#sec-1 .outline-1}\n", "&amp;", "\\", "&#8617;", "<br>", "  \n"]


def test_random_block_structure_converts_the_same_as_stock_python_markdown(renderer, stock):
    rng = random.Random(29)
    for _ in range(3000):
        text = "".join(rng.choice(BLOCK_PIECES) for _ in range(rng.randint(1, 40)))
        assert renderer.convert(text) == stock(text), repr(text)
        assert renderer.convert(text, plain=False) == stock(text), repr(text)


def test_the_fast_passes_are_the_ones_running(renderer):
    from congressgen import blocks, mdtree

    for md in (renderer._md, renderer._plain):
        assert type(md.parser) is blocks.FastBlockParser
        assert type(md.parser.blockprocessors["table"]) is blocks.FastTableProcessor
        assert md.serializer is mdtree.to_html_string
        assert type(md.treeprocessors["prettify"]) is mdtree.FastPrettify
        assert type(md.treeprocessors["unescape"]) is mdtree.FastUnescape
        # every processor but the empty-block and paragraph ones is recognised and filtered
        unknown = [type(p).__name__ for p in md.parser.blockprocessors if blocks.needed(p) is None]
        assert unknown == ["EmptyBlockProcessor", "ParagraphProcessor"]


def test_the_serializer_hands_unusual_trees_to_the_stock_one():
    import xml.etree.ElementTree as etree

    from markdown import serializers

    from congressgen.mdtree import to_html_string

    root = etree.Element("div")
    p = etree.SubElement(root, "p", {"b": "x<\"&amp;", "a": "1", "hidden": "hidden"})
    p.text, p.tail = "a & b <c> &amp;", "尾"
    etree.SubElement(p, "br").tail = "后"
    script = etree.SubElement(root, "script")
    script.text = "if (a < b && c) {}"
    assert to_html_string(root) == serializers.to_html_string(root)
    root.append(etree.Comment(" 注释 "))
    etree.SubElement(root, etree.QName("{urn:x}y"))
    assert to_html_string(root) == serializers.to_html_string(root)
    deep = node = etree.Element("div")
    for _ in range(400):
        node = etree.SubElement(node, "blockquote")
    assert to_html_string(deep) == serializers.to_html_string(deep)


LINE_PIECES = ["一是", "二、", "（三）", "1. ", "工作", "报告", "。 ", "。\u3000", "二是", "   ", "    ", "\n", "\n\n", "```",
               "~~~", "# ", "<!-- outline: plan -->", "- ", "| ", "> ", "附件", "2024年", "。", "，", "\u3000", "主要任务"]


def test_the_outline_quick_lines_split_blocks_as_the_full_patterns_do():
    from congressgen.outline import _blocks

    rng = random.Random(5)
    texts = [_body(path) for path in SAMPLES]
    texts += ["".join(rng.choice(LINE_PIECES) for _ in range(rng.randint(1, 40))) for _ in range(4000)]
    for text in texts:
        assert _blocks(text) == _blocks(text, quick=False), repr(text)


def _summary_of_every_paragraph(body_html: str, budget: int) -> str:
    """summarise as it was: every paragraph's text joined, then cut."""
    import re

    from congressgen.markdown import _FOOTNOTES, cut_summary, html_to_text

    paragraphs = re.findall(r"<p>(.*?)</p>", _FOOTNOTES.sub("", body_html), re.DOTALL)
    return cut_summary("".join(html_to_text(p) for p in paragraphs) or html_to_text(body_html).replace("\n", ""), budget)


def test_the_summary_reads_only_the_paragraphs_it_needs_and_says_the_same(renderer):
    from congressgen.markdown import summarise

    extra = ["<p></p><p>短。</p>", "<h2>无段落</h2>", "<p>" + "甲" * 50 + "</p><p>乙。</p>", "<p>一。</p>" * 40]
    for html in [renderer.render(_body(path)).html for path in SAMPLES] + extra:
        for budget in (0, 1, 10, 60, 120, 500, 100000):
            assert summarise(html, budget) == _summary_of_every_paragraph(html, budget), (html[:80], budget)
