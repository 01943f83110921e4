"""Import stage: a Word (.docx), plain-text (.txt) or Markdown file → `content/COLUMN/ID.md`.

Clerks receive reports as Word/WPS files or as plain text (often GB18030 from Windows);
retyping is where errors creep in, so an import keeps every paragraph and every character
in order and only adds Markdown syntax around them.

- `.docx` is read with mammoth (Word and WPS output; `.doc`/`.wps` must be saved as .docx
  first). mammoth's HTML is a small fixed set of elements, turned into our Markdown dialect
  here: literal single `*` (so no escaping clutter for redacted names), italic as `<em>`
  (our renderer treats single `*` as literal), footnotes as `[^n]`, tables as pipe tables,
  images written into the bundle folder, and the GB/T 9704 outline left for the build's
  `outline` stage to recognise (bold run-in headings become headings).
- `.txt` is decoded by `content.decode` (UTF-8, BOM, GB18030, CRLF) and escaped as plain text;
  `.md` is kept as written.
- Front matter is guessed from the opening lines (title, the "——2024年4月26日在……会议上"
  line, the speaker line). An import is always `draft: true`: imported text has not been
  reviewed, so it is never published by accident.
- Nothing is written until the whole result has been composed and parsed back by the
  `content` and `markdown` stages; nothing is overwritten without `force`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import yaml

from congressgen.config import SiteConfig, load_config
from congressgen.content import (ID_PATTERN, TZ, decode, find_sources, parse_source, read_report, read_source,
                                 split_front_matter)
from congressgen.errors import ContentError, CongressError, Diagnostic, Location
from congressgen.markdown import BodyRenderer
from congressgen.outline import Outline, join_lines, match_marker, numeral_value
from congressgen.yamlpos import load_mapping

DOCX = (".docx",)
TEXT = (".txt", ".text")
MARKDOWN = (".md", ".markdown")
SUPPORTED = DOCX + TEXT + MARKDOWN
_OLD_FORMATS = {".doc": "Word 97-2003 文档", ".wps": "WPS 文字文档", ".wpt": "WPS 模板", ".rtf": "RTF 文档",
                ".odt": "OpenDocument 文档", ".docm": "启用宏的 Word 文档", ".dot": "Word 模板", ".dotx": "Word 模板"}
_OLE_SIGNATURE = bytes.fromhex("d0cf11e0a1b11ae1")   # encrypted .docx and old .doc are OLE compound files
_ZIP_SIGNATURE = b"PK\x03\x04"
COLUMN_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
# Image links are written before the report's id is known; replaced when composing.
_BUNDLE = "\x00bundle\x00"
_TITLE_STYLE = "congressgen-title"

# Word/WPS style names → HTML; Chinese names are what WPS and Chinese Word write.
STYLE_MAP = "\n".join([
    f"p[style-name='{_TITLE_STYLE}'] => p.cg-title:fresh",
    "p[style-name='Title'] => p.cg-title:fresh",
    "p[style-name='标题'] => p.cg-title:fresh",
    "p[style-name='Subtitle'] => p:fresh",
    "p[style-name='副标题'] => p:fresh",
    *(f"p[style-name='标题 {n}'] => h{n}:fresh" for n in range(1, 7)),
    *(f"p[style-name='标题{n}'] => h{n}:fresh" for n in range(1, 7)),
    *(f"p[style-name='{name}'] => p:fresh" for name in (
        "Body Text", "Text Body", "Default", "Standard", "正文", "正文文本", "Plain Text", "纯文本",
        "List Paragraph", "列出段落", "Normal (Web)", "普通(网站)", "Table Contents", "表格内容")),
    "r[style-name='Footnote Characters'] =>",
    "r[style-name='Endnote Characters'] =>",
    "r[style-name='脚注引用'] =>",
])


@dataclass(frozen=True)
class ImportOptions:
    source: Path = Path(".")
    column: str = "reports"
    ident: str | None = None
    title: str | None = None
    date: dt.date | None = None
    dry_run: bool = False
    force: bool = False


@dataclass(frozen=True)
class Block:
    """One paragraph-level piece of the body: Markdown as written, plain text for guessing."""

    markdown: str
    text: str
    kind: str = "p"            # p, heading, title, table, list, image
    raw_title: bool = False    # Word title style, or centred/large/bold opening paragraph


@dataclass(frozen=True)
class BundleFile:
    name: str                  # inside the bundle folder
    data: bytes


@dataclass(frozen=True)
class ReadResult:
    """What a reader got out of a file, before front matter is guessed."""

    blocks: tuple[Block, ...]
    footnotes: tuple[str, ...] = ()          # Markdown definitions: "[^1]: text"
    images: tuple[BundleFile, ...] = ()
    warnings: tuple[Diagnostic, ...] = ()
    todo: tuple[str, ...] = ()               # things the clerk must still do
    front: dict = field(default_factory=dict)   # front matter already in a .md file
    counts: dict = field(default_factory=dict)  # tables, images, footnotes, lists


@dataclass(frozen=True)
class Guess:
    title: str
    title_from: str
    title_blocks: tuple[int, ...]            # block indices that became the title (left out of the body)
    date: dt.date
    date_from: str
    session: str = ""
    author: str = ""
    author_from: str = ""


@dataclass
class ImportResult:
    original: Path
    markdown_path: Path
    ident: str
    text: str                                 # the whole .md file
    files: list[tuple[Path, bytes]]           # bundle files to write (original, images)
    guess: Guess
    outline: Outline
    counts: dict
    warnings: list[Diagnostic]
    todo: list[str]
    written: bool = False


# --------------------------------------------------------------------------- escaping

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


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


# --------------------------------------------------------------------------- mammoth HTML → tree

@dataclass
class Node:
    tag: str
    attrs: dict
    children: list        # Node | str


class _TreeBuilder(HTMLParser):
    VOID = {"img", "br", "hr"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("root", {}, [])
        self.stack = [self.root]

    def handle_starttag(self, tag, attrs):
        node = Node(tag, dict(attrs), [])
        self.stack[-1].children.append(node)
        if tag not in self.VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag, attrs):
        self.stack[-1].children.append(Node(tag, dict(attrs), []))

    def handle_endtag(self, tag):
        for index in range(len(self.stack) - 1, 0, -1):
            if self.stack[index].tag == tag:
                del self.stack[index:]
                return

    def handle_data(self, data):
        self.stack[-1].children.append(data)


def parse_html(fragment: str) -> Node:
    builder = _TreeBuilder()
    builder.feed(fragment)
    builder.close()
    return builder.root


def node_text(node) -> str:
    if isinstance(node, str):
        return node
    if node.tag == "br":
        return "\n"
    if node.tag == "img":
        return ""
    if _note_number(node):
        return ""
    return "".join(node_text(child) for child in node.children)


def _note_number(node) -> str | None:
    """The displayed number of a footnote/endnote reference `<sup><a href="#footnote-2">[1]</a></sup>`."""
    if isinstance(node, Node) and node.tag == "sup" and len(node.children) == 1:
        link = node.children[0]
        if isinstance(link, Node) and link.tag == "a" and re.match(r"#(footnote|endnote)-", link.attrs.get("href", "")):
            m = re.fullmatch(r"\[(\d+)\]", node_text_plain(link))
            return m.group(1) if m else None
    return None


def node_text_plain(node) -> str:
    return node if isinstance(node, str) else "".join(node_text_plain(c) for c in node.children)


def _clean(text: str) -> str:
    return text.replace("\t", " ").replace("\r", " ").replace("\n", " ").replace("\xa0", " ")


# --------------------------------------------------------------------------- inline Markdown

class _Inline:
    """Renders inline HTML nodes as Markdown; one instance per paragraph."""

    def __init__(self, all_asterisks: bool, plain: bool = False):
        self.all_asterisks = all_asterisks
        self.plain = plain             # headings: text only, formatting dropped
        self.after_element = False     # `{` right after an element would start an attribute list

    def text(self, value: str) -> str:
        out = escape_text(_clean(value), self.all_asterisks)
        if self.after_element and out.startswith("{"):
            out = "\\" + out
        self.after_element = False
        return out

    def render(self, nodes: list) -> str:
        return "".join(self.node(n) for n in nodes)

    def node(self, node) -> str:
        if isinstance(node, str):
            return self.text(node) if node else ""
        number = _note_number(node)
        if number:
            self.after_element = True
            return f"[^{number}]"
        tag = node.tag
        if tag == "br":
            return "" if self.plain else "<br>"
        if tag == "img":
            self.after_element = True
            return _image_markdown(node)
        inner = self.render(node.children)
        if self.plain or not inner.strip():
            return inner
        if tag == "strong":
            out = _wrap(inner, "**", "**")
        elif tag == "em":
            out = _wrap(inner, "<em>", "</em>")
        elif tag in ("sup", "sub", "s", "u"):
            out = _wrap(inner, f"<{tag}>", f"</{tag}>")
        elif tag == "a" and node.attrs.get("href", "").startswith(("http://", "https://", "mailto:")):
            href = re.sub(r"[ ()<>]", lambda m: "%{:02X}".format(ord(m.group())), node.attrs["href"])
            out = f"[{inner}]({href})"
        else:
            return inner           # bookmarks, internal links, spans: their text only
        self.after_element = True
        return out


def _wrap(inner: str, opening: str, closing: str) -> str:
    """Markers hug the text: leading/trailing spaces move outside (else `** x**` stays literal)."""
    stripped = inner.strip(" ")
    lead = inner[: len(inner) - len(inner.lstrip(" "))]
    trail = inner[len(inner.rstrip(" ")):]
    return f"{lead}{opening}{stripped}{closing}{trail}"


def _image_markdown(node: Node) -> str:
    alt = escape_text(_clean(node.attrs.get("alt", "")))
    return f"![{alt}]({node.attrs.get('src', '')})"


def _contains(nodes: list, tag: str) -> bool:
    return any(isinstance(n, Node) and (n.tag == tag or _contains(n.children, tag)) for n in nodes)


# --------------------------------------------------------------------------- blocks

def _split_at_breaks(nodes: list) -> list[list]:
    """A Word line break (Shift+Enter) inside a body paragraph separates paragraphs."""
    pieces: list[list] = [[]]
    for node in nodes:
        if isinstance(node, Node) and node.tag == "br":
            pieces.append([])
        elif isinstance(node, Node) and node.tag in ("strong", "em") and _contains(node.children, "br"):
            for index, part in enumerate(_split_at_breaks(node.children)):
                if index:
                    pieces.append([])
                if part:
                    pieces[-1].append(Node(node.tag, node.attrs, part))
        else:
            pieces[-1].append(node)
    return [p for p in pieces if node_text(Node("p", {}, p)).strip() or _contains(p, "img")]


def _trim(nodes: list) -> list:
    """Drop leading/trailing whitespace of a paragraph (indentation is the theme's job)."""
    nodes = list(nodes)
    while nodes and isinstance(nodes[0], str) and not nodes[0].strip(" \t\u3000\xa0\n"):
        nodes.pop(0)
    if nodes and isinstance(nodes[0], str):
        nodes[0] = nodes[0].lstrip(" \t\u3000\xa0\n")
    while nodes and isinstance(nodes[-1], str) and not nodes[-1].strip(" \t\u3000\xa0\n"):
        nodes.pop()
    if nodes and isinstance(nodes[-1], str):
        nodes[-1] = nodes[-1].rstrip(" \t\u3000\xa0\n")
    return nodes


def _heading_line(text_md: str, plain: str, word_level: int) -> str:
    """A Word heading: numbered ones get the outline's level, the rest their Word level."""
    marker = match_marker(plain)
    if marker:
        return "#" * (marker[0] + 1) + " " + text_md
    return "#" * min(word_level + 1, 6) + " " + text_md.replace("{", "\\{")


def paragraph_blocks(nodes: list) -> list[Block]:
    """Body paragraph → blocks; a bold run-in 「一、……。」 becomes a heading of its own."""
    blocks = []
    for piece in _split_at_breaks(nodes):
        piece = _trim(piece)
        plain = _clean(node_text(Node("p", {}, piece))).strip()
        first = piece[0] if piece else None
        if plain and match_marker(plain) and isinstance(first, Node) and first.tag in ("strong", "em"):
            lead_plain = _clean(node_text(first)).strip()
            marker = match_marker(lead_plain)
            if first.tag == "strong" and marker and marker[2].strip():
                heading = _Inline(False, plain=True).render(first.children).strip()
                blocks.append(Block(_heading_line(heading, lead_plain, marker[0]), lead_plain, "heading"))
                rest = _trim(piece[1:])
                if rest:
                    blocks.extend(_plain_paragraph(rest))
                continue
            piece = list(first.children) + piece[1:]   # unwrap so the build sees the numbering
        blocks.extend(_plain_paragraph(piece))
    return blocks


def _plain_paragraph(nodes: list) -> list[Block]:
    nodes = _trim(nodes)
    if not nodes:
        return []
    markdown = _Inline(_contains(nodes, "strong")).render(nodes).strip()
    plain = _clean(node_text(Node("p", {}, nodes))).strip()
    only_image = all(isinstance(n, Node) and n.tag == "img" or (isinstance(n, str) and not n.strip()) for n in nodes)
    return [Block(line, plain if index == 0 else "", "image" if only_image else "p")
            for index, line in enumerate(split_run_in(markdown))]


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


def _cell_markdown(cell: Node) -> str:
    parts = []
    for child in cell.children:
        if isinstance(child, Node) and child.tag in ("p", "h1", "h2", "h3", "h4", "h5", "h6", "li"):
            parts.append(_Inline(_contains(child.children, "strong")).render(_trim(child.children)).strip())
        elif isinstance(child, Node) and child.tag in ("ul", "ol", "table", "tr", "td", "th", "tbody", "thead"):
            inner = _cell_markdown(child)
            if inner:
                parts.append(inner)
        elif node_text(child).strip():
            parts.append(_Inline(False).render([child]).strip())
    return "<br>".join(p for p in parts if p)


def table_block(table: Node) -> Block:
    rows: list[list[str]] = []
    plain: list[str] = []
    for row in _descendants(table, "tr", stop="table"):
        cells: list[str] = []
        for cell in (c for c in row.children if isinstance(c, Node) and c.tag in ("td", "th")):
            cells.append(_cell(_cell_markdown(cell)) or " ")
            plain.append(_clean(node_text(cell)))
            cells.extend([" "] * (int(cell.attrs.get("colspan", "1") or 1) - 1))
        rows.append(cells)
    width = max((len(r) for r in rows), default=1)
    rows = [r + [" "] * (width - len(r)) for r in rows] or [[" "]]
    lines = ["| " + " | ".join(rows[0]) + " |", "|" + "---|" * width]
    lines += ["| " + " | ".join(r) + " |" for r in rows[1:]]
    return Block("\n".join(lines), " ".join(plain), "table")


def _descendants(node: Node, tag: str, stop: str) -> list[Node]:
    """Elements `tag` below `node`, not looking into nested `stop` elements."""
    found = []
    for child in node.children:
        if not isinstance(child, Node):
            continue
        if child.tag == tag:
            found.append(child)
        elif child.tag != stop:
            found.extend(_descendants(child, tag, stop))
    return found


def list_block(node: Node, counts: dict) -> Block:
    """Word lists; nested levels are flattened (their text is kept)."""
    lines, plain = [], []
    number = 0
    for item in (c for c in node.children if isinstance(c, Node) and c.tag == "li"):
        own = [c for c in item.children if not (isinstance(c, Node) and c.tag in ("ul", "ol"))]
        paragraphs = [c.children if isinstance(c, Node) and c.tag == "p" else [c] for c in own]
        flat = [n for p in paragraphs for n in p]
        text_md = _Inline(_contains(flat, "strong")).render(_trim(flat)).strip()
        number += 1
        if text_md:
            lines.append((f"{number}. " if node.tag == "ol" else "- ") + text_md)
            plain.append(_clean(node_text(Node("p", {}, flat))).strip())
        for sub in (c for c in item.children if isinstance(c, Node) and c.tag in ("ul", "ol")):
            inner = list_block(sub, counts)
            lines.extend(inner.markdown.split("\n"))
            plain.append(inner.text)
    if node.tag == "ol":
        counts["ordered_lists"] = counts.get("ordered_lists", 0) + 1
    return Block("\n".join(lines), " ".join(plain), "list")


def _footnote_definition(item: Node, number: str) -> str:
    paragraphs = []
    for child in item.children:
        nodes = child.children if isinstance(child, Node) and child.tag == "p" else [child]
        nodes = [n for n in nodes if not (isinstance(n, Node) and n.tag == "a"
                                          and n.attrs.get("href", "").startswith(("#footnote-ref", "#endnote-ref")))]
        text_md = _Inline(_contains(nodes, "strong")).render(_trim(nodes)).strip()
        if text_md:
            paragraphs.append(text_md)
    return f"[^{number}]: " + "\n\n    ".join(paragraphs or ["　"])


def html_to_blocks(fragment: str) -> tuple[list[Block], list[str], dict]:
    """mammoth's HTML → body blocks, footnote definitions and counts."""
    root = parse_html(fragment)
    blocks: list[Block] = []
    counts: dict = {}
    note_ids: dict[str, str] = {}      # "footnote-2" → displayed number "1"

    def collect_refs(node):
        if isinstance(node, Node):
            number = _note_number(node)
            if number:
                note_ids[node.children[0].attrs["href"][1:]] = number
            for child in node.children:
                collect_refs(child)

    collect_refs(root)
    footnotes = []
    for node in root.children:
        if isinstance(node, str):
            if node.strip():
                blocks.extend(_plain_paragraph([node]))
            continue
        tag = node.tag
        if tag == "p" and "cg-title" in node.attrs.get("class", ""):
            text = join_lines(node_text(node).split("\n")).strip()
            markdown = escape_line_start(_Inline(False, plain=True).render([text]))
            blocks.append(Block(markdown, _clean(text), "title", raw_title=True))
        elif tag == "p":
            blocks.extend(paragraph_blocks(node.children))
        elif re.fullmatch(r"h[1-6]", tag):
            plain = _clean(node_text(node)).strip()
            if plain:
                text_md = _Inline(False, plain=True).render(_trim(node.children)).strip()
                blocks.append(Block(_heading_line(text_md, plain, int(tag[1])), plain, "heading"))
        elif tag == "table":
            blocks.append(table_block(node))
            counts["tables"] = counts.get("tables", 0) + 1
        elif tag in ("ul", "ol"):
            items = [c for c in node.children if isinstance(c, Node)]
            if items and all(i.attrs.get("id", "").startswith(("footnote-", "endnote-")) for i in items):
                for item in items:
                    number = note_ids.get(item.attrs["id"])
                    if number:
                        footnotes.append(_footnote_definition(item, number))
                continue
            blocks.append(list_block(node, counts))
        elif node_text(node).strip() or _contains([node], "img"):
            blocks.extend(paragraph_blocks(node.children))
    counts["footnotes"] = len(footnotes)
    return blocks, footnotes, counts


# --------------------------------------------------------------------------- readers

def _docx_error(shown: str, message: str) -> ContentError:
    return ContentError(Location(shown), message)


def _looks_like_title(paragraph, text: str) -> bool:
    """An opening paragraph set as a title by hand: centred, all bold, or large (≥ 18 pt)."""
    if len(text) > 80 or match_marker(text) or _DATELINE.search(text):
        return False
    import mammoth.documents as docs
    runs = [r for r in _runs(paragraph, docs) if "".join(_run_text(r, docs)).strip()]
    bold = bool(runs) and all(r.is_bold for r in runs)
    large = any((r.font_size or 0) >= 18 for r in runs)
    return paragraph.alignment in ("center", "centre") or bold or large


def _runs(element, docs) -> list:
    found = []
    for child in getattr(element, "children", []) or []:
        if isinstance(child, docs.Run):
            found.append(child)
        else:
            found.extend(_runs(child, docs))
    return found


def _run_text(run, docs) -> list[str]:
    return [c.value for c in run.children if isinstance(c, docs.Text)]


def _mark_title(document):
    """mammoth document transform: restyle the opening paragraph when it looks like a title."""
    import mammoth.documents as docs
    from mammoth.raw_text import extract_raw_text_from_element

    children = list(document.children)
    for index, child in enumerate(children):
        if not isinstance(child, docs.Paragraph):
            break
        text = extract_raw_text_from_element(child).strip()
        if not text:
            continue
        if (child.style_name or "") not in ("Title", "标题") and _looks_like_title(child, text):
            children[index] = child.copy(style_name=_TITLE_STYLE, style_id=None)
        break
    return document.copy(children=children)


_IMAGE_EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg", "image/jpg": "jpg", "image/gif": "gif",
                     "image/bmp": "bmp", "image/svg+xml": "svg", "image/webp": "webp", "image/x-emf": "emf",
                     "image/x-wmf": "wmf", "image/emf": "emf", "image/wmf": "wmf", "image/tiff": "tif"}
