"""The release model: what is on a target (releases, their manifests, the live one, the history
of switches) and the pure decisions on it: the next release's name, where --rollback goes, what
--keep removes, what changed since the live release.

    TARGET/current -> releases/<id>/site     the web server's document root (a symlink)
    TARGET/releases/<id>/site/               one complete copy of a built site
    TARGET/releases/<id>/release.json        its manifest: every file's size and SHA-256
    TARGET/history.jsonl                     one line per switch of `current` (publish, rollback)
    TARGET/publish.lock/                     present while a publish or rollback runs (lock.py)

<id> is `<UTC time>-<n>`, n counting publishes on that target; a number is never used twice
(the next is one more than any release or history line ever had).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from congressgen import __version__

CURRENT = "current"
RELEASES = "releases"
SITE_DIR = "site"
MANIFEST = "release.json"
HISTORY = "history.jsonl"
PARTIAL_PREFIX = ".partial-"
RELEASE_NAME = re.compile(r"^(\d{8}T\d{6}Z)-(\d+)$")
TIME_FORMAT = "%Y%m%dT%H%M%SZ"


def release_number(name: str) -> int:
    return int(RELEASE_NAME.match(name).group(2))


def site_link(name: str) -> str:
    return f"{RELEASES}/{name}/{SITE_DIR}"


@dataclass(frozen=True)
class Entry:
    size: int
    sha256: str


@dataclass(frozen=True)
class Manifest:
    entries: dict[str, Entry]            # site path ('/'-separated) -> entry
    created: str = ""                    # ISO 8601, UTC
    base_url: str = ""

    @property
    def pages(self) -> int:
        return sum(1 for path in self.entries if path.endswith(".html"))

    @property
    def bytes(self) -> int:
        return sum(e.size for e in self.entries.values())

    def to_json(self, release: str) -> str:
        # One line and ASCII only: read back over SSH line by line, whatever the server's locale.
        return json.dumps({
            "format": 1, "release": release, "created": self.created, "base_url": self.base_url,
            "generator": f"congressgen {__version__}", "pages": self.pages, "files": len(self.entries),
            "bytes": self.bytes, "entries": {p: [e.size, e.sha256] for p, e in sorted(self.entries.items())},
        }, ensure_ascii=True, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> "Manifest | None":
        try:
            data = json.loads(text)
            entries = {str(p): Entry(int(v[0]), str(v[1])) for p, v in data["entries"].items()}
        except (ValueError, KeyError, TypeError, IndexError, AttributeError):
            return None
        return cls(entries, str(data.get("created", "")), str(data.get("base_url", "")))


@dataclass(frozen=True)
class Release:
    name: str
    manifest: Manifest | None            # None when release.json is missing or unreadable

    @property
    def number(self) -> int:
        return int(RELEASE_NAME.match(self.name).group(2))

    @property
    def created(self) -> dt.datetime:
        stamp = RELEASE_NAME.match(self.name).group(1)
        return dt.datetime.strptime(stamp, TIME_FORMAT).replace(tzinfo=dt.timezone.utc)


@dataclass(frozen=True)
class Switch:
    """One line of the target's history: `current` switched to `release` (from `previous`)."""

    action: str                          # "publish" or "rollback"
    release: str
    previous: str | None = None
    time: str = ""                       # ISO 8601, UTC
    by: str = ""                         # user@host of the publishing account

    def to_json(self) -> str:
        # One line, ASCII only: appended and read back over SSH whatever the server's locale.
        return json.dumps({"time": self.time, "action": self.action, "release": self.release,
                           "previous": self.previous, "by": self.by}, ensure_ascii=True, separators=(",", ":"))


def parse_history(text: str | None) -> tuple[Switch, ...]:
    """The history file's lines; a torn or foreign line (a publish killed mid-append) is skipped."""
    switches = []
    for line in (text or "").splitlines():
        try:
            data = json.loads(line)
            switch = Switch(str(data["action"]), str(data["release"]),
                            str(data["previous"]) if data.get("previous") else None,
                            str(data.get("time", "")), str(data.get("by", "")))
        except (ValueError, KeyError, TypeError, AttributeError):
            continue
        if RELEASE_NAME.match(switch.release) and switch.action in ("publish", "rollback"):
            switches.append(switch)
    return tuple(switches)


