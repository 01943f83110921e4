"""The build record: what a successful build into an output folder read, decided and wrote.

Every build writes one record per output folder, as JSON, into the site's cache folder
(`.congressgen-cache/records/<hash of the output path>.json`). It serves two readers:

- the build itself, to do nothing when no input changed and the output is as it left it
  (`unchanged`), and
- `publish`, whose preflight reads the build's base_url, draft reports, check outcome and
  review overrides from it instead of recompiling the site, and judges staleness exactly by
  hashing the inputs again (`changed_sources`): no compiling, no dates.

Why the cache folder and not a file inside build/: the output folder is published content and
must stay byte-deterministic (a record holds the build time); a file in it would be copied to
the web server by anyone who publishes build/ with their own tool. The record is written even
with `--no-cache`, because it is not a cache entry (nothing is reused from it unless the inputs
hash equal) but the build's receipt that publish needs. It is keyed by the output folder's
absolute path, so `build --output DIR` and `publish --output DIR` find the same record.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from congressgen.cache import CACHE_FORMAT, dependency_versions, settled, source_stamp, write_atomic

from congressgen.model.ledger import LEDGER_FILE
from congressgen.config import SiteConfig
from congressgen.errors import Diagnostic, Location
from congressgen.themes import builtin_theme_dir

RECORD_FORMAT = 1
# The address ledger (addresses.json) is written by publish itself: not a change that makes a
# build stale, since publish checks every address in it against the build (preflight.address_refusals).
PUBLISHED_ADDRESSES = LEDGER_FILE
RECORDS_DIR = "records"


@dataclass(frozen=True)
class CheckOutcome:
    ran: bool                        # False for `build --no-check`
    errors: int = 0
    warnings: int = 0


@dataclass(frozen=True)
class BuildRecord:
    """What the last successful build into an output folder read and wrote."""

    inputs: str                                  # input_fingerprint(): sources and build options
    sources: dict[str, str]                      # source_digests(): every input file's SHA-256
    environment: str                             # environment_fingerprint(): versions, layout
    extra: tuple[str, ...]                       # other files it copied (attachments), root-relative
    extra_hash: str                              # extra_fingerprint() of those, taken before copying
    outputs: dict[str, tuple[int, int]]          # every output file: (size, mtime_ns)
    reports: int
    files: int
    warnings: tuple[Diagnostic, ...]
    base_url: str = ""
    drafts: bool = False                         # built with --drafts
    draft_reports: tuple[str, ...] = ()          # sources of the draft reports in the output
    check: CheckOutcome = CheckOutcome(False)
    allow_unreviewed: bool = False               # built with --allow-unreviewed
    unreviewed: tuple[Diagnostic, ...] = ()      # the review problems that override let through
    empty_columns: tuple[str, ...] = ()          # configured columns without a published item (freshness.py)
    time: str = ""                               # when the build finished, ISO 8601 UTC
    output: str = ""                             # the output folder's absolute path
    # every report's address in the output: (id, source, site path, former ids), for the
    # address ledger that publish updates (model/ledger.py)
    addresses: tuple[tuple[str, str, str, tuple[str, ...]], ...] = ()

    def to_json(self) -> str:
        data = {
            "format": RECORD_FORMAT, "time": self.time, "output": self.output, "inputs": self.inputs,
            "environment": self.environment, "sources": dict(sorted(self.sources.items())),
            "extra": list(self.extra), "extra_hash": self.extra_hash, "base_url": self.base_url,
            "drafts": self.drafts, "draft_reports": list(self.draft_reports),
            "check": {"ran": self.check.ran, "errors": self.check.errors, "warnings": self.check.warnings},
            "allow_unreviewed": self.allow_unreviewed, "unreviewed": _diagnostics(self.unreviewed),
            "empty_columns": list(self.empty_columns),
            "reports": self.reports, "files": self.files,
            "warnings": _diagnostics(self.warnings),
            "outputs": dict(sorted(self.outputs.items())),      # (size, mtime): a JSON array as a list would be
            "addresses": list(self.addresses),       # (id, source, path, former ids): arrays in JSON
        }
        # One top-level key a line (prune_records reads the "output" line), each value in the C
        # encoder's compact form: indent= would take the pure-Python encoder, slow for the
        # thousands of sources and output files.
        return "{\n" + ",\n".join(f"{json.dumps(key)}: {json.dumps(value, ensure_ascii=False)}"
                                   for key, value in data.items()) + "\n}"

    @classmethod
    def from_json(cls, text: str) -> "BuildRecord | None":
        try:
            data = json.loads(text)
            if data.get("format") != RECORD_FORMAT:
                return None
            check = data["check"]
            return cls(
                inputs=str(data["inputs"]), sources={str(k): str(v) for k, v in data["sources"].items()},
                environment=str(data["environment"]), extra=tuple(map(str, data["extra"])),
                extra_hash=str(data["extra_hash"]),
                outputs={str(p): (int(v[0]), int(v[1])) for p, v in data["outputs"].items()},
                reports=int(data["reports"]), files=int(data["files"]),
                warnings=_read_diagnostics(data["warnings"]),
                base_url=str(data["base_url"]), drafts=bool(data["drafts"]),
                draft_reports=tuple(map(str, data["draft_reports"])),
                check=CheckOutcome(bool(check["ran"]), int(check["errors"]), int(check["warnings"])),
                allow_unreviewed=bool(data["allow_unreviewed"]), unreviewed=_read_diagnostics(data["unreviewed"]),
                empty_columns=tuple(map(str, data.get("empty_columns", ()))),
                time=str(data["time"]), output=str(data["output"]),
                addresses=tuple((str(i), str(s), str(p), tuple(map(str, f))) for i, s, p, f in data.get("addresses", ())),
            )
        except (ValueError, KeyError, TypeError, IndexError, AttributeError):
            return None


def _diagnostics(items: tuple[Diagnostic, ...]) -> list[list]:
    return [[d.location.path, d.location.line, d.location.col, d.message, d.severity] for d in items]


def _read_diagnostics(rows: list) -> tuple[Diagnostic, ...]:
    return tuple(Diagnostic(Location(str(r[0]), int(r[1]), int(r[2])), str(r[3]), str(r[4])) for r in rows)


# ---------------------------------------------------------------------------------------
# Fingerprints of the inputs (bytes, not dates)


def _hash_file(path: Path) -> str:
    if not path.is_file():
        return "not a file"      # a pipe named like a report would block the read forever
    h = hashlib.sha256()
    try:
        with path.open("rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
    except OSError:
        return "unreadable"
    return h.hexdigest()


class DigestMemo:
    """Files' SHA-256 by path, reused while a file's stamp is what it was when it was hashed
    (mtime, size, inode, ctime: ctime cannot be set back; only settled stamps are kept, as
    for the compile stamps). Without it every build reads and hashes every input."""

    NAME = "digests.pickle"

    def __init__(self, table: dict | None = None) -> None:
        self.table: dict[str, tuple] = dict(table) if isinstance(table, dict) else {}
        self.seen: dict[str, tuple] = {}

    def digest(self, path: Path | str) -> str:
        key = str(path)
        stamp = source_stamp(key)         # None for a link or anything but a plain file
        if stamp is not None:
            known = self.table.get(key)
            if known is not None and known[0] == stamp:
                self.seen[key] = known
                return known[1]
        digest = _hash_file(Path(path))
        if stamp is not None and settled(stamp) and digest != "unreadable" and source_stamp(key) == stamp:
            self.seen[key] = (stamp, digest)
        return digest

    def changed(self) -> bool:
        return self.seen != self.table


def _tree(digests: dict[str, str], folder: Path, shown: str, hash_file) -> None:
    """`hash_file` takes a path string (no Path object per file: a tenth of a warm build's walk)."""
    base_length = len(str(folder)) + 1
    for directory, dirs, files in os.walk(folder):
        dirs.sort()
        inner = directory[base_length:].replace(os.sep, "/")
        prefix = f"{shown}/{inner}/" if inner else f"{shown}/"
        here = directory + os.sep
        for name in sorted(files):
            digests[prefix + name] = hash_file(here + name)


def source_digests(config: SiteConfig, memo: DigestMemo | None = None) -> dict[str, str]:
    """SHA-256 of everything a build reads, by shown path: the files at the site root, every
    file under content/, static/, data/ and themes/, and the built-in theme (as `<builtin>/…`).
    (Attachments kept elsewhere in the site: `extra_fingerprint`.) With `memo`, a file whose
    stamp did not change is not hashed again."""
    hash_file = memo.digest if memo is not None else (lambda path: _hash_file(Path(path)))
    root = config.root
    digests: dict[str, str] = {}
    for entry in sorted(os.scandir(root), key=lambda e: e.name):
        if entry.is_file():
            digests[entry.name] = hash_file(entry.path)
    for folder in dict.fromkeys((config.content_dir, config.static_dir, config.data_dir, "themes")):
        _tree(digests, root / folder, folder, hash_file)
    _tree(digests, builtin_theme_dir(), "<builtin>", hash_file)
    return digests


def environment_fingerprint(config: SiteConfig) -> str:
    """The versions of congressgen, its libraries and Python, and where the inputs are."""
    import congressgen

    return hashlib.sha256(repr((CACHE_FORMAT, congressgen.__version__, dependency_versions(), sys.version_info[:2],
                                str(config.root), config.content_dir, config.static_dir,
                                config.data_dir)).encode()).hexdigest()


def input_fingerprint(environment: str, sources: dict[str, str], output: Path, settings: tuple) -> str:
    """One hash of a build's inputs: the environment, every source's digest, the output folder
    and the build's own settings (drafts, base_url, day, check, review override)."""
    h = hashlib.sha256(repr((environment, str(output.resolve()), settings)).encode())
    # the same bytes as one update per source, in one piece
    h.update("".join(f"{rel}\0{digest}\0" for rel, digest in sorted(sources.items())).encode("utf-8", "surrogateescape"))
    return h.hexdigest()


def extra_fingerprint(root: Path, extra: tuple[str, ...]) -> str:
    h = hashlib.sha256()
    for rel in extra:
        path = root / rel
        h.update(rel.encode("utf-8", "surrogateescape") + b"\0")
        h.update(path.read_bytes() if path.is_file() else b"\1missing")
        h.update(b"\0")
    return h.hexdigest()


def output_manifest(output: Path) -> dict[str, tuple[int, int]]:
    """(size, mtime) of every file in the output, by its path there (scandir: one stat each)."""
    manifest: dict[str, tuple[int, int]] = {}

    def walk(folder: str, prefix: str) -> None:
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.is_dir():            # as os.walk: links to folders are not entered
                    if not entry.is_symlink():
                        walk(entry.path, prefix + entry.name + "/")
                else:
                    st = entry.stat()
                    manifest[prefix + entry.name] = (st.st_size, st.st_mtime_ns)

    if output.is_dir():
        walk(str(output), "")
    return manifest


# ---------------------------------------------------------------------------------------
# Where records live


def record_path(config: SiteConfig, output: Path) -> Path:
    where = hashlib.sha256(str(output.resolve()).encode("utf-8", "surrogateescape")).hexdigest()[:16]
    return config.root / config.cache_dir / RECORDS_DIR / f"{where}.json"


def read_record(config: SiteConfig, output: Path) -> BuildRecord | None:
    try:
        text = record_path(config, output).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    return BuildRecord.from_json(text)


def write_record(config: SiteConfig, output: Path, record: BuildRecord) -> bool:
    path = record_path(config, output)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, record.to_json().encode("utf-8"))
    except OSError:
        return False    # publish then refuses (no record) and says to build again
    prune_records(path.parent)
    return True


