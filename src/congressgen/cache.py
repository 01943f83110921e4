"""Persistent build cache under `.congressgen-cache/` (the config's `cache_dir`).

What is kept, and why it is safe:

- `bodies/`: the heavy part of compiled reports, their body HTML and plain text (UTF-8), in
  blob files of a few reports each (written once by whoever compiled them, a worker or the
  build itself, and named by a hash of their bytes). A compiled report refers to its body
  by (file, offset, sizes, SHA-256 of each part) (`StoredBody`) and reads it on demand, when
  a page renders or the check or the search index needs it: the build's heap holds only
  the light part, and a warm build never reads the bodies of pages it does not render.
- `reports.pack` (and `reports.pack.1`, … for more than 256 reports): the light part of the
  compiled reports of the last build (front matter, outline, summary, body references),
  so a warm build reads those few files instead of one file per report; rewritten when
  more than a twentieth of its entries changed (until then the few edited reports are
  kept in `reports/`, one file each). Entries are keyed by a hash of the source bytes and
  of everything else `compile_report` reads (the config subset, the package and Markdown
  versions, `markdown.RENDERER_VERSION`): a file whose bytes did not change is never
  parsed again; any change of an input gives another key, so an entry is never stale,
  only unused (unused entries and body files are pruned after a build).
- `search/`: each report's search-index token counts, by a hash of the text they are
  counted from (`search.doc_key`), in 16 files; `search-index.pickle`: the last search
  index built, encoded per token, which a rebuild patches for the reports that changed.
- `digests.pickle`: each input file's SHA-256 for the build record, with the stamp it was
  hashed at (`record.DigestMemo`), so an unchanged file is not read and hashed again.
- `qr.pickle`: share QR codes (inline SVG) by the text they encode.
- `related.pickle`: the last build's related lists, by a digest of what they rank by
  (`model.related.RelatedMemo`).
- `stamps.pickle`: each report source's stamp (mtime, size, inode, ctime) and report key as
  last read, so an unchanged file is neither read nor hashed again (`BuildCache.stamps`).
- `pages-*.pickle`: the page render memo of one output folder (see `render.ReadLog`).

Every file is written to a temporary name and renamed into place (atomic), and starts
with a magic tag and a SHA-256 of its payload: a torn, truncated or edited entry fails
the check and is ignored and rebuilt, never trusted. A body file is checked by the stamp
it had when written (any write changes its ctime): a changed file has every body in it
verified before use, and each body read is verified again by its SHA-256, so a bad body
is recompiled (found when loading) or refused (found later), never shown. A changed file
(a copied or restored cache) is first checked whole against its name, the SHA-256 of its
bytes; the settled stamp it was found whole at is kept in `body-stamps.pickle`, so the next
build trusts it as it would the stamp it was written with. The folder may be deleted at any
time; the next build is then a cold one with the same output.

The payload is a pickle, so the cache folder must be as trusted as the site's own
sources (it lives inside the site folder and is written only by congressgen).
"""

from __future__ import annotations

import hashlib
import os
import pickle
import re
import stat
import sys
import time
from functools import lru_cache
from pathlib import Path

import congressgen
from congressgen.errors import CongressError, Location

CACHE_FORMAT = 5
_MAGIC = b"CGCACHE" + bytes([CACHE_FORMAT])
_DIGEST = 32


def cache_key(*parts: object) -> str:
    """A stable hex key of some values (their repr), plus the versions that shape results."""
    h = hashlib.sha256()
    for part in (CACHE_FORMAT, congressgen.__version__, dependency_versions(), sys.version_info[:2]) + parts:
        data = part if isinstance(part, bytes) else repr(part).encode("utf-8", "surrogatepass")
        h.update(len(data).to_bytes(8, "little"))
        h.update(data)
    return h.hexdigest()


# Libraries whose upgrade can change what a build writes: part of every cache key.
DEPENDENCIES = ("markdown", "pyyaml", "jinja2", "markupsafe", "segno", "pypinyin")


@lru_cache(maxsize=1)
def dependency_versions() -> tuple[str, ...]:
    return tuple(f"{name}={installed_version(name) or '?'}" for name in DEPENDENCIES)


