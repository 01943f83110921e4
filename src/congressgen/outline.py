"""The outline of an official report, recognised in a Markdown body (docs/outline.md).

Headings come in three kinds:

- **numbered** (GB/T 9704): a paragraph that begins `一、` is a first-level heading, `（一）` a
  second, `1.` a third and `（1）` a fourth. Reports are often pasted with the heading run into
  its paragraph ("一、坚持依法履职，全面加强监督工作。今年以来……"): the first sentence is then
  the heading; a run-in heading with no sentence end is cut where its body visibly begins
  ("一、20**年政府工作回顾去年以来，……"), never after a whole paragraph.
- **part titles**: a short stand-alone paragraph that names a part of the report
  ("2023年工作回顾", "过去五年工作回顾", "今后一年工作的建议", "附件2", "名词解释").
- **lead-ins**: a paragraph that opens with 一是/二是 (or 一要/二要) and a short heading sentence
  ("一是工业经济稳健增长。重点……"), one level below the heading it sits under. 一是 inside a
  paragraph stays emphasised body text.

Parts are decided by meaning: a heading that announces the plan (今后工作, 工作安排, 主要任务,
重点工作, 总体要求, 20XX年工作, 下一步 …, or a later year or 五年规划 than the review's) opens
the plan part whether its numbering continues or restarts; one that announces a review
(回顾, 主要工作, 过去一年 …) opens or continues the review; appendices (附件, 名词解释, 注释) are
a part of their own whose numbered items stay body text. A numbering restart that nothing
announces still opens the plan part after the review, as before. A clerk can set a part by
hand with `<!-- outline: plan -->` (review, plan, appendix, other) on its own line.

Headings get stable ASCII anchors (`sec-1`, `sec-1-2`, `task-2`, `part-plan`, `sec-1-s2`),
never slugified Chinese. `prepare()` rewrites the body into plain Markdown (headings with
`{#id}` attributes, CJK soft line breaks joined, redaction asterisks escaped, 一是/二是 lead-ins
emphasised) and returns the outline found, in one pass over the lines plus one over the
paragraphs: linear in the size of the body.
"""

from __future__ import annotations

import marshal
import re
from dataclasses import dataclass
from functools import cached_property

from congressgen.redactions import protect_asterisks

CJK = "\u2e80-\u2fff\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef"
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
_LEADIN_OPEN = re.compile(rf"^([{_NUMERAL}]{{1,2}})([是要])(?=[^，。；：\s])")
_PART_MARKER = re.compile(r"^\s*<!--\s*(?:outline|提纲|大纲)\s*[:：]\s*(\S+?)\s*-->\s*$")
_MARKER_PARTS = {"review": "review", "plan": "plan", "appendix": "appendix", "other": "other",
                 "工作回顾": "review", "回顾": "review", "今后工作": "plan", "工作安排": "plan", "附件": "appendix"}
# A heading written alone on its first line ("一、2024年工作回顾" then the body on the
# next line) is told from a hard-wrapped run-in paragraph by being short and unpunctuated.
_SHORT_HEADING = 40
# A run-in heading sentence longer than this, or of more clauses, has no heading end of its own.
_LONG_HEADING = 50
_PART_TITLE = 32             # a stand-alone part title is at most this long
_OWN_LINE_TITLE = 20         # … and on the first line of a paragraph, this long
_LEADIN_HEADING = 32         # an 一是 heading sentence is at most this long
_CLAUSE = re.compile(r"[，,；;]")
# A short unpunctuated title, then spaces after a CJK character, then more text.
_SPACED_TITLE = re.compile(rf"^([^，,；;。：:！？!?\s]{{2,{30}}}[{CJK}])[ \u3000]+(?=\S)")
# In a page that ran paragraphs together, a sentence end, spaces and numbering start a paragraph.
_FLATTENED_BREAK = re.compile(r"(?<=[。！？；])[ \u3000]+(?=[一二三四五六七八九十]{1,3}、|[（(][一二三四五六七八九十]{1,3}[）)])")
_PUNCTUATED = re.compile(r"[，,；;。：:！？!?]")
_SPACES = re.compile(r"[\s\u3000]+")

REVIEW, PLAN, APPENDIX, OTHER = "review", "plan", "appendix", "other"
PARTS = (REVIEW, PLAN, APPENDIX, OTHER)
PART_NAMES = {REVIEW: "工作回顾", PLAN: "主要任务", APPENDIX: "附件", OTHER: "其他"}
_ANCHOR_PREFIX = {REVIEW: "sec", PLAN: "task", APPENDIX: "fj"}

