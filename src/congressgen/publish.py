"""Publish stage: put a built site on the web server as a new release, switched atomically.

A target is a local or mounted folder, or `user@host:/path` reached with the system `ssh` and
`rsync`. Its layout:

    TARGET/current -> releases/<id>/site     the web server's document root (a symlink)
    TARGET/releases/<id>/site/               one complete copy of a built site
    TARGET/releases/<id>/release.json        its manifest: every file's size and SHA-256,
                                             kept beside site/ so the web server never serves it

<id> is `<UTC time>-<n>`, n counting publishes on that target. Files unchanged since the live
release are hard links to it (os.link locally, rsync --link-dest over SSH), so publishing one
changed report moves kilobytes. A release is written under a dot-name and renamed into place
when complete; `current` is then replaced by rename(2) of a fresh symlink, so every request
sees one whole release, old or new, and a failed publish leaves the live site as it was.

Windows cannot replace a directory link in one rename; there `switch_current` falls back to two
renames (documented in docs/publish.md), leaving a window of microseconds with no `current`.
"""

from __future__ import annotations

import datetime as dt
import errno
import hashlib
import json
import os
import re
import shlex
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Callable, Protocol

from congressgen import __version__
from congressgen.config import CONFIG_FILE, SiteConfig, normalise_base_url, suggest
from congressgen.errors import BuildFailed, CongressError, ConfigError, Diagnostic, Location
from congressgen.yamlsrc import nested_key_position

CURRENT = "current"
RELEASES = "releases"
SITE_DIR = "site"
MANIFEST = "release.json"
PARTIAL_PREFIX = ".partial-"
DEFAULT_KEEP = 5
RELEASE_NAME = re.compile(r"^(\d{8}T\d{6}Z)-(\d+)$")
TIME_FORMAT = "%Y%m%dT%H%M%SZ"
# Options every ssh call gets after the site's own: never prompt (a publish must not hang on a
# password question) and give up quickly on an unreachable host.
SSH_DEFAULTS = ("-o", "BatchMode=yes", "-o", "ConnectTimeout=10")
TARGET_KEYS = {"path": "目标位置", "base_url": "网址", "keep": "保留版本数", "ssh_options": "ssh 参数"}


class PublishError(CongressError):
    """A target that cannot be published to; raised before the live site is touched."""


# ---------------------------------------------------------------------------------------
# Targets


@dataclass(frozen=True)
class Target:
    location: str                  # a local path, or user@host:/path
    name: str = ""                 # the name in congressgen.yaml's publish section, if any
    base_url: str = ""             # the URL the site is served at there; builds must match it
    keep: int = DEFAULT_KEEP
    ssh_options: tuple[str, ...] = ()

    @property
    def remote(self) -> tuple[str, str] | None:
        """(user@host, /absolute/path) for an SSH target, None for a local folder."""
        return split_remote(self.location)

    @property
    def label(self) -> str:
        return f"{self.name}（{self.location}）" if self.name else self.location


def split_remote(location: str) -> tuple[str, str] | None:
    # `C:\www` is a Windows drive, not a host called C.
    match = re.match(r"^((?:[^@:/\\\s]+@)?[^@:/\\\s]{2,}):(.*)$", location)
    return (match.group(1), match.group(2)) if match else None


def _config_location(config: SiteConfig, *keys: str) -> Location:
    try:
        text = (config.root / CONFIG_FILE).read_bytes().decode("utf-8-sig").replace("\r\n", "\n")
    except (OSError, UnicodeDecodeError):
        return Location(config.path)
    line, col = nested_key_position(text, ("publish", *keys)) or (0, 0)
    return Location(config.path, line, col)


def _ssh_options(value, where: Location) -> tuple[str, ...]:
    if isinstance(value, str):
        return tuple(shlex.split(value))
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise ConfigError(where, "ssh_options 应为文字（如 \"-p 2222 -i ~/.ssh/publish_key\"）或文字列表")


