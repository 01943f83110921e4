"""The publish operations: publish a build, roll back, list releases. Each wires the pieces:
target → backend → (lock) → state → preflight → release → switch."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Protocol

from congressgen.config import SiteConfig
from congressgen.errors import Location
from congressgen.publish.local import LocalBackend
from congressgen.publish.lock import DEFAULT_WAIT, Lock, LockOwner, this_owner
from congressgen.publish.preflight import Overrides, PublishRefused, preflight
from congressgen.publish.releases import (MANIFEST, PARTIAL_PREFIX, Changes, Manifest, Release, Switch,
                                          TargetState, compare, new_release_name, releases_to_remove, scan_build)
from congressgen.publish.ssh import SshBackend
from congressgen.publish.targets import PublishError, Target, resolve_target


class Backend(Protocol):
    shown: str

    def read_state(self, for_writing: bool) -> TargetState: ...
    def upload(self, build: Path, partial: str, manifest: Manifest, previous: Release | None) -> int: ...
    def finish(self, partial: str, name: str, manifest_json: str, remove: list[str], history_line: str) -> None: ...
    def switch(self, name: str, history_line: str) -> None: ...
    def discard(self, partial: str) -> None: ...
    def try_lock(self, owner_json: str) -> str | None: ...
    def unlock(self, token: str) -> None: ...
    def break_lock(self) -> str | None: ...


def backend_for(target: Target) -> Backend:
    remote = target.remote
    if remote:
        return SshBackend(remote[0], remote[1], target.ssh_options)
    return LocalBackend(Path(target.location).expanduser())


@dataclass(frozen=True)
class LockOptions:
    wait: float = DEFAULT_WAIT           # seconds to wait for another publish to finish
    break_lock: bool = False             # remove a lock left by a publish that was killed
    notify: Callable[[str], None] | None = field(default=None, compare=False)


@dataclass(frozen=True)
class PublishOptions:
    target: str
    source: Path = Path(".")
    output: Path | None = None
    dry_run: bool = False
    keep: int | None = None
    overrides: Overrides = Overrides()
    ssh_options: tuple[str, ...] = ()
    lock: LockOptions = LockOptions()

    @property
    def build_dir(self) -> Path:
        return self.output or self.source / "build"


@dataclass
class PublishResult:
    target: Target
    release: str
    previous: str | None             # the release live before: where --rollback now goes
    changes: Changes
    manifest: Manifest
    bytes_sent: int
    removed: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    dry_run: bool = False
    broken_lock: LockOwner | None = None


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


def _switch_line(action: str, name: str, previous: str | None, owner: LockOwner) -> str:
    return Switch(action, name, previous, owner.time, f"{owner.user}@{owner.host}").to_json()


def publish(options: PublishOptions, config: SiteConfig, now: dt.datetime | None = None) -> PublishResult:
    """Publish the build to the target as a new release. Raises PublishRefused / PublishError
    before anything on the target changes; the live site switches only once the release is whole.
    The target is locked from reading its state to the switch, so concurrent publishes queue."""
    build = options.build_dir
    _check_build_folder(build)
    target = resolve_target(options.target, config, options.keep, options.ssh_options)
    _check_not_nested(build, target)
    backend = backend_for(target)
    state = backend.read_state(for_writing=not options.dry_run)     # a bad target fails first, and fast
    refused, notes, built = preflight(build, config, target, options.overrides)
    if refused:
        raise PublishRefused(refused)
    now = now or dt.datetime.now(dt.timezone.utc)
    manifest = scan_build(build, built.base_url if built else "", now)
    if options.dry_run:
        return _result(target, state, manifest, now, notes, dry_run=True)
    if options.overrides.unreviewed and built is not None and built.unreviewed:
        from congressgen.review import log_override
        log_override(config.root, f"publish {target.label}", "--allow-unreviewed", list(built.unreviewed))
    owner = this_owner("publish", now)
    with Lock(backend, owner, options.lock.wait, options.lock.break_lock, options.lock.notify) as lock:
        state = backend.read_state(for_writing=True)             # as it is now that it is ours
        result = _result(target, state, manifest, now, notes)
        result.broken_lock = lock.broken
        partial = PARTIAL_PREFIX + result.release
        try:
            result.bytes_sent = backend.upload(build, partial, manifest, state.release(state.current))
            backend.finish(partial, result.release, manifest.to_json(result.release), result.removed,
                           _switch_line("publish", result.release, state.current, owner))
        except BaseException:
            backend.discard(partial)
            raise
    if built is not None:
        record_published(config.root, built.addresses)
    return result


def record_published(root: Path, addresses) -> None:
    """After a release went live: its reports' addresses into the site's addresses.json."""
    from congressgen.model.ledger import Published, load_ledger, recorded, save_ledger

    save_ledger(root, recorded(load_ledger(root), [Published(*row) for row in addresses]))


def _result(target: Target, state: TargetState, manifest: Manifest, now: dt.datetime, notes: list[str],
            dry_run: bool = False) -> PublishResult:
    live = state.release(state.current)
    name = new_release_name(state, now)
    changes = compare(live.manifest if live else None, manifest)
    notes = list(notes)
    if live is not None and live.manifest is None:
        notes.append(f"当前版本 {live.name} 缺少 {MANIFEST}，本次将完整上传")
    return PublishResult(target, name, state.current, changes, manifest, changes.new_bytes,
                         releases_to_remove(state, name, target.keep), notes, dry_run)


@dataclass(frozen=True)
class RollbackResult:
    target: Target
    previous: str       # the release that was live
    release: str        # the release now live
    dry_run: bool = False
    broken_lock: LockOwner | None = None


def _rollback_target(target: Target, state: TargetState) -> Release:
    if state.current is None:
        raise PublishError(Location(target.location), "目标上还没有由 congressgen 发布的网站，无法回退")
    before = state.previous()
    if before is None:
        raise PublishError(Location(target.location),
                           f"没有比当前版本 {state.current} 更早的版本可回退（只保留了最近 {len(state.releases)} 个版本）")
    return before


def rollback(spec: str, config: SiteConfig | None, ssh_options: tuple[str, ...] = (),
             dry_run: bool = False, lock: LockOptions = LockOptions()) -> RollbackResult:
    """Switch back to the release that was live before the live one (by the target's history)."""
    target = resolve_target(spec, config, ssh_options=ssh_options)
    backend = backend_for(target)
    state = backend.read_state(for_writing=not dry_run)
    before = _rollback_target(target, state)
    if dry_run:
        return RollbackResult(target, state.current, before.name, True)
    owner = this_owner("rollback")
    with Lock(backend, owner, lock.wait, lock.break_lock, lock.notify) as held:
        state = backend.read_state(for_writing=True)
        before = _rollback_target(target, state)
        backend.switch(before.name, _switch_line("rollback", before.name, state.current, owner))
    return RollbackResult(target, state.current, before.name, False, held.broken)


def list_releases(spec: str, config: SiteConfig | None,
                  ssh_options: tuple[str, ...] = ()) -> tuple[Target, TargetState]:
    target = resolve_target(spec, config, ssh_options=ssh_options)
    return target, backend_for(target).read_state(for_writing=False)