_APPENDIX_TITLE = re.compile(r"^(附件|附[：:]|附录|附錄|附表)|名词解释|名詞解釋|^注释|^註釋|^注[：:]")
_REVIEW_WORDS = re.compile(r"回顾|回顧|过去|過去|[一五两兩三十]年来|[一五两兩三十]年來|以来|以來|工作总结|工作總結|主要成就|主要成绩|主要成績")
_REVIEW_WEAK = re.compile(r"主要工作|工作情况|工作情況")
_PLAN_WORDS = re.compile(
    r"今后|今後|工作安排|主要任务|主要任務|重点工作|重點工作|总体要求|總體要求|目标任务|目標任務|工作任务|工作任務|"
    r"下一步|工作建议|工作建議|工作的建议|工作的建議|工作打算|工作思路|奋斗目标|奮鬥目標|政策取向|重大任务|重大任務|"
    r"工作重点|工作重點|展望|新的一年|主要目标|主要目標|工作计划|工作計劃|^(?:19|20)\d\d\s*年(?:的)?工作$")
# A title naming a review *and* a plan joined by 和/及/暨 is the whole document's title.
_DOCUMENT_TITLE = re.compile(r"(总结|總結|回顾|回顧)(和|及|与|與|暨)")
_YEAR = re.compile(r"((?:19|20)\d\d)\s*年")
_PERIOD = re.compile(r"“?(十[一二三四五六七八九]?)五”?(?:时期|時期|规划|規劃)")
# Body openers that say the text under an unannounced heading is the plan ("今后五年，是……").
_PLAN_OPENER = re.compile(r"^(今后|今後|新的一年|下一步|未来五年|未來五年|今年(?!以来|以來|来|來))")
# Where the body of a run-in heading without a sentence end visibly begins.
_BODY_OPENER = re.compile(
    r"过去的?[一二三四五两]年|過去的?[一二三四五兩]年|去年以来|去年以來|今年以来|今年以來|[一两五兩]年来|[一两五兩]年來|"
    r"近年来|近年來|(?:19|20)(?:\d\d|\*\*|[xX×]{2})年以来|在[^，,。；;]{2,24}(?:领导|領導|指导|指導|支持|监督|監督)下")
_FRAMING = re.compile(r"总体要求|總體要求|政策取向|指导思想|指導思想")


def numeral_value(text: str) -> int:
    """一 → 1, 十 → 10, 十二 → 12, 二十三 → 23; Arabic digits as they are."""
    if text.isdigit():
        return int(text)
    digits = {c: i + 1 for i, c in enumerate("一二三四五六七八九")}
    if "十" not in text:
        return digits.get(text, 0)
    tens, _, units = text.partition("十")
    return (digits.get(tens, 0) if tens else 1) * 10 + (digits.get(units, 0) if units else 0)


@dataclass(frozen=True)
class OutlineEntry:
    level: int          # 0 part title, 1 一、 / 2 （一） / 3 1. / 4 （1）, 5 一是 lead-in
    marker: str         # the numbering as written: "一、", "（二）", "一是"; "" for a part title
    title: str          # heading text without numbering
    anchor: str         # stable ASCII id
    part: str           # "review" 工作回顾, "plan" 今后工作, "appendix" 附件, "other"
    line: int           # line in the body (1-based) where the heading starts
    depth: int = 1      # depth in the outline as a reader sees it: 1 = top (<h2>)
    parent: int = -1    # index of the heading this one sits under, -1 for none
    kind: str = "numbered"   # "numbered", "part" or "leadin"

    def __reduce__(self):
        # A tuple of plain values: a warm build unpickles ~20 entries per report, and the
        # default (a state dict per object) took three times as long.
        return _entry, tuple(getattr(self, name) for name in _ENTRY_FIELDS)

    @property
    def text(self) -> str:
        return self.marker + self.title

    @property
    def in_toc(self) -> bool:
        """Part titles, the first two numbered levels and lead-ins near the top."""
        if self.kind == "part":
            return True
        if self.kind == "leadin":
            return self.depth <= 3
        return self.level <= 2


_ENTRY_FIELDS = tuple(OutlineEntry.__dataclass_fields__)


