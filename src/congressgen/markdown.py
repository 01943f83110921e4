"""Markdown stage: a report body → HTML, outline and summary.

Python-Markdown with tables, footnotes, attribute lists and sane lists, plus what Chinese
official text needs: the GB/T 9704 outline (see `outline`), CJK soft line breaks joined
without a space, and no single-`*`/`_` emphasis, because published reports use `*` for
redacted names (`*镇`, `镇长*名`) and Chinese typography has no italics. `**bold**` works,
except where the pair is a redaction (`**镇人民政府`, `20**年`: see `redactions`).
"""

from __future__ import annotations

import html
import importlib
import re
from dataclasses import dataclass

import markdown as md_lib
from markdown.extensions import Extension
from markdown import inlinepatterns
from markdown.extensions import attr_list

from congressgen.blocks import FastBlockExtension
from congressgen.inline import FastInlineExtension
from congressgen.mdtree import FastTreeExtension, use_fast_serializer
from congressgen.outline import LEADIN_CLOSE, LEADIN_OPEN, Outline, prepare

EXTENSIONS = ("tables", "footnotes", "attr_list", "sane_lists", "md_in_html")
# Part of every cache key: a change here must re-render every body.
RENDERER_VERSION = "2:" + ",".join(EXTENSIONS) + ":strong-only:outline-parts:redactions"
_SENTENCE_END = "。！？；"


class LiteralAsteriskExtension(Extension):
    """Keep single `*` and `_` as text; only doubled ones make bold."""

    def extendMarkdown(self, md):  # noqa: N802 - Python-Markdown's API name
        if hasattr(inlinepatterns, "DelimiterProcessor"):  # Python-Markdown >= 3.11
            processor = inlinepatterns.DelimiterProcessor("*", "strong", md, double=True)
            processor.add("_", "strong", smart=True, double=True)
            md.inlinePatterns.register(processor, "em_strong", 60)
            return
        strong = inlinepatterns.EmStrongItem(  # pragma: no cover - older Python-Markdown
            re.compile(inlinepatterns.STRONG_RE, re.DOTALL | re.UNICODE), "single", "strong")
        smart = inlinepatterns.EmStrongItem(
            re.compile(inlinepatterns.SMART_STRONG_RE, re.DOTALL | re.UNICODE), "single", "strong")
        asterisk = type("StrongOnlyAsterisk", (inlinepatterns.AsteriskProcessor,), {"PATTERNS": [strong]})
        underscore = type("StrongOnlyUnderscore", (inlinepatterns.UnderscoreProcessor,), {"PATTERNS": [smart]})
        md.inlinePatterns.register(asterisk(r"\*"), "em_strong", 60)
        md.inlinePatterns.register(underscore(r"_"), "em_strong2", 50)


class _Only:
    """A tree stand-in whose iter() gives, in document order, only some of its elements."""

    def __init__(self, doc, wanted: set) -> None:
        self._doc, self._wanted = doc, wanted

    def iter(self):
        return (elem for elem in self._doc.iter() if elem in self._wanted)


_ID_AND_CLASS = re.compile(r"#([A-Za-z0-9-]+) \.([A-Za-z0-9-]+)")


class BraceOnlyAttrList(attr_list.AttrListTreeprocessor):
    """attr_list's tree pass over only the elements it could change. Every pattern it applies
    needs a "{" in an element's text, its tail, or a child's tail (`{#id .class}`); the others
    (nearly all paragraphs) it only tests, at a regex search each. Same elements, same order,
    same code: the same result."""

    def run(self, doc) -> None:
        wanted = set()
        for elem in doc.iter():
            if elem.text and "{" in elem.text:
                wanted.add(elem)
            for child in elem:
                if child.tail and "{" in child.tail:
                    wanted.add(elem)
                    wanted.add(child)
        if wanted:
            super().run(_Only(doc, wanted))

    def assign_attrs(self, elem, attrs_string: str, *, strict: bool = False) -> str:
        # The outline's own headings carry `{#sec-1 .outline-1}`: an id and a class, which
        # attr_list's scanner parses into the same two assignments made here.
        own = _ID_AND_CLASS.fullmatch(attrs_string)
        if own is None:
            return super().assign_attrs(elem, attrs_string, strict=strict)
        elem.set("id", own[1])
        cls = elem.get("class")
        elem.set("class", f"{cls} {own[2]}" if cls else own[2])
        return ""


class BraceOnlyAttrListExtension(Extension):
    def extendMarkdown(self, md):  # noqa: N802 - Python-Markdown's API name
        md.treeprocessors.register(BraceOnlyAttrList(md), "attr_list", 8)


@dataclass(frozen=True)
class RenderedBody:
    html: str
    outline: Outline
    text: str          # plain text of the body, for summaries, search and checks


_EXTENSION_CONFIGS = {"footnotes": {"BACKLINK_TITLE": "返回正文第 %d 处注释", "SEPARATOR": "-"}}


def _markdown() -> md_lib.Markdown:
    # Markdown's own extensions made here as its entry points would make them: given by name,
    # Python-Markdown reads every installed package's entry points first (importlib.metadata,
    # about 50 ms of an edit's build)
    builtin = [importlib.import_module(f"markdown.extensions.{name}").makeExtension(**_EXTENSION_CONFIGS.get(name, {}))
               for name in EXTENSIONS]
    return use_fast_serializer(md_lib.Markdown(
        extensions=builtin + [LiteralAsteriskExtension(), FastInlineExtension(), FastBlockExtension(),
                              FastTreeExtension(), BraceOnlyAttrListExtension()],
        output_format="html"))