def parse_target(name: str, value, config: SiteConfig) -> Target:
    """One entry of `publish:` in congressgen.yaml, validated; errors name the line."""
    where = _config_location(config, name)
    if isinstance(value, str):
        value = {"path": value}
    if not isinstance(value, dict):
        raise ConfigError(where, f"发布目标 “{name}” 应写成 {{path: /srv/www/rd, base_url: https://…/}}")
    for key in value:
        if key not in TARGET_KEYS:
            raise ConfigError(_config_location(config, name, str(key)),
                              f"发布目标 “{name}” 中有未知的配置项 “{key}”{suggest(str(key), TARGET_KEYS)}"
                              f"（可用：{'、'.join(TARGET_KEYS)}）")
    path = value.get("path")
    if not isinstance(path, str) or not path.strip():
        raise ConfigError(where, f"发布目标 “{name}” 缺少 path（本机目录，或 用户@服务器:/目录）")
    remote = split_remote(path)
    if remote and not remote[1].startswith("/"):
        raise ConfigError(_config_location(config, name, "path"),
                          f"服务器上的目录须写绝对路径，如 {remote[0]}:/srv/www/rd，而不是 “{path}”")
    base_url = ""
    if value.get("base_url") is not None:
        if not isinstance(value["base_url"], str):
            raise ConfigError(_config_location(config, name, "base_url"), "base_url 应为网址")
        base_url = normalise_base_url(value["base_url"], _config_location(config, name, "base_url"))
    keep = value.get("keep", DEFAULT_KEEP)
    if not isinstance(keep, int) or isinstance(keep, bool) or keep < 1:
        raise ConfigError(_config_location(config, name, "keep"), f"keep 应为不小于 1 的整数，实际写的是 {keep!r}")
    options = _ssh_options(value["ssh_options"], _config_location(config, name, "ssh_options")) \
        if value.get("ssh_options") is not None else ()
    return Target(path, name, base_url, keep, options)


def parse_targets(config: SiteConfig) -> dict[str, Target]:
    return {str(name): parse_target(str(name), value, config) for name, value in (config.publish or {}).items()}


def resolve_target(spec: str, config: SiteConfig | None, keep: int | None = None,
                   ssh_options: tuple[str, ...] = ()) -> Target:
    """A named target from congressgen.yaml wins over a folder of the same name."""
    targets = parse_targets(config) if config else {}
    if spec in targets:
        target = targets[spec]
    else:
        remote = split_remote(spec)
        if remote and not remote[1].startswith("/"):
            raise PublishError(Location(spec), f"服务器上的目录须写绝对路径，如 {remote[0]}:/srv/www/rd")
        target = Target(spec)
    if keep is not None:
        target = Target(target.location, target.name, target.base_url, keep, target.ssh_options)
    if ssh_options:
        target = Target(target.location, target.name, target.base_url, target.keep,
                        tuple(ssh_options) + target.ssh_options)
    return target


# ---------------------------------------------------------------------------------------
# Manifests and releases


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
class TargetState:
    releases: tuple[Release, ...]        # oldest first
    current: str | None                  # the release `current` points to
    current_link: str | None = None      # the link text as found

    def release(self, name: str | None) -> Release | None:
        return next((r for r in self.releases if r.name == name), None)

    def previous(self) -> Release | None:
        """The newest release older than the live one: where --rollback goes."""
        live = self.release(self.current)
        if live is None:
            return None
        older = [r for r in self.releases if r.number < live.number]
        return older[-1] if older else None


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
    number = max((r.number for r in state.releases), default=0) + 1
    return f"{now.astimezone(dt.timezone.utc).strftime(TIME_FORMAT)}-{number}"


def releases_to_remove(state: TargetState, new_name: str, keep: int) -> list[str]:
    """Everything beyond the newest `keep` releases, the new one included; never the new one."""
    names = [r.name for r in state.releases if r.name != new_name] + [new_name]
    names.sort(key=lambda n: int(RELEASE_NAME.match(n).group(2)), reverse=True)
    return [n for n in names[keep:] if n != new_name]


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


# ---------------------------------------------------------------------------------------
# Checks before publishing


@dataclass(frozen=True)
class Overrides:
    stale: bool = False
    check_errors: bool = False
    drafts: bool = False
    base_url: bool = False
    unreviewed: bool = False


@dataclass(frozen=True)
class Refusal:
    reason: str          # the Overrides field that lets it through
    flag: str            # the option that overrides it
    message: str


class PublishRefused(Exception):
    def __init__(self, refusals: list[Refusal]):
        self.refusals = refusals
        super().__init__("\n".join(r.message for r in refusals))


Checker = Callable[[Path], "list[Diagnostic] | None"]