_WEB_IMAGES = {"png", "jpg", "gif", "svg", "webp", "bmp"}


def _translate_message(text: str) -> str:
    m = re.match(r"Unrecognised (paragraph|run|table) style: (.*) \(Style ID: .*\)$", text)
    if m:
        kind = {"paragraph": "段落样式", "run": "文字样式", "table": "表格样式"}[m.group(1)]
        return f"{kind}“{m.group(2)}”没有对应的标题级别，已按普通{'段落' if kind == '段落样式' else '文字'}导入"
    return f"Word 转换提示：{text}"


def read_docx(raw: bytes, shown: str) -> ReadResult:
    if raw.startswith(_OLE_SIGNATURE):
        raise _docx_error(shown, "这是设置了打开密码（加密）的 Word 文件，或是改了扩展名的旧版 .doc 文件，无法导入；"
                                 "请在 Word/WPS 中取消密码（文件→信息→保护文档），并“另存为” .docx 后再导入。未写入任何文件")
    if not raw.startswith(_ZIP_SIGNATURE):
        raise _docx_error(shown, "文件不是有效的 .docx（Word 2007 及以后的格式），可能已损坏；"
                                 "请在 Word/WPS 中打开并“另存为” .docx 后再导入。未写入任何文件")
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            bad = archive.testzip()
            if bad is not None or "word/document.xml" not in archive.namelist():
                raise zipfile.BadZipFile(bad or "word/document.xml missing")
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError, OSError) as exc:
        raise _docx_error(shown, f"文件已损坏，无法作为 .docx 读取（{exc}）；请在 Word/WPS 中打开并“另存为” .docx "
                                 "后再导入。未写入任何文件") from None

    import mammoth

    images: list[BundleFile] = []
    todo: list[str] = []
    warnings: list[Diagnostic] = []

    def convert_image(image) -> dict:
        number = len(images) + 1
        extension = _IMAGE_EXTENSIONS.get(image.content_type) or mammoth.images.image_filename_extension(image) or "bin"
        name = f"image{number}.{extension}"
        with image.open() as stream:
            images.append(BundleFile(name, stream.read()))
        if extension not in _WEB_IMAGES:
            todo.append(f"图片 {name} 是 {extension.upper()} 格式，浏览器无法显示：请在 Word/WPS 中把它另存为 PNG 后替换")
        attributes = {"src": f"{_BUNDLE}/{name}"}
        if not (image.alt_text or "").strip():
            attributes["alt"] = f"图{number}"
            todo.append(f"图片 {name} 没有替代文字（供读屏软件朗读），已暂填“图{number}”，请改写为图片内容的简要说明")
        return attributes

    try:
        result = mammoth.convert_to_html(io.BytesIO(raw), style_map=STYLE_MAP, transform_document=_mark_title,
                                         convert_image=mammoth.images.img_element(convert_image))
    except Exception as exc:   # mammoth's own parse errors (bad XML, missing parts): the file is damaged
        raise _docx_error(shown, f"无法读取 Word 文件内容（{type(exc).__name__}: {exc}），文件可能已损坏；"
                                 "请在 Word/WPS 中打开并“另存为” .docx 后再导入。未写入任何文件") from None
    for message in dict.fromkeys(m.message for m in result.messages):
        warnings.append(Diagnostic(Location(shown), _translate_message(message), "warning"))
    blocks, footnotes, counts = html_to_blocks(result.value)
    counts["images"] = len(images)
    if counts.get("ordered_lists"):
        todo.append("文中有 Word 自动编号的列表：编号的样式（如“一、”“（一）”）不保存在文字里，已按 1. 2. 3. 导入，请核对")
    return ReadResult(tuple(blocks), tuple(footnotes), tuple(images), tuple(warnings), tuple(todo), {}, counts)


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