def live_stack(history: tuple[Switch, ...], releases: tuple[Release, ...], current: str | None) -> list[str]:
    """The releases that were live, in order, ending with the live one: a publish pushes, a
    rollback pops back to the release it restored. Releases no longer on the target are left
    out. Without history (a target published by an older congressgen) the releases older than
    the live one stand in, by number."""
    stack: list[str] = []
    for switch in history:
        if switch.action == "rollback" and switch.release in stack:
            del stack[stack.index(switch.release) + 1:]
        else:
            if switch.release in stack:
                stack.remove(switch.release)
            stack.append(switch.release)
    if current is not None and (not stack or stack[-1] != current):
        # A switch the history missed (a publish killed between switching and logging it).
        if current in stack:
            del stack[stack.index(current) + 1:]
        else:
            stack.append(current)
    present = {r.name for r in releases}
    stack = [name for name in stack if name in present]
    if current is not None and len(stack) < 2 and not history:
        live = next((r for r in releases if r.name == current), None)
        if live is not None:
            stack = [r.name for r in releases if r.number < live.number][-1:] + [current]
    return stack


@dataclass(frozen=True)
class TargetState:
    releases: tuple[Release, ...]        # oldest first
    current: str | None                  # the release `current` points to
    current_link: str | None = None      # the link text as found
    history: tuple[Switch, ...] = ()

    def release(self, name: str | None) -> Release | None:
        return next((r for r in self.releases if r.name == name), None)

    def previous(self) -> Release | None:
        """The release that was live before the live one, by history: where --rollback goes."""
        stack = live_stack(self.history, self.releases, self.current)
        return self.release(stack[-2]) if len(stack) >= 2 else None

    @property
    def highest_number(self) -> int:
        return max([r.number for r in self.releases] + [release_number(s.release) for s in self.history], default=0)


def parse_releases(names_and_manifests: list[tuple[str, str | None]]) -> tuple[Release, ...]:
    releases = [Release(name, Manifest.from_json(text) if text else None)
                for name, text in names_and_manifests if RELEASE_NAME.match(name)]
    return tuple(sorted(releases, key=lambda r: r.number))


def release_of_link(link: str | None) -> str | None:
    """`releases/<id>/site` (or an absolute path ending so, for junctions) -> <id>."""
    if not link:
        return None
    parts = PurePosixPath(link.replace("\\", "/")).parts
    if len(parts) >= 3 and parts[-1] == SITE_DIR and parts[-3] == RELEASES and RELEASE_NAME.match(parts[-2]):
        return parts[-2]
    return None


def new_release_name(state: TargetState, now: dt.datetime) -> str:
    """Never a number used before on this target, even by a release since deleted."""
    return f"{now.astimezone(dt.timezone.utc).strftime(TIME_FORMAT)}-{state.highest_number + 1}"


def releases_to_remove(state: TargetState, new_name: str, keep: int) -> list[str]:
    """Releases beyond `keep` once `new_name` is live. Kept first: the new release and the one
    --rollback would then restore (the release live now); then the newest others."""
    protected = [new_name] + ([state.current] if state.release(state.current) else [])
    others = sorted((r.name for r in state.releases if r.name not in protected), key=release_number, reverse=True)
    room = max(keep - len(protected), 0)
    return others[room:]


@dataclass(frozen=True)
class Changes:
    added: tuple[str, ...]
    changed: tuple[str, ...]
    removed: tuple[str, ...]
    unchanged: int
    new_bytes: int                       # bytes of added and changed files: what must travel

    def pages(self, kind: str) -> tuple[str, ...]:
        return tuple(p for p in getattr(self, kind) if p.endswith(".html"))


def compare(old: Manifest | None, new: Manifest) -> Changes:
    before = old.entries if old else {}
    added = tuple(sorted(p for p in new.entries if p not in before))
    changed = tuple(sorted(p for p, e in new.entries.items() if p in before and before[p].sha256 != e.sha256))
    removed = tuple(sorted(p for p in before if p not in new.entries))
    unchanged = len(new.entries) - len(added) - len(changed)
    return Changes(added, changed, removed, unchanged, sum(new.entries[p].size for p in added + changed))


def scan_build(build: Path, base_url: str = "", now: dt.datetime | None = None) -> Manifest:
    entries = {}
    for path in sorted(build.rglob("*")):
        if path.is_file():
            digest = hashlib.sha256()
            with path.open("rb") as fh:
                for chunk in iter(lambda: fh.read(1 << 20), b""):
                    digest.update(chunk)
            entries[path.relative_to(build).as_posix()] = Entry(path.stat().st_size, digest.hexdigest())
    created = (now or dt.datetime.now(dt.timezone.utc)).astimezone(dt.timezone.utc).isoformat(timespec="seconds")
    return Manifest(entries, created, base_url)
