"""The inline pass of Python-Markdown, faster, with byte-identical output (was `mdspeed`).

Python-Markdown tries every inline pattern (links, code, emphasis, HTML, entities …) on
every text node, one Python call per pattern. Chinese report paragraphs rarely contain any
of the characters those patterns start with, so most of that work (about half of a body's
conversion time) finds nothing. `FastInlineProcessor` skips a pattern when a character it
cannot match without is absent from the text: the same patterns run in the same order on
the same text, so the result is the same; only hopeless calls are left out.

Only patterns recognised by their exact regular expression are filtered; any other pattern
(a future extension, a changed built-in) is always tried, so correctness never depends on
this table being complete.
"""

from __future__ import annotations

import re

from markdown import treeprocessors, util
from markdown.extensions import Extension

# Regular expression of a Python-Markdown 3.x inline pattern → characters one of which must
# occur in the text for it to match.
_NEEDS = {
    r'(?:(?<!\\)((?:\\{2})+)(?=`+)|(?<!\\)`)': "`",                  # backtick
    r'\\(.)': "\\",                                                  # escape
    r'\[\^([^\]]*)\]': "[",                                          # footnote reference
    r'(?<!\!)\[': "[",                                               # link, reference, short reference
    r'\!\[': "[",                                                    # image forms
    r'<([A-Za-z][A-Za-z0-9+.-]*://[^<>]*)>': "<",                     # autolink
    r'<([^<> !]+@[^@<> ]+)>': "<",                                   # automail
    r'  \n': ("  \n",),                                               # hard line break
    r'(&(?:\#[0-9]+|\#x[0-9a-fA-F]+|[a-zA-Z0-9]+);)': "&",           # entity
}
_HTML_PREFIX = "(<("            # raw inline HTML: every variant starts with "<"
_DELIMITERS = r"\*|_"           # DelimiterProcessor for * and _ (Python-Markdown >= 3.11)


_TRIGGERS = ("`", "\\", "[", "<", "  \n", "&", "*", "_")
# Any of the triggers, or STX (a placeholder the pass would relink), in a text.
_HOPEFUL = re.compile(r"[`\\\[<&*_\x02]|  \n")


def needed_characters(pattern) -> frozenset[str] | None:
    """Characters one of which a text must contain for `pattern` to match; None = unknown."""
    compiled = getattr(pattern, "compiled_re", None)
    source = getattr(compiled, "pattern", None)
    if not isinstance(source, str):
        return None
    if source in _NEEDS:
        return frozenset(_NEEDS[source])
    if type(pattern).__name__ == "HtmlInlineProcessor" and source.startswith(_HTML_PREFIX):
        return frozenset("<")
    if type(pattern).__name__ == "DelimiterProcessor" and source == _DELIMITERS:
        return frozenset("*_")
    return None


class FastInlineProcessor(treeprocessors.InlineProcessor):
    """Python-Markdown's InlineProcessor with hopeless pattern calls skipped."""

    def run(self, tree, ancestors=None):
        # One snapshot per document: the registry re-sorts on every indexed access.
        self._plan = [(p, needed_characters(p)) for p in self.inlinePatterns]
        self._all_known = all(needs is not None for _, needs in self._plan)
        if self._all_known and _nothing_to_do(tree):
            # No text or tail anywhere holds a trigger: every text would be handed back as it
            # is and linked back where it was, so the tree stays the same. The walk is skipped.
            self.stashed_nodes = {}
            return tree
        return super().run(tree, ancestors)

    def _InlineProcessor__handleInline(self, data: str, patternIndex: int = 0) -> str:  # noqa: N802
        if isinstance(data, util.AtomicString):
            return data
        # Matches only ever replace text by placeholders, so characters absent now stay absent.
        present = {ch for ch in _TRIGGERS if ch in data}
        if not present and self._all_known:
            return data
        plan = self._plan
        count = len(plan)
        start = 0
        while patternIndex < count:
            pattern, needs = plan[patternIndex]
            if needs is not None and needs.isdisjoint(present):
                patternIndex += 1
                start = 0
                continue
            data, matched, start = self._InlineProcessor__applyPattern(pattern, data, patternIndex, start)
            if not matched:
                patternIndex += 1
        return data


def _nothing_to_do(tree) -> bool:
    """No element of `tree` has a text or tail a pattern could match in (and every tag is a
    plain string: the pass reads the text of comments too)."""
    parts = []
    for elem in tree.iter():
        if type(elem.tag) is not str:
            return False
        if elem.text:
            parts.append(elem.text)
        if elem.tail:
            parts.append(elem.tail)
    return _HOPEFUL.search("\x00".join(parts)) is None


def supported() -> bool:
    """The private hooks this relies on exist (checked once; otherwise the stock pass runs)."""
    cls = treeprocessors.InlineProcessor
    return all(hasattr(cls, name) for name in ("_InlineProcessor__handleInline", "_InlineProcessor__applyPattern"))


class FastInlineExtension(Extension):
    def extendMarkdown(self, md):  # noqa: N802 - Python-Markdown's API name
        if supported() and type(md.treeprocessors["inline"]) is treeprocessors.InlineProcessor:
            md.treeprocessors.register(FastInlineProcessor(md), "inline", 20)
