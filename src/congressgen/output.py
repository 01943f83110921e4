"""Output stage: write the built site into a fresh folder and swap it in only on success.

Files whose bytes did not change are hard-linked from the previous output instead of
rewritten, so their mtimes stay and rsync or a static host uploads only what changed.
"""

from __future__ import annotations

import filecmp
import os
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, NamedTuple

from congressgen.errors import CongressError, Location
from congressgen.model.types import FileCopy


@dataclass
class WriteReport:
    written: int = 0
    unchanged: int = 0           # same bytes as before: the old file is kept (hard link, mtime kept)

    @property
    def total(self) -> int:
        return self.written + self.unchanged


# Written into every build output: only a folder that has it (or is empty) is ever replaced,
# so `build --output ../mydocs` cannot delete a clerk's own files.
MARKER = ".congressgen-output"
MARKER_TEXT = b"This folder was written by congressgen build and is replaced by the next build.\n"


def is_build_output(folder: Path) -> bool:
    """True for a folder a build may replace: missing, empty, or holding the marker file."""
    if not folder.exists():
        return True
    if not folder.is_dir() or folder.is_symlink():
        return False
    if (folder / MARKER).is_file():
        return True
    return next(folder.iterdir(), None) is None


def _own_folder(path: Path, what: str) -> None:
    """The staging and retired folders beside the output are congressgen's; a file or a
    link by that name is someone's, and is never removed."""
    if (path.exists() or path.is_symlink()) and (path.is_symlink() or not path.is_dir()):
        raise CongressError(Location(str(path)), f"{what} {path.name} 已存在，但它是文件或链接而不是 congressgen 的文件夹；"
                                                 "请改名或移走后重试（congressgen 不会删除它）")


def check_output_folder(output: Path, source: Path) -> None:
    """Refuse an output folder whose replacement would destroy the site's sources, or any
    folder that is not a previous congressgen output."""
    out, src = output.resolve(), source.resolve()
    if out == src or src.is_relative_to(out):
        raise CongressError(Location(str(output)), "输出目录不能是网站目录本身或其上级目录")
    for protected in ("content", "themes", "static", "data"):
        if out.is_relative_to(src / protected):
            raise CongressError(Location(str(output)), f"输出目录不能位于 {protected}/ 之中")
    if (out / "congressgen.yaml").exists():
        raise CongressError(Location(str(output)), "输出目录中有 congressgen.yaml，它像是一个网站目录而不是构建结果；拒绝覆盖")
    if not is_build_output(output):
        raise CongressError(Location(str(output)),
                            f"输出目录 {output} 已有文件，但不是 congressgen 的构建结果（没有 {MARKER} 标记文件）；"
                            "构建会清空输出目录，为免删除其中的文件已拒绝。请换一个空目录或新目录；"
                            f"如确是旧版 congressgen 的构建结果，请先删除它")


def file_stamp(path: Path | str) -> tuple[int, int]:
    st = os.stat(path)
    return st.st_size, st.st_mtime_ns


def _same_bytes(old: Path | str, data: bytes) -> bool:
    try:
        if os.stat(old).st_size != len(data):
            return False
        with open(old, "rb") as handle:
            return handle.read() == data
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


_TRASH = ".trash-"     # ".build.old.trash-<pid>-<ns>": a retired output being deleted


def _trash_folders(output: Path) -> list[Path]:
    """Retired outputs renamed for deletion: our names, real folders holding our marker."""
    prefix = f".{output.name}.old{_TRASH}"
    try:
        names = [n for n in os.listdir(output.parent) if n.startswith(prefix)]
    except OSError:
        return []
    found = [output.parent / n for n in names]
    return [p for p in found if p.is_dir() and not p.is_symlink() and (p / MARKER).is_file()]


