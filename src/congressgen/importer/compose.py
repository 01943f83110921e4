"""Compose: the report's id, its `.md` text and the bundle files; checked by the build's own stages."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from pathlib import Path

import yaml

from congressgen.config import SiteConfig
from congressgen.content import ID_PATTERN, decode, find_sources, parse_source, read_source, split_front_matter
from congressgen.errors import ContentError, CongressError, Location
from congressgen.importer.types import BUNDLE_PLACEHOLDER, Guess, ImportOptions, ReadResult
from congressgen.markdown import BodyRenderer
from congressgen.outline import Outline
from congressgen.yamlsrc import load_mapping


def used_ids(content: Path) -> set[str]:
    used = set()
    for path in find_sources(content):
        used.add(path.stem)
        try:
            front = split_front_matter(decode(path.read_bytes(), path.name)[0], path.name)
            data = load_mapping(front.front_text, path.name, line_offset=1, what="前置信息").data
            if data.get("id"):
                used.add(str(data["id"]))
        except (CongressError, OSError):
            continue
    return used


def previous_import(column_dir: Path, original: Path, raw: bytes) -> str | None:
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
    body = [b.markdown.replace(BUNDLE_PLACEHOLDER, ident) for i, b in enumerate(read.blocks) if i not in guess.title_blocks]
    text = "\n".join(lines) + "\n\n" + "\n\n".join(body).strip("\n") + "\n"
    if read.footnotes:
        text += "\n" + "\n\n".join(read.footnotes) + "\n"
    return text


def carry_attachments(front: dict, original: Path, ident: str, bundle: Path) -> tuple[list[dict], list]:
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


def relative_links(markdown: str) -> list[str]:
    body = markdown.split("\n---\n", 1)[-1]
    return [link for link in dict.fromkeys(re.findall(r"\]\(([^)\s]+)\)", body))
            if not re.match(r"^([a-z][a-z0-9+.-]*:|#|/)", link, re.I)]


def check_composed(text: str, shown: str, config: SiteConfig) -> Outline:
    """Parse what we are about to write with the build's own stages: a file we write must build."""
    source, _ = read_source(text.encode("utf-8"), shown)
    parse_source(source, config)
    return BodyRenderer().render(source.body).outline
