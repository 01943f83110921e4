"""Write: the planned files, never overwriting a clerk's file without `force`; the `.md` last."""

from __future__ import annotations

from pathlib import Path

from congressgen.errors import ContentError, Location
from congressgen.importer.types import ImportResult


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