def _remove_in_background(retired: Path) -> None:
    """Delete the previous output without waiting for it: removing thousands of files and
    folders takes longer than an edit's whole rebuild. It is renamed to a trash name first
    (so the next build never meets it as `.old`) and removed by a detached process; a build
    removes any trash such a process left."""
    trash = retired.with_name(f"{retired.name}{_TRASH}{os.getpid()}-{time.time_ns()}")
    try:
        os.replace(retired, trash)
        subprocess.Popen([sys.executable, "-c", "import shutil, sys; shutil.rmtree(sys.argv[1], ignore_errors=True)",
                          str(trash)], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL, close_fds=True, start_new_session=True)
    except OSError:
        shutil.rmtree(trash if trash.exists() else retired, ignore_errors=True)


class StagedOutput:
    """A staging folder beside the output; `commit()` swaps it in, `discard()` removes it."""

    def __init__(self, output: Path):
        self.output = output
        self.staging = output.parent / f".{output.name}.staging"
        self.report = WriteReport()
        output.parent.mkdir(parents=True, exist_ok=True)
        _own_folder(self.staging, "临时构建目录")
        _own_folder(self.retired, "上一次构建的目录")
        if not output.is_dir() or output.is_symlink():
            _own_folder(output, "输出目录")
        if self.staging.exists():
            shutil.rmtree(self.staging)
        for trash in _trash_folders(output):      # left by a deleter that did not finish
            shutil.rmtree(trash, ignore_errors=True)
        self.staging.mkdir()
        self._dirs: set[str] = set()
        self._staging_prefix = os.path.join(self.staging, "")
        self._output_prefix = os.path.join(output, "")
        old = output / MARKER       # kept as it is (same inode and mtime) when unchanged
        if not (_same_bytes(old, MARKER_TEXT) and _reuse(old, self.staging / MARKER)):
            (self.staging / MARKER).write_bytes(MARKER_TEXT)

    # Paths as strings below: thousands of files per build, where Path objects cost more than the I/O.
    def _target(self, site_path: str) -> str:
        target = self._staging_prefix + site_path
        parent = target[:target.rfind("/")]          # = os.path.dirname: site paths have no trailing "/"
        if parent not in self._dirs:
            os.makedirs(parent, exist_ok=True)
            self._dirs.add(parent)
        return target

    def write(self, site_path: str, data: bytes, kept: bool = False) -> tuple[int, int]:
        """Stage a file; returns its (size, mtime_ns), as `reuse` later checks it. (`kept`:
        see `LiveOutput.write`.)"""
        target = self._target(site_path)
        old = self._output_prefix + site_path
        if _same_bytes(old, data) and _reuse(old, target):
            self.report.unchanged += 1
        else:
            with open(target, "wb") as handle:
                handle.write(data)
            self.report.written += 1
        return file_stamp(target)

    # A forked render worker (`render.render_pages`) stages files into the same folder; what it
    # staged is handed back to the parent, which absorbs it.
    def worker(self, number: int) -> None:
        self.report = WriteReport()

    def handover(self) -> tuple:
        return self.report.written, self.report.unchanged

    def absorb(self, handed: tuple) -> None:
        self.report.written += handed[0]
        self.report.unchanged += handed[1]

    def reuse(self, site_path: str, stamp: tuple[int, int]) -> bool:
        """Keep the previous output's file as it is, if it is still the one a build wrote
        (same size and mtime); False when it is missing or was changed by hand."""
        old = self._output_prefix + site_path
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
        old = self._output_prefix + item.path
        try:
            same = os.path.isfile(old) and filecmp.cmp(old, item.source, shallow=False)
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
        if remove_retired and retired.exists():
            _remove_in_background(retired)
        return self.report

    def discard(self) -> None:
        shutil.rmtree(self.staging, ignore_errors=True)


