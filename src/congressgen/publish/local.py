"""The local backend: a target folder on this machine (or a mounted share)."""

from __future__ import annotations

import errno
import os
import shutil
from pathlib import Path, PurePosixPath

from congressgen.errors import Location
from congressgen.publish.lock import LOCK_DIR, OWNER_FILE
from congressgen.publish.releases import (CURRENT, HISTORY, MANIFEST, PARTIAL_PREFIX, RELEASE_NAME, RELEASES,
                                          SITE_DIR, Manifest, Release, TargetState, parse_history, parse_releases,
                                          release_of_link, site_link)
from congressgen.publish.switching import switch_current
from congressgen.publish.targets import PublishError


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
        try:
            history = (root / HISTORY).read_text(encoding="utf-8", errors="replace")
        except OSError:
            history = None
        return TargetState(parse_releases(found), release_of_link(link), link, parse_history(history))

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

    def finish(self, partial: str, name: str, manifest_json: str, remove: list[str], history_line: str) -> None:
        releases = self.root / RELEASES
        try:
            (releases / partial / MANIFEST).write_text(manifest_json, encoding="utf-8")
            os.rename(releases / partial, releases / name)
        except OSError as exc:
            raise _os_error(self.shown, exc) from None
        self.switch(name, history_line)
        for old in remove:
            shutil.rmtree(releases / old, ignore_errors=True)

    def switch(self, name: str, history_line: str) -> None:
        try:
            switch_current(self.root, site_link(name))
        except OSError as exc:
            raise _os_error(self.shown, exc) from None
        try:   # the switch is done: a history line that cannot be written is inferred later from `current`
            with (self.root / HISTORY).open("a", encoding="utf-8", newline="\n") as log:
                log.write(history_line + "\n")
        except OSError:
            pass

    # --- the lock (lock.py) ---------------------------------------------------------------

    def try_lock(self, owner_json: str) -> str | None:
        folder = self.root / LOCK_DIR
        try:
            folder.mkdir()
        except FileExistsError:
            try:
                return (folder / OWNER_FILE).read_text(encoding="utf-8")
            except OSError:
                return ""
        except OSError as exc:
            raise _os_error(self.shown, exc) from None
        try:
            (folder / OWNER_FILE).write_text(owner_json, encoding="utf-8")
        except OSError as exc:
            shutil.rmtree(folder, ignore_errors=True)
            raise _os_error(self.shown, exc) from None
        return None

    def unlock(self, token: str) -> None:
        folder = self.root / LOCK_DIR
        try:
            held = (folder / OWNER_FILE).read_text(encoding="utf-8")
        except OSError:
            return
        if token in held:          # never remove a lock someone else took after --break-lock
            shutil.rmtree(folder, ignore_errors=True)

    def break_lock(self) -> str | None:
        folder = self.root / LOCK_DIR
        if not folder.is_dir():
            return None
        try:
            held = (folder / OWNER_FILE).read_text(encoding="utf-8")
        except OSError:
            held = ""
        shutil.rmtree(folder, ignore_errors=True)
        return held

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
