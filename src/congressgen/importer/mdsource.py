"""Reader: a Markdown file → its front matter and body blocks, kept as written — except active
content (`<script>`, `on*=`, `javascript:` links …, see `congressgen.activecontent`), which is
removed, each removal reported with its line and column in the original file."""

from __future__ import annotations

import re

from congressgen.activecontent import strip_active
from congressgen.content import decode, split_front_matter
from congressgen.errors import Diagnostic, Location
from congressgen.importer.types import Block, ReadResult
from congressgen.yamlsrc import load_mapping


def read_markdown(raw: bytes, shown: str) -> tuple[ReadResult, str]:
    text, encoding, _ = decode(raw, shown)
    front: dict = {}
    body_line = 1
    if text.split("\n", 1)[0].strip() == "---":
        source = split_front_matter(text, shown, encoding)
        front = dict(load_mapping(source.front_text, shown, line_offset=1, what="前置信息").data)
        text, body_line = source.body, source.body_line
    original = text
    text, removed = strip_active(text)
    warnings = tuple(_removal(shown, original, body_line, item) for item in removed)
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
    return ReadResult(tuple(blocks), warnings=warnings, front=front), encoding


def _removal(shown: str, body: str, body_line: int, item) -> Diagnostic:
    line = body_line + body.count("\n", 0, item.start)
    col = item.start - (body.rfind("\n", 0, item.start) + 1) + 1
    kept = f"，保留了链接文字“{item.replacement}”" if item.replacement else ""
    excerpt = body[item.start:item.end].strip()[:60].replace("\n", " ")
    return Diagnostic(Location(shown, line, col), f"已删除可执行内容（{item.what}）：{excerpt}{kept}", "warning")