def _delete_in_thread(folder: Path) -> None:
    """Delete a folder of congressgen's own in a daemon thread (its files' space is freed slowly)."""
    threading.Thread(target=shutil.rmtree, args=(folder,), kwargs={"ignore_errors": True},
                     name="congressgen-cleanup", daemon=True).start()


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
        self._prefix = ""                            # of the pending files' names: one per process
        self._early: list[tuple[Path, Path | None]] = []   # (target, its old file kept) of commit_first
        output.mkdir(parents=True, exist_ok=True)
        if self.pending.exists():
            shutil.rmtree(self.pending)
        self.pending.mkdir()
        for left in output.parent.glob(f".{output.name}.replaced-*"):   # of a preview that was stopped
            if left.is_dir() and not left.is_symlink() and left.name.split("-")[-2] != str(os.getpid()):
                _delete_in_thread(left)
        if previous is None:
            previous = {(Path(d) / n).relative_to(output).as_posix()
                        for d, _, files in os.walk(output) for n in files}
        self.previous = previous
        self.write(MARKER, MARKER_TEXT)

    def _stage(self, site_path: str) -> Path:
        temp = self.pending / f"{self._prefix}{len(self._moves)}"
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

    # A forked render worker (`render.render_pages`): its pending files and paths, handed back.
    def worker(self, number: int) -> None:
        self.report, self._moves, self.paths, self._fresh = WriteReport(), [], set(), {}
        self._prefix = f"w{number}-"

    def handover(self) -> tuple:
        return self.report.written, self.report.unchanged, self._moves, self.paths

    def absorb(self, handed: tuple) -> None:
        written, unchanged, moves, paths = handed
        self.report.written += written
        self.report.unchanged += unchanged
        self._moves += moves
        self.paths |= paths

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
            same = os.path.isfile(old) and filecmp.cmp(old, item.source, shallow=False)
        except OSError:
            same = False
        if same:
            self.report.unchanged += 1
            return
        shutil.copyfile(item.source, self._stage(item.path))
        self.report.written += 1

    def commit_first(self, site_paths: set[str]) -> list[str]:
        """Put the pending files of these site paths in place now (`serve` shows the open pages
        before the rest of the build is done); the others wait for `commit()`. `discard()`
        puts their old files back. Returns the site paths replaced."""
        backup = self.pending / "first"
        done, rest = [], []
        for temp, target in self._moves:
            site_path = target.relative_to(self.output).as_posix()
            if site_path not in site_paths:
                rest.append((temp, target))
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            kept = None
            if target.is_file():
                backup.mkdir(exist_ok=True)
                kept = backup / str(len(self._early))
                try:
                    os.link(target, kept)
                except OSError:                      # no links here: a copy, its stamp kept
                    shutil.copy2(target, kept)
            self._early.append((target, kept))
            os.replace(temp, target)
            done.append(site_path)
        self._moves = rest
        return done

    def commit(self) -> WriteReport:
        # A file replaced keeps a second name in a folder removed in the background: renaming
        # over a file whose blocks are freed there and then costs ~0.5 ms a file (ext4 with
        # discard), most of a shared-template save; a link keeps the rename cheap, and atomic.
        replaced = self.output.parent / f".{self.output.name}.replaced-{os.getpid()}-{time.monotonic_ns()}"
        kept = 0
        for temp, target in self._moves:
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                if not kept:
                    replaced.mkdir(exist_ok=True)
                os.link(target, replaced / str(kept))
                kept += 1
            except OSError:
                pass                                 # a new file, or no links here: a plain rename
            os.replace(temp, target)
        self._early = []
        if replaced.is_dir():
            _delete_in_thread(replaced)
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
        for target, kept in reversed(self._early):   # what commit_first() replaced: as it was
            if kept is None:
                target.unlink(missing_ok=True)
            else:
                os.replace(kept, target)
        self._early = []
        shutil.rmtree(self.pending, ignore_errors=True)


class KeptFile(NamedTuple):
    """A declared output's file that the previous output holds (`PreviousFiles.kept`): kept
    there by its stamp, never read; `make(of)` gives its bytes when the file there is not the
    one the last build wrote (changed by hand, or gone), or the stamp cannot be kept. (A
    tuple, with `of` rather than a closure: thousands are made on an edit.)"""

    stamp: tuple[int, int] | None     # None: the previous output does not hold it (`PreviousFiles.deferred`)
    make: Callable[[object], bytes]
    of: object = None

    def data(self) -> bytes:
        return self.make(self.of)