def read_markdown(raw: bytes, shown: str) -> tuple[ReadResult, str]:
    text, encoding, _ = decode(raw, shown)
    front: dict = {}
    if text.split("\n", 1)[0].strip() == "---":
        source = split_front_matter(text, shown, encoding)
        front = dict(load_mapping(source.front_text, shown, line_offset=1, what="前置信息").data)
        text = source.body
    blocks: list[Block] = []
    for chunk in re.split(r"\n[ \t]*\n", text.strip("\n")):
        chunk = chunk.strip("\n")
        if not chunk.strip():
            continue
        title = re.fullmatch(r"#\s+(.+?)(?:\s+#+)?", chunk.strip())
        if title and not blocks:     # a leading "# 标题" is the title, not a body heading
            blocks.append(Block(chunk, title.group(1), "title", raw_title=True))
        else:
            blocks.append(Block(chunk, chunk.strip()))
    return ReadResult(tuple(blocks), front=front), encoding


# --------------------------------------------------------------------------- guessing front matter

_CN_DIGITS = {c: i for i, c in enumerate("〇一二三四五六七八九")} | {"零": 0, "○": 0, "Ｏ": 0, "О": 0}
_NUM = r"(?:\d{1,4}|[〇○零Ｏ一二三四五六七八九十]{1,4})"
_DATE = rf"({_NUM})\s*年\s*({_NUM})\s*月\s*({_NUM})\s*日"
_DATELINE = re.compile(rf"^\s*(?:[—－─-]{{1,3}}|[（(])?\s*{_DATE}\s*(?:在\s*(.+?)\s*上)?\s*[）)]?\s*$")