def _dist_name(name: str) -> str:
    return re.sub(r"[-_.]+", "_", name).lower()


@lru_cache(maxsize=None)
def installed_version(name: str) -> str | None:
    """The version of an installed distribution as `importlib.metadata.version` gives it (None:
    not installed). Found the way it looks in the usual case, from the one `.dist-info` folder
    of the first `sys.path` folder that has one, without importing importlib.metadata (about
    50 ms of every build's start-up, with zipfile, email and socket); anything else (an egg,
    a zip on the path, two candidates, no Version line) is left to importlib.metadata."""
    wanted = _dist_name(name)
    for entry in sys.path:
        folder = entry or "."
        try:
            names = _listing(folder)
        except NotADirectoryError:
            return _metadata_version(name)      # a zip on the path: importlib.metadata looks inside
        except OSError:
            continue
        found = [n for n in names if n.endswith((".dist-info", ".egg-info", ".egg"))
                 and _dist_name(n.rsplit(".", 1)[0].split("-", 1)[0]) == wanted]
        if not found:
            continue
        if len(found) != 1 or not found[0].endswith(".dist-info"):
            return _metadata_version(name)
        try:
            with open(os.path.join(folder, found[0], "METADATA"), encoding="utf-8") as handle:
                for line in handle:
                    if line.startswith("Version:"):
                        return line[len("Version:"):].strip()
                    if not line.strip():
                        break
        except OSError:
            pass
        return _metadata_version(name)
    return _metadata_version(name)


@lru_cache(maxsize=None)
def _listing(folder: str) -> tuple[str, ...]:
    return tuple(os.listdir(folder))


def _metadata_version(name: str) -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return None


def encode_entry(value: object) -> bytes:
    # The package version travels with the value: another version's classes may differ.
    payload = pickle.dumps((congressgen.__version__, value), protocol=pickle.HIGHEST_PROTOCOL)
    return _MAGIC + hashlib.sha256(payload).digest() + payload


def decode_entry(data: bytes) -> object:
    """The value of a cache file's bytes; raises ValueError for anything not intact."""
    head = len(_MAGIC) + _DIGEST
    if len(data) < head or not data.startswith(_MAGIC):
        raise ValueError("not a cache entry")
    payload = memoryview(data)[head:]      # not a copy of a file of many MB
    if hashlib.sha256(payload).digest() != data[len(_MAGIC):head]:
        raise ValueError("checksum mismatch")
    made_by, value = pickle.loads(payload)
    if made_by != congressgen.__version__:
        raise ValueError("written by another congressgen version")
    return value


def _is_entry(path: Path) -> bool:
    """True for a regular file that starts with a cache entry's tag (any format version)."""
    try:
        if path.is_symlink() or not path.is_file():
            return False
        with open(path, "rb") as handle:
            return handle.read(len(_MAGIC) - 1) == _MAGIC[:-1]
    except OSError:
        return False


def write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        temp.write_bytes(data)
        os.replace(temp, path)
    except OSError:
        temp.unlink(missing_ok=True)
        raise


def source_stamp(path: str) -> tuple[int, int, int, int] | None:
    """What changes whenever a file's bytes do (ctime cannot be set back by a program); None
    for anything but a plain file (a link is always read and checked where it is used)."""
    try:
        st = os.lstat(path)
    except OSError:
        return None
    if not stat.S_ISREG(st.st_mode):
        return None
    return st.st_mtime_ns, st.st_size, st.st_ino, st.st_ctime_ns


# File times tick coarsely (a few ms): a second write within the same tick and of the same
# size would leave the stamp as it was. A stamp is trusted only once its file has not
# changed for this long before it was read ("racy git" has the same rule).
SETTLED_NS = 2_000_000_000


def settled(stamp: tuple[int, int, int, int]) -> bool:
    return time.time_ns() - stamp[3] > SETTLED_NS


_KEY = re.compile(r"^[0-9a-f]{64}$")
_UNSEEN = object()
BODIES = "bodies"