def _entry(*values) -> OutlineEntry:
    entry = object.__new__(OutlineEntry)
    entry.__dict__.update(zip(_ENTRY_FIELDS, values))
    return entry


@dataclass(frozen=True)
class Outline:
    entries: tuple[OutlineEntry, ...] = ()
    sections: tuple[str, ...] = ()      # the review part's items (工作回顾)
    tasks: tuple[str, ...] = ()         # the plan part's items (今后工作/主要任务)

    def __reduce__(self):
        # The entries as one marshal blob, made into OutlineEntry objects on first use: a warm
        # build unpickles every report's outline (most of the cache's pack) and reads the entries
        # of a few. Only the fields: a cached lookup table (`_anchors`) is rebuilt on use.
        packed = self.__dict__.get("_packed")
        if packed is None:
            packed = marshal.dumps(tuple(tuple(getattr(e, n) for n in _ENTRY_FIELDS) for e in self.entries))
        return _outline, (packed, self.sections, self.tasks)

    def __getattr__(self, name):
        # `entries` of an unpickled outline (its class default is removed below, so that a
        # missing instance value comes here)
        if name == "entries":
            packed = self.__dict__.pop("_packed", None)
            if packed is not None:
                entries = self.__dict__["entries"] = tuple(_entry(*values) for values in marshal.loads(packed))
                return entries
        raise AttributeError(name)

    @cached_property
    def _anchors(self) -> dict:
        found: dict = {}
        for e in self.entries:
            found.setdefault((e.title, e.part), e.anchor)
            found.setdefault((e.title, None), e.anchor)
        return found

    def part_titles(self, part: str) -> tuple[str, ...]:
        return tuple(e.title for e in self.entries if e.level == 1 and e.part == part)

    def anchor_of(self, title: str, part: str | None = None) -> str:
        return self._anchors.get((title, part), "")

    @property
    def toc(self) -> tuple[OutlineEntry, ...]:
        return tuple(e for e in self.entries if e.in_toc)

    @property
    def toc_groups(self) -> tuple[tuple[str, tuple[OutlineEntry, ...]], ...]:
        """The table of contents by part: (part name, entries); the names are shown only when
        the report has more than one part."""
        groups: list[list[OutlineEntry]] = []
        for e in self.toc:
            if not groups or groups[-1][0].part != e.part:
                groups.append([])
            groups[-1].append(e)
        named = len(groups) > 1
        return tuple((PART_NAMES[g[0].part] if named else "", tuple(g)) for g in groups)


del Outline.entries     # the generated __init__ keeps its default; an instance always has its own


def _outline(packed: bytes, sections: tuple, tasks: tuple) -> Outline:
    outline = object.__new__(Outline)
    outline.__dict__.update(_packed=packed, sections=sections, tasks=tasks)
    return outline


_MARKER_FIRST = frozenset(_NUMERAL + "（(")     # or a decimal digit: what every marker opens with


def match_marker(line: str) -> tuple[int, str, str, int] | None:
    """(level, marker as written, rest of the line, numeral value) when a line opens with numbering."""
    if not line or not (line[0] in _MARKER_FIRST or line[0].isdecimal()):
        return None      # most lines: no pattern could match (\d is any decimal digit, as isdecimal)
    for level, pattern in _MARKERS:
        m = pattern.match(line)
        if m:
            return level, line[: m.end()].rstrip(), line[m.end():], numeral_value(m.group(1))
    return None


def is_cjk(ch: str) -> bool:
    """Whether `ch` starts with a character of `CJK`, as `re.match(f"[{CJK}]", ch)` tells, by
    code point: compiling a class of some 28,000 characters costs 3 ms of every start-up."""
    if not ch:
        return False
    code = ord(ch[0])
    return 0x2E80 <= code <= 0xFFEF and (code <= 0x303F or 0x3400 <= code <= 0x4DBF or 0x4E00 <= code <= 0x9FFF
                                         or 0xF900 <= code <= 0xFAFF or 0xFE30 <= code <= 0xFE4F or code >= 0xFF00)


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


