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
    return _real_inside(os.path.realpath(path), os.path.realpath(root))


def _real_inside(real: str, base: str) -> bool:
    """`_inside` of two paths already resolved by os.path.realpath."""
    return real == base or real.startswith(base.rstrip(os.sep) + os.sep)


def _realpath(path, real: dict | None) -> str:
    """os.path.realpath(path), once per path string when `real` is a dict (one per build)."""
    if real is None:
        return os.path.realpath(path)
    key = os.fspath(path)
    found = real.get(key)
    if found is None:
        found = real[key] = os.path.realpath(key)
    return found


def _bundle_files(md_path: Path, root: Path) -> list[Path]:
    bundle = md_path.with_suffix("")
    if not bundle.is_dir():
        return []
    skip = len(str(bundle)) + 1          # str(p)[skip:] = p.relative_to(bundle).as_posix() (POSIX)
    return sorted((p for p in bundle.rglob("*") if p.is_file() and not p.name.startswith(".")),
                  key=(lambda p: str(p)[skip:]) if os.sep == "/" else (lambda p: p.relative_to(bundle).as_posix()))


def locate_attachment(root: Path, source: str, name: str) -> tuple[Path | None, str]:
    """The file an `attachments` entry names (relative to the Markdown file, or inside its
    bundle folder), or None and the reason in words for the clerk."""
    return _locate(root, source, name, None)


def _locate(root: Path, source: str, name: str, real: dict | None) -> tuple[Path | None, str]:
    if name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name) or "\x00" in name:
        return None, f"附件路径 “{name}” 必须是相对于本文件的路径"
    md_path = root / source
    candidates = [md_path.parent / name, md_path.with_suffix("") / name]
    found = next((c for c in candidates if c.is_file()), None)
    if found is None:
        return None, f"附件 “{name}” 不存在（相对于 {posixpath.dirname(source)}/）"
    if not _real_inside(_realpath(found, real), _realpath(root, real)):
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


def attach_all(reports: list[Report], root: Path, errors: list[Diagnostic]) -> None:
    """`attach` for every report of one build, sharing its folder listings and realpaths."""
    folders: dict = {}
    real: dict = {}
    for report in reports:
        attach(report, root, errors, folders, real)


def attach(report: Report, root: Path, errors: list[Diagnostic], folders: dict | None = None,
           real: dict | None = None) -> None:
    """`folders`: one dict for the calls of one build (see `_has_folder`); `real`: another,
    which keeps each path's os.path.realpath (the site folder's is needed by every report
    with files)."""
    compiled = report.compiled
    if not compiled.fm.attachments and not _has_folder(root, compiled.source[:-3], folders):
        return      # most reports: no bundle folder, no attachments (no stat, no Path objects)
    real = {} if real is None else real
    md_path = root / compiled.source
    bundle = md_path.with_suffix("")
    real_root = _realpath(root, real)  # nothing outside the site folder is ever copied
    real_bundle = _realpath(bundle, real) if bundle.is_dir() else None
    copied: dict[str, str] = {}

    def output_path_for(path: Path) -> str:
        real_path = _realpath(path, real)       # = str(path.resolve())
        if real_path in copied:
            return copied[real_path]
        if real_bundle is not None and _real_inside(real_path, real_bundle):
            rel = Path(os.path.relpath(real_path, real_bundle)).as_posix()
        else:
            rel = path.name
        target = posixpath.join(report.asset_dir, rel)
        copied[real_path] = target
        report.files.append(FileCopy(path, target))
        return target

    for file in _bundle_files(md_path, root):
        if not _real_inside(_realpath(file, real), real_root):
            errors.append(Diagnostic(Location(compiled.source, 1, 1),
                                     f"附件目录中的 “{file.name}” 指向网站目录之外（符号链接），已拒绝"))
            continue
        output_path_for(file)

    for attachment in compiled.fm.attachments:
        found, problem = _locate(root, compiled.source, attachment.file, real)
        if found is None:
            errors.append(Diagnostic(Location(compiled.source, attachment.line or 1, 1), problem))
            continue
        target = output_path_for(found)
        report.attachments.append(AttachmentFile(attachment.title, target, found.stat().st_size,
                                                 FILE_KINDS.get(found.suffix.lower(), found.suffix.lstrip(".").upper() or "文件")))
