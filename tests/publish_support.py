"""Helpers for the publish tests: demo-site copies that differ in a marker, a real nginx serving
TARGET/current on 127.0.0.1, and a client loop that records every response during a publish."""

from __future__ import annotations

import functools
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
