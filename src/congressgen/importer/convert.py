"""Convert: mammoth's HTML (a small fixed set of elements) → Markdown blocks and footnotes.

Literal single `*` (no escaping clutter for redacted names), italic as `<em>`, footnotes as
`[^n]`, tables as pipe tables, bold run-in headings 「一、……。」 as headings; the GB/T 9704
outline is left for the build's `outline` stage to recognise."""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser

from congressgen.importer.escape import escape_line_start, escape_text, split_run_in, table_cell
from congressgen.importer.types import Block
from congressgen.outline import join_lines, match_marker


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
            cells.append(table_cell(_cell_markdown(cell)) or " ")
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
