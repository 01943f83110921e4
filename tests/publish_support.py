"""Helpers for the publish tests: demo-site copies that differ in a marker, a real nginx serving
TARGET/current on 127.0.0.1, and a client loop that records every response during a publish."""

from __future__ import annotations

import functools
import getpass
import os
import shutil
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
NGINX = "/usr/sbin/nginx"
DEMO_TITLE = "示例县人大常委会"
CHANGED_REPORT = "content/reports/2024-qingshan-zhuxituan.md"
CHANGED_PAGE = "reports/202401/t20240119_qingshan-zxt-2024.html"
CHANGED_FROM, CHANGED_TO = "努力建设让党放心", "努力建设让党放心（修订）"
# Pages the client loop fetches: home, a list, the article that changes, another article, the CSS.
LOOP_PATHS = ("index.html", "reports/index.html", CHANGED_PAGE,
              "reports/202501/t20250117_qingshan-zxt-2025.html", "static/css/site.css")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen, what: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with {process.returncode}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.02)
    raise RuntimeError(f"{what} did not listen on {port}")


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    from conftest import run_cli as run

    return run(*args, cwd=cwd)


def make_site(base: Path, title: str = DEMO_TITLE, extra_config: str = "") -> Path:
    """A copy of the demo site (config + content) with another site title: a marker on every page."""
    base.mkdir(parents=True)
    shutil.copytree(REPO / "content", base / "content")
    text = (REPO / "congressgen.yaml").read_text(encoding="utf-8")
    text = text.replace(f"title: {DEMO_TITLE}", f"title: {title}", 1) + extra_config
    (base / "congressgen.yaml").write_text(text, encoding="utf-8")
    return base


def change_report(site: Path) -> None:
    path = site / CHANGED_REPORT
    text = path.read_text(encoding="utf-8")
    assert CHANGED_FROM in text
    path.write_text(text.replace(CHANGED_FROM, CHANGED_TO, 1), encoding="utf-8")


def build(site: Path, *extra: str, output: Path | None = None) -> Path:
    out = output or site / "build"
    done = run_cli("build", "--source", str(site), "--output", str(out), "--quiet", *extra)
    assert done.returncode == 0, done.stderr
    return out


def release_names(target: Path) -> list[str]:
    releases = target / "releases"
    return sorted((p.name for p in releases.iterdir() if not p.name.startswith(".")),
                  key=lambda n: int(n.rsplit("-", 1)[1])) if releases.is_dir() else []


def live_release(target: Path) -> str:
    return Path(os.readlink(target / "current")).parent.name


def copied_files(old_site: Path, new_site: Path) -> dict[str, int]:
    """Files of the new release that are not hard links to the old one, with their sizes:
    what a publish really wrote, measured on disk rather than taken from its own report."""
    copied = {}
    for path in new_site.rglob("*"):
        if path.is_file():
            rel = path.relative_to(new_site)
            old = old_site / rel
            if not old.exists() or old.stat().st_ino != path.stat().st_ino:
                copied[rel.as_posix()] = path.stat().st_size
    return copied