class StoredBody:
    """A compiled report's body HTML and plain text, kept in a blob file under `bodies/` and
    read (with `os.pread`, so the page cache is not counted as the build's memory) and
    verified by SHA-256 on each use, never held. It pickles to a few numbers: a spawned
    worker given the compiled report reads the body from the file itself, and a forked one
    inherits nothing heavy. `stamp`: the file's stamp just after it was written."""

    __slots__ = ("folder", "name", "offset", "sizes", "digests", "stamp")

    def __init__(self, folder: str, name: str, offset: int, sizes: tuple[int, int],
                 digests: tuple[bytes, bytes], stamp: tuple | None):
        self.folder, self.name, self.offset, self.sizes, self.digests, self.stamp = \
            folder, name, offset, sizes, digests, stamp

    def __getstate__(self):
        return self.folder, self.name, self.offset, self.sizes, self.digests, self.stamp

    def __setstate__(self, state) -> None:
        self.folder, self.name, self.offset, self.sizes, self.digests, self.stamp = state

    def __eq__(self, other) -> bool:
        return isinstance(other, StoredBody) and self.digests == other.digests

    def __hash__(self) -> int:
        return hash(self.digests)

    def __repr__(self) -> str:
        return f"StoredBody({self.name[:12]}…@{self.offset}+{self.sizes})"

    @property
    def path(self) -> str:
        return os.path.join(self.folder, self.name)

    def html(self) -> str:
        return self._part(0)

    def text(self) -> str:
        return self._part(1)

    def _part(self, which: int) -> str:
        start = self.offset + (self.sizes[0] if which else 0)
        data = _read_range(self.path, start, self.sizes[which])
        if data is None or hashlib.sha256(data).digest() != self.digests[which]:
            if data is not None and _is_entry(Path(self.path)):
                Path(self.path).unlink(missing_ok=True)    # the next build compiles its reports again
            raise CongressError(Location(self.path), "构建缓存中的报告正文已损坏或被删除（已移除）；请重新构建")
        return data.decode("utf-8", "surrogatepass")

    def intact(self) -> bool:
        """True when the file holds this body whole (both parts read and checked)."""
        data = _read_range(self.path, self.offset, self.sizes[0] + self.sizes[1])
        return (data is not None and hashlib.sha256(data[:self.sizes[0]]).digest() == self.digests[0]
                and hashlib.sha256(data[self.sizes[0]:]).digest() == self.digests[1])


def _whole(path: str, name: str) -> bool:
    """True when a body file's bytes are those it was named by (their SHA-256)."""
    try:
        with open(path, "rb") as handle:
            return hashlib.sha256(handle.read()).hexdigest() == name
    except OSError:
        return False


def _read_range(path: str, start: int, size: int) -> bytes | None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return None
    try:
        data = os.pread(fd, size, start)
    except OSError:
        return None
    finally:
        os.close(fd)
    return data if len(data) == size else None


def store_bodies(folder: Path, bodies: list[tuple[str, str]]) -> list[StoredBody] | None:
    """Write these (body HTML, plain text) pairs into one new blob file under `folder/bodies/`
    (atomic, named by a hash of its bytes); their references, or None when it cannot be written."""
    chunks, spans, offset = [_MAGIC], [], len(_MAGIC)
    for html, text in bodies:
        parts = html.encode("utf-8", "surrogatepass"), text.encode("utf-8", "surrogatepass")
        spans.append((offset, (len(parts[0]), len(parts[1])),
                      (hashlib.sha256(parts[0]).digest(), hashlib.sha256(parts[1]).digest())))
        chunks += parts
        offset += len(parts[0]) + len(parts[1])
    data = b"".join(chunks)
    name = hashlib.sha256(data).hexdigest()
    where = folder / BODIES
    try:
        write_atomic(where / name, data)
    except OSError:
        return None
    stamp = source_stamp(str(where / name))
    return [StoredBody(str(where), name, start, sizes, digests, stamp) for start, sizes, digests in spans]


def check_cache_folder(folder: Path) -> None:
    """A cache folder that exists as a file (or a link to one) is someone's file: refuse."""
    if folder.exists() and not folder.is_dir():
        raise CongressError(Location(str(folder)), f"构建缓存目录 {folder.name} 已存在，但它是文件而不是文件夹；"
                                                   "请改名或移走后重试（congressgen 不会删除它），或在配置中改 cache_dir")


