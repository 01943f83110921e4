"""A report's files: its bundle folder and its `attachments` entries. The model's only
filesystem reads (existence, sizes); nothing outside the site folder is ever copied."""

from __future__ import annotations

import os
import posixpath
import re
from pathlib import Path

from congressgen.errors import Diagnostic, Location
from congressgen.model.types import AttachmentFile, FileCopy, Report

FILE_KINDS = {".pdf": "PDF", ".doc": "DOC", ".docx": "DOCX", ".wps": "WPS", ".xls": "XLS",
              ".xlsx": "XLSX", ".csv": "CSV", ".txt": "TXT", ".zip": "ZIP", ".ofd": "OFD",
              ".png": "PNG", ".jpg": "JPG", ".jpeg": "JPG", ".ppt": "PPT", ".pptx": "PPTX"}


def _inside(path: Path, root: Path) -> bool:
    """Path.resolve().relative_to(root.resolve()) succeeds, on strings (os.path.realpath is
    what resolve calls, without building Path objects)."""
    real, base = os.path.realpath(path), os.path.realpath(root)
    return real == base or real.startswith(base.rstrip(os.sep) + os.sep)


def _bundle_files(md_path: Path, root: Path) -> list[Path]:
    bundle = md_path.with_suffix("")
    if not bundle.is_dir():
        return []
    return sorted((p for p in bundle.rglob("*") if p.is_file() and not p.name.startswith(".")),
                  key=lambda p: p.relative_to(bundle).as_posix())


def locate_attachment(root: Path, source: str, name: str) -> tuple[Path | None, str]:
    """The file an `attachments` entry names (relative to the Markdown file, or inside its
    bundle folder), or None and the reason in words for the clerk."""
    if name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name) or "\x00" in name:
        return None, f"附件路径 “{name}” 必须是相对于本文件的路径"
    md_path = root / source
    candidates = [md_path.parent / name, md_path.with_suffix("") / name]
    found = next((c for c in candidates if c.is_file()), None)
    if found is None:
        return None, f"附件 “{name}” 不存在（相对于 {posixpath.dirname(source)}/）"
    if not _inside(found, root):
        return None, f"附件 “{name}” 位于网站目录之外，已拒绝"
    return found, ""


def _has_folder(root: Path, rel: str, folders: dict | None) -> bool:
    """os.path.isdir(root/rel), from one listing per parent folder (`folders`, shared by the
    calls of one build: one scandir instead of a stat per report)."""
    if folders is None:
        return os.path.isdir(os.path.join(root, rel))
    parent, _, name = rel.rpartition("/")
    names = folders.get(parent, _UNLISTED)
    if names is _UNLISTED:
        try:
            with os.scandir(os.path.join(root, parent)) as listing:
                names = folders[parent] = frozenset(e.name for e in listing if e.is_dir())  # links followed, as isdir
        except OSError:
            names = folders[parent] = None
    return name in names if names is not None else os.path.isdir(os.path.join(root, rel))


_UNLISTED = object()


def attach(report: Report, root: Path, errors: list[Diagnostic], folders: dict | None = None) -> None:
    """`folders`: one dict for the calls of one build (see `_has_folder`)."""
    compiled = report.compiled
    if not compiled.fm.attachments and not _has_folder(root, compiled.source[:-3], folders):
        return      # most reports: no bundle folder, no attachments (no stat, no Path objects)
    md_path = root / compiled.source
    bundle = md_path.with_suffix("")
    content_root = root  # nothing outside the site folder is ever copied
    copied: dict[str, str] = {}

    def output_path_for(path: Path) -> str:
        real = os.path.realpath(path)       # = str(path.resolve())
        if real in copied:
            return copied[real]
        if bundle.is_dir() and _inside(path, bundle):
            rel = Path(os.path.relpath(real, os.path.realpath(bundle))).as_posix()
        else:
            rel = path.name
        target = posixpath.join(report.asset_dir, rel)
        copied[real] = target
        report.files.append(FileCopy(path, target))
        return target

    for file in _bundle_files(md_path, root):
        if not _inside(file, content_root):
            errors.append(Diagnostic(Location(compiled.source, 1, 1),
                                     f"附件目录中的 “{file.name}” 指向网站目录之外（符号链接），已拒绝"))
            continue
        output_path_for(file)

    for attachment in compiled.fm.attachments:
        found, problem = locate_attachment(root, compiled.source, attachment.file)
        if found is None:
            errors.append(Diagnostic(Location(compiled.source, attachment.line or 1, 1), problem))
            continue
        target = output_path_for(found)
        report.attachments.append(AttachmentFile(attachment.title, target, found.stat().st_size,
                                                 FILE_KINDS.get(found.suffix.lower(), found.suffix.lstrip(".").upper() or "文件")))