class PreviousFiles:
    """What the last build into an output folder wrote for the declared outputs that keep
    files (`outputs.Output.keeps`): site path -> (stamp as written, the output's tag for
    the content, e.g. a digest of what it was made from). An output asks `kept(path, tag,
    make)` for a file whose content it knows by tag: a `KeptFile` when the previous file was
    made from the same tag, which the writer keeps if it is unchanged since (same size and
    mtime, as pages are kept) and makes with `make` otherwise, so that the file is neither made
    nor read on an edit. Kept in the build cache, one entry per output folder."""

    def __init__(self, cache, folder: Path):
        import hashlib

        self.cache = cache
        self.name = f"outputs/{hashlib.sha256(os.fsencode(Path(folder).resolve())).hexdigest()[:16]}.pickle"
        held = cache.load(self.name)
        self.memo: dict = held if isinstance(held, dict) else {}
        self.tags: dict[str, object] = {}          # site path -> tag, of this build's files

    def kept(self, site_path: str, tag, make: Callable[[object], bytes], of: object = None) -> KeptFile | None:
        """The file at `site_path` as a `KeptFile` (made, if need be, by `make(of)`) when the
        last build wrote it from `tag`; None otherwise. Nothing is read or checked here: the
        writer checks its stamp."""
        self.tags[site_path] = tag
        entry = self.memo.get(site_path)
        if entry is None or entry[1] != tag:
            return None
        return KeptFile(entry[0], make, of)

    @staticmethod
    def deferred(make: Callable[[object], bytes], of: object = None) -> KeptFile:
        """A file the previous output does not hold, made by `make(of)` only when written: a
        cold build's thousands of files are then not all held at once."""
        return KeptFile(None, make, of)

    def save(self, stamps: dict[str, tuple[int, int]]) -> None:
        """Remember the stamps the files of this build's tags were staged with."""
        fresh = {path: (stamps[path], tag) for path, tag in self.tags.items() if path in stamps}
        if fresh != self.memo:
            self.cache.store(self.name, fresh)


def previous_files(cache, staged) -> PreviousFiles | None:
    """The `PreviousFiles` of a build with a cache on disk (a long-running process keeps its
    outputs in memory instead)."""
    if cache is None or cache.memory is not None:
        return None
    return PreviousFiles(cache, staged.output)


def _generated(site, cache, previous: PreviousFiles | None = None) -> list[tuple[str, list]]:
    """The declared outputs' files (`outputs.OUTPUTS`), by output name, in order."""
    from congressgen import outputs

    return [(output.name, list(_files_of(output, site, cache, previous))) for output in outputs.OUTPUTS]


def _files_of(output, site, cache, previous: PreviousFiles | None):
    return output.files(site, cache=cache, previous=previous) if output.keeps and previous \
        else output.files(site, cache=cache)


def _claimed(generated: list[tuple[str, list]]) -> list[tuple[str, list[str]]]:
    return [(name, [path for path, _ in files]) for name, files in generated]


def _put_generated(staged, path: str, data, stamps: dict) -> None:
    """One declared output's file into `staged`; one the output keeps from the previous output
    (`KeptFile`) is kept by its stamp, else made. Its stamp goes into `stamps` (`PreviousFiles.save`)."""
    if data.__class__ is KeptFile:
        if data.stamp is not None and staged.reuse(path, data.stamp):
            stamps[path] = data.stamp
            return
        data = data.data()
    stamps[path] = staged.write(path, data, kept=True)


def _put_all(staged, files, previous: PreviousFiles | None) -> None:
    """Every (path, bytes) of `files` into `staged` (`_put_generated`), then the stamps they
    were staged with remembered for the next build (`PreviousFiles.save`)."""
    stamps: dict = {}
    for path, data in files:
        _put_generated(staged, path, data, stamps)
    if previous is not None:
        previous.save(stamps)