def site_check_errors(source: Path) -> list[Diagnostic] | None:
    """Error-level findings of `congressgen check` on the site. Review findings are left to the
    publish's own 三审三校 gate, which has its own override (--allow-unreviewed)."""
    from congressgen.check import run_check
    from congressgen.config import load_config

    config, _ = load_config(source)
    outcome = run_check(config)
    return [f.diagnostic() for f in outcome.findings
            if f.severity == "error" and not f.rule.startswith("review-")]


def _skipped(name: str) -> bool:
    return name.startswith(".") or name.endswith("~") or name.endswith((".swp", ".tmp"))


def newest_source(config: SiteConfig) -> tuple[Path, int] | None:
    """The most recently modified input of a build: config, content/, themes/, static/, data/."""
    root = config.root
    candidates = [root / CONFIG_FILE]
    for folder in (config.content_dir, "themes", config.static_dir, config.data_dir):
        base = root / folder
        if base.is_dir():
            for dirpath, dirnames, filenames in os.walk(base):
                dirnames[:] = [d for d in dirnames if not _skipped(d)]
                candidates.extend(Path(dirpath) / f for f in filenames if not _skipped(f))
    newest = None
    for path in candidates:
        try:
            mtime = path.stat().st_mtime_ns
        except OSError:
            continue
        if newest is None or mtime > newest[1]:
            newest = (path, mtime)
    return newest


def build_time(build: Path) -> int:
    """When the build last wrote, in ns. Files kept from a previous build keep their old mtimes,
    but every folder of a build is new (the output stage swaps in a fresh tree), so the newest
    mtime of any file or folder is the time the build ran."""
    newest = build.stat().st_mtime_ns
    for dirpath, dirnames, filenames in os.walk(build):
        for name in dirnames + filenames:
            try:
                newest = max(newest, (Path(dirpath) / name).stat().st_mtime_ns)
            except OSError:
                pass
    return newest


def built_base_url(build: Path) -> str | None:
    """The base_url a build was made with: the home page's canonical link, else the sitemap."""
    for name, pattern in (("index.html", r'<link\s+rel="canonical"\s+href="([^"]+)"'),
                          ("sitemap.xml", r"<loc>([^<]+)</loc>")):
        try:
            text = (build / name).read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        match = re.search(pattern, text)
        if match:
            return match.group(1).replace("&amp;", "&")
    return None


def draft_pages(config: SiteConfig) -> list[tuple[str, str]]:
    """(source, site path) of each draft report, located by the same stages the build uses."""
    from congressgen.compile import compile_report
    from congressgen.content import find_sources, parse_source, read_source
    from congressgen.markdown import BodyRenderer
    from congressgen.loading import site_model

    renderer = BodyRenderer()
    drafts = []
    for path in find_sources(config.content_path):
        shown = path.relative_to(config.root).as_posix()
        rel = path.relative_to(config.content_path).parts
        raw = path.read_bytes()
        fm, _ = parse_source(read_source(raw, shown)[0], config)
        if fm.draft:
            drafts.append(compile_report(raw, shown, rel[0] if len(rel) > 1 else "", config, renderer))
    if not drafts:
        return []
    site = site_model(drafts, config, drafts=True, data=False)
    return [(r.source, r.path) for r in site.reports]


def unreviewed_reports(config: SiteConfig) -> list[Diagnostic]:
    """三审三校: published reports lacking a required stage or changed after one."""
    from congressgen import review
    from congressgen.compile import compile_all

    policy = review.ReviewPolicy.from_config(config.review, Location(config.path))
    if not policy.required:
        return []
    try:
        compiled, _ = compile_all(config)
    except BuildFailed as exc:
        return [d for d in exc.diagnostics if d.severity == "error"]
    return review.gate(compiled, policy)


def address_refusals(build: Path, config: SiteConfig) -> list[Refusal]:
    """A release may not drop an address the site has published (addresses.json) without a
    redirect or a withdrawal notice; there is no override (docs/document-life.md)."""
    from congressgen.model.ledger import dropped_refusals

    return [Refusal("dropped_address", "", message) for message in dropped_refusals(build, config.root)]