def _cn_number(text: str, year: bool = False) -> int:
    if text.isdigit():
        return int(unicodedata.normalize("NFKC", text))
    if year:
        return int("".join(str(_CN_DIGITS.get(c, 0)) for c in text))
    return numeral_value(text)


def parse_dateline(text: str) -> tuple[dt.date, str] | None:
    """(date, session) from "——2024年4月26日在××镇第十届人民代表大会第六次会议上" and the like."""
    m = _DATELINE.match(text)
    if not m:
        return None
    try:
        date = dt.date(_cn_number(m.group(1), year=True), _cn_number(m.group(2)), _cn_number(m.group(3)))
    except ValueError:
        return None
    if not 1949 <= date.year <= 2200:
        return None
    return date, (m.group(4) or "").strip()


def _speaker(text: str) -> bool:
    """"县长　张三" / "镇人大主席团主席 王某某": short, unpunctuated, not numbering or a salutation."""
    return (2 <= len(text) <= 30 and not re.search(r"[，。；：！？,;:!?、“”]", text)
            and not match_marker(text) and not text.startswith(("各位", "——")) and not parse_dateline(text))


def guess_front_matter(read: ReadResult, original: Path, options: ImportOptions, today: dt.date) -> tuple[Guess, list[str]]:
    blocks = read.blocks
    todo: list[str] = []
    front = read.front
    # Title: Word title paragraphs (consecutive), else the first short line.
    title_blocks: list[int] = []
    first = next((i for i, b in enumerate(blocks) if b.text.strip()), None)
    title, title_from = "", ""
    if first is not None and blocks[first].raw_title:
        index = first
        while index < len(blocks) and blocks[index].raw_title:
            title_blocks.append(index)
            index += 1
        title = "".join(blocks[i].text.strip() for i in title_blocks)
        title_from = "文档的标题段落"
    elif first is not None and blocks[first].kind in ("p",) and len(blocks[first].text) <= 60 \
            and not re.search(r"[。！？；：]", blocks[first].text) and not match_marker(blocks[first].text) \
            and not parse_dateline(blocks[first].text):
        title_blocks, title, title_from = [first], blocks[first].text.strip(), "正文第一行"
    if options.title:
        if title and re.sub(r"\s", "", title) != re.sub(r"\s", "", options.title):
            title_blocks = []      # the document's own title line stays in the body: nothing is lost
        title, title_from = options.title, "--title"
    elif front.get("title"):
        title, title_from, title_blocks = str(front["title"]), "原文件的前置信息", []
    if not title:
        title, title_from = original.stem, "文件名"
        todo.append("标题 title：文中没有找到标题段落，暂用文件名，请改为报告的正式标题")

    # Date, session, speaker from the opening lines after the title.
    date, date_from, session, author, author_from = None, "", "", "", ""
    start = (max(title_blocks) + 1) if title_blocks else (first or 0)
    opening = [b for b in blocks[start:start + 6] if b.kind in ("p", "title")]
    for index, block in enumerate(opening):
        found = parse_dateline(block.text.strip())
        if found:
            date, session = found
            date_from = f"开头的“{block.text.strip()}”"
            neighbours = opening[index + 1:index + 2] + opening[max(index - 1, 0):index]
            for other in neighbours:
                if _speaker(other.text.strip()) and not other.raw_title:
                    author, author_from = re.sub(r"\s+", " ", other.text.strip()), f"开头的署名行“{other.text.strip()}”"
                    break
            break
    if options.date:
        date, date_from = options.date, "--date"
    elif front.get("date"):
        value = front["date"]
        date = value.date() if isinstance(value, dt.datetime) else value if isinstance(value, dt.date) else None
        if date is None:
            try:
                date = dt.date.fromisoformat(str(value)[:10])
            except ValueError:
                date = None
        date_from = "原文件的前置信息" if date else ""
    if date is None:
        date, date_from = today, "今天（文中没有找到日期）"
        todo.append(f"发布日期 date：文中没有找到会议日期，暂填今天 {today.isoformat()}，请改为实际发布日期")
    elif date_from.startswith("开头"):
        todo.append(f"发布日期 date：暂用报告开头的会议日期 {date.isoformat()}，如网站发布日期不同请修改")
    if front.get("session"):
        session = str(front["session"])
    if not session:
        todo.append("会议届次 session：文中没有找到，可补写，如“第十届人民代表大会第六次会议”")
    if front.get("author"):
        author, author_from = str(front["author"]), "原文件的前置信息"
    if author:
        todo.append(f"来源 author：取自{author_from}，请核对（网站显示为“来源”，通常写单位名称）")
    else:
        todo.append("来源 author：文中没有找到，网站将显示配置中的默认来源；如需其他来源请补写")
    return Guess(title, title_from, tuple(title_blocks), date, date_from, session, author, author_from), todo


