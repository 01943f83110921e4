"""Plain text → Markdown of our dialect that renders to exactly that text."""

from __future__ import annotations

import re

from congressgen.outline import match_marker


_ENTITY_AMP = re.compile(r"&(?=#?[A-Za-z0-9]+;)")
# Line starts that Markdown reads as structure ("#3号" is a heading in Python-Markdown, space or
# not). Every paragraph is its own block, so a lone "===" cannot underline anything; "---" and
# "___" would still be a rule.
_LINE_START = re.compile(r"^(?:(#)|(>)|([-+*])(?=\s)|(\d+)(?=[.)](?:\s|$))|([-_])(?:\s*\5){2,}\s*$|(\|))")


def escape_text(text: str, all_asterisks: bool = False) -> str:
    """Plain text → Markdown that renders to exactly that text in our dialect.

    A single `*` or `_` is literal in our renderer, so only runs of two or more (which would
    make bold) are escaped — unless the paragraph carries `**` bold of its own, when every
    `*` is escaped so none can pair with it."""
    text = text.replace("\\", "\\\\")
    text = re.sub(r"[`\[\]]", lambda m: "\\" + m.group(), text)
    text = _ENTITY_AMP.sub("&amp;", text).replace("<", "&lt;")
    if all_asterisks:
        text = text.replace("*", "\\*")
    else:
        text = re.sub(r"\*{2,}", lambda m: "\\*" * len(m.group()), text)
    return re.sub(r"_{2,}", lambda m: "\\_" * len(m.group()), text)


def escape_line_start(line: str) -> str:
    """Keep a paragraph from turning into a list, quote, heading, rule or table row."""
    if match_marker(line):
        return line            # GB/T outline numbering: the build makes it a heading, as meant
    m = _LINE_START.match(line)
    if not m:
        return line
    if m.group(4):             # "2024. " would start an ordered list
        return line[: m.end()] + "\\" + line[m.end():]
    return "\\" + line


def table_cell(text: str) -> str:
    return text.replace("|", "\\|")


_RUN_IN_END = re.compile(r"[。！？!?]")    # where `outline.split_heading` ends a run-in heading


def split_run_in(markdown: str) -> list[str]:
    """One paragraph line, or two when the build would split a numbered paragraph after its
    first sentence and the text after it would read as Markdown structure ("一、……。1. …",
    "（一）……。#3号地块……"): the build passes that text on unescaped, so split it here."""
    markdown = escape_line_start(markdown)
    if not match_marker(markdown):
        return [markdown]
    end = _RUN_IN_END.search(markdown)
    rest = markdown[end.end():].strip() if end else ""
    if not rest or escape_line_start(rest) == rest:
        return [markdown]
    return [markdown[: end.end()], escape_line_start(rest)]
