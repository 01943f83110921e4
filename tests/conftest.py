"""Shared fixtures: temporary sites, the built demo site, a loopback HTTP server and a
real headless Chromium (Debian's /usr/bin/chromium driven by Playwright)."""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import signal
import socket
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

# A test run started in the background by a non-interactive shell (`cmd &`, nohup) inherits
# SIGINT ignored, and so would every `congressgen serve` a test starts (Python keeps an
# inherited ignore, as a clerk's background serve should): the Ctrl-C tests' SIGINT would
# never arrive. The processes the tests start get SIGINT as from a terminal.
if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)
CHROMIUM = os.environ.get("CONGRESSGEN_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic"]

MINIMAL_CONFIG = textwrap.dedent("""\
    title: 测试县人大常委会
    base_url: https://rd.example.gov.cn/
    author: 测试县人大常委会办公室
    columns:
      reports: {title: 工作报告}
      news: {title: 人大动态}
    footer:
      organizer: 测试县人大常委会办公室
      phone: 0000-0000000
      site_code: "0000000000"
      icp: 测ICP备00000000号-1
      police_record: 测公网安备00000000000000号
    """)


def write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(textwrap.dedent(text), encoding="utf-8", newline="\n")
    return path


def report_text(title="测试报告", date="2024-04-26", body="一、工作回顾\n\n正文。\n", **fields) -> str:
    lines = ["---", f"title: {title}", f"date: {date}"]
    for key, value in fields.items():
        lines.append(f"{key}: {value}")
    lines += ["---", "", body]
    return "\n".join(lines)


@pytest.fixture
def site_dir(tmp_path: Path) -> Path:
    """An empty site with a valid config; tests add content files."""
    root = tmp_path / "site"
    write(root / "congressgen.yaml", MINIMAL_CONFIG)
    return root


@pytest.fixture(scope="session")
def demo_build(tmp_path_factory) -> Path:
    """The repository's demo site, built once per session with the installed console script."""
    out = tmp_path_factory.mktemp("demo") / "build"
    subprocess.run([shutil.which("congressgen") or "congressgen", "build", "--source", str(REPO),
                    "--output", str(out), "--quiet"], check=True)
    return out


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep test output clean
        pass


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def static_server():
    """serve(directory) -> base URL of a loopback HTTP server for that folder."""
    servers = []

    def serve(directory: Path, prefix: str = "") -> str:
        handler = functools.partial(_QuietHandler, directory=str(directory))
        httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        servers.append(httpd)
        return f"http://127.0.0.1:{httpd.server_address[1]}/"

    yield serve
    for httpd in servers:
        httpd.shutdown()


@pytest.fixture(scope="session")
def browser():
    """A real headless Chromium; skipped only when neither it nor Playwright is installed."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} not installed (the README's test command installs it)")
    sync_api = pytest.importorskip("playwright.sync_api")
    # Playwright gives each launch a fresh, empty --user-data-dir of its own.
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


def open_tab(browser):
    """A fresh browser context (its own storage) and a tab in it that records every request
    it makes, for the no-other-host rule. Returns (context, tab); close the context after."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    tab = context.new_page()
    tab.requests_seen = []
    tab.on("request", lambda req: tab.requests_seen.append(req.url))
    return context, tab


@pytest.fixture
def page(browser):
    """A fresh tab per test (see open_tab)."""
    context, tab = open_tab(browser)
    yield tab
    context.close()


def run_cli(*args: str, cwd: Path | None = None, check: bool = False) -> subprocess.CompletedProcess:
    """Run the installed console script, as a clerk would."""
    exe = shutil.which("congressgen")
    cmd = [exe, *args] if exe else [sys.executable, "-m", "congressgen", *args]
    env = dict(os.environ, PYTHONIOENCODING="utf-8")
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, encoding="utf-8", env=env, check=check)