# --------------------------------------------------------------------------- ids and paths

def _used_ids(content: Path) -> set[str]:
    used = set()
    for path in find_sources(content):
        used.add(path.stem)
        try:
            front = split_front_matter(decode(read_report(path, path.name, content.parent), path.name)[0], path.name)
            data = load_mapping(front.front_text, path.name, line_offset=1, what="前置信息").data
            if data.get("id"):
                used.add(str(data["id"]))
        except (CongressError, OSError):
            continue
    return used


def _previous_import(column_dir: Path, original: Path, raw: bytes) -> str | None:
    """The id of an earlier import of the very same file (same name and bytes in a bundle)."""
    if not column_dir.is_dir():
        return None
    digest = hashlib.sha256(raw).digest()
    for bundle in sorted(p for p in column_dir.iterdir() if p.is_dir()):
        candidate = bundle / original.name      # not glob(): file names may hold [ ] * ?
        if candidate.is_file() and (column_dir / f"{bundle.name}.md").is_file() \
                and hashlib.sha256(candidate.read_bytes()).digest() == digest:
            return bundle.name
    return None


def choose_id(options: ImportOptions, original: Path, date: dt.date, column_dir: Path, used: set[str]) -> str:
    """--id, else an ASCII file name (`2024-qingshan.docx`), else `YYYY-MMDD-n`.

    Never pinyin of the title: titles change after review, URLs must not."""
    if options.ident:
        return options.ident
    stem = original.stem
    if stem.isascii():
        slug = re.sub(r"[^a-z0-9_-]+", "-", stem.lower()).strip("-_")
        if ID_PATTERN.match(slug) and re.search(r"[a-z]", slug):
            return slug
    n = 1
    while f"{date:%Y-%m%d}-{n}" in used or (column_dir / f"{date:%Y-%m%d}-{n}.md").exists() \
            or (column_dir / f"{date:%Y-%m%d}-{n}").exists():
        n += 1
    return f"{date:%Y-%m%d}-{n}"


