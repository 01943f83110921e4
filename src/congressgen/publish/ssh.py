"""The SSH backend: the same layout on a server, driven by the system ssh and rsync (GNU
coreutils on the server). Each step is one ssh call running a short sh script."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
from pathlib import Path

from congressgen.errors import Location
from congressgen.publish.lock import LOCK_DIR, OWNER_FILE
from congressgen.publish.releases import (CURRENT, HISTORY, MANIFEST, PARTIAL_PREFIX, RELEASES, SITE_DIR,
                                          Manifest, Release, TargetState, parse_history, parse_releases,
                                          release_of_link, site_link)
from congressgen.publish.targets import PublishError

# Options every ssh call gets after the site's own: never prompt (a publish must not hang on a
# password question) and give up quickly on an unreachable host.
SSH_DEFAULTS = ("-o", "BatchMode=yes", "-o", "ConnectTimeout=10")


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
            f"printf 'history\\t%s\\n' \"$(base64 -w0 {HISTORY} 2>/dev/null)\"",
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
        link, found, history = None, [], None
        for line in done.stdout.splitlines():
            kind, _, rest = line.partition("\t")
            if kind == "current":
                link = rest or None
            elif kind == "history":
                history = _unbase64(rest)
            elif kind == "release":
                name, _, text = rest.partition("\t")
                found.append((name, text or None))
        return TargetState(parse_releases(found), release_of_link(link), link, parse_history(history))

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

    def finish(self, partial: str, name: str, manifest_json: str, remove: list[str], history_line: str) -> None:
        q = shlex.quote
        script = "\n".join([
            "set -e",
            f"cd {q(self.path)}",
            f"cat > {RELEASES}/{partial}/{MANIFEST}",
            f"mv -T {RELEASES}/{partial} {RELEASES}/{name}",
            self._switch_lines(name, history_line),
            *(f"rm -rf {RELEASES}/{q(old)}" for old in remove),
        ])
        done = self._run(script, stdin=manifest_json + "\n")
        if done.returncode != 0:
            raise self._failed("在服务器上启用新版本", done)

    @staticmethod
    def _switch_lines(name: str, history_line: str) -> str:
        # ln -sfn makes the new link beside the old one; mv -T renames it over `current` (rename(2)).
        return (f"ln -sfn {site_link(name)} .current.tmp-$$ && mv -T .current.tmp-$$ {CURRENT}\n"
                f"printf '%s\\n' {shlex.quote(history_line)} >> {HISTORY} || true")

    def switch(self, name: str, history_line: str) -> None:
        done = self._run("set -e\n" f"cd {shlex.quote(self.path)}\n" + self._switch_lines(name, history_line))
        if done.returncode != 0:
            raise self._failed("在服务器上切换版本", done)

    def discard(self, partial: str) -> None:
        try:
            self._run(f"rm -rf {shlex.quote(self.path)}/{RELEASES}/{partial}", timeout=60)
        except PublishError:
            pass

    # --- the lock (lock.py): mkdir is atomic on the server too ------------------------------

    def try_lock(self, owner_json: str) -> str | None:
        script = "\n".join([
            f"cd {shlex.quote(self.path)} || exit 3",
            f"if mkdir {LOCK_DIR} 2>/dev/null; then cat > {LOCK_DIR}/{OWNER_FILE} || exit 4; exit 0; fi",
            f"cat {LOCK_DIR}/{OWNER_FILE} 2>/dev/null",
            "exit 7",
        ])
        done = self._run(script, stdin=owner_json + "\n", timeout=60)
        if done.returncode == 0:
            return None
        if done.returncode == 7:
            return done.stdout.strip()
        raise self._failed("在服务器上建立发布锁", done)

    def unlock(self, token: str) -> None:
        q = shlex.quote
        try:
            self._run(f"cd {q(self.path)} && grep -q {q(token)} {LOCK_DIR}/{OWNER_FILE} 2>/dev/null "
                      f"&& rm -rf {LOCK_DIR}; exit 0", timeout=60)
        except PublishError:
            pass

    def break_lock(self) -> str | None:
        script = (f"cd {shlex.quote(self.path)} || exit 3\n[ -d {LOCK_DIR} ] || exit 8\n"
                  f"cat {LOCK_DIR}/{OWNER_FILE} 2>/dev/null; rm -rf {LOCK_DIR}")
        done = self._run(script, timeout=60)
        if done.returncode == 8:
            return None
        if done.returncode != 0:
            raise self._failed("清除服务器上的发布锁", done)
        return done.stdout.strip()


def _unbase64(text: str) -> str | None:
    import base64
    import binascii

    try:
        return base64.b64decode(text.strip(), validate=True).decode("utf-8", errors="replace") if text.strip() else None
    except (binascii.Error, ValueError):
        return None
