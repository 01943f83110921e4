"""Masking of a Markdown body that keeps every offset: code (fenced, indented, inline) and HTML
comments — text a page shows as text or not at all — are blanked with spaces, newlines kept."""

from __future__ import annotations

import re

_NOT_NEWLINE = re.compile(r"[^\n]")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_INLINE_CODE = re.compile(r"(`+)(?!`)(.+?)(?<!`)\1(?!`)")
_COMMENT = re.compile(r"<!--.*?-->", re.S)


def blank(text: str, spans) -> str:
    """`text` with every character inside `spans` except newlines replaced by a space."""
    spans = sorted(spans)
    if not spans:
        return text
    out, last = [], 0
    for start, end in spans:
        start = max(start, last)
        if start >= end:
            continue
        out.append(text[last:start])
        out.append(_NOT_NEWLINE.sub(" ", text[start:end]))
        last = end
    out.append(text[last:])
    return "".join(out)


def code_block_spans(text: str) -> list[tuple[int, int]]:
    """Fenced code blocks and indented code blocks (4 spaces or a tab after a blank line)."""
    spans: list[tuple[int, int]] = []
    offset, fence, fence_start = 0, "", 0
    previous_blank, in_indented = True, False
    for line in text.split("\n"):
        end = offset + len(line)
        stripped = line.strip()
        if fence:
            if stripped.startswith(fence):
                spans.append((fence_start, end))
                fence = ""
        else:
            m = _FENCE.match(line)
            if m:
                fence, fence_start = m.group(1)[0] * 3, offset
            elif stripped and line.startswith(("    ", "\t")) and (previous_blank or in_indented):
                spans.append((offset, end))
                in_indented = True
            elif stripped:
                in_indented = False
        previous_blank = not stripped
        offset = end + 1
    if fence:
        spans.append((fence_start, len(text)))
    return spans


def mask_code(text: str) -> str:
    """A Markdown body with code blocks, inline code and HTML comments blanked."""
    blocks = blank(text, code_block_spans(text))
    spans = [m.span() for m in _COMMENT.finditer(blocks)]
    spans += [m.span() for m in _INLINE_CODE.finditer(blocks)]
    return blank(blocks, spans)