def _write_generated(site, cache, staged, previous: PreviousFiles | None) -> list[tuple[str, list[str]]]:
    """The declared outputs' files written into `staged` one output after the other, each file
    let go once written (the search index's are ~100 MB at 5,000 reports); returns the paths
    each output claimed, as `_claimed(_generated(...))`."""
    from congressgen import outputs

    claimed: list[tuple[str, list[str]]] = []

    def each_file():
        for output in outputs.OUTPUTS:
            files = list(_files_of(output, site, cache, previous))
            files.reverse()
            paths: list[str] = []
            claimed.append((output.name, paths))
            while files:
                path, data = files.pop()
                paths.append(path)
                yield path, data

    _put_all(staged, each_file(), previous)
    return claimed


def _write_files(site, copies: list, generated: list[tuple[str, list]], staged,
                 previous: PreviousFiles | None = None) -> None:
    """The declared outputs' files, then the attachments and the static files still to copy
    (`copies`), into `staged`. A file an output keeps from the previous output (`KeptFile`)
    is kept by its stamp."""
    _put_all(staged, (item for _, files in generated for item in files), previous)   # outputs.OUTPUTS, in order
    for report in site.reports:
        for item in report.files:
            staged.copy(item)
    for item in copies:
        staged.copy(item)


def overlaps(site, cache, jobs: int) -> bool:
    """Whether `write_site(..., overlap=True)` may run the verification, the declared outputs
    and the copying in forked processes while the pages render (`render.render_pages`):
    several jobs, fork, enough pages for forking to pay, and no cache memory of a
    long-running process (a child's updates to it would be lost)."""
    from congressgen.render import MIN_PARALLEL_PAGES, can_fork

    return (jobs > 1 and can_fork() and len(site.pages) >= MIN_PARALLEL_PAGES
            and (cache is None or cache.memory is None))


class ForkedPool:
    """What `compile.Workers` offers a stage (`wanted`, `pool.map`), for use inside a forked
    process of `write_site`, where the build's spawned pool is closed: `pool.map(fn, items)`
    runs the items in `jobs` contiguous shares, one here and the others in forked children
    (`render.in_forked_processes`); the results come in order, and a child's failed share is done here."""

    def __init__(self, jobs: int):
        self.jobs = jobs

    def wanted(self, amount: int) -> bool:
        from congressgen.compile import MIN_PARALLEL

        return self.jobs > 1 and amount >= MIN_PARALLEL

    @property
    def pool(self) -> "ForkedPool":
        return self

    def map(self, fn, items):
        from congressgen.render import in_forked_processes

        items = list(items)
        if not items:
            return []
        size = -(-len(items) // self.jobs)
        shares = [items[i:i + size] for i in range(0, len(items), size)]

        def run(share: list) -> list:
            return [fn(item) for item in share]

        done = in_forked_processes(shares, run, run)
        return [result for share, part in zip(shares, done) for result in (part if part is not None else run(share))]


def write_site(site, theme, renderer, staged, cache, memo_name: str, stats, progress=None, jobs: int = 1,
               first=None, verify=None, overlap: bool = False, aside=None, render_jobs: int | None = None):
    """Everything a built site holds, into `staged` (`StagedOutput` or `LiveOutput`): the
    pages (through the render memo), the declared outputs (`outputs.OUTPUTS`), the
    attachments and the static files. Returns the new render memo; the caller commits.
    `jobs`: processes that render the pages (`render.render_pages`). `first` (`serve`): the
    pages to render before anything else, with the static files; `first.ready(staged, paths)`
    is called once they are staged (`serve.FirstPages`), before the outputs are generated and
    collisions refused (a failure after it: `LiveOutput.discard` puts those files back).
    `verify()` (the build's check) raises `BuildFailed` to refuse the site; it runs first,
    so its refusal is the one reported. `aside()` is upkeep that writes nothing of the site (the build
    cache's), run last. With `overlap` (when `overlaps(...)`, into a `StagedOutput`: a cold
    build or an edit's), these and the other files run in forked processes while the pages render
    (`_write_together`): the same bytes, the same errors. `render_jobs`: the processes that render
    the pages meanwhile (None: `jobs - 1`, the child taking a core for the whole build, as in a
    cold build; an edit's build gives `jobs`: its child is short, and the pages share the cores
    only when many are to be rendered, e.g. after a template edit)."""
    from congressgen.collisions import refuse_collisions
    from congressgen.render import render_first, render_pages, static_files

    static = static_files(theme, site.config.root / site.config.static_dir)
    if overlap and first is None and isinstance(staged, StagedOutput) and overlaps(site, cache, jobs):
        return _write_together(site, renderer, staged, cache, memo_name, stats, progress, jobs, verify, aside,
                               static, render_jobs)
    if verify is not None:
        verify()
    copies = static
    if first is not None and render_first(site, renderer, staged, static, first):
        copies = []                                  # copied with the first pages
    previous = previous_files(cache, staged)
    generated = _generated(site, cache, previous)
    # two sources for one site path: refused before anything is written
    refuse_collisions(site, static, _claimed(generated))
    memo = render_pages(site, renderer, staged, cache, memo_name, stats, progress, jobs)
    _write_files(site, copies, generated, staged, previous)
    if aside is not None:
        aside()
    return memo


def _return_freed_memory() -> None:
    """Give the heap's free pages back to the system (glibc keeps what Python freed in its
    heap, still counted as this process's memory); nothing where that is not glibc."""
    try:
        import ctypes

        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError):
        pass