def _cut_run_in(sentence: str) -> int | None:
    """Where a too-long run-in heading sentence really ends: before its body's opening words
    ("……工作回顾过去的五年，……", "……职能在镇党委的领导和支持下，……"); failing those, after
    two clauses when the sentence is far longer than any heading. None: it is a heading."""
    m = _BODY_OPENER.search(sentence, 4)
    if m and m.start() <= _PART_TITLE:
        return m.start()
    if len(sentence) <= 2 * _LONG_HEADING:
        return None
    clauses = [c.start() for c in _CLAUSE.finditer(sentence)]
    if len(clauses) >= 2 and clauses[1] <= _PART_TITLE:
        return clauses[1]
    if clauses and clauses[0] <= _PART_TITLE:
        return clauses[0]
    return min(len(sentence), _PART_TITLE)


def split_heading(lines: list[str], rest_of_first: str) -> tuple[str, str, str]:
    """(heading title, its closing punctuation, run-in text after it) for a paragraph that
    opens with numbering. The punctuation is kept on the page, not in the title."""
    first_line = rest_of_first.strip()
    whole = join_lines([rest_of_first] + lines[1:]).strip()
    if len(lines) > 1 and len(first_line) <= _SHORT_HEADING and not re.search(r"[，。；：！？,;:]", first_line):
        return first_line, "", join_lines(lines[1:]).strip()
    spaced = _SPACED_TITLE.match(first_line)
    if spaced:                      # "2023年工作回顾 2023年是……": a page that ran the heading into its text
        return spaced.group(1), "", join_lines([first_line[spaced.end():]] + lines[1:]).strip()
    end = _SENTENCE_END.search(whole)
    sentence = whole[: end.start()] if end else whole
    if len(sentence) > _LONG_HEADING or len(_CLAUSE.findall(sentence)) >= 3:
        cut = _cut_run_in(sentence)
        if cut is not None:
            stop = whole[cut] if cut < len(whole) and whole[cut] in "，,；;" else ""
            return whole[:cut].strip(), stop, whole[cut + len(stop):].strip()
    if end is None:
        return whole, "", ""
    return sentence.strip(), end.group(0), whole[end.end():].strip()


def _compact(text: str) -> str:
    return _SPACES.sub("", text)


def _period(text: str) -> int:
    m = _PERIOD.search(text)
    return numeral_value(m.group(1)) if m else 0


def _years(text: str) -> list[int]:
    return [int(y) for y in _YEAR.findall(text)]


def is_part_like(title: str) -> bool:
    """Short and unpunctuated, as a part title is ("2024年政府工作任务", "过去一年的主要工作")."""
    title = _compact(title)
    return 0 < len(title) <= _PART_TITLE and not _PUNCTUATED.search(title)


def is_appendix_title(title: str) -> bool:
    """"附件：十件民生实事", "附：名词解释": an appendix title may carry a colon."""
    title = _compact(title)
    return 0 < len(title) <= _PART_TITLE and bool(_APPENDIX_TITLE.search(title)) and not re.search(r"[，,；;。！？!?]", title)


@dataclass
class _Seen:
    """What the review part said of itself: its latest year and 五年规划 period."""
    year: int = 0
    period: int = 0


def classify(title: str, seen: _Seen) -> str | None:
    """The part a part-like heading announces, or None when it announces none."""
    title = _compact(title)
    if _APPENDIX_TITLE.search(title):
        return APPENDIX
    if "报告" in title or "報告" in title:
        return None                 # the report's own title line ("2024年政府工作报告")
    years, period = _years(title), _period(title)
    review, plan = _REVIEW_WORDS.search(title), _PLAN_WORDS.search(title)
    if review and plan and _DOCUMENT_TITLE.search(title):
        return None                 # "2022年工作总结和2023年工作计划": the whole report's title
    if review:
        return REVIEW
    if plan:
        return PLAN
    later = (years and seen.year and max(years) > seen.year) or (period and seen.period and period > seen.period)
    if later:
        return PLAN
    if _REVIEW_WEAK.search(title):
        return REVIEW
    return None


def _remember(seen: _Seen, title: str) -> None:
    years = _years(title)
    if years:
        seen.year = max(seen.year, max(years))
    seen.period = max(seen.period, _period(title))


def _in_list(line: str, previous: str, following: str) -> bool:
    """`1. text` with a space is a Markdown list item when a neighbouring line is one too
    (a tight or loose list); standing alone it is a third-level heading typed by a clerk."""
    if not _LIST_ITEM.match(line):
        return False
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


LEADIN_OPEN, LEADIN_CLOSE = '<strong class="leadin">', "</strong>"   # a run-in sub-heading's mark