@dataclass
class Nginx:
    """A real nginx (Debian's) serving one folder on 127.0.0.1."""

    tmp: Path
    processes: list = field(default_factory=list)

    def serve(self, root: Path) -> str:
        if not Path(NGINX).exists():
            pytest.skip("nginx not installed (the README's test command installs it)")
        port = free_port()
        conf_dir = self.tmp / f"nginx-{port}"
        conf_dir.mkdir(parents=True)
        user = "user root;" if os.geteuid() == 0 else ""
        temps = "\n".join(f"{name}_temp_path {conf_dir}/{name};" for name in
                          ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
        (conf_dir / "nginx.conf").write_text(f"""
            {user}
            daemon off;
            worker_processes 1;
            pid {conf_dir}/nginx.pid;
            error_log {conf_dir}/error.log warn;
            events {{ worker_connections 256; }}
            http {{
              include /etc/nginx/mime.types;
              access_log {conf_dir}/access.log;
              {temps}
              server {{
                listen 127.0.0.1:{port};
                root {root};
                index index.html;
              }}
            }}
            """, encoding="utf-8")
        process = subprocess.Popen([NGINX, "-p", str(conf_dir), "-c", str(conf_dir / "nginx.conf"),
                                    "-e", str(conf_dir / "error.log")],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self.processes.append(process)
        wait_for_port(port, process, "nginx")
        return f"http://127.0.0.1:{port}/"

    def stop(self) -> None:
        for process in self.processes:
            process.terminate()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()


def fetch(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, b""
    except (urllib.error.URLError, OSError) as exc:
        return -1, str(exc).encode()


@dataclass(frozen=True)
class Fetched:
    path: str
    started: float
    finished: float
    status: int
    body: bytes
    client: int


class ClientLoop:
    """Threads fetching LOOP_PATHS over and over, recording every response with its timing."""

    def __init__(self, base: str, clients: int = 3):
        self.base = base
        self.records: list[Fetched] = []
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._run, args=(n,), daemon=True) for n in range(clients)]

    def _run(self, client: int) -> None:
        while not self._stop.is_set():
            for path in LOOP_PATHS:
                started = time.monotonic()
                status, body = fetch(self.base + path)
                self.records.append(Fetched(path, started, time.monotonic(), status, body, client))

    def __enter__(self) -> "ClientLoop":
        for thread in self._threads:
            thread.start()
        time.sleep(0.2)
        return self

    def __exit__(self, *exc) -> None:
        time.sleep(0.2)
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=10)


def version_runs(records: list[Fetched], builds: dict[str, Path], client: int) -> list[str]:
    """The versions one client saw, in order, with repeats collapsed: ["old", "new"] for one clean
    switch; a client seeing old pages again after a new one means the site was a mixture."""
    runs: list[str] = []
    for record in records:
        if record.client == client and record.path.endswith(".html"):
            seen = versions_of(record, builds)
            if len(seen) == 1 and (not runs or runs[-1] != next(iter(seen))):
                runs.append(next(iter(seen)))
    return runs


@functools.lru_cache(maxsize=None)
def _file_bytes(path: Path) -> bytes:
    return path.read_bytes()


def versions_of(record: Fetched, builds: dict[str, Path]) -> set[str]:
    """Which builds a response is byte-for-byte identical to (empty: a mixture or a torn file)."""
    return {name for name, out in builds.items() if _file_bytes(out / record.path) == record.body}


SSHD = "/usr/sbin/sshd"


