"""Reader: a plain-text file (UTF-8, BOM, GB18030, CRLF; Notepad or hard-wrapped) → blocks."""

from __future__ import annotations

import unicodedata

from congressgen.content import decode
from congressgen.importer.escape import escape_text, split_run_in
from congressgen.importer.types import Block, ReadResult
from congressgen.outline import join_lines, match_marker


def _display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


_CLOSING = tuple("。！？；：…”’）》」』!?;:")


def _cut_lines(lines: list[str]) -> set[int]:
    """Lines of a hard-wrapped block (cut at a fixed width mid-sentence), by index.

    A Notepad paragraph is one line of any length; a hard-wrapped one is several lines of
    the same full width. A line counts as cut when at least two lines reach that width and
    it does not end a sentence."""
    widths = [_display_width(line.strip()) for line in lines]
    top = max(widths, default=0)
    full = [i for i, width in enumerate(widths) if width >= max(40, top - 4)]
    if len(full) < 2:
        return set()
    return {i for i in full if not lines[i].rstrip().endswith(_CLOSING)}


def text_paragraphs(text: str) -> list[str]:
    """Paragraphs of a plain-text file: one per line (Notepad style), except that lines cut
    by hard wrapping are joined — unless the next line is indented or opens with numbering."""
    paragraphs: list[str] = []
    block: list[str] = []

    def flush() -> None:
        cut = _cut_lines(block)
        current: list[str] = []
        for index, line in enumerate(block):
            current.append(line.strip())
            following = block[index + 1] if index + 1 < len(block) else ""
            if index in cut and following and following[:1] not in (" ", "\u3000", "\t") \
                    and not match_marker(following.strip()):
                continue
            paragraphs.append(join_lines(current))
            current = []
        block.clear()

    for line in text.split("\n"):
        if line.strip(" \t\u3000\xa0"):
            block.append(line.rstrip())
        else:
            flush()
    flush()
    return [p for p in paragraphs if p]


def read_text(raw: bytes, shown: str) -> tuple[ReadResult, str]:
    text, encoding, _ = decode(raw, shown)
    blocks = []
    for paragraph in text_paragraphs(text):
        paragraph = paragraph.replace("\t", " ").strip(" \u3000\xa0")
        for index, line in enumerate(split_run_in(escape_text(paragraph))):
            blocks.append(Block(line, paragraph if index == 0 else ""))
    return ReadResult(tuple(blocks)), encoding