# --------------------------------------------------------------------------- composing

def _q(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)     # a JSON string is a valid YAML scalar


def compose(read: ReadResult, guess: Guess, ident: str, attachments: list[dict]) -> str:
    lines = ["---", f"title: {_q(guess.title)}"]
    date_note = {"--date": "", "原文件的前置信息": ""}.get(guess.date_from, f"  # 取自{guess.date_from}，请核对发布日期")
    lines.append(f"date: {guess.date.isoformat()}{date_note}")
    if guess.session:
        lines.append(f"session: {_q(guess.session)}")
    if guess.author:
        lines.append(f"author: {_q(guess.author)}  # 取自{guess.author_from}，请核对")
    lines.append(f"id: {_q(ident)}")
    extra = {k: v for k, v in read.front.items()
             if k not in ("title", "date", "session", "author", "id", "draft", "attachments")}
    if extra:
        lines.append(yaml.safe_dump(extra, allow_unicode=True, sort_keys=False, width=1000).rstrip("\n"))
    lines.append("attachments:")
    for item in attachments:
        lines.append(f"  - {{file: {_q(item['file'])}, title: {_q(item['title'])}}}")
    lines.append("draft: true  # 导入的报告须经核对、审核：完成后删除此行或改为 false，才会发布")
    lines.append("---")
    body = [b.markdown.replace(_BUNDLE, ident) for i, b in enumerate(read.blocks) if i not in guess.title_blocks]
    text = "\n".join(lines) + "\n\n" + "\n\n".join(body).strip("\n") + "\n"
    if read.footnotes:
        text += "\n" + "\n\n".join(read.footnotes) + "\n"
    return text