def has_raw_html(prepared: str) -> bool:
    """Whether a prepared body may hold raw HTML or character references for the block HTML
    pass to read (it rewrites `&#3` as `&#3;`). The outline's own run-in marks
    (`<strong class="leadin">…</strong>`) are inline HTML only, which that pass hands on as
    text; without any other `<` or `&` it would only copy the document."""
    if "&" in prepared:
        return True
    if "<" not in prepared:
        return False
    leadins = prepared.count(LEADIN_OPEN)
    rest = prepared.replace(LEADIN_OPEN, "").replace(LEADIN_CLOSE, "", leadins)
    return "<" in rest


# Where inline HTML would not stay HTML (code spans and blocks, link and image text), where
# emphasis delimiters could pair across a mark (the delimiter rules look at the neighbouring
# characters), where Python-Markdown rewrites the text (it drops \x02 and \x03, and expands
# tabs by column, which the marks' length would shift), or where the marks could collide with
# the text: then the marks go through as the HTML they are. So do they where an attribute list
# could take them in: any "{" but those of the headings the outline writes.
_KEEPS_HTML_AS_TEXT = re.compile(r"[`\[*_\t\x02\x03\x0e\x0f]| {4}")
_OWN_HEADING = re.compile(r"#{1,6} [^{}\n]* \{#[A-Za-z0-9-]+ \.outline-[a-z0-9]+\}")


def marks_pass_as_text(prepared: str) -> bool:
    """Whether the run-in marks of a body without other HTML may travel as control characters."""
    if _KEEPS_HTML_AS_TEXT.search(prepared):
        return False
    return "{" not in prepared or all(_OWN_HEADING.fullmatch(line) for line in prepared.split("\n") if "{" in line)


_MARK_OPEN, _MARK_CLOSE = "\x0e", "\x0f"


class BodyRenderer:
    """Python-Markdown instances, reset between documents (creating one is costly).

    The block HTML pass (md_in_html's parser, ~15 % of a conversion) reads the whole document
    with the stdlib HTML parser; for a body without raw HTML (nearly every report) it finds
    nothing, so such bodies go to a second instance without that pass. Output is the same
    (tests/test_markdown_speed.py compares both instances over every sample we have)."""

    def __init__(self) -> None:
        self._md = _markdown()
        self._plain = _markdown()
        self._plain.preprocessors.deregister("html_block")

    def convert(self, prepared: str, *, plain: bool | None = None) -> str:
        """HTML of a prepared body; `plain` forces (True) or refuses (False) the instance
        without the block HTML pass (None: chosen by `has_raw_html`)."""
        if plain is None:
            plain = not has_raw_html(prepared)
        md = self._plain if plain else self._md
        md.reset()
        if plain and LEADIN_OPEN in prepared and marks_pass_as_text(prepared):
            # The run-in marks are then the only HTML and sit in plain paragraph text: carried
            # through as two control characters instead of raw HTML, which Python-Markdown would
            # stash, match and substitute back one by one (~10 % of a body's conversion).
            marked = prepared.replace(LEADIN_OPEN, _MARK_OPEN).replace(LEADIN_CLOSE, _MARK_CLOSE)
            return md.convert(marked).replace(_MARK_OPEN, LEADIN_OPEN).replace(_MARK_CLOSE, LEADIN_CLOSE)
        return md.convert(prepared)

    def render(self, body: str) -> RenderedBody:
        prepared, outline = prepare(body)
        body_html = self.convert(prepared)
        return RenderedBody(body_html, outline, html_to_text(body_html))


_TAG = re.compile(r"<[^>]+>")
_FOOTNOTE_REF = re.compile(r'<sup id="fnref[^"]*">.*?</sup>')
_FOOTNOTES = re.compile(r'<div class="footnote">.*?</div>', re.DOTALL)
_BLOCK_END = re.compile(r"</(p|h\d|li|tr|td|th|div|blockquote)>")


def html_to_text(fragment: str) -> str:
    """Visible text of an HTML fragment, one line per block, footnote marks dropped."""
    fragment = _FOOTNOTES.sub("", _FOOTNOTE_REF.sub("", fragment))
    fragment = _BLOCK_END.sub("\n", fragment)
    text = html.unescape(_TAG.sub("", fragment))
    return "\n".join(line.strip() for line in text.split("\n") if line.strip())


_PARAGRAPH = re.compile(r"<p>(.*?)</p>", re.DOTALL)


def summarise(body_html: str, budget: int) -> str:
    """The first paragraphs' text within `budget` characters, cut at a CJK sentence end."""
    parts, length = [], 0
    for m in _PARAGRAPH.finditer(_FOOTNOTES.sub("", body_html)):
        part = html_to_text(m.group(1))
        parts.append(part)
        length += len(part)
        if length > budget:
            break           # what follows cannot change the first `budget` characters
    return cut_summary("".join(parts) or html_to_text(body_html).replace("\n", ""), budget)


def cut_summary(text: str, budget: int) -> str:
    """`text` within `budget` characters, cut at a CJK sentence end."""
    if len(text) <= budget:
        return text
    head = text[:budget]
    cut = max(head.rfind(ch) for ch in _SENTENCE_END)
    if cut >= budget // 3:
        return head[: cut + 1]
    return head.rstrip("，、；：") + "……"
