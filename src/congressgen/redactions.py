"""Redaction asterisks in report text, told from Markdown bold (docs/outline.md).

Published reports hide names and numbers with paired asterisks: `我代表**镇人民政府，……**镇政府`,
`20**年`, `积极应对“**”**、`. Markdown would read such a pair as bold and drop both `**`. A
`**` is taken for a redaction when what touches it says so: a digit before it and a digit or
Chinese character after it, a quotation mark on both sides, or after it a character that
follows a hidden name or number (镇, 县, 年, 届, 万 …). A pair is bold only when neither of its `**` looks like a redaction and it holds
some text; every other `**` is escaped, so it reaches the page character for character.
`＊＊`, `××` and `XX` are not Markdown and pass through as they are.

A pair with a redaction sign on one side only is *ambiguous*: the literal reading wins, and
`congressgen check` (rule `typography-ambiguous-bold`) names the spot and the escape for real
bold (`<strong>…</strong>`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_TOKEN = re.compile(r"(?<![\\*])\*\*(?!\*)")
_CODE = re.compile(r"`+[^`]*`+")
# Characters that follow a hidden place name, body or number.
_AFTER = set("镇鎮乡鄉村县縣市区區省州旗盟街道社区組组年月日届屆次号號万萬亿億元人名个個件户戶家位岁歲")
_OPEN_QUOTE = set("“‘「『（(《")
_CLOSE_QUOTE = set("”’」』）)》")
_PUNCT_ONLY = re.compile(r"^[\s\W_]*$")


def _is_han(ch: str) -> bool:
    """Whether `ch` starts with a Han character (U+3400–4DBF, 4E00–9FFF, F900–FAFF), by code
    point: a compiled class of these 28,000 characters costs 3 ms of every start-up."""
    if not ch:
        return False
    code = ord(ch[0])
    return 0x3400 <= code <= 0x4DBF or 0x4E00 <= code <= 0x9FFF or 0xF900 <= code <= 0xFAFF


@dataclass(frozen=True)
class Pair:
    start: int          # offset of the opening `**`
    end: int            # offset of the closing `**`
    bold: bool
    ambiguous: bool


def _signal(text: str, at: int) -> bool:
    before = text[at - 1] if at > 0 else ""
    after = text[at + 2] if at + 2 < len(text) else ""
    if after in _AFTER or (before in _OPEN_QUOTE and after in _CLOSE_QUOTE):
        return True
    # "20**年", "第3**号": a number broken by the asterisks; "**完成30**，" is bold ending in a number
    return before.isdigit() and (after.isdigit() or _is_han(after))


def _code_spans(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in _CODE.finditer(text)] if "`" in text else []


def pairs(text: str) -> list[Pair]:
    """Every `**` pair of a paragraph, left to right, with its reading; an unpaired `**` is a
    pair with itself (start == end), never bold."""
    code = _code_spans(text)
    tokens = [m.start() for m in _TOKEN.finditer(text) if not any(a <= m.start() < b for a, b in code)]
    found = []
    for i in range(0, len(tokens), 2):
        start = tokens[i]
        if i + 1 >= len(tokens):
            found.append(Pair(start, start, False, False))
            break
        end = tokens[i + 1]
        inner = text[start + 2:end]
        left, right = _signal(text, start), _signal(text, end)
        fine = bool(inner) and not _PUNCT_ONLY.match(inner) and inner == inner.strip()
        bold = fine and not left and not right
        found.append(Pair(start, end, bold, fine and left != right))
    return found


def protect_asterisks(text: str) -> str:
    """The paragraph with every `**` that is not bold escaped (`\\*\\*`)."""
    if "**" not in text:
        return text
    literal = []
    for pair in pairs(text):
        if not pair.bold:
            literal.extend({pair.start, pair.end})
    for at in sorted(literal, reverse=True):
        text = text[:at] + "\\*\\*" + text[at + 2:]
    return text


def ambiguous(text: str) -> list[Pair]:
    return [p for p in pairs(text) if p.ambiguous]


def ambiguous_spots(body: str) -> list[tuple[int, int]]:
    """(line, column), both 1-based in `body`, of the opening `**` of every ambiguous pair;
    pairs are read per paragraph (lines up to a blank line), as the Markdown stage reads them."""
    spots = []
    lines = body.split("\n")
    start = 0
    while start < len(lines):
        if not lines[start].strip():
            start += 1
            continue
        end = start
        while end < len(lines) and lines[end].strip():
            end += 1
        paragraph = "\n".join(lines[start:end])
        if "**" in paragraph:
            for pair in ambiguous(paragraph):
                before = paragraph[:pair.start]
                spots.append((start + before.count("\n") + 1, pair.start - (before.rfind("\n") + 1) + 1))
        start = end
    return spots