def _emphasise_leadins(text: str) -> str:
    return _LEADIN.sub(lambda m: f"{m.group(1)}{LEADIN_OPEN}{m.group(2)}{LEADIN_CLOSE}", text)


def _inline(text: str, leadins: bool) -> str:
    text = protect_asterisks(text)
    return _emphasise_leadins(text) if leadins else text


@dataclass
class _Block:
    """A piece of the body: raw lines passed on as they are, an ATX heading, a part marker,
    or a paragraph (opening with numbering or not)."""
    kind: str                       # "raw", "atx", "marker", "para"
    lines: list[str]
    line: int                       # first body line (1-based)
    numbering: tuple[int, str, str, int] | None = None


def _blocks(body: str, quick: bool = True) -> list[_Block]:
    """The body's blocks. `quick=False` decides every line by the full patterns (tests compare)."""
    lines = body.split("\n")
    blocks: list[_Block] = []
    fence: str | None = None
    para: _Block | None = None
    previous = ""                   # the last non-blank line before this one
    for number, whole in enumerate(lines, start=1):
        following = lines[number] if number < len(lines) else ""
        if fence is not None:
            blocks.append(_Block("raw", [whole], number))
            if whole.strip().startswith(fence):
                fence = None
            continue
        # The two commonest lines, decided without the patterns below (same outcome): a blank
        # line, and a line of prose opening with an ideograph that no marker, fence, heading,
        # list or other structure can open with, and with no flattened break to split at.
        if quick and not whole:
            para = None
            blocks.append(_Block("raw", [whole], number))
            continue
        if quick and "\u4e00" <= whole[0] <= "\u9fff" and whole[0] not in _MARKER_FIRST \
                and "。 " not in whole and "。\u3000" not in whole:
            if para is not None:
                para.lines.append(whole)
            else:
                para = _Block("para", [whole], number)
                blocks.append(para)
            previous = whole
            continue
        m = _FENCE.match(whole)
        if m:
            para = None
            fence = m.group(1)[0] * 3
            blocks.append(_Block("raw", [whole], number))
            continue
        pieces = _FLATTENED_BREAK.split(whole) if ("。 " in whole or "。\u3000" in whole) else [whole]
        for line in pieces:
            if _PART_MARKER.match(line):
                para = None
                blocks.append(_Block("marker", [line], number))
            elif _ATX.match(line) and para is None:
                blocks.append(_Block("atx", [line], number))
            else:
                numbering = None
                if not line.startswith("    ") and not _in_list(line, previous, following):
                    numbering = match_marker(line.lstrip("\u3000 "))
                if numbering:
                    para = _Block("para", [line.lstrip("\u3000 ")], number, numbering)
                    blocks.append(para)
                elif para is not None and not _STRUCTURAL.match(line):
                    para.lines.append(line)
                elif line.strip() and not _STRUCTURAL.match(line):
                    para = _Block("para", [line], number)
                    blocks.append(para)
                else:
                    para = None
                    blocks.append(_Block("raw", [line], number))
            if line.strip():
                previous = line
    return blocks


def _leadin_heading(text: str) -> tuple[str, str, str, str] | None:
    """(marker, title, stop, rest) when a paragraph opens with a short 一是 heading sentence."""
    m = _LEADIN_OPEN.match(text)
    if not m:
        return None
    following = ("二三四五六七八九十"[numeral_value(m.group(1)) - 1] if 0 < numeral_value(m.group(1)) < 10 else "") + m.group(2)
    end = re.search(r"[。！？!?；;：:]", text)
    sentence = text[m.end(): end.start()] if end else text[m.end():]
    if end is not None and end.group(0) not in "。！？!?":
        return None
    if not sentence or len(sentence) > _LEADIN_HEADING or len(_CLAUSE.findall(sentence)) > 2:
        return None
    rest = text[end.end():] if end else ""
    if following and following in rest:
        return None                 # 一是……。二是……。 in one paragraph: an enumeration, not headings
    return m.group(0), sentence, end.group(0) if end else "", rest.strip()


