"""公文 details (GB/T 9704-2012 and the 政务公开 metadata block): the year of a 发文字号 in
六角括号〔〕, the shape of 发文字号 and 索引号, dates that do not exist, and a 成文日期 after
the publish date."""

from __future__ import annotations

import datetime as dt
import re

from congressgen.check.model import Document, Finding, Rule
from congressgen.check.text import HAN

RULES = (
    Rule("gongwen-doc-number", "error", "发文字号的年份没有用六角括号〔〕（写成了 [] () （） 【】）"),
    Rule("gongwen-doc-number-format", "warning", "发文字号不是“机关代字〔年份〕序号号”的格式"),
    Rule("gongwen-index-number", "warning", "索引号不是“机构代码/年份-流水号”的格式"),
    Rule("gongwen-date", "error", "正文或标题中的日期不存在（如 2024年2月30日）"),
    Rule("gongwen-written-date", "warning", "成文日期晚于发布日期"),
)

_OPEN, _CLOSE = "[(（【［〖﹝", "])）】］〗﹞"
# A 文号 whose year is bracketed wrongly: 国办发[2017]47号, 示政发（2024）1号, 〔2024]…
# Each pattern's look-behind comes after its first character (same matches as one in front):
# a pattern that starts with characters the regex engine can look for directly is far quicker.
_BAD_YEAR = re.compile(f"([{re.escape(_OPEN)}〔](?<=[{HAN}][{re.escape(_OPEN)}〔])\\s*((?:19|20)\\d{{2}})\\s*"
                       f"[{re.escape(_CLOSE)}〕])\\s*第?\\d{{1,4}}\\s*号")
_DOC_NUMBER = re.compile(r"^\S+〔(?:19|20)\d{2}〕第?\d{1,4}号$")
_INDEX_NUMBER = re.compile(r"^[0-9A-Za-z-]{6,20}/(?:19|20)\d{2}-\d{3,6}$")
_CN_DATE = re.compile(r"((?:1(?<!\d1)9|2(?<!\d2)0)\d{2})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_ISO_DATE = re.compile(r"((?:1(?<![\d.-]1)9|2(?<![\d.-]2)0)\d{2})[-.](\d{1,2})[-.](\d{1,2})(?![\d.-])")


def _real_date(year: str, month: str, day: str) -> bool:
    try:
        dt.date(int(year), int(month), int(day))
        return True
    except ValueError:
        return False


def bad_year_bracket(text: str) -> re.Match | None:
    """The wrongly bracketed year of a 文号 (None when the year is in 〔〕)."""
    for m in _BAD_YEAR.finditer(text):
        if not (m.group(1).startswith("〔") and m.group(1).endswith("〕")):
            return m
    return None


def _front(doc: Document):
    fm = doc.fm
    if fm.doc_number:
        m = bad_year_bracket(fm.doc_number)
        if m:
            line, col = doc.value_position("doc_number", fm.doc_number, m.start(1))
            yield Finding(doc.path, line, col, "gongwen-doc-number",
                          f"发文字号 “{fm.doc_number}” 的年份应放在六角括号〔〕中，"
                          f"如 “{fm.doc_number.replace(m.group(1), '〔' + m.group(2) + '〕')}”")
        elif not _DOC_NUMBER.match(fm.doc_number):
            line, col = doc.value_position("doc_number", fm.doc_number)
            yield Finding(doc.path, line, col, "gongwen-doc-number-format",
                          f"发文字号 “{fm.doc_number}” 应写成“机关代字〔年份〕序号号”，如 示政发〔2024〕1号")
    if fm.index_number and not _INDEX_NUMBER.match(fm.index_number):
        line, col = doc.value_position("index_number", fm.index_number)
        yield Finding(doc.path, line, col, "gongwen-index-number",
                      f"索引号 “{fm.index_number}” 应写成“机构代码/年份-流水号”，如 000014349/2024-00012")
    if fm.written_date and fm.written_date > fm.date.date():
        line, col = doc.key_position("written_date")
        yield Finding(doc.path, line, col, "gongwen-written-date",
                      f"成文日期 {fm.written_date:%Y-%m-%d} 晚于发布日期 {fm.date:%Y-%m-%d}")


def check_document(doc: Document, ctx):
    if doc.source is None:
        return
    if doc.fm is not None:
        yield from _front(doc)
    body = doc.body
    prose = body.prose
    for m in _BAD_YEAR.finditer(prose.text):
        if not (m.group(1).startswith("〔") and m.group(1).endswith("〕")):
            yield prose.finding(m.start(1), "gongwen-doc-number",
                                f"文号的年份 “{m.group(1)}” 应写成六角括号 “〔{m.group(2)}〕”")
    for segment in (doc.front, body):
        text = segment.prose.text
        for pattern in (_CN_DATE, _ISO_DATE):
            if segment.kind == "front" and pattern is _ISO_DATE:
                continue   # front-matter dates are checked when they are parsed
            for m in pattern.finditer(text):
                if not _real_date(*m.groups()):
                    yield segment.prose.finding(m.start(), "gongwen-date", f"日期 “{m.group(0)}” 不存在，请核对")
