"""The GB/T 9704 outline of an official document, recognised in a Markdown body.

A paragraph that begins `一、` is a first-level heading, `（一）` a second, `1.` a third and
`（1）` a fourth. Reports are often pasted with the heading run into its paragraph
("一、坚持依法履职，全面加强监督工作。今年以来……"): the first sentence is then the heading.
The first series of first-level headings is the review part (工作回顾); a series that
restarts at `一、` after it is the task part (今后工作). Headings get stable ASCII anchors
(`sec-1`, `sec-1-2`, `task-2`), never slugified Chinese.

`prepare()` rewrites the body into plain Markdown (headings with `{#id}` attributes, CJK
soft line breaks joined, 一是/二是 lead-ins emphasised) and returns the outline found.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

CJK = "\u2e80-\u2fff\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef"
_CJK_CHAR = re.compile(f"[{CJK}]")
_NUMERAL = "一二三四五六七八九十"
_MARKERS = (
    (1, re.compile(rf"^([{_NUMERAL}]{{1,3}})、\s*")),
    (2, re.compile(rf"^[（(]([{_NUMERAL}]{{1,3}})[）)]\s*")),
    # "1.强化" is a heading; "1. 强化" too unless it belongs to a Markdown list (see _in_list).
    (3, re.compile(r"^(\d{1,2})(?:[．、]\s*|\.(?!\d)\s*)(?=\S)")),
    (4, re.compile(r"^[（(](\d{1,2})[）)]\s*")),
)
_LIST_ITEM = re.compile(r"^\s{0,3}\d{1,9}[.)]\s")
_ATX = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_FENCE = re.compile(r"^\s{0,3}(`{3,}|~{3,})")
_STRUCTURAL = re.compile(r"^\s{0,3}([|>]|[-+*]\s|\d+[.)]\s|#{1,6}\s|<|\[\^)|^\s{4,}|^\s*$")
_SENTENCE_END = re.compile(r"[。！？!?]")
_LEADIN = re.compile(rf"(^|[，。；：、\s（(])([{_NUMERAL}]{{1,2}}是)(?=[^，。；\s])")
# A heading written alone on its first line ("一、2024年工作回顾" then the body on the
# next line) is told from a hard-wrapped run-in paragraph by being short and unpunctuated.
_SHORT_HEADING = 40
_PART_PREFIX = ("sec", "task")


@dataclass(frozen=True)
class OutlineEntry:
    level: int          # 1 一、 / 2 （一） / 3 1. / 4 （1）
    marker: str         # the numbering as written: "一、", "（二）"
    title: str          # heading text without numbering
    anchor: str         # stable ASCII id
    part: int           # 0 review (工作回顾), 1 tasks (今后工作), 2+ later series
    line: int           # line in the body (1-based) where the heading starts

    @property
    def text(self) -> str:
        return self.marker + self.title


@dataclass(frozen=True)
class Outline:
    entries: tuple[OutlineEntry, ...] = ()

    def part_titles(self, part: int) -> tuple[str, ...]:
        return tuple(e.title for e in self.entries if e.level == 1 and e.part == part)

    @property
    def sections(self) -> tuple[str, ...]:
        return self.part_titles(0)

    @property
    def tasks(self) -> tuple[str, ...]:
        return self.part_titles(1)

    def anchor_of(self, title: str, part: int | None = None) -> str:
        for e in self.entries:
            if e.title == title and (part is None or e.part == part):
                return e.anchor
        return ""


def numeral_value(text: str) -> int:
    """一 → 1, 十 → 10, 十二 → 12, 二十三 → 23; Arabic digits as they are."""
    if text.isdigit():
        return int(text)
    digits = {c: i + 1 for i, c in enumerate("一二三四五六七八九")}
    if "十" not in text:
        return digits.get(text, 0)
    tens, _, units = text.partition("十")
    return (digits.get(tens, 0) if tens else 1) * 10 + (digits.get(units, 0) if units else 0)


def match_marker(line: str) -> tuple[int, str, str, int] | None:
    """(level, marker as written, rest of the line, numeral value) when a line opens with numbering."""
    for level, pattern in _MARKERS:
        m = pattern.match(line)
        if m:
            return level, line[: m.end()].rstrip(), line[m.end():], numeral_value(m.group(1))
    return None


def is_cjk(ch: str) -> bool:
    return bool(_CJK_CHAR.match(ch))


def join_lines(lines: list[str]) -> str:
    """Join soft-wrapped lines. Chinese text has no spaces between words, nor between a
    character and a number ("增长\n1.5%" is "增长1.5%"), so a break next to a CJK character
    joins with nothing; between two Latin words it stays a space."""
    text = lines[0].rstrip()
    for line in lines[1:]:
        line = line.strip()
        if not line:
            continue
        text += line if (text and (is_cjk(text[-1]) or is_cjk(line[0]))) else " " + line
    return text


def split_heading(lines: list[str], rest_of_first: str) -> tuple[str, str, str]:
    """(heading title, its closing punctuation, run-in text after it) for a paragraph that
    opens with numbering. The punctuation is kept on the page, not in the title."""
    first_line = rest_of_first.strip()
    whole = join_lines([rest_of_first] + lines[1:]).strip()
    if len(lines) > 1 and len(first_line) <= _SHORT_HEADING and not re.search(r"[，。；：！？,;:]", first_line):
        return first_line, "", join_lines(lines[1:]).strip()
    end = _SENTENCE_END.search(whole)
    if end is None:
        return whole, "", ""
    return whole[: end.start()].strip(), end.group(0), whole[end.end():].strip()


class _Numbering:
    """Assigns anchors; starts a new part when first-level numbering restarts."""

    def __init__(self) -> None:
        self.part = 0
        self.counts = [0, 0, 0, 0]
        self.last_first_value = 0
        self.seen_first = False
        self.used: set[str] = set()
        self.open_levels: list[int] = []   # outline levels above the current heading

    def html_level(self, level: int) -> int:
        """<h2> for the top of the outline and one deeper per level actually present, so a
        `1.` directly under `一、` is an <h3>, not an <h4> (headings never skip a level)."""
        while self.open_levels and self.open_levels[-1] >= level:
            self.open_levels.pop()
        self.open_levels.append(level)
        return 1 + len(self.open_levels)

    def next(self, level: int, value: int) -> tuple[str, int]:
        if level == 1:
            if self.seen_first and value <= self.last_first_value:
                self.part += 1
                self.counts = [0, 0, 0, 0]
            self.seen_first = True
            self.last_first_value = value
        self.counts[level - 1] += 1
        for deeper in range(level, 4):
            self.counts[deeper] = 0
        prefix = _PART_PREFIX[self.part] if self.part < len(_PART_PREFIX) else f"part{self.part + 1}"
        anchor = prefix + "-" + "-".join(str(c) for c in self.counts[:level])
        base, n = anchor, 2
        while anchor in self.used:
            anchor, n = f"{base}-{n}", n + 1
        self.used.add(anchor)
        return anchor, self.part


def _in_list(lines: list[str], index: int) -> bool:
    """`1. text` with a space is a Markdown list item when a neighbouring line is one too
    (a tight or loose list); standing alone it is a third-level heading typed by a clerk."""
    if not _LIST_ITEM.match(lines[index]):
        return False
    previous = next((line for line in reversed(lines[:index]) if line.strip()), "")
    following = lines[index + 1] if index + 1 < len(lines) else ""
    return bool(_LIST_ITEM.match(previous) or _LIST_ITEM.match(following))


def _escape_heading(text: str) -> str:
    # Keep every character visible: attr_list would read a trailing {...} as attributes.
    return text.replace("{", "&#123;").replace("}", "&#125;")


def _escape_block_start(text: str) -> str:
    """Run-in text after a heading starts a new paragraph: keep "#3号地块…", "- …" or
    "1. …" at its start as text instead of letting Markdown read a heading or a list."""
    m = re.match(r"^(\d{1,9})([.)])(\s)", text)
    if m:
        return f"{m.group(1)}\\{m.group(2)}{text[m.end(2):]}"
    if re.match(r"^(#|>|[-+*](\s|$)|=+\s*$|\|)", text):
        return "\\" + text
    return text


def _emphasise_leadins(text: str) -> str:
    return _LEADIN.sub(lambda m: f'{m.group(1)}<strong class="leadin">{m.group(2)}</strong>', text)


def prepare(body: str) -> tuple[str, Outline]:
    """Rewrite a report body for Python-Markdown and return its outline."""
    lines = body.split("\n")
    has_leadins = "一是" in body and "二是" in body
    out: list[str] = []
    entries: list[OutlineEntry] = []
    numbering = _Numbering()
    fence: str | None = None
    block: list[str] = []          # lines of the paragraph being collected
    block_line = 0
    heading: tuple[int, str, str, int] | None = None   # marker info of the current block

    def flush() -> None:
        nonlocal block, heading
        if not block:
            return
        if heading is None:
            text = join_lines(block)
            out.append(_emphasise_leadins(text) if has_leadins else text)
        else:
            level, marker, rest, value = heading
            title, stop, run_in = split_heading(block, rest)
            anchor, part = numbering.next(level, value)
            entries.append(OutlineEntry(level, marker, title, anchor, part, block_line))
            out.append(f"{'#' * numbering.html_level(level)} {_escape_heading(marker + title + stop)} {{#{anchor} .outline-{level}}}")
            if run_in:
                run_in = _escape_block_start(run_in)
                out.append("")
                out.append(_emphasise_leadins(run_in) if has_leadins else run_in)
            out.append("")
        block, heading = [], None

    for number, line in enumerate(lines, start=1):
        if fence is not None:
            out.append(line)
            if line.strip().startswith(fence):
                fence = None
            continue
        m = _FENCE.match(line)
        if m:
            flush()
            fence = m.group(1)[0] * 3
            out.append(line)
            continue
        atx = _ATX.match(line)
        if atx and not block:
            marker = match_marker(atx.group(2))
            if marker:
                level, mark, rest, value = marker
                anchor, part = numbering.next(level, value)
                entries.append(OutlineEntry(level, mark, rest.strip().rstrip("。"), anchor, part, number))
                out.append(f"{'#' * numbering.html_level(level)} {_escape_heading(mark + rest.strip())} {{#{anchor} .outline-{level}}}")
            else:
                out.append(line)
            continue
        marker = None
        if not line.startswith("    ") and not _in_list(lines, number - 1):
            marker = match_marker(line.lstrip("\u3000 "))
        if marker:
            flush()
            block, block_line, heading = [line.lstrip("\u3000 ")], number, marker
            continue
        if block and not _STRUCTURAL.match(line):
            block.append(line)
            continue
        flush()
        if line.strip() and not _STRUCTURAL.match(line):
            block, block_line, heading = [line], number, None
        else:
            out.append(line)
    flush()
    return "\n".join(out) + "\n", Outline(tuple(entries))