class _Outliner:
    """Part state, anchors and nesting, one heading at a time."""

    def __init__(self) -> None:
        self.part = REVIEW
        self.part_fresh = False              # a part title or marker just opened this part
        self.last_first = 0                  # numeral of the last 一、 heading
        self.counts = [0, 0, 0, 0]
        self.leadins = 0
        self.used: set[str] = set()
        self.stack: list[tuple[float, int]] = []   # (rank, entry index) of the open headings
        self.entries: list[OutlineEntry] = []
        self.seen = _Seen()
        self.others = 0
        self.by_hand = False                 # a clerk's marker set the part: no rule changes it

    def switch(self, part: str, fresh: bool) -> None:
        if part != self.part:
            self.counts = [0, 0, 0, 0]
            self.leadins = 0
            if part == OTHER:
                self.others += 1
        self.part = part
        self.part_fresh = fresh

    def _anchor(self, base: str) -> str:
        anchor, n = base, 2
        while anchor in self.used:
            anchor, n = f"{base}-{n}", n + 1
        self.used.add(anchor)
        return anchor

    def _prefix(self) -> str:
        return _ANCHOR_PREFIX.get(self.part) or f"part{self.others + 2}"

    def _place(self, rank: float, leadin: bool = False) -> tuple[int, int]:
        """(depth, parent index) for a heading of this rank."""
        if leadin:
            while self.stack and self.stack[-1][0] % 1:
                self.stack.pop()
        else:
            while self.stack and (self.stack[-1][0] >= rank or self.stack[-1][0] % 1):
                self.stack.pop()
        parent = self.stack[-1][1] if self.stack else -1
        if leadin:
            rank = (self.stack[-1][0] if self.stack else 0) + 0.5
        self.stack.append((rank, len(self.entries)))
        return min(len(self.stack), 5), parent

    def add(self, kind: str, level: int, marker: str, title: str, line: int, anchor: str) -> OutlineEntry:
        rank = {"part": 0.0}.get(kind, float(level))
        depth, parent = self._place(rank, leadin=kind == "leadin")
        entry = OutlineEntry(level, marker, title, self._anchor(anchor), self.part, line, depth, parent, kind)
        self.entries.append(entry)
        if self.part == REVIEW and (kind == "part" or (level == 1 and is_part_like(title))):
            _remember(self.seen, title)
        return entry

    def part_title(self, title: str, part: str, line: int) -> OutlineEntry:
        if not self.by_hand:
            self.switch(part, fresh=True)
        self.stack.clear()
        return self.add("part", 0, "", title, line, f"part-{part}")

    def numbered(self, level: int, marker: str, title: str, value: int, line: int, opener: str) -> OutlineEntry:
        if level == 1 and not self.by_hand:
            announced = classify(title, self.seen) if is_part_like(title) else None
            if announced is None and self.part == REVIEW and (self.entries or value > 1) and _PLAN_OPENER.match(opener):
                announced = PLAN
            if announced is not None and announced != self.part:
                self.switch(announced, fresh=False)
            elif announced is None and not self.part_fresh and self.last_first and value <= self.last_first:
                self.switch(PLAN if self.part == REVIEW else OTHER, fresh=False)
            self.part_fresh = False
            self.last_first = value
        self.counts[level - 1] += 1
        for deeper in range(level, 4):
            self.counts[deeper] = 0
        self.leadins = 0
        anchor = self._prefix() + "-" + "-".join(str(c) for c in self.counts[:level])
        return self.add("numbered", level, marker, title, line, anchor)

    def leadin(self, marker: str, title: str, line: int) -> OutlineEntry:
        self.leadins += 1
        parent = next((self.entries[i] for rank, i in reversed(self.stack) if not rank % 1), None)
        base = parent.anchor if parent is not None else self._prefix()
        return self.add("leadin", 5, marker, title, line, f"{base}-s{self.leadins}")

    def outline(self) -> Outline:
        entries = tuple(self.entries)
        return Outline(entries, _items(entries, REVIEW), _items(entries, PLAN))


def _container(e: OutlineEntry) -> bool:
    return e.kind == "part" or (e.kind == "numbered" and is_part_like(e.title) and classify(e.title, _Seen()) is not None)


def _items(entries: tuple[OutlineEntry, ...], part: str) -> tuple[str, ...]:
    """A part's items: its top headings, looking inside the headings that only name the part
    ("一、2023年工作回顾" → its （一）（二）…; "2024年主要任务" → its 一、二、…)."""
    has_children = {e.parent for e in entries if e.parent >= 0}
    items = []
    for i, e in enumerate(entries):
        if e.part != part:
            continue
        parent = entries[e.parent] if e.parent >= 0 else None
        if parent is not None and not (_container(parent) or parent.part != part):
            continue
        if _container(e) and i in has_children:
            continue
        if e.kind == "part" or (_container(e) and _FRAMING.search(e.title)):
            continue
        items.append(e.title)
    return tuple(items)


