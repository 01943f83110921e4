"""Python-Markdown's last tree passes and its HTML serializer, faster, with byte-identical output.

- `FastPrettify`: the prettify pass asks `md.is_block_level` (a lowercase, a strip and a list
  search) about every element, several times; here the answer is asked once per tag and
  document. Same tree walk, same changes.
- `FastUnescape`: the unescape pass runs a regular-expression substitution over every text,
  tail and attribute value; a placeholder it replaces starts with STX, so text without STX is
  left as it is (the substitution would give it back unchanged).
- `to_html_string`: the stock serializer walks the tree with a deque, testing for comments,
  processing instructions and qualified names at every element. Here: a recursive walk for
  trees of plain elements with string tags and attributes, which calls the stock escaping
  functions; any other tree (a comment, a `QName`, a very deep nesting) is handed to the stock
  serializer whole.
"""

from __future__ import annotations

from markdown import serializers, treeprocessors, util
from markdown.extensions import Extension

_escape_cdata = serializers._escape_cdata
_escape_attrib_html = serializers._escape_attrib_html
_EMPTY = frozenset(serializers.HTML_EMPTY)
_BOOLEAN = serializers.BOOLEAN_ATTRIBUTES["html"]
_MAX_DEPTH = 200


class _Unusual(Exception):
    """A tree the fast serializer leaves to the stock one."""


def _walk(el, write, depth: int) -> None:
    tag = el.tag
    if type(tag) is not str or depth > _MAX_DEPTH:
        raise _Unusual
    write("<" + tag)
    items = el.items()
    if items:
        for k, v in sorted(items):      # lexical order, as the stock serializer
            if type(k) is not str:
                raise _Unusual
            if v is None:
                write(" " + k)
                continue
            if type(v) is not str:
                raise _Unusual
            v = _escape_attrib_html(v)
            if k == v and k in _BOOLEAN:
                write(" " + v)
            else:
                write(f' {k}="{v}"')
    write(">")
    lower = tag.lower()
    text = el.text
    if text:
        if lower == "script" or lower == "style":
            write(text)
        elif "&" in text or "<" in text or ">" in text:
            write(_escape_cdata(text))
        else:
            write(text)
    for child in el:
        _walk(child, write, depth + 1)
    if lower not in _EMPTY:
        write("</" + tag + ">")
    tail = el.tail
    if tail:
        write(_escape_cdata(tail) if "&" in tail or "<" in tail or ">" in tail else tail)


def to_html_string(element) -> str:
    """`markdown.serializers.to_html_string`, the same string."""
    parts: list[str] = []
    try:
        _walk(element, parts.append, 0)
    except _Unusual:
        parts = []
        serializers._serialize_html(parts.append, element, "html")
    return "".join(parts)


class FastPrettify(treeprocessors.PrettifyTreeprocessor):
    def run(self, root) -> None:
        known: dict = {}
        asked = self.md.is_block_level

        def block_level(tag) -> bool:
            try:
                return known[tag]
            except KeyError:
                answer = known[tag] = asked(tag)
                return answer
            except TypeError:           # an unhashable tag
                return asked(tag)

        self._block_level = block_level
        try:
            super().run(root)
        finally:
            del self._block_level

    def _prettifyETree(self, elem) -> None:  # noqa: N802 - Python-Markdown's name
        block_level = self._block_level
        i = "\n"
        if block_level(elem.tag) and elem.tag not in ("code", "pre"):
            if (not elem.text or not elem.text.strip()) and len(elem) and block_level(elem[0].tag):
                elem.text = i
            for e in elem:
                if block_level(e.tag):
                    self._prettifyETree(e)
        if not elem.tail or not elem.tail.strip():
            elem.tail = i


class FastUnescape(treeprocessors.UnescapeTreeprocessor):
    def run(self, root) -> None:
        stx = util.STX
        unescape = self.unescape
        for elem in root.iter():
            text = elem.text
            if text and stx in text and not elem.tag == "code":
                elem.text = unescape(text)
            tail = elem.tail
            if tail and stx in tail:
                elem.tail = unescape(tail)
            for key, value in elem.items():
                if value is not None and stx in value:
                    elem.set(key, unescape(value))


def supported(md) -> dict[str, bool]:
    """Which of the stock pieces are there as expected (otherwise they are left alone)."""
    return {
        "prettify": type(md.treeprocessors["prettify"]) is treeprocessors.PrettifyTreeprocessor
        and hasattr(treeprocessors.PrettifyTreeprocessor, "_prettifyETree"),
        "unescape": type(md.treeprocessors["unescape"]) is treeprocessors.UnescapeTreeprocessor
        and treeprocessors.UnescapeTreeprocessor.RE.pattern.startswith(util.STX),
        "serializer": getattr(md, "serializer", None) is serializers.to_html_string
        and hasattr(serializers, "_serialize_html") and hasattr(serializers, "_escape_cdata"),
    }


class FastTreeExtension(Extension):
    """The two tree passes. The serializer is chosen after the extensions (Markdown's
    `set_output_format`): `use_fast_serializer` swaps it on a made instance."""

    def extendMarkdown(self, md):  # noqa: N802 - Python-Markdown's API name
        ok = supported(md)
        if ok["prettify"]:
            md.treeprocessors.register(FastPrettify(md), "prettify", 10)
        if ok["unescape"]:
            md.treeprocessors.register(FastUnescape(md), "unescape", 0)


def use_fast_serializer(md):
    """`md` with `to_html_string` as its serializer, when it has the stock HTML one."""
    if supported(md)["serializer"]:
        md.serializer = to_html_string
    return md
