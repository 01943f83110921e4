"""The block pass of Python-Markdown, faster, with byte-identical output.

Python-Markdown's block parser offers every block to each block processor in turn (fourteen
with our extensions), one `test` call each, and rebuilds the sorted processor list for every
block. A Chinese report paragraph holds none of the characters most of those processors need
(`#`, `|`, `>`, `[`, a four-space indent …), so nearly all of those calls find nothing before
the paragraph processor takes the block. `FastBlockParser` skips a processor when a
character its test (or its run, for the processors whose test always says yes and whose run
declines without a match) cannot succeed without is absent from the block: the same processors
see the same blocks in the same order, so the result is the same; only hopeless calls are left
out (the inline pass does the same: `inline.py`).

Only processors recognised by their exact class (and regular expression, where they have one)
are filtered; any other processor (a future extension, a changed built-in) is always offered
every block, so correctness never depends on this table being complete.
"""

from __future__ import annotations

from markdown import blockparser, blockprocessors, util
from markdown.extensions import Extension, footnotes, md_in_html, sane_lists, tables

INDENT = "indent"          # stands for "the block starts with a tab length of spaces"
_TRIGGERS = "#|=-_*+.>[" + util.STX

# Processor class → (the source of the regular expression it matches with, or None; what a
# block must contain, one of these characters or INDENT).
_NEEDS: dict[type, tuple[str | None, str | tuple[str, ...]]] = {
    blockprocessors.ListIndentProcessor: (None, (INDENT,)),
    blockprocessors.CodeBlockProcessor: (None, (INDENT,)),
    tables.TableProcessor: (None, "|"),     # a table's header row splits into cells at a "|"
    blockprocessors.HashHeaderProcessor: (
        r'(?:^|\n)(?P<level>#{1,6})(?P<header>(?:\\.|[^\\#]|#+(?=[^#\n]))*?)#*(?:\n|$)', "#"),
    blockprocessors.SetextHeaderProcessor: (r'^.*?\n(?:=+|-+)[ ]*(\n|$)', "=-"),
    blockprocessors.HRProcessor: (blockprocessors.HRProcessor.RE, "-_*"),      # its SEARCH_RE
    sane_lists.SaneOListProcessor: (r'^[ ]{0,3}\d+\.[ ]+(.*)', "."),
    blockprocessors.OListProcessor: (r'^[ ]{0,3}\d+\.[ ]+(.*)', "."),
    sane_lists.SaneUListProcessor: (r'^[ ]{0,3}[*+-][ ]+(.*)', "*+-"),
    blockprocessors.UListProcessor: (r'^[ ]{0,3}[*+-][ ]+(.*)', "*+-"),
    blockprocessors.BlockQuoteProcessor: (r'(^|\n)[ ]{0,3}>[ ]?(.*)', ">"),
    # test() always True; run() declines (blocks left as they were) without a match of RE
    footnotes.FootnoteBlockProcessor: (r'^[ ]{0,3}\[\^([^\]]*)\]:[ ]*(.*)$', "["),
    blockprocessors.ReferenceProcessor: (
        r'^[ ]{0,3}\[([^\[\]]*)\]:[ ]*(?:\n[ ]*)?([^\s]+)[ ]*(?:\n[ ]*)?((["\'])(.*)\4[ ]*|\((.*)\)[ ]*)?$', "["),
    # test() always True; run() declines unless the block starts with a stash placeholder
    md_in_html.MarkdownInHtmlProcessor: (None, util.STX),
}


def needed(processor) -> frozenset[str] | None:
    """What a block must contain (characters, or INDENT) for `processor` to take it; None = unknown."""
    entry = _NEEDS.get(type(processor))
    if entry is None:
        return None
    source, needs = entry
    compiled = getattr(processor, "SEARCH_RE" if type(processor) is blockprocessors.HRProcessor else "RE", None)
    if source is not None and getattr(compiled, "pattern", None) != source:
        return None
    if INDENT in needs and getattr(processor, "tab_length", None) != 4:
        return None
    return frozenset(needs)


_BITS = tuple((ch, 1 << n) for n, ch in enumerate(_TRIGGERS))
_INDENT_BIT = 1 << len(_TRIGGERS)


def _features(block: str) -> int:
    """The triggers present in `block`, as bits."""
    mask = _INDENT_BIT if block.startswith("    ") else 0
    for ch, bit in _BITS:
        if ch in block:
            mask |= bit
    return mask


def _bits(needs: frozenset[str]) -> int:
    return sum(_INDENT_BIT if need == INDENT else dict(_BITS)[need] for need in needs)


class FastBlockParser(blockparser.BlockParser):
    """Python-Markdown's BlockParser with hopeless processor calls skipped."""

    def parseDocument(self, lines):  # noqa: N802 - Python-Markdown's API name
        # One snapshot per document: the registry re-sorts on every iteration.
        self._plan = [(p, None if needs is None else _bits(needs))
                      for p in self.blockprocessors for needs in (needed(p),)]
        self._plans: dict[int, list] = {}       # triggers present → the processors to offer
        self._rank = {id(p): n for n, (p, _) in enumerate(self._plan)}
        return super().parseDocument(lines)

    def _offered(self, mask: int) -> list:
        plan = self._plans.get(mask)
        if plan is None:
            plan = self._plans[mask] = [p for p, needs in self._plan if needs is None or needs & mask]
        return plan

    def parseBlocks(self, parent, blocks) -> None:  # noqa: N802
        if getattr(self, "_plan", None) is None:    # called outside parseDocument: the stock loop
            return super().parseBlocks(parent, blocks)
        while blocks:
            block = blocks[0]
            offered = self._offered(_features(block))
            n = 0
            while n < len(offered):
                processor = offered[n]
                n += 1
                if processor.test(parent, blocks[0]):
                    if processor.run(parent, blocks) is not False:
                        break
                    if not blocks:
                        break
                    if blocks[0] is not block:      # a declining run changed the block: the
                        block = blocks[0]           # processors after this one, for the new block
                        rank = self._rank[id(processor)]
                        offered = [p for p in self._offered(_features(block)) if self._rank[id(p)] > rank]
                        n = 0


class FastTableProcessor(tables.TableProcessor):
    """The tables extension's processor; a row without a backtick or a backslash (nearly every
    row) is split at each of its pipes directly, which is what its code-aware split gives
    for such a row (every pipe is then a cell border)."""

    def _split(self, row: str) -> list[str]:
        if "`" not in row and "\\" not in row:
            return row.split("|")
        return super()._split(row)


_NEEDS[FastTableProcessor] = _NEEDS[tables.TableProcessor]


class FastBlockExtension(Extension):
    def extendMarkdown(self, md):  # noqa: N802 - Python-Markdown's API name
        if type(md.parser) is blockparser.BlockParser:
            md.parser.__class__ = FastBlockParser
        registry = md.parser.blockprocessors
        if "table" in registry and type(registry["table"]) is tables.TableProcessor \
                and tables.TableProcessor.RE_CODE_PIPES.pattern == r'(?:(\\\\)|(\\`+)|(`+)|(\\\|)|(\|))':
            stock = registry["table"]
            fast = FastTableProcessor(md.parser, stock.config)
            registry.register(fast, "table", 75)