_OUTPUT_LINE = re.compile(r'^"output": ("(?:[^"\\]|\\.)*"),?$', re.M)
_INPUTS_LINE = re.compile(r'^"inputs": "([0-9a-f]+)",?$', re.M)


def _recorded_inputs(config: SiteConfig, output: Path) -> str | None:
    """The input fingerprint on the record's own line near its start (`BuildRecord.to_json`),
    read without parsing the rest; None when the record or that line is not there (the whole
    record decides then)."""
    try:
        with record_path(config, output).open("rb") as fh:
            head = fh.read(4096).decode("utf-8", errors="replace")
    except OSError:
        return None
    match = _INPUTS_LINE.search(head)
    return match.group(1) if match else None


def prune_records(folder: Path) -> None:
    """Remove the records of output folders that no longer exist (serve's previews, say)."""
    for path in folder.glob("*.json"):
        try:
            with path.open("rb") as fh:
                head = fh.read(4096).decode("utf-8", errors="replace")
            match = _OUTPUT_LINE.search(head)
            if match and not Path(json.loads(match.group(1))).is_dir():
                path.unlink()
        except (OSError, ValueError):
            continue


def now_stamp(now: dt.datetime | None = None) -> str:
    return (now or dt.datetime.now(dt.timezone.utc)).astimezone(dt.timezone.utc).isoformat(timespec="seconds")


