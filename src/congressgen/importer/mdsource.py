"""Reader: a Markdown file → its front matter and body blocks, kept as written."""

from __future__ import annotations

import re

from congressgen.content import decode, split_front_matter
from congressgen.importer.types import Block, ReadResult
from congressgen.yamlsrc import load_mapping


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
