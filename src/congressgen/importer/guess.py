"""Front-matter guessing: title, date, session and speaker from a report's opening lines."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from pathlib import Path

from congressgen.importer.types import Guess, ImportOptions, ReadResult
from congressgen.outline import match_marker, numeral_value


_CN_DIGITS = {c: i for i, c in enumerate("〇一二三四五六七八九")} | {"零": 0, "○": 0, "Ｏ": 0, "О": 0}
_NUM = r"(?:\d{1,4}|[〇○零Ｏ一二三四五六七八九十]{1,4})"
_DATE = rf"({_NUM})\s*年\s*({_NUM})\s*月\s*({_NUM})\s*日"
DATELINE = re.compile(rf"^\s*(?:[—－─-]{{1,3}}|[（(])?\s*{_DATE}\s*(?:在\s*(.+?)\s*上)?\s*[）)]?\s*$")


def _cn_number(text: str, year: bool = False) -> int:
    if text.isdigit():
        return int(unicodedata.normalize("NFKC", text))
    if year:
        return int("".join(str(_CN_DIGITS.get(c, 0)) for c in text))
    return numeral_value(text)


def parse_dateline(text: str) -> tuple[dt.date, str] | None:
    """(date, session) from "——2024年4月26日在××镇第十届人民代表大会第六次会议上" and the like."""
    m = DATELINE.match(text)
    if not m:
        return None
    try:
        date = dt.date(_cn_number(m.group(1), year=True), _cn_number(m.group(2)), _cn_number(m.group(3)))
    except ValueError:
        return None
    if not 1949 <= date.year <= 2200:
        return None
    return date, (m.group(4) or "").strip()


def _speaker(text: str) -> bool:
    """"县长　张三" / "镇人大主席团主席 王某某": short, unpunctuated, not numbering or a salutation."""
    return (2 <= len(text) <= 30 and not re.search(r"[，。；：！？,;:!?、“”]", text)
            and not match_marker(text) and not text.startswith(("各位", "——")) and not parse_dateline(text))


def guess_front_matter(read: ReadResult, original: Path, options: ImportOptions, today: dt.date) -> tuple[Guess, list[str]]:
    blocks = read.blocks
    todo: list[str] = []
    front = read.front
    # Title: Word title paragraphs (consecutive), else the first short line.
    title_blocks: list[int] = []
    first = next((i for i, b in enumerate(blocks) if b.text.strip()), None)
    title, title_from = "", ""
    if first is not None and blocks[first].raw_title:
        index = first
        while index < len(blocks) and blocks[index].raw_title:
            title_blocks.append(index)
            index += 1
        title = "".join(blocks[i].text.strip() for i in title_blocks)
        title_from = "文档的标题段落"
    elif first is not None and blocks[first].kind in ("p",) and len(blocks[first].text) <= 60 \
            and not re.search(r"[。！？；：]", blocks[first].text) and not match_marker(blocks[first].text) \
            and not parse_dateline(blocks[first].text):
        title_blocks, title, title_from = [first], blocks[first].text.strip(), "正文第一行"
    if options.title:
        if title and re.sub(r"\s", "", title) != re.sub(r"\s", "", options.title):
            title_blocks = []      # the document's own title line stays in the body: nothing is lost
        title, title_from = options.title, "--title"
    elif front.get("title"):
        title, title_from, title_blocks = str(front["title"]), "原文件的前置信息", []
    if not title:
        title, title_from = original.stem, "文件名"
        todo.append("标题 title：文中没有找到标题段落，暂用文件名，请改为报告的正式标题")

    # Date, session, speaker from the opening lines after the title.
    date, date_from, session, author, author_from = None, "", "", "", ""
    start = (max(title_blocks) + 1) if title_blocks else (first or 0)
    opening = [b for b in blocks[start:start + 6] if b.kind in ("p", "title")]
    for index, block in enumerate(opening):
        found = parse_dateline(block.text.strip())
        if found:
            date, session = found
            date_from = f"开头的“{block.text.strip()}”"
            neighbours = opening[index + 1:index + 2] + opening[max(index - 1, 0):index]
            for other in neighbours:
                if _speaker(other.text.strip()) and not other.raw_title:
                    author, author_from = re.sub(r"\s+", " ", other.text.strip()), f"开头的署名行“{other.text.strip()}”"
                    break
            break
    if options.date:
        date, date_from = options.date, "--date"
    elif front.get("date"):
        value = front["date"]
        date = value.date() if isinstance(value, dt.datetime) else value if isinstance(value, dt.date) else None
        if date is None:
            try:
                date = dt.date.fromisoformat(str(value)[:10])
            except ValueError:
                date = None
        date_from = "原文件的前置信息" if date else ""
    if date is None:
        date, date_from = today, "今天（文中没有找到日期）"
        todo.append(f"发布日期 date：文中没有找到会议日期，暂填今天 {today.isoformat()}，请改为实际发布日期")
    elif date_from.startswith("开头"):
        todo.append(f"发布日期 date：暂用报告开头的会议日期 {date.isoformat()}，如网站发布日期不同请修改")
    if front.get("session"):
        session = str(front["session"])
    if not session:
        todo.append("会议届次 session：文中没有找到，可补写，如“第十届人民代表大会第六次会议”")
    if front.get("author"):
        author, author_from = str(front["author"]), "原文件的前置信息"
    if author:
        todo.append(f"来源 author：取自{author_from}，请核对（网站显示为“来源”，通常写单位名称）")
    else:
        todo.append("来源 author：文中没有找到，网站将显示配置中的默认来源；如需其他来源请补写")
    return Guess(title, title_from, tuple(title_blocks), date, date_from, session, author, author_from), todo