# ---------------------------------------------------------------------------------------
# Readers


@dataclass(frozen=True)
class Fingerprints:
    """A build's inputs, hashed once before it starts."""

    environment: str
    sources: dict[str, str] = field(repr=False)
    inputs: str


def take_fingerprints(config: SiteConfig, output: Path, settings: tuple,
                      memo: DigestMemo | None = None) -> Fingerprints:
    environment = environment_fingerprint(config)
    sources = source_digests(config, memo)
    return Fingerprints(environment, sources, input_fingerprint(environment, sources, output, settings))


def unchanged(config: SiteConfig, output: Path, fingerprints: Fingerprints) -> BuildRecord | None:
    """The last build's record when it read exactly these inputs and its output is as it left it."""
    if _recorded_inputs(config, output) not in (None, fingerprints.inputs):
        return None          # an edit: the record's other lines (sources, outputs …) are not parsed
    record = read_record(config, output)
    if record is None or record.inputs != fingerprints.inputs \
            or extra_fingerprint(config.root, record.extra) != record.extra_hash:
        return None
    try:
        if output_manifest(output) != record.outputs:
            return None
    except OSError:
        return None
    return record


@dataclass(frozen=True)
class SourceChanges:
    changed: tuple[str, ...]         # shown paths added, edited or removed since the build
    environment: bool = False        # congressgen, a library or Python differ, or the site moved

    def __bool__(self) -> bool:
        return bool(self.changed) or self.environment


def changed_sources(config: SiteConfig, record: BuildRecord) -> SourceChanges:
    """What differs between the inputs now and the inputs the recorded build read: hashing,
    no compiling (exact: a touched but unchanged file is not a change)."""
    now = source_digests(config)
    changed = sorted(p for p in set(now) | set(record.sources) if now.get(p) != record.sources.get(p)
                     and p != PUBLISHED_ADDRESSES)
    if extra_fingerprint(config.root, record.extra) != record.extra_hash:
        changed += [p for p in record.extra if p not in changed]
    return SourceChanges(tuple(changed), environment_fingerprint(config) != record.environment)
