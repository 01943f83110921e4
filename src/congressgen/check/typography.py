"""Typography and structure: half-width punctuation in Chinese text, doubled punctuation,
images without alt text, empty sections, declared sections/tasks missing from the body
outline, and configured columns with no published item."""

from __future__ import annotations

import difflib
import re

from congressgen.check.model import Document, Finding, Rule
from congressgen.check.siteconfig import config_line
from congressgen.check.text import HAN
from congressgen.outline import join_lines
from congressgen.redactions import ambiguous_spots

RULES = (
    Rule("typography-halfwidth", "warning", "中文字符之间的半角标点 , . ; : ? ! ( )"),
    Rule("typography-doubled", "warning", "重复或连用的标点，如“，，”“。，”"),
    Rule("typography-ambiguous-bold", "warning", "成对的 ** 可能是隐去的字，也可能是加粗：按原样显示"),
    Rule("image-alt", "warning", "图片没有替代文字（alt），读屏软件无法朗读"),
    Rule("structure-empty-section", "warning", "标题下面没有内容"),
    Rule("structure-sections", "warning", "前置信息 sections / tasks 中的标题在正文大纲中找不到"),
    Rule("structure-empty-column", "warning", "配置的栏目没有任何已发布的文章（空白栏目）"),
)

FULL_WIDTH = {",": "，", ".": "。", ";": "；", ":": "：", "?": "？", "!": "！", "(": "（", ")": "）"}
_HALFWIDTH = re.compile(f"(?<=[{HAN}])[ \\t]?([,.;:?!])[ \\t]?(?=[{HAN}])")
# A half-width pair around Chinese text: 报告(草案), (一)
_PARENS = re.compile(f"\\(([^()\\n]{{0,60}}[{HAN}][^()\\n]{{0,60}})\\)")
_DOUBLED = re.compile(r"[，。、；：,;]{2,}|([？！?!])\1+")
_HEADING_PREFIX = re.compile(r"^[#\s\u3000]*")
_TRAILING = "。.；;：:，, \u3000"
_SENTENCE_END = ("。", "！", "？", "；", "!", "?", ";")


def _punctuation(prose):
    text = prose.text
    for m in _HALFWIDTH.finditer(text):
        mark = m.group(1)
        yield prose.finding(m.start(1), "typography-halfwidth", f"中文中的半角“{mark}”应为全角“{FULL_WIDTH[mark]}”")
    for m in _PARENS.finditer(text):
        yield prose.finding(m.start(), "typography-halfwidth",
                            f"中文中的半角括号“({m.group(1)})”应为全角“（{m.group(1)}）”")
    for m in _DOUBLED.finditer(text):
        yield prose.finding(m.start(), "typography-doubled", f"标点“{m.group()}”重复或连用，请保留一个")


def _ambiguous_bold(doc: Document):
    """A `**` pair that reads both as a redaction and as bold is shown as written; say so, and
    how to write real bold."""
    body = doc.body
    for line, column in ambiguous_spots(body.text):
        offset = body.line_starts[line - 1] + column - 1
        yield body.finding(offset, "typography-ambiguous-bold",
                           "这对 ** 像是隐去的字（如 **镇、20**年），已按原样显示；"
                           "如确需加粗，请写成 <strong>要加粗的文字</strong>")


def _image_alt(doc: Document):
    for link in doc.links:
        if link.kind == "image" and not (link.alt or "").strip():
            yield doc.body.finding(link.start, "image-alt",
                                   "图片没有替代文字：写成 ![图片内容的简短说明](图片文件)，方便读屏软件朗读")


def _empty_sections(doc: Document):
    """A heading with nothing under it before the next heading of the same or a higher level.
    A numbered item that is a whole sentence (ends with 。) is content, not a title."""
    entries = doc.compiled.outline.entries
    lines = doc.body.lines
    for i, entry in enumerate(entries):
        following = entries[i + 1] if i + 1 < len(entries) else None
        if following is not None and following.depth > entry.depth:
            continue   # it has sub-sections
        end = following.line - 1 if following is not None else len(lines)
        block = [line for line in lines[entry.line - 1:end] if line.strip()]
        text = _HEADING_PREFIX.sub("", join_lines(block)) if block else ""
        if text.rstrip().endswith(_SENTENCE_END):
            continue   # a whole sentence numbered as an item (（一）到联络站填写建议表。), not a title
        if text.startswith(entry.marker):
            text = text[len(entry.marker):].lstrip()
        if text.startswith(entry.title):
            text = text[len(entry.title):]
        text = re.sub(r"\{#[^}]*\}", "", text).strip(_TRAILING)
        if not text:
            yield doc.body.finding(doc.body.line_starts[entry.line - 1], "structure-empty-section",
                                   f"标题“{entry.text}”下面没有内容")


def _declared_outline(doc: Document):
    titles = [e.title for e in doc.compiled.outline.entries]
    known = set(titles)
    for key, declared in (("sections", doc.fm.sections), ("tasks", doc.fm.tasks)):
        for title in declared or ():
            if title in known:
                continue
            close = difflib.get_close_matches(title, titles, n=1, cutoff=0.6)
            hint = f"；是不是“{close[0]}”？" if close else "；标题须与正文中的标题文字完全一致"
            line, col = doc.item_position(key, title)
            yield Finding(doc.path, line, col, "structure-sections", f"{key} 中的“{title}”在正文大纲中找不到{hint}")


def check_document(doc: Document, ctx):
    if doc.source is None:
        return
    settings = ctx.settings
    if settings.enabled("typography-halfwidth", "typography-doubled"):
        for segment in (doc.front, doc.body):
            yield from _punctuation(segment.prose)
    if settings.enabled("typography-ambiguous-bold") and doc.body is not None:
        yield from _ambiguous_bold(doc)
    if settings.enabled("image-alt"):
        yield from _image_alt(doc)
    if doc.compiled is not None:
        if settings.enabled("structure-empty-section"):
            yield from _empty_sections(doc)
        if settings.enabled("structure-sections"):
            yield from _declared_outline(doc)


def check_site(ctx):
    """Configured columns without one published (non-draft) item."""
    if not ctx.settings.enabled("structure-empty-column"):
        return
    published = set()
    for doc in ctx.documents:
        if doc.compiled is not None and not doc.compiled.fm.draft:
            published.add(doc.compiled.column)
            if doc.report is not None:
                published.add(doc.report.column.key)
    for column in ctx.config.columns:
        if column.key not in published:
            line, col = config_line(ctx.config_text, "columns", column.key)
            yield Finding("congressgen.yaml", line, col, "structure-empty-column",
                          f"栏目“{column.title}”（content/{column.key}/）没有已发布的文章；"
                          "空白栏目在政府网站检查中扣分：请发布内容，或从 columns 中删除")
