"""Text helpers shared by the rule families.

Every transformation keeps offsets: markup that is not prose (code, comments, link targets,
URLs, HTML tags) is blanked with spaces rather than removed, and the one transformation
that does remove characters (joining CJK line breaks, as the renderer does) keeps a map
back to the original offsets. So a finding always points at the place in the source.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass

from congressgen.mdmask import blank
from congressgen.outline import CJK

HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_YAML_COMMENT = re.compile(r"(?:^|(?<=\s))#.*$", re.M)
# Not prose: link targets, reference definitions, HTML tags, attribute lists, URLs, e-mail.
_LINK_TARGET = re.compile(r"\]\([^)\n]*\)")
_REF_DEFINITION = re.compile(r"^ {0,3}\[(?!\^)[^\]\n]+\]:[ \t]*\S+.*$", re.M)   # not footnotes: prose
_TAG = re.compile(r"<[^>\n]*>")
_ATTR_LIST = re.compile(r"\{[:#.][^}\n]*\}")
_URL = re.compile(r"(?:https?|ftp)://[^\s<>\"'（）()\[\]，。；、]*|www\.[A-Za-z0-9.-]+[^\s<>\"'（）()，。；、]*")
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
# Front-matter values that are names of things, not prose: file paths, ids, dates, numbers.
# A front-matter line whose value is a YAML flow collection: tags: [预算, 民生]
_FLOW_LINE = re.compile(r"^(\s*(?:-\s+)?(?:[\w-]+\s*:\s+)?)([\[{].*)$", re.M)
_FLOW_SYNTAX = re.compile(r"[\[\]{},]|:(?=\s)")
_FRONT_NOT_PROSE = re.compile(r"^\s*-?\s*(?:file|id|date|written_date|index_number|doc_number|review)\s*:.*$", re.M)


def mask_yaml_comments(text: str) -> str:
    return blank(text, [m.span() for m in _YAML_COMMENT.finditer(text)])


@dataclass(frozen=True)
class Prose:
    """The prose of a segment with CJK line breaks joined; `original()` maps back."""

    text: str
    removed: tuple[int, ...]     # joined-text indices right after each removed line break
    segment: object

    def original(self, index: int) -> int:
        return index + bisect_right(self.removed, index)

    def finding(self, index: int, rule: str, message: str, severity: str = ""):
        return self.segment.finding(self.original(index), rule, message, severity)


_CJK_BREAK = re.compile(f"\n(?<=[{CJK}]\n)(?=[{CJK}])")   # a line break between two CJK characters (outline.is_cjk)


def _may_match(pattern: re.Pattern, text: str) -> bool:
    """False when `pattern` surely finds nothing: every URL has "://" or "www.", every e-mail
    address an "@" (a plain `in` is much quicker than their searches)."""
    if pattern is _URL:
        return "://" in text or "www." in text
    if pattern is _EMAIL:
        return "@" in text
    return True


def prose_of(segment) -> Prose:
    text = segment.code_masked
    patterns = [_LINK_TARGET, _REF_DEFINITION, _TAG, _ATTR_LIST, _URL, _EMAIL]
    if segment.kind == "front":
        patterns = [_FRONT_NOT_PROSE, _URL, _EMAIL]
    spans = [m.span() for pattern in patterns if _may_match(pattern, text) for m in pattern.finditer(text)]
    if segment.kind == "front":   # the brackets, commas and colons of a flow collection are syntax
        for line in _FLOW_LINE.finditer(text):
            spans += [(line.start(2) + m.start(), line.start(2) + m.end()) for m in _FLOW_SYNTAX.finditer(line.group(2))]
    text = blank(text, spans)
    # Join a line break between two CJK characters, as the renderer does (outline.join_lines).
    pieces, removed, last, dropped = [], [], 0, 0
    for m in _CJK_BREAK.finditer(text):
        i = m.start()
        pieces.append(text[last:i])
        last = i + 1
        dropped += 1
        removed.append(i + 1 - dropped)
    pieces.append(text[last:])
    return Prose("".join(pieces), tuple(removed), segment)


# ---------------------------------------------------------------------------------------
# Links and images written in a Markdown body


@dataclass(frozen=True)
class Link:
    kind: str            # "link" or "image"
    href: str            # as written
    offset: int          # where the href starts in the segment
    start: int           # where the whole construct starts
    alt: str | None = None   # images: the alt text ("" when empty); None when there is none


_INLINE = re.compile(
    r"(!?)\[((?:[^\[\]\n]|\[[^\[\]\n]*\])*)\]\(\s*"
    r"(<[^>\n]*>|(?:[^\s()\\]|\\.|\((?:[^\s()\\]|\\.)*\))*)"
    r"(?:\s+(?:\"[^\"\n]*\"|'[^'\n]*'|\([^)\n]*\)))?\s*\)")
_REFERENCE_USE = re.compile(r"!\[([^\]\n]*)\]\[[^\]\n]*\]")
_DEFINITION = re.compile(r"^ {0,3}\[(?!\^)[^\]\n]+\]:[ \t]*(<[^>\n]*>|\S+)", re.M)
_HTML = re.compile(r"<(a|img)\b([^>]*)>", re.I)
_HTML_ATTR = re.compile(r"""\b(href|src|alt)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>"']+))""", re.I)
_ESCAPED = re.compile(r"\\[\\`*_{}\[\]()<>#+!|-]")   # Markdown backslash escapes
_AUTOLINK = re.compile(r"<((?:https?|ftp)://[^>\s]+)>", re.I)