@pytest.fixture(scope="module")
def sshd(tmp_path_factory):
    """(user, port, ssh options) of a throwaway sshd on 127.0.0.1 that accepts one new key."""
    for tool in (SSHD, shutil.which("ssh"), shutil.which("ssh-keygen"), shutil.which("rsync")):
        if not tool or not Path(tool).exists():
            pytest.skip("openssh-server, ssh and rsync are needed (the README's test command installs them)")
    home = tmp_path_factory.mktemp("sshd")
    for key in ("host_key", "user_key"):
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(home / key)], check=True)
    shutil.copy(home / "user_key.pub", home / "authorized_keys")
    if os.geteuid() == 0:
        Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)     # sshd's privilege-separation folder
    port = free_port()
    (home / "sshd_config").write_text("\n".join([
        f"Port {port}", "ListenAddress 127.0.0.1", f"HostKey {home / 'host_key'}", f"PidFile {home / 'sshd.pid'}",
        f"AuthorizedKeysFile {home / 'authorized_keys'}", "PubkeyAuthentication yes",
        "PasswordAuthentication no", "KbdInteractiveAuthentication no", "UsePAM no", "StrictModes no",
        "PermitRootLogin prohibit-password", "LogLevel ERROR", ""]), encoding="utf-8")
    process = subprocess.Popen([SSHD, "-D", "-e", "-f", str(home / "sshd_config")],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wait_for_port(port, process, "sshd")
    options = (f"-p {port} -i {home / 'user_key'} -o StrictHostKeyChecking=no "
               "-o UserKnownHostsFile=/dev/null -o LogLevel=ERROR")
    yield getpass.getuser(), port, options
    process.terminate()
    process.wait(timeout=5)


# --- concurrent publishes ------------------------------------------------------------------


@dataclass
class Running:
    """A `congressgen` process started in the background; its output goes to files, so a test can
    read what it printed so far (`said`) while it runs."""

    process: subprocess.Popen
    out: Path
    err: Path

    def said(self, text: str) -> bool:
        return text in self.err.read_text(encoding="utf-8", errors="replace")

    def finish(self, timeout: float = 180) -> subprocess.CompletedProcess:
        self.process.wait(timeout=timeout)
        return subprocess.CompletedProcess(self.process.args, self.process.returncode,
                                           self.out.read_text(encoding="utf-8"), self.err.read_text(encoding="utf-8"))


def start_cli(logs: Path, *args: str) -> Running:
    """`congressgen ARGS` as a separate process, started now, in its own process group."""
    import sys
    import tempfile

    exe = shutil.which("congressgen")
    cmd = [exe, *args] if exe else [sys.executable, "-m", "congressgen", *args]
    logs.mkdir(parents=True, exist_ok=True)
    out = Path(tempfile.mkstemp(".out", dir=logs)[1])
    err = Path(tempfile.mkstemp(".err", dir=logs)[1])
    with out.open("w") as stdout, err.open("w") as stderr:
        process = subprocess.Popen(cmd, stdout=stdout, stderr=stderr, start_new_session=True,
                                   env=dict(os.environ, PYTHONIOENCODING="utf-8"))
    return Running(process, out, err)


def wait_until(condition, timeout: float = 60, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def hold_lock(target: Path, pid: int | None = None) -> Path:
    """Take `target`'s publish lock as another (live) publish on this machine would."""
    from congressgen.publish.lock import LOCK_DIR, OWNER_FILE, this_owner

    folder = target / LOCK_DIR
    folder.mkdir()
    owner = this_owner("publish")
    if pid is not None:
        owner = type(owner)(owner.token, owner.user, owner.host, pid, owner.time, owner.command)
    (folder / OWNER_FILE).write_text(owner.to_json(), encoding="utf-8")
    return folder


class CurrentWatcher:
    """A thread resolving TARGET/current over and over during a test: every release it ever points
    to must be whole (renamed into place, its manifest written, every file of the manifest there)."""

    def __init__(self, target: Path):
        self.target = target
        self.seen: set[str] = set()
        self.broken: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        from congressgen.publish.releases import RELEASE_NAME, Manifest

        checked: set[str] = set()
        while not self._stop.is_set():
            try:
                link = os.readlink(self.target / "current")
            except OSError:
                time.sleep(0.005)
                continue
            name = Path(link).parent.name
            self.seen.add(name)
            if name not in checked:
                checked.add(name)
                release = self.target / "releases" / name
                manifest = Manifest.from_json((release / "release.json").read_text()) \
                    if (release / "release.json").is_file() else None
                if not RELEASE_NAME.match(name) or manifest is None or \
                        any(not (release / "site" / p).is_file() for p in manifest.entries):
                    self.broken.append(name)
            time.sleep(0.002)

    def __enter__(self) -> "CurrentWatcher":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(timeout=10)


def lock_holder_pid(target: Path, timeout: float = 60) -> int | None:
    """Spin until TARGET/publish.lock names its owner; its pid (None on timeout)."""
    import json

    owner = target / "publish.lock" / "owner.json"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            return int(json.loads(owner.read_text())["pid"])
        except (OSError, ValueError, KeyError):
            pass
    return None
