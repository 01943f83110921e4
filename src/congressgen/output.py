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

    def write(self, site_path: str, data: bytes, kept: bool = False) -> tuple[int, int]:
        """Stage a file; returns its (size, mtime_ns), as `reuse` later checks it. (`kept`:
        see `LiveOutput.write`.)"""
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


class LiveOutput:
    """Update an output folder in place, for the preview server: only files whose bytes
    changed are written (to a pending folder first, then renamed into place on `commit()`,
    each file atomically), files the site no longer has are removed, the rest is left as it
    is. `previous` is the set of site paths the last commit left (None: walk the folder).
    A failed build (`discard()`) leaves the folder exactly as it was."""

    def __init__(self, output: Path, previous: set[str] | None = None, written: dict | None = None):
        self.output = output
        # site path -> the bytes object the last commit left there; the very same object
        # again (an output kept in memory, e.g. a search shard) needs no comparison
        self.written: dict[str, bytes] = written if written is not None else {}
        self._fresh: dict[str, bytes] = {}
        self.pending = output.parent / f".{output.name}.pending"
        self.report = WriteReport()
        self.paths: set[str] = set()                 # every site path of this build
        self._moves: list[tuple[Path, Path]] = []
        output.mkdir(parents=True, exist_ok=True)
        if self.pending.exists():
            shutil.rmtree(self.pending)
        self.pending.mkdir()
        if previous is None:
            previous = {(Path(d) / n).relative_to(output).as_posix()
                        for d, _, files in os.walk(output) for n in files}
        self.previous = previous

    def _stage(self, site_path: str) -> Path:
        temp = self.pending / str(len(self._moves))
        self._moves.append((temp, self.output / site_path))
        return temp

    def write(self, site_path: str, data: bytes, kept: bool = False) -> tuple[int, int]:
        """`kept`: `data` may be an object held in memory between builds (an output's file),
        remembered so that the same object next time is known unchanged without reading."""
        self.paths.add(site_path)
        if kept:
            self._fresh[site_path] = data
        old = self.output / site_path
        if self.written.get(site_path) is data or _same_bytes(old, data):
            self.report.unchanged += 1
            return file_stamp(old)
        temp = self._stage(site_path)
        temp.write_bytes(data)
        self.report.written += 1
        return file_stamp(temp)                      # a rename keeps size and mtime

    def reuse(self, site_path: str, stamp: tuple[int, int]) -> bool:
        try:
            if file_stamp(self.output / site_path) != tuple(stamp):
                return False
        except OSError:
            return False
        self.paths.add(site_path)
        self.report.unchanged += 1
        return True

    def copy(self, item: FileCopy) -> None:
        self.paths.add(item.path)
        old = self.output / item.path
        try:
            same = old.is_file() and filecmp.cmp(old, item.source, shallow=False)
        except OSError:
            same = False
        if same:
            self.report.unchanged += 1
            return
        shutil.copyfile(item.source, self._stage(item.path))
        self.report.written += 1

    def commit(self) -> WriteReport:
        for temp, target in self._moves:
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(temp, target)
        for gone in sorted(self.previous - self.paths):
            path = self.output / gone
            path.unlink(missing_ok=True)
            parent = path.parent
            while parent != self.output:
                try:
                    parent.rmdir()                   # only when empty
                except OSError:
                    break
                parent = parent.parent
        shutil.rmtree(self.pending, ignore_errors=True)
        self.written = self._fresh
        return self.report

    def discard(self) -> None:
        shutil.rmtree(self.pending, ignore_errors=True)


def write_site(site, theme, renderer, staged, cache, memo_name: str, stats, progress=None):
    """Everything a built site holds, into `staged` (`StagedOutput` or `LiveOutput`): the
    pages (through the render memo), the declared outputs (`outputs.OUTPUTS`), the
    attachments and the static files. Returns the new render memo; the caller commits."""
    from congressgen.outputs import output_files
    from congressgen.render import render_pages, static_files

    memo = render_pages(site, renderer, staged, cache, memo_name, stats, progress)
    for path, data in output_files(site, cache=cache):   # outputs.OUTPUTS: the search index …
        staged.write(path, data, kept=True)
    for report in site.reports:
        for item in report.files:
            staged.copy(item)
    for item in static_files(theme, site.config.root / site.config.static_dir):
        staged.copy(item)
    return memo
