"""One publish (or rollback) at a time per target: a lock folder made by mkdir(2), which is
atomic on a local disk, on NFS and over SSH alike.

    TARGET/publish.lock/owner.json     who holds it: token, user, host, pid, time, command

A second publish waits for the lock (up to `--wait` seconds), then refuses cleanly. A lock left
by a publish that was killed is never broken silently: when its owner ran on this machine and
its process is gone it is reported at once as stale, otherwise after the wait as held; either
way the message says how to clear it (`--break-lock`, an explicit act of the clerk, refused while
the owner still runs on this machine).
"""

from __future__ import annotations

import datetime as dt
import getpass
import json
import os
import secrets
import socket
import time
from dataclasses import dataclass
from typing import Callable, Protocol

from congressgen.errors import Location
from congressgen.publish.targets import PublishError

LOCK_DIR = "publish.lock"
OWNER_FILE = "owner.json"
DEFAULT_WAIT = 60.0
POLL = 0.5


@dataclass(frozen=True)
class LockOwner:
    token: str
    user: str
    host: str
    pid: int
    time: str                            # ISO 8601, UTC
    command: str = "publish"

    def to_json(self) -> str:
        return json.dumps({"token": self.token, "user": self.user, "host": self.host, "pid": self.pid,
                           "time": self.time, "command": self.command}, ensure_ascii=True, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str | None) -> "LockOwner | None":
        try:
            data = json.loads(text or "")
            return cls(str(data["token"]), str(data["user"]), str(data["host"]), int(data["pid"]),
                       str(data["time"]), str(data.get("command", "publish")))
        except (ValueError, KeyError, TypeError, AttributeError):
            return None

    @property
    def shown(self) -> str:
        when = self.time
        try:
            when = dt.datetime.fromisoformat(self.time).astimezone().strftime("%Y-%m-%d %H:%M:%S")
        except ValueError:
            pass
        return f"{self.user}@{self.host} 的进程 {self.pid}（{self.command}，{when} 开始）"


def this_owner(command: str, now: dt.datetime | None = None) -> LockOwner:
    try:
        user = getpass.getuser()
    except Exception:  # no login name (some service accounts)
        user = ""
    stamp = (now or dt.datetime.now(dt.timezone.utc)).astimezone(dt.timezone.utc).isoformat(timespec="seconds")
    return LockOwner(secrets.token_hex(8), user, socket.gethostname(), os.getpid(), stamp, command)


def process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True                      # someone else's process: alive
    except OSError:
        return True
    return True


def is_stale(owner: LockOwner | None, host: str | None = None, alive: Callable[[int], bool] = process_alive) -> bool:
    """True only when the owner is known to be gone: it ran on this machine and its process has
    ended. A lock taken on another machine cannot be judged from here: never stale."""
    return owner is not None and owner.host == (host or socket.gethostname()) and not alive(owner.pid)


class LockingBackend(Protocol):
    shown: str

    def try_lock(self, owner_json: str) -> str | None:
        """Take the lock; None when taken, else the holder's owner.json text ("" if unreadable)."""

    def unlock(self, token: str) -> None: ...
    def break_lock(self) -> str | None:
        """Remove the lock whoever holds it; the owner.json text that was there (None: no lock)."""


class Lock:
    """`with Lock(backend, owner, wait):` — held for the duration of the block."""

    def __init__(self, backend: LockingBackend, owner: LockOwner, wait: float = DEFAULT_WAIT,
                 break_lock: bool = False, notify: Callable[[str], None] | None = None,
                 sleep: Callable[[float], None] = time.sleep):
        self.backend, self.owner, self.wait, self.break_lock = backend, owner, wait, break_lock
        self.notify, self.sleep = notify or (lambda message: None), sleep
        self.broken: LockOwner | None = None     # the lock --break-lock removed, for the report
        self.waited = 0.0

    def where(self) -> str:
        return f"{self.backend.shown}/{LOCK_DIR}"

    def __enter__(self) -> "Lock":
        deadline = time.monotonic() + self.wait
        told = broke = False
        while True:
            held = self.backend.try_lock(self.owner.to_json())
            if held is None:
                return self
            holder = LockOwner.from_json(held)
            if self.break_lock and not broke:
                if holder is not None and holder.host == socket.gethostname() and process_alive(holder.pid):
                    raise PublishError(Location(self.where()),
                                       f"不能清除发布锁：{holder.shown} 仍在运行。请等它结束后再发布")
                text, broke = self.backend.break_lock(), True
                if text is not None:
                    self.broken = LockOwner.from_json(text) or LockOwner("", "?", "?", 0, "?", "?")
                continue
            if is_stale(holder):
                raise PublishError(Location(self.where()),
                                   f"发布锁是被中断的发布留下的：{holder.shown} 已不在运行。"
                                   f"请确认没有其他发布在进行，再加 --break-lock 清除该锁后重新发布"
                                   f"（或手动删除 {self.where()}）")
            now = time.monotonic()
            if now >= deadline:
                who = holder.shown if holder else "（锁中没有发布者信息）"
                raise PublishError(Location(self.where()),
                                   f"另一个发布正在进行：{who}，等待 {self.wait:g} 秒后仍未结束。请稍后再试；"
                                   f"若确认该发布已中断，加 --break-lock 清除该锁（或手动删除 {self.where()}）")
            if not told:
                self.notify(f"另一个发布正在进行（{holder.shown if holder else '发布者信息尚未写入'}），等待其结束……")
                told = True
            pause = min(POLL, deadline - now)
            self.sleep(pause)
            self.waited += pause

    def __exit__(self, *exc) -> None:
        self.backend.unlock(self.owner.token)
