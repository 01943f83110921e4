"""What the import sub-stages hand each other: options, read blocks, guesses and the planned result."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from congressgen.errors import Diagnostic
from congressgen.outline import Outline

# Image links are written before the report's id is known; replaced when composing.
BUNDLE_PLACEHOLDER = "\x00bundle\x00"


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