def _carry_attachments(front: dict, original: Path, ident: str, bundle: Path) -> tuple[list[dict], list]:
    """Attachments listed in an imported .md's front matter move into the new bundle with it."""
    items, files = [], []
    for item in front.get("attachments") or []:
        item = {"file": item} if isinstance(item, str) else dict(item) if isinstance(item, dict) else {}
        name = str(item.get("file") or "").strip()
        found = original.parent / name
        if not name or name.startswith(("/", "\\")) or ".." in Path(name).parts or not found.is_file():
            raise ContentError(Location(original.as_posix()), f"前置信息中的附件 “{name}” 在原文件旁找不到，未导入；"
                                                              "请把附件放到原文件旁（或删去这一项）后再导入")
        items.append({"file": f"{ident}/{found.name}", "title": str(item.get("title") or found.stem)})
        files.append((bundle / found.name, found.read_bytes()))
    return items, files


def _relative_links(markdown: str) -> list[str]:
    body = markdown.split("\n---\n", 1)[-1]
    return [link for link in dict.fromkeys(re.findall(r"\]\(([^)\s]+)\)", body))
            if not re.match(r"^([a-z][a-z0-9+.-]*:|#|/)", link, re.I)]


def _check_composed(text: str, shown: str, config: SiteConfig) -> Outline:
    """Parse what we are about to write with the build's own stages: a file we write must build."""
    source, _ = read_source(text.encode("utf-8"), shown)
    parse_source(source, config)
    return BodyRenderer().render(source.body).outline