def record_addresses(config: SiteConfig) -> None:
    """After a release went live: every published report's address into addresses.json."""
    from congressgen.cache import BuildCache
    from congressgen.loading import load_site
    from congressgen.model.ledger import load_ledger, recorded, save_ledger

    site = load_site(config, data=False, related=False, cache=BuildCache(config.root / config.cache_dir)).site
    save_ledger(config.root, recorded(load_ledger(config.root), site.reports))


def _local_time(ns: int) -> str:
    return dt.datetime.fromtimestamp(ns / 1e9).strftime("%Y-%m-%d %H:%M:%S")


def preflight(build: Path, config: SiteConfig, target: Target, overrides: Overrides,
              checker: Checker = site_check_errors) -> tuple[list[Refusal], list[str]]:
    """Why this build must not go to this target (unless overridden), and notes to show."""
    refusals: list[Refusal] = []
    notes: list[str] = []

    newest = newest_source(config)
    built = build_time(build)
    if newest and newest[1] > built:
        shown = newest[0].relative_to(config.root).as_posix()
        refusals.append(Refusal("stale", "--allow-stale",
                                f"构建结果早于网站内容：{shown} 修改于 {_local_time(newest[1])}，"
                                f"而 {build} 生成于 {_local_time(built)}。请先运行 congressgen build 重新生成"))

    if overrides.check_errors:
        notes.append("已按 --allow-check-errors 跳过内容检查")
    else:
        errors = checker(config.root)
        if errors is None:
            notes.append("未安装内容检查（congressgen check），本次发布未做检查")
        elif errors:
            listed = "；".join(str(d) for d in errors[:3]) + ("……" if len(errors) > 3 else "")
            refusals.append(Refusal("check_errors", "--allow-check-errors",
                                    f"congressgen check 发现 {len(errors)} 处错误：{listed}。请修正并重新构建"))

    try:
        drafts = [(src, path) for src, path in draft_pages(config) if (build / path).is_file()]
    except (CongressError, BuildFailed) as exc:
        drafts = []
        notes.append(f"无法检查草稿（网站内容有错误：{str(exc).splitlines()[0]}）")
    if drafts:
        listed = "、".join(src for src, _ in drafts[:5])
        refusals.append(Refusal("drafts", "--allow-drafts",
                                f"构建结果中包含 {len(drafts)} 篇草稿（{listed}），像是用 --drafts 生成的。"
                                "请不加 --drafts 重新运行 congressgen build"))

    unreviewed = unreviewed_reports(config)
    if unreviewed:
        listed = "；".join(str(d) for d in unreviewed[:3]) + ("……" if len(unreviewed) > 3 else "")
        refusals.append(Refusal("unreviewed", "--allow-unreviewed",
                                f"{len(unreviewed)} 处三审三校问题：{listed}"))

    expected = target.base_url or config.base_url
    found = built_base_url(build)
    if found is None:
        notes.append("无法从构建结果中读出网址（index.html 无 canonical 链接），未核对 base_url")
    elif found.rstrip("/") != expected.rstrip("/"):
        whose = f"发布目标 {target.name} 配置的网址" if target.base_url else "congressgen.yaml 中的 base_url"
        refusals.append(Refusal("base_url", "--allow-base-url",
                                f"构建使用的网址是 {found}，而{whose}是 {expected}。"
                                f"请运行 congressgen build --base-url {expected} 重新生成"))

    refusals += address_refusals(build, config)
    refused = [r for r in refusals if not getattr(overrides, r.reason, False)]
    for r in refusals:
        if r not in refused:
            notes.append(f"已按 {r.flag} 忽略：{r.message}")
    return refused, notes


# ---------------------------------------------------------------------------------------
# Switching `current`


def switch_symlink(root: Path, link_text: str) -> None:
    """Point root/current at link_text by renaming a fresh symlink over it: atomic on POSIX."""
    temporary = root / f".{CURRENT}.tmp-{os.getpid()}"
    if temporary.is_symlink() or temporary.exists():
        temporary.unlink()
    os.symlink(link_text, temporary, target_is_directory=True)
    os.replace(temporary, root / CURRENT)


def _remove_link(path: Path) -> None:
    try:
        path.unlink()
    except (IsADirectoryError, PermissionError):
        os.rmdir(path)               # a Windows junction or directory symlink


