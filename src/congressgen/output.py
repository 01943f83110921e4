"""Output stage: write the built site into a fresh folder and swap it in only on success.

Files whose bytes did not change are hard-linked from the previous output instead of
rewritten, so their mtimes stay and rsync or a static host uploads only what changed.
"""

from __future__ import annotations

import filecmp
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from congressgen.errors import CongressError, Location
from congressgen.model.types import FileCopy


@dataclass
class WriteReport:
    written: int = 0
    unchanged: int = 0           # same bytes as before: the old file is kept (hard link, mtime kept)

    @property
    def total(self) -> int:
        return self.written + self.unchanged


def check_output_folder(output: Path, source: Path) -> None:
    """Refuse an output folder whose replacement would destroy the site's sources."""
    out, src = output.resolve(), source.resolve()
    if out == src or src.is_relative_to(out):
        raise CongressError(Location(str(output)), "输出目录不能是网站目录本身或其上级目录")
    for protected in ("content", "themes", "static", "data"):
        if out.is_relative_to(src / protected):
            raise CongressError(Location(str(output)), f"输出目录不能位于 {protected}/ 之中")
    if (out / "congressgen.yaml").exists():
        raise CongressError(Location(str(output)), "输出目录中有 congressgen.yaml，它像是一个网站目录而不是构建结果；拒绝覆盖")


def file_stamp(path: Path) -> tuple[int, int]:
    st = path.stat()
    return st.st_size, st.st_mtime_ns


def _same_bytes(old: Path, data: bytes) -> bool:
    try:
        return old.stat().st_size == len(data) and old.read_bytes() == data
    except OSError:
        return False


def _reuse(old: Path, target: Path) -> bool:
    try:
        os.link(old, target)
        return True
    except OSError:
        try:
            shutil.copy2(old, target)
            return True
        except OSError:
            return False


class StagedOutput:
    """A staging folder beside the output; `commit()` swaps it in, `discard()` removes it."""

    def __init__(self, output: Path):
        self.output = output
        self.staging = output.parent / f".{output.name}.staging"
        self.report = WriteReport()
        output.parent.mkdir(parents=True, exist_ok=True)
        if self.staging.exists():
            shutil.rmtree(self.staging)
        self.staging.mkdir()
        self._dirs: set[Path] = set()

    def _target(self, site_path: str) -> Path:
        target = self.staging / site_path
        parent = target.parent
        if parent not in self._dirs:
            parent.mkdir(parents=True, exist_ok=True)
            self._dirs.add(parent)
        return target

    def write(self, site_path: str, data: bytes) -> tuple[int, int]:
        """Stage a file; returns its (size, mtime_ns), as `reuse` later checks it."""
        target = self._target(site_path)
        old = self.output / site_path
        if _same_bytes(old, data) and _reuse(old, target):
            self.report.unchanged += 1
        else:
            target.write_bytes(data)
            self.report.written += 1
        return file_stamp(target)

    def reuse(self, site_path: str, stamp: tuple[int, int]) -> bool:
        """Keep the previous output's file as it is, if it is still the one a build wrote
        (same size and mtime); False when it is missing or was changed by hand."""
        old = self.output / site_path
        try:
            if file_stamp(old) != tuple(stamp):
                return False
        except OSError:
            return False
        if _reuse(old, self._target(site_path)):
            self.report.unchanged += 1
            return True
        return False

    def copy(self, item: FileCopy) -> None:
        target = self._target(item.path)
        old = self.output / item.path
        try:
            same = old.is_file() and filecmp.cmp(old, item.source, shallow=False)
        except OSError:
            same = False
        if same and _reuse(old, target):
            self.report.unchanged += 1
            return
        shutil.copyfile(item.source, target)
        self.report.written += 1

    @property
    def retired(self) -> Path:
        """Where the previous output goes when the new one is swapped in."""
        return self.output.parent / f".{self.output.name}.old"

    def commit(self, remove_retired: bool = True) -> WriteReport:
        """Swap the staging folder in. `remove_retired=False` leaves the previous output at
        `self.retired` for the caller to delete later (the preview server does it after the
        browser has been told to reload: removing a site's folders takes a noticeable time)."""
        retired = self.retired
        if retired.exists():
            shutil.rmtree(retired)
        if self.output.exists():
            os.replace(self.output, retired)
        os.replace(self.staging, self.output)
        if remove_retired:
            shutil.rmtree(retired, ignore_errors=True)
        return self.report

    def discard(self) -> None:
        shutil.rmtree(self.staging, ignore_errors=True)