def plan_import(original: Path, options: ImportOptions, config: SiteConfig, used: set[str],
                today: dt.date | None = None) -> ImportResult:
    """Read one file and compose its report; writes nothing."""
    shown = original.as_posix()
    suffix = original.suffix.lower()
    if suffix in _OLD_FORMATS and suffix not in SUPPORTED:
        raise ContentError(Location(shown), f"不能直接导入{_OLD_FORMATS[suffix]}（{suffix}）：请在 Word/WPS 中"
                                            "“另存为” .docx，或另存为 .txt 纯文本后再导入")
    if suffix not in SUPPORTED:
        raise ContentError(Location(shown), f"不支持的文件类型 “{suffix or '无扩展名'}”：可导入 .docx、.txt、.md")
    try:
        raw = original.read_bytes()
    except OSError as exc:
        raise ContentError(Location(shown), f"无法读取文件：{exc.strerror or exc}") from None
    if not raw.strip():
        raise ContentError(Location(shown), "文件是空的，没有可导入的内容")
    warnings: list[Diagnostic] = []
    todo: list[str] = []
    encoding = "docx"
    if suffix in DOCX:
        read = read_docx(raw, shown)
    elif suffix in TEXT:
        read, encoding = read_text(raw, shown)
    else:
        read, encoding = read_markdown(raw, shown)
    if encoding == "gb18030":
        warnings.append(Diagnostic(Location(shown), "原文是 GBK/GB18030 编码，已转换为 UTF-8 保存", "warning"))
    warnings.extend(read.warnings)
    if not any(b.text.strip() for b in read.blocks):
        raise ContentError(Location(shown), "文件中没有文字内容，未导入")

    today = today or dt.datetime.now(TZ).date()
    guess, guess_todo = guess_front_matter(read, original, options, today)
    column_dir = config.content_path / options.column
    ident = options.ident or _previous_import(column_dir, original, raw) \
        or choose_id(options, original, guess.date, column_dir, used)
    markdown_path = column_dir / f"{ident}.md"
    bundle = column_dir / ident
    carried, carried_files = _carry_attachments(read.front, original, ident, bundle)
    attachments = carried + [{"file": f"{ident}/{original.name}", "title": f"{guess.title}（原文）"}]
    text = compose(read, guess, ident, attachments)
    shown_md = markdown_path.relative_to(config.root).as_posix() if markdown_path.is_relative_to(config.root) \
        else markdown_path.as_posix()
    try:
        outline = _check_composed(text, shown_md, config)
    except CongressError as exc:
        raise ContentError(Location(shown), f"导入结果无法通过检查（{exc.message}），未写入任何文件；请报告此问题") from None
    files = [(bundle / original.name, raw)] + [(bundle / image.name, image.data) for image in read.images] \
        + carried_files
    if suffix in MARKDOWN:
        todo += [f"正文中的相对链接“{link}”指向原文件旁的文件，未随导入复制：请把该文件放入 {ident}/ 并修改链接"
                 for link in _relative_links(text)]
    if not outline.entries:
        todo.append("没有识别出“一、”“（一）”等提纲编号：如报告有章节，请检查标题是否以“一、”开头")
    todo = guess_todo + list(read.todo) + todo
    return ImportResult(original, markdown_path, ident, text, files, guess, outline, dict(read.counts),
                        warnings, todo)


def conflicts(result: ImportResult) -> list[Path]:
    """Files an import would overwrite with different content."""
    clashes = [result.markdown_path] if result.markdown_path.exists() else []
    clashes += [path for path, data in result.files if path.exists() and path.read_bytes() != data]
    return clashes


def write_import(result: ImportResult, force: bool) -> None:
    clashes = conflicts(result)
    if clashes and not force:
        names = "、".join(p.as_posix() for p in clashes)
        raise ContentError(Location(result.original.as_posix()),
                           f"{names} 已存在，未做任何改动；确认要覆盖请加 --force，或用 --id 指定另一个 id")
    for path, data in result.files:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    result.markdown_path.parent.mkdir(parents=True, exist_ok=True)
    # Written last, so an interrupted import never leaves a report pointing at missing files.
    result.markdown_path.write_text(result.text, encoding="utf-8", newline="\n")
    result.written = True


def load_site(options: ImportOptions) -> tuple[SiteConfig, list[Diagnostic]]:
    if not COLUMN_PATTERN.match(options.column):
        raise ContentError(Location("--column"), f"栏目目录名只能用小写字母、数字、- 和 _，而不是 “{options.column}”")
    if options.ident and not ID_PATTERN.match(options.ident):
        raise ContentError(Location("--id"), f"id 只能用小写字母、数字、- 和 _（不超过 80 个字符），而不是 “{options.ident}”")
    return load_config(options.source)


def import_files(files: list[Path], options: ImportOptions, config: SiteConfig,
                 today: dt.date | None = None):
    """Yield (file, ImportResult | CongressError) for each file; a bad file never stops the others."""
    used = _used_ids(config.content_path)
    for original in files:
        try:
            result = plan_import(original, options, config, used, today)
            if not options.dry_run:
                write_import(result, options.force)
            used.add(result.ident)
            yield original, result
        except CongressError as exc:
            yield original, exc