def switch_by_rename(root: Path, link_text: str, make_link: Callable[[str, Path], None]) -> None:
    """Two-rename swap for systems that cannot rename a link over a directory link (Windows).

    Between the two renames `current` does not exist: requests in those microseconds get 404.
    """
    fresh, retired, live = root / f".{CURRENT}.new", root / f".{CURRENT}.old", root / CURRENT
    for leftover in (fresh, retired):
        if leftover.is_symlink() or leftover.exists():
            _remove_link(leftover)
    make_link(link_text, fresh)
    if live.is_symlink() or live.exists():
        os.rename(live, retired)
    os.rename(fresh, live)
    if retired.is_symlink() or retired.exists():
        _remove_link(retired)


def _windows_link(link_text: str, at: Path) -> None:
    """A directory symlink when allowed (admin or developer mode), else a junction (no rights needed)."""
    try:
        os.symlink(link_text, at, target_is_directory=True)
    except OSError:
        import _winapi  # type: ignore[import-not-found]

        _winapi.CreateJunction(str((at.parent / link_text).resolve()), str(at))


def switch_current(root: Path, link_text: str) -> None:
    if os.name == "nt":
        switch_by_rename(root, link_text, _windows_link)
    else:
        switch_symlink(root, link_text)


def _site_link(name: str) -> str:
    return f"{RELEASES}/{name}/{SITE_DIR}"


# ---------------------------------------------------------------------------------------
# Backends: a local folder and an SSH host


class Backend(Protocol):
    def read_state(self, for_writing: bool) -> TargetState: ...
    def upload(self, build: Path, partial: str, manifest: Manifest, previous: Release | None) -> int: ...
    def finish(self, partial: str, name: str, manifest_json: str, remove: list[str]) -> None: ...
    def switch(self, name: str) -> None: ...
    def discard(self, partial: str) -> None: ...


def _os_error(where: str, exc: OSError) -> PublishError:
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return PublishError(Location(where), f"没有写入权限（或目录只读）：{exc.filename or where}。"
                                             "请用有权限的账号发布，或请管理员开放该目录的写权限")
    if exc.errno == errno.ENOSPC:
        return PublishError(Location(where), "目标磁盘空间不足，发布未完成")
    return PublishError(Location(where), f"写入失败：{exc.strerror or exc}（{exc.filename or where}）")


class LocalBackend:
    def __init__(self, root: Path):
        self.root = root
        self.shown = str(root)

    def read_state(self, for_writing: bool) -> TargetState:
        root = self.root
        if not root.exists():
            hint = "" if len(root.parts) > 1 else \
                f"。若 {root} 是 congressgen.yaml 中发布目标的名称，请在网站目录中运行或加 --source 网站目录"
            raise PublishError(Location(self.shown), f"目标目录不存在：{root}。请检查路径；"
                                                     f"congressgen 不会自动创建网站根目录，以免发布到写错的位置{hint}")
        if not root.is_dir():
            raise PublishError(Location(self.shown), f"目标不是目录：{root}")
        current = root / CURRENT
        try:
            link = os.readlink(current)
        except FileNotFoundError:
            link = None
        except OSError:
            raise PublishError(Location(str(current)),
                               f"{current} 是普通目录而不是 congressgen 管理的链接；请先将它改名（如 current.bak），"
                               "再发布，并把网站服务器的根目录设为该链接") from None
        if for_writing:
            for folder in (root, root / RELEASES):
                if folder.exists() and not os.access(folder, os.W_OK):
                    raise _os_error(self.shown, PermissionError(errno.EACCES, "Permission denied", str(folder)))
        releases_dir = root / RELEASES
        found: list[tuple[str, str | None]] = []
        if releases_dir.is_dir():
            for child in releases_dir.iterdir():
                if child.is_dir() and RELEASE_NAME.match(child.name):
                    try:
                        text = (child / MANIFEST).read_text(encoding="utf-8")
                    except OSError:
                        text = None
                    found.append((child.name, text))
        return TargetState(parse_releases(found), release_of_link(link), link)

    def upload(self, build: Path, partial: str, manifest: Manifest, previous: Release | None) -> int:
        releases = self.root / RELEASES
        try:
            _folder(releases)
            for leftover in releases.glob(PARTIAL_PREFIX + "*"):   # from a publish that was interrupted
                shutil.rmtree(leftover, ignore_errors=True)
            _folder(releases / partial)
            site = _folder(releases / partial / SITE_DIR)
            old_site = releases / previous.name / SITE_DIR if previous and previous.manifest else None
            by_hash = {e.sha256: p for p, e in previous.manifest.entries.items()} if old_site else {}
            made = {site}
            sent = 0
            for path, entry in manifest.entries.items():
                target = site / path
                for folder in reversed(target.parents[:len(PurePosixPath(path).parts) - 1]):
                    if folder not in made:
                        made.add(_folder(folder))
                same = by_hash.get(entry.sha256)
                if same is not None and _hard_link(old_site / same, target, entry.size):
                    continue
                shutil.copyfile(build / path, target)
                os.chmod(target, 0o644)     # readable by the web server whatever the build's umask
                sent += entry.size
            return sent
        except OSError as exc:
            raise _os_error(self.shown, exc) from None

    def finish(self, partial: str, name: str, manifest_json: str, remove: list[str]) -> None:
        releases = self.root / RELEASES
        try:
            (releases / partial / MANIFEST).write_text(manifest_json, encoding="utf-8")
            os.rename(releases / partial, releases / name)
            self.switch(name)
        except OSError as exc:
            raise _os_error(self.shown, exc) from None
        for old in remove:
            shutil.rmtree(releases / old, ignore_errors=True)

    def switch(self, name: str) -> None:
        try:
            switch_current(self.root, _site_link(name))
        except OSError as exc:
            raise _os_error(self.shown, exc) from None

    def discard(self, partial: str) -> None:
        shutil.rmtree(self.root / RELEASES / partial, ignore_errors=True)