def prepare(body: str) -> tuple[str, Outline]:
    """Rewrite a report body for Python-Markdown and return its outline."""
    has_leadins = "一是" in body and "二是" in body
    blocks = _blocks(body)
    out: list[str] = []
    outliner = _Outliner()
    pending: str | None = None      # a part set by a clerk's marker, for the next heading

    def next_text(index: int) -> str:
        for block in blocks[index + 1:index + 3]:
            if block.kind == "para":
                return join_lines(block.lines).strip()
        return ""

    def heading(entry: OutlineEntry, shown: str) -> None:
        out.append(f"{'#' * min(entry.depth + 1, 6)} {_escape_heading(protect_asterisks(shown))} "
                   f"{{#{entry.anchor} .outline-{entry.level if entry.kind == 'numbered' else entry.kind}}}")

    def own_line_title(block: _Block) -> bool:
        """A part title alone on the first line of a paragraph ("2023年工作回顾" with its text
        under it and no blank line; "附件2" over the appendix's own title)."""
        first = block.lines[0].strip()
        if len(_compact(first)) > _OWN_LINE_TITLE or not is_part_like(first):
            return False
        part = classify(first, outliner.seen)
        if part is None:
            return False
        heading(outliner.part_title(first, part, block.line), first)
        out.append("")
        rest = join_lines(block.lines[1:]).strip()
        second = classify(rest, outliner.seen) if len(block.lines) == 2 and is_part_like(rest) else None
        if second is not None:
            heading(outliner.part_title(rest, second, block.line + 1), rest)
        else:
            out.append(_inline(_escape_block_start(rest), has_leadins))
        out.append("")
        return True

    def apply_marker() -> None:
        nonlocal pending
        if pending is not None:
            outliner.switch(pending, fresh=True)
            outliner.by_hand = True
            pending = None

    for index, block in enumerate(blocks):
        if block.kind == "raw":
            out.extend(block.lines)
            continue
        if block.kind == "marker":
            name = _PART_MARKER.match(block.lines[0]).group(1)
            pending = _MARKER_PARTS.get(name.lower(), _MARKER_PARTS.get(name))
            out.extend(block.lines)
            continue
        if block.kind == "atx":
            line = block.lines[0]
            numbering = match_marker(_ATX.match(line).group(2))
            if numbering and outliner.part != APPENDIX:
                apply_marker()
                level, mark, rest, value = numbering
                entry = outliner.numbered(level, mark, rest.strip().rstrip("。"), value, block.line, next_text(index))
                heading(entry, mark + rest.strip())
            else:
                out.append(line)
            continue
        text = join_lines(block.lines).strip()
        stand_alone = len(block.lines) == 1 or len(text) <= _PART_TITLE
        titled = not block.numbering and stand_alone and (is_part_like(text) or is_appendix_title(text))
        if pending is not None:
            if titled:
                part = pending
                apply_marker()
                heading(outliner.part_title(text, part, block.line), text)
                out.append("")
                continue
            apply_marker()
        if block.numbering and outliner.part != APPENDIX:
            level, marker, rest, value = block.numbering
            title, stop, run_in = split_heading(block.lines, rest)
            entry = outliner.numbered(level, marker, title, value, block.line, run_in or next_text(index))
            heading(entry, marker + title + stop)
            if run_in:
                out.append("")
                out.append(_inline(_escape_block_start(run_in), has_leadins))
            out.append("")
            continue
        if not block.numbering and len(block.lines) > 1 and own_line_title(block):
            continue
        part = classify(text, outliner.seen) if titled else None
        if part is not None:
            heading(outliner.part_title(text, part, block.line), text)
            out.append("")
            continue
        leadin = _leadin_heading(text) if outliner.part != APPENDIX else None
        if leadin:
            marker, title, stop, rest = leadin
            heading(outliner.leadin(marker, title, block.line), marker + title + stop)
            if rest:
                out.append("")
                out.append(_inline(_escape_block_start(rest), has_leadins))
            out.append("")
            continue
        out.append(_inline(text, has_leadins))
        if index + 1 < len(blocks) and blocks[index + 1].kind == "para":
            out.append("")            # two paragraphs with no blank line between (appendix items)
    return "\n".join(out) + "\n", outliner.outline()