def _write_together(site, renderer, staged, cache, memo_name, stats, progress, jobs, verify, aside, static,
                    render_jobs: int | None = None):
    """`write_site` with its parts at the same time: this process renders the pages, while one
    forked child makes and writes the declared outputs, copies the files, then runs `verify` and
    (unless it refused the site) `aside`. One child after the other rather than
    one child each: the two take about as long as the pages, and each child copies the pages
    of the model it reads (reference counts), so the check's and the search index's memory are
    not held at once. Everything goes to the staging folder, which only the caller commits, so
    a refusal still leaves the published output as it was; errors are raised in `write_site`'s
    order (verify, the outputs, collisions, templates). A child that fails has its part done
    again here."""
    from congressgen.collisions import refuse_collisions
    from congressgen.errors import BuildFailed, CongressError
    from congressgen.render import in_forked_processes, render_pages

    # The child keeps another core busy: the pages render in this process alone unless there
    # are more cores (a forked render worker copies the model it reads: ~150 MB at 5,000 reports).
    render_jobs = max(1, jobs - 1) if render_jobs is None else render_jobs

    def pages(_task):
        try:
            return render_pages(site, renderer, staged, cache, memo_name, stats, progress, render_jobs), None
        except (CongressError, BuildFailed) as exc:   # raised below, after the errors that come first
            return None, exc
        # anything else (serve's cancel on Ctrl-C, a crash) is raised at once: the child is killed
        # rather than waited for, as its copy of a stop event is never set

    def child(_task):
        # The files first, while this process renders its first pages and holds the least (the
        # search index's merge is the child's biggest part); the check after, its refusal still the
        # one reported (the staged files are then discarded). An error of the files fails the
        # child: this process then does both parts, in their order.
        staged.worker(jobs)                # its own counts of files written, handed back
        claimed = _write_generated(site, cache, staged, previous_files(cache, staged))
        _write_files(site, static, [], staged)
        _return_freed_memory()             # the index's, before the check forks its pool
        if verify is not None:
            try:
                verify()
            except BuildFailed as exc:
                return exc.diagnostics, None
        if aside is not None:
            aside()
        return [], (claimed, staged.handover())

    (memo, failed), outcome = in_forked_processes(["pages", "files"], child, pages)
    if outcome is None:                    # the child failed: its parts here, raising what they raise
        if verify is not None:
            verify()
        previous = previous_files(cache, staged)
        generated = _generated(site, cache, previous)
        claimed = _claimed(generated)
        refuse_collisions(site, static, claimed)
        _write_files(site, static, generated, staged, previous)
    else:
        refused, done = outcome
        if refused:
            raise BuildFailed(refused)
        claimed, handed = done
        staged.absorb(handed)
        refuse_collisions(site, static, claimed)
    if failed is not None:
        raise failed
    if aside is not None and outcome is None:
        aside()
    return memo