def _folder(path: Path) -> Path:
    """A folder the web server can read and traverse, whatever the publishing account's umask."""
    path.mkdir(exist_ok=True)
    os.chmod(path, 0o755)
    return path


def _hard_link(existing: Path, target: Path, size: int) -> bool:
    """Share the previous release's copy of an unchanged file; False when that cannot be done."""
    try:
        if existing.stat().st_size != size:
            return False
        os.link(existing, target)
        return True
    except OSError:
        return False


class SshBackend:
    """The same layout on a server, driven by the system ssh and rsync (GNU coreutils on the server)."""

    def __init__(self, host: str, path: str, options: tuple[str, ...]):
        self.host, self.path = host, path.rstrip("/") or "/"
        self.shown = f"{host}:{self.path}"
        for tool in ("ssh", "rsync"):
            if shutil.which(tool) is None:
                raise PublishError(Location(self.shown), f"找不到 {tool} 程序；通过 SSH 发布需要本机安装 ssh 和 rsync")
        self.ssh = ["ssh", *options, *SSH_DEFAULTS]

    def _run(self, script: str, stdin: str | None = None, timeout: int = 600) -> subprocess.CompletedProcess:
        command = [*self.ssh, self.host, "sh -c " + shlex.quote(script)]
        try:
            done = subprocess.run(command, input=stdin, capture_output=True, text=True, encoding="utf-8",
                                  errors="replace", timeout=timeout)
        except subprocess.TimeoutExpired:
            raise PublishError(Location(self.shown), f"连接 {self.host} 超时") from None
        if done.returncode == 255:
            raise self._unreachable(done.stderr)
        return done

    def _unreachable(self, stderr: str) -> PublishError:
        detail = stderr.strip().splitlines()[-1] if stderr.strip() else "ssh 退出码 255"
        return PublishError(Location(self.shown), f"无法连接服务器 {self.host}：{detail}。"
                                                  "请检查服务器地址、端口、网络和 SSH 密钥（ssh_options）")

    def _failed(self, what: str, done: subprocess.CompletedProcess) -> PublishError:
        detail = done.stderr.strip().splitlines()[-1] if done.stderr.strip() else f"退出码 {done.returncode}"
        return PublishError(Location(self.shown), f"{what}失败：{detail}")

    def read_state(self, for_writing: bool) -> TargetState:
        q = shlex.quote
        script = "\n".join([
            f"cd {q(self.path)} 2>/dev/null || exit 3",
            "if [ -e current ] && [ ! -L current ]; then exit 5; fi",
            "[ -w . ] || exit 4" if for_writing else ":",
            "[ ! -d releases ] || [ -w releases ] || exit 4" if for_writing else ":",
            "command -v rsync >/dev/null 2>&1 || exit 6" if for_writing else ":",
            "printf 'current\\t%s\\n' \"$(readlink current 2>/dev/null)\"",
            "for d in releases/*; do",
            "  [ -d \"$d\" ] || continue",
            "  printf 'release\\t%s\\t' \"${d#releases/}\"",
            f"  cat \"$d/{MANIFEST}\" 2>/dev/null",
            "  printf '\\n'",
            "done",
        ])
        done = self._run(script, timeout=120)
        messages = {
            3: f"服务器上的目标目录不存在或无法进入：{self.path}。请检查路径，或请管理员先建立该目录",
            4: f"没有写入权限：服务器上的 {self.path}。请用有权限的账号发布，或请管理员开放写权限",
            5: f"服务器上的 {self.path}/current 是普通目录而不是 congressgen 管理的链接；请先将它改名再发布",
            6: "服务器上没有安装 rsync；请管理员安装（如 apt install rsync）",
        }
        if done.returncode in messages:
            raise PublishError(Location(self.shown), messages[done.returncode])
        if done.returncode != 0:
            raise self._failed("读取服务器上的发布记录", done)
        link, found = None, []
        for line in done.stdout.splitlines():
            kind, _, rest = line.partition("\t")
            if kind == "current":
                link = rest or None
            elif kind == "release":
                name, _, text = rest.partition("\t")
                found.append((name, text or None))
        return TargetState(parse_releases(found), release_of_link(link), link)

    def upload(self, build: Path, partial: str, manifest: Manifest, previous: Release | None) -> int:
        q = shlex.quote
        releases = f"{self.path}/{RELEASES}"
        command = [
            "rsync", "--recursive", "--links", "--perms", "--checksum", "--protect-args", "--stats",
            "--no-human-readable", "--chmod=Du=rwx,Dgo=rx,Fu=rw,Fgo=r",
            # Create the release folder first, and clear partials an interrupted publish left.
            f"--rsync-path=mkdir -p {q(releases)} && rm -rf {q(releases)}/{PARTIAL_PREFIX}* "
            f"&& mkdir {q(releases + '/' + partial)} && rsync",
            "-e", shlex.join(self.ssh),
        ]
        if previous is not None:
            # With --checksum and without --times, files equal in content are linked, not sent.
            command.append(f"--link-dest={releases}/{previous.name}/{SITE_DIR}")
        command += [str(build) + "/", f"{self.host}:{releases}/{partial}/{SITE_DIR}/"]
        done = subprocess.run(command, capture_output=True, text=True, encoding="utf-8", errors="replace")
        if done.returncode == 255:
            raise self._unreachable(done.stderr)
        if done.returncode != 0:
            self.discard(partial)
            raise self._failed("rsync 上传", done)
        match = re.search(r"Total bytes sent:\s*([\d,.]+)", done.stdout)
        return int(re.sub(r"\D", "", match.group(1))) if match else manifest.bytes

    def finish(self, partial: str, name: str, manifest_json: str, remove: list[str]) -> None:
        q = shlex.quote
        script = "\n".join([
            "set -e",
            f"cd {q(self.path)}",
            f"cat > {RELEASES}/{partial}/{MANIFEST}",
            f"mv -T {RELEASES}/{partial} {RELEASES}/{name}",
            self._switch_lines(name),
            *(f"rm -rf {RELEASES}/{q(old)}" for old in remove),
        ])
        done = self._run(script, stdin=manifest_json + "\n")
        if done.returncode != 0:
            raise self._failed("在服务器上启用新版本", done)

    @staticmethod
    def _switch_lines(name: str) -> str:
        # ln -sfn makes the new link beside the old one; mv -T renames it over `current` (rename(2)).
        return f"ln -sfn {_site_link(name)} .current.tmp-$$ && mv -T .current.tmp-$$ {CURRENT}"

    def switch(self, name: str) -> None:
        done = self._run("set -e\n" f"cd {shlex.quote(self.path)}\n" + self._switch_lines(name))
        if done.returncode != 0:
            raise self._failed("在服务器上切换版本", done)

    def discard(self, partial: str) -> None:
        try:
            self._run(f"rm -rf {shlex.quote(self.path)}/{RELEASES}/{partial}", timeout=60)
        except PublishError:
            pass