def markdown_links(segment) -> list[Link]:
    """Every link and image of a body (code, comments and backslash-escaped brackets such as
    an imported `\\[1\\](x)`, which the page shows as text, excluded), in source order."""
    text = _ESCAPED.sub("  ", segment.code_masked)
    links: list[Link] = []
    # An inline link has "](" and a definition "]:" (a plain `in` is much quicker than the searches).
    for m in _INLINE.finditer(text) if "](" in text else ():
        href, offset = m.group(3), m.start(3)
        if href.startswith("<"):
            href, offset = href[1:-1], offset + 1
        image = m.group(1) == "!"
        links.append(Link("image" if image else "link", href, offset, m.start(), m.group(2) if image else None))
    for m in _REFERENCE_USE.finditer(text):
        links.append(Link("image", "", -1, m.start(), m.group(1)))     # alt only; target is a definition
    for m in _DEFINITION.finditer(text) if "]:" in text else ():
        href, offset = m.group(1), m.start(1)
        if href.startswith("<"):
            href, offset = href[1:-1], offset + 1
        links.append(Link("link", href, offset, m.start()))
    for m in _HTML.finditer(text):
        tag = m.group(1).lower()
        attrs = {}
        for a in _HTML_ATTR.finditer(m.group(2)):
            value_group = next(g for g in (2, 3, 4) if a.group(g) is not None)
            attrs[a.group(1).lower()] = (a.group(value_group), m.start(2) + a.start(value_group))
        target = attrs.get("src" if tag == "img" else "href")
        alt = attrs.get("alt", ("", 0))[0] if tag == "img" else None
        if target is not None:
            links.append(Link("image" if tag == "img" else "link", target[0], target[1], m.start(), alt))
        elif tag == "img":
            links.append(Link("image", "", -1, m.start(), alt))
    for m in _AUTOLINK.finditer(text):
        links.append(Link("link", m.group(1), m.start(1), m.start()))
    links.sort(key=lambda link: (link.start, link.offset))
    return links


# ---------------------------------------------------------------------------------------
# Inline silencing: <!-- check-ignore: rule-a, rule-b --> (body) or # check-ignore: rule (front matter)

ALL_RULES = "*"
_BODY_MARK = re.compile(r"<!--\s*check-ignore(-next-line)?\s*(?::\s*([^>]*?))?\s*-->")
_FRONT_MARK = re.compile(r"#\s*check-ignore(-next-line)?\s*(?::\s*([^#\n]*?))?\s*$", re.M)


def ignore_markers(segment) -> dict[int, frozenset]:
    """File line -> rule ids silenced on it (ALL_RULES when the marker names none)."""
    pattern = _FRONT_MARK if segment.kind == "front" else _BODY_MARK
    marks: dict[int, frozenset] = {}
    for m in pattern.finditer(segment.text):
        line, _ = segment.position(m.start())
        if m.group(1):
            line += 1
        ids = frozenset(x for x in re.split(r"[\s,，]+", m.group(2) or "") if x) or frozenset({ALL_RULES})
        marks[line] = marks.get(line, frozenset()) | ids
    return marks


def marker_rule_ids(segment) -> list[tuple[int, str]]:
    """(offset, rule id) of every id named in a marker, to report unknown ids."""
    pattern = _FRONT_MARK if segment.kind == "front" else _BODY_MARK
    result = []
    for m in pattern.finditer(segment.text):
        if m.group(2):
            for x in re.finditer(r"[^\s,，]+", m.group(2)):
                result.append((m.start(2) + x.start(), x.group()))
    return result