class BuildCache:
    """The cache folder of one site. Reading never fails: a bad entry is a miss."""

    def __init__(self, folder: Path, memory: dict | None = None):
        check_cache_folder(folder)
        self.folder = folder
        # Kept in memory across builds by a long-running process (`serve`): compiled reports
        # by their key (a content hash, so an entry can never be stale), the other entries
        # by ("entry", name) (written there instead of to disk), the source stamps by
        # ("stamps",) (`stamps()`).
        self.memory = memory
        self.used: set[str] = set()          # report keys read or written in this build
        self.report_keys: dict[str, str] = {}   # source path -> its report key in this build
        self.dropped = 0                     # corrupt entries found (and removed)
        self._packed: dict | None = None     # reports.pack as read (key -> compiled report)
        self._pack_parts = 0                 # how many part files it had
        self._values: dict[str, object] = {}  # report key -> compiled report, of this build
        # report keys held one file each under reports/ (a long-running process remembers them
        # between its builds: else each save would write every report again)
        self._single: set[str] = memory.setdefault(("single",), set()) if memory is not None else set()
        self._in_pack: set[str] | None = None  # keys reports.pack holds, once saved
        self._bodies = str(folder / BODIES)     # where the body files are (a moved cache: here now)
        # body file -> True: whole as written (its stamp proves it), False: each body checked,
        # None: not a body file's name
        self._body_files: dict[str, bool | None] = {}
        self._verified: dict | None = None      # body file -> a later stamp it was found whole at
        self._verified_added = False
        self._stamps: dict | None = None
        self._stamps_loaded: dict = {}
        self._stamps_tag = ""

    def template_folder(self) -> Path:
        """Where Jinja keeps the compiled templates (its bytecode cache), made if missing."""
        folder = self.folder / "jinja"
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    # --- generic single-file entries -------------------------------------------------

    def load(self, name: str) -> object | None:
        if self.memory is not None and ("entry", name) in self.memory:
            return self.memory[("entry", name)]
        path = self.folder / name
        try:
            return decode_entry(path.read_bytes())
        except FileNotFoundError:
            return None
        except (OSError, ValueError, pickle.UnpicklingError, EOFError, AttributeError, ImportError,
                IndexError, TypeError):
            self._drop(path)
            return None

    def store(self, name: str, value: object) -> bool:
        if self.memory is not None and not name.startswith("reports/"):
            # a long-running process keeps its entries in memory only: the values are the
            # same as on disk would be, and not pickling them is most of an edit's save
            self.memory[("entry", name)] = value
            return True
        try:
            write_atomic(self.folder / name, encode_entry(value))
            return True
        except OSError:
            return False   # a cache that cannot be written only makes the next build slower

    def _drop(self, path: Path) -> None:
        if not _is_entry(path):
            return          # not a cache file: never removed
        self.dropped += 1
        try:
            path.unlink()
        except OSError:
            pass

    # --- source stamps -----------------------------------------------------------------

    STAMPS = "stamps.pickle"

    def stamps(self) -> dict:
        """source path -> ((mtime_ns, size, inode, ctime_ns), column, compile inputs, report
        key) as last read (`compile.compile_all`): a file whose stamp is unchanged has the
        bytes it had, so it is not read and hashed again. ctime cannot be set back by a
        program, and any write changes it. Tied to the versions in every `fingerprint`."""
        if self._stamps is None:
            from congressgen.markdown import RENDERER_VERSION

            self._stamps_tag = cache_key("stamps", RENDERER_VERSION)
            held = self.memory.get(("stamps",)) if self.memory is not None else self.load(self.STAMPS)
            ok = isinstance(held, tuple) and len(held) == 2 and held[0] == self._stamps_tag
            self._stamps = dict(held[1]) if ok else {}
            self._stamps_loaded = dict(self._stamps)
        return self._stamps

    def save_stamps(self) -> None:
        """Keep the stamps of this build's sources only."""
        if self._stamps is None:
            return
        kept = {shown: entry for shown, entry in self._stamps.items() if shown in self.report_keys}
        if self.memory is not None:
            self.memory[("stamps",)] = (self._stamps_tag, kept)
        elif kept != self._stamps_loaded:
            self.store(self.STAMPS, (self._stamps_tag, kept))

    # --- compiled reports --------------------------------------------------------------

    @staticmethod
    def _report_name(key: str) -> str:
        """The entry name of a report held one file each (under reports/)."""
        return f"reports/{key[:2]}/{key}"

    PACK = "reports.pack"  # parts: reports.pack (which names the part count), reports.pack.1, …
    PACK_PART = 256        # reports per part: one part at a time in memory when writing or reading
    REPACK_SHARE = 20      # rewrite the pack once more than 1/REPACK_SHARE of its entries changed
    BODY_GRACE_S = 3600    # an unreferenced body file younger than this is left for a later prune

    def _part_name(self, number: int) -> str:
        return self.PACK if number == 0 else f"{self.PACK}.{number}"

    def _pack(self) -> dict:
        if self._packed is None:
            packed: dict = {}
            first = self.load(self.PACK) if self.memory is None else None
            if isinstance(first, tuple) and len(first) == 2 and isinstance(first[1], dict):
                self._pack_parts = first[0] if isinstance(first[0], int) else 1
                packed.update(first[1])
                for number in range(1, self._pack_parts):
                    part = self.load(self._part_name(number))
                    if isinstance(part, tuple) and len(part) == 2 and isinstance(part[1], dict):
                        packed.update(part[1])      # a missing part: its reports are compiled again
            self._packed = packed
        return self._packed

    BODY_STAMPS = "body-stamps.pickle"

    def _body_intact(self, body) -> bool:
        """A stored body is usable when its file still has the stamp it was written with (the
        reads verify each body again) or, for a changed file, when its bytes check out."""
        if not isinstance(body, StoredBody):
            return True
        body.folder = self._bodies                   # where this cache is now (it may have moved)
        name = body.name
        known = self._body_files.get(name, _UNSEEN)
        if known is _UNSEEN:
            known = self._body_files[name] = self._body_file_state(body) if _KEY.match(name) else None
        if known:
            return True
        return known is not None and body.intact()

    def _body_file_state(self, body: StoredBody) -> bool:
        """True when the body file is whole as written: its stamp is the one it was written with,
        or one it was later found whole at (a copied or restored cache: else every build would
        check every body of it again); else False (each body is checked by its own digests).
        A file is named by the SHA-256 of its bytes, so one hash of the file proves all of it."""
        path = body.path
        stamp = source_stamp(path)
        if stamp is None:
            return False
        if stamp == body.stamp:
            return True
        if self._verified is None:
            held = self.load(self.BODY_STAMPS)
            self._verified = dict(held) if isinstance(held, dict) else {}
        if self._verified.get(body.name) == stamp:
            return True
        if not _whole(path, body.name):
            return False
        if settled(stamp) and source_stamp(path) == stamp:   # as the source stamps: never a racy one
            self._verified[body.name] = stamp
            self._verified_added = True
        return True

    def _save_body_stamps(self) -> None:
        if self._verified_added:
            # the files of this build only (a pruned file's entry goes with it)
            self.store(self.BODY_STAMPS, {n: s for n, s in self._verified.items() if n in self._body_files})
            self._verified_added = False

    def get_report(self, key: str):
        """The compiled report of this key, or None (not held, or not intact: compiled again)."""
        self.used.add(key)
        if self.memory is not None and key in self.memory:
            self._values[key] = self.memory.get(("stored", key), self.memory[key])   # for save and prune
            return self.memory[key]
        compiled = self._pack().get(key)
        if compiled is not None and not self._body_intact(getattr(compiled, "body", None)):
            self.dropped += 1
            compiled = None
        if compiled is None:        # not in the pack (or its body is bad there): its own file
            compiled = self.load(self._report_name(key))
            if compiled is not None and not self._body_intact(getattr(compiled, "body", None)):
                self.dropped += 1
                compiled = None
            if compiled is not None:
                self._single.add(key)
        if compiled is not None:
            self._values[key] = compiled
            if self.memory is not None:
                self.memory[key], self.memory[("stored", key)] = _in_memory(compiled), compiled
                return self.memory[key]
        return compiled

    def put_report(self, key: str, compiled):
        """Hold a report compiled in this build (its body already in `bodies/`, see
        `store_bodies`), written with the others by `save_reports`; returns the compiled
        report to use (with a long-running process's memory: its body read into memory)."""
        self.used.add(key)
        self._values[key] = compiled
        if self.memory is not None:
            self.memory[key], self.memory[("stored", key)] = _in_memory(compiled), compiled
            return self.memory[key]
        return compiled

    def save_reports(self) -> None:
        """Write this build's compiled reports: reports.pack when it is missing or more than a
        twentieth out of date, else the few not in it one file each."""
        self._save_body_stamps()
        self._body_files = {}
        held = [k for k in self.used if k in self._values]
        packed = self._pack()
        fresh = [k for k in held if packed.get(k) is not self._values[k]]   # new, or compiled again
        stale = len(packed) - (len(held) - len(fresh))
        if self.memory is not None or (packed and len(fresh) + stale <= len(held) // self.REPACK_SHARE):
            for key in fresh:
                if key not in self._single:
                    self.store(self._report_name(key), self._values[key])
                    self._single.add(key)
            self._in_pack = set(packed) & set(held)
            return
        if not held:
            return
        keys = sorted(held)
        parts = [keys[i:i + self.PACK_PART] for i in range(0, len(keys), self.PACK_PART)]
        for number in reversed(range(len(parts))):      # the first part, naming the count, last
            if not self.store(self._part_name(number), (len(parts), {k: self._values[k] for k in parts[number]})):
                for key in fresh:                        # no pack: keep them one file each
                    self.store(self._report_name(key), self._values[key])
                self._in_pack = set()
                return
        for number in range(len(parts), self._pack_parts):   # parts a smaller pack no longer has
            (self.folder / self._part_name(number)).unlink(missing_ok=True)
        self._pack_parts = len(parts)
        self._packed = {k: self._values[k] for k in keys}
        self._in_pack = set(keys)

    def prune_reports(self) -> int:
        """Remove report entries this build did not use (edited or deleted sources), the single
        files of reports now held in reports.pack, and the body files no entry kept refers to."""
        if self.memory is not None:
            for key in [k for k in self.memory if isinstance(k, str) and k not in self.used]:
                del self.memory[key]
                self.memory.pop(("stored", key), None)
        if self._in_pack is None:
            self.save_reports()
        packed = self._in_pack or set()
        removed = 0
        root = self.folder / "reports"
        if root.is_dir():
            for shard in root.iterdir():
                if not shard.is_dir() or shard.is_symlink() or len(shard.name) != 2:
                    continue
                for entry in shard.iterdir():
                    # Only what this cache wrote: a file named by a key, starting with the tag.
                    if (entry.name not in self.used or entry.name in packed) and _KEY.match(entry.name) \
                            and _is_entry(entry):
                        try:
                            entry.unlink()
                            self._single.discard(entry.name)
                            removed += 1
                        except OSError:
                            pass
        bodies = self.folder / BODIES
        if bodies.is_dir() and not bodies.is_symlink():
            kept = {getattr(v, "body", None).name for k, v in self._values.items()
                    if k in self.used and isinstance(getattr(v, "body", None), StoredBody)}
            settled_before = time.time() - self.BODY_GRACE_S
            for entry in bodies.iterdir():
                # a new file no entry names yet may be another build's, still running: kept a while
                if entry.name not in kept and _KEY.match(entry.name) and _is_entry(entry) \
                        and entry.stat().st_mtime < settled_before:
                    try:
                        entry.unlink()
                        removed += 1
                    except OSError:
                        pass
        return removed


def _in_memory(compiled):
    """What a long-running process keeps: the compiled report with its body read into memory
    (another build of the same site may prune the body files it would otherwise refer to)."""
    return compiled.in_memory() if isinstance(getattr(compiled, "body", None), StoredBody) else compiled