def backend_for(target: Target) -> Backend:
    remote = target.remote
    if remote:
        return SshBackend(remote[0], remote[1], target.ssh_options)
    return LocalBackend(Path(target.location).expanduser())


# ---------------------------------------------------------------------------------------
# The operations


@dataclass(frozen=True)
class PublishOptions:
    target: str
    source: Path = Path(".")
    output: Path | None = None
    dry_run: bool = False
    keep: int | None = None
    overrides: Overrides = Overrides()
    ssh_options: tuple[str, ...] = ()

    @property
    def build_dir(self) -> Path:
        return self.output or self.source / "build"


@dataclass
class PublishResult:
    target: Target
    release: str
    previous: str | None
    changes: Changes
    manifest: Manifest
    bytes_sent: int
    removed: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    dry_run: bool = False


def _check_build_folder(build: Path) -> None:
    if not build.is_dir():
        raise PublishError(Location(str(build)), f"找不到构建结果 {build}；请先运行 congressgen build")
    if not (build / "index.html").is_file():
        raise PublishError(Location(str(build)), f"{build} 中没有 index.html，不像是 congressgen build 生成的网站")


def _check_not_nested(build: Path, target: Target) -> None:
    if target.remote:
        return
    here, there = build.resolve(), Path(target.location).expanduser().resolve()
    if here.is_relative_to(there) or there.is_relative_to(here):
        raise PublishError(Location(target.location), "发布目标不能是构建目录本身、其中的目录或其上级目录")


def publish(options: PublishOptions, config: SiteConfig, checker: Checker = site_check_errors,
            now: dt.datetime | None = None) -> PublishResult:
    """Publish the build to the target as a new release. Raises PublishRefused / PublishError
    before anything on the target changes; the live site switches only once the release is whole."""
    build = options.build_dir
    _check_build_folder(build)
    target = resolve_target(options.target, config, options.keep, options.ssh_options)
    _check_not_nested(build, target)
    backend = backend_for(target)
    state = backend.read_state(for_writing=not options.dry_run)     # a bad target fails first, and fast
    refused, notes = preflight(build, config, target, options.overrides, checker)
    if refused:
        raise PublishRefused(refused)
    if options.overrides.unreviewed and not options.dry_run:
        problems = unreviewed_reports(config)
        if problems:
            from congressgen.review import log_override
            log_override(config.root, f"publish {target.label}", "--allow-unreviewed", problems)
    now = now or dt.datetime.now(dt.timezone.utc)
    manifest = scan_build(build, built_base_url(build) or "", now)
    live = state.release(state.current)
    name = new_release_name(state, now)
    changes = compare(live.manifest if live else None, manifest)
    remove = releases_to_remove(state, name, target.keep)
    if live is not None and live.manifest is None:
        notes.append(f"当前版本 {live.name} 缺少 {MANIFEST}，本次将完整上传")
    if options.dry_run:
        return PublishResult(target, name, state.current, changes, manifest, changes.new_bytes, remove, notes, True)
    partial = PARTIAL_PREFIX + name
    try:
        sent = backend.upload(build, partial, manifest, live)
        backend.finish(partial, name, manifest.to_json(name), remove)
    except BaseException:
        backend.discard(partial)
        raise
    record_addresses(config)
    return PublishResult(target, name, state.current, changes, manifest, sent, remove, notes)


@dataclass(frozen=True)
class RollbackResult:
    target: Target
    previous: str       # the release that was live
    release: str        # the release now live
    dry_run: bool = False


def rollback(spec: str, config: SiteConfig | None, ssh_options: tuple[str, ...] = (),
             dry_run: bool = False) -> RollbackResult:
    target = resolve_target(spec, config, ssh_options=ssh_options)
    backend = backend_for(target)
    state = backend.read_state(for_writing=not dry_run)
    if state.current is None:
        raise PublishError(Location(target.location), "目标上还没有由 congressgen 发布的网站，无法回退")
    before = state.previous()
    if before is None:
        raise PublishError(Location(target.location),
                           f"没有比当前版本 {state.current} 更早的版本可回退（只保留了最近 {len(state.releases)} 个版本）")
    if not dry_run:
        backend.switch(before.name)
    return RollbackResult(target, state.current, before.name, dry_run)


def list_releases(spec: str, config: SiteConfig | None,
                  ssh_options: tuple[str, ...] = ()) -> tuple[Target, TargetState]:
    target = resolve_target(spec, config, ssh_options=ssh_options)
    return target, backend_for(target).read_state(for_writing=False)
