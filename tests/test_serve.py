"""`congressgen serve`, started as a clerk starts it (a subprocess), driven by a real Chromium.

One preview server is shared by the module (tests run in file order and each leaves the site valid);
the reload-related tests never reload or navigate themselves: every change reaches the page through
the server's own reload message.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from conftest import MINIMAL_CONFIG, REPO, report_text, run_cli, write
from congressgen.serve import host_warning, is_loopback, overlay_script, preview_url
from congressgen.errors import Diagnostic, Location

ARTICLE_SOURCE = "content/reports/a1.md"
ARTICLE_PATH = "reports/202404/t20240426_a1.html"
SUB_PATH_BASE = "https://www.example.gov.cn/rd/"


def article(sentence: str) -> str:
    return report_text(title="测试镇人大主席团工作报告", id="a1", tags="[监督]",
                       body=f"一、工作回顾\n\n{sentence}\n\n二、今后工作\n\n继续努力。\n")


class ServeProcess:
    """`congressgen serve` in a subprocess; collects its terminal lines as they come."""

    def __init__(self, *args: str, tmpdir: Path, ctrl_c_ignored: bool = False):
        exe = shutil.which("congressgen")
        cmd = [exe, "serve", *args] if exe else [sys.executable, "-m", "congressgen", "serve", *args]
        if ctrl_c_ignored:      # as a script's `congressgen serve &` starts it: SIGINT ignored
            cmd = ["sh", "-c", 'trap "" INT; exec "$0" "$@"', *cmd]
        env = dict(os.environ, PYTHONIOENCODING="utf-8", PYTHONFAULTHANDLER="1",  # stacks on SIGABRT
                   TMPDIR=str(tmpdir), TEMP=str(tmpdir), TMP=str(tmpdir))
        self.tmpdir = tmpdir
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                     encoding="utf-8", env=env)
        self.out: list[str] = []
        self.err: list[str] = []
        for stream, lines in ((self.proc.stdout, self.out), (self.proc.stderr, self.err)):
            threading.Thread(target=self._pump, args=(stream, lines), daemon=True).start()

    @staticmethod
    def _pump(stream, lines: list[str]) -> None:
        for line in stream:
            lines.append(line.rstrip("\n"))

    def wait_for(self, pattern: str, lines: list[str] | None = None, timeout: float = 20) -> re.Match:
        lines = self.out if lines is None else lines
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in list(lines):
                found = re.search(pattern, line)
                if found:
                    return found
            if self.proc.poll() is not None and not any(re.search(pattern, x) for x in lines):
                break
            time.sleep(0.05)
        raise AssertionError(f"no line matching {pattern!r}; stdout={self.out} stderr={self.err}")

    def count(self, pattern: str, lines: list[str] | None = None) -> int:
        return sum(1 for line in list(self.out if lines is None else lines) if re.search(pattern, line))

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self._dump_stuck()
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode

    def _dump_stuck(self) -> None:
        """A serve that did not stop: its processes and every thread's stack (faulthandler, on
        SIGABRT) go to the test's output, so a rare hang says where it hung."""
        tree = subprocess.run(["ps", "-o", "pid,ppid,stat,wchan:20,etime,cmd", "--ppid", str(self.proc.pid),
                               "-p", str(self.proc.pid)], capture_output=True, text=True).stdout
        signals = [f"{who} {task}: " + " ".join(line.strip() for line in Path(f"/proc/{pid}/task/{task}/status")
                                                .read_text().splitlines() if line.startswith(("Name", "Sig")))
                   for who, pid in (("serve", self.proc.pid), ("test", os.getpid()))
                   for task in os.listdir(f"/proc/{pid}/task")]
        tree += "\n".join(signals) + "\n"
        self.proc.send_signal(signal.SIGABRT)
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        time.sleep(0.5)   # let the pump threads take the last lines
        print("serve did not stop within 20 s of Ctrl-C\n" + tree + "\n".join(self.err[-200:]), file=sys.stderr)


def make_site(root: Path) -> Path:
    write(root / "congressgen.yaml", MINIMAL_CONFIG.replace("https://rd.example.gov.cn/", SUB_PATH_BASE))
    write(root / ARTICLE_SOURCE, article("本届以来，主席团认真履行职责。"))
    write(root / "content/news/n1.md", report_text(title="代表视察民生实事", date="2024-05-10", id="n1",
                                                   body="代表们视察了民生实事项目。\n"))
    # A site theme overriding the built-in stylesheet (what a clerk edits to restyle the site).
    css = root / "themes/default/static/css/site.css"
    css.parent.mkdir(parents=True)
    shutil.copyfile(REPO / "themes/default/static/css/site.css", css)
    return root


class Preview:
    def __init__(self, site: Path, server: ServeProcess, url: str):
        self.site, self.server, self.url = site, server, url
        self.port = int(url.rsplit(":", 1)[1].strip("/"))

    def rebuilds(self) -> int:
        return self.server.count(r"已重新生成")

    def edit(self, relative: str, text: str) -> None:
        write(self.site / relative, text)

    def output_dir(self) -> Path:
        found = list(self.server.tmpdir.glob("congressgen-serve-*/site"))
        assert len(found) == 1, found
        return found[0]


@pytest.fixture(scope="module")
def preview(tmp_path_factory):
    site = make_site(tmp_path_factory.mktemp("serve") / "site")
    tmpdir = tmp_path_factory.mktemp("serve-tmp")
    server = ServeProcess("--source", str(site), "--port", "0", tmpdir=tmpdir)
    url = server.wait_for(r"预览地址：(\S+)").group(1)
    yield Preview(site, server, url)
    server.stop()


def open_article(page, preview: Preview) -> list[str]:
    """Open the article; returns the list that records every later navigation of the page."""
    navigations: list[str] = []
    page.goto(preview.url + ARTICLE_PATH)
    # Connected once livereload.js has done the hello handshake (it then sends `info` at once).
    page.wait_for_function("window.LiveReload && window.LiveReload.connector.protocol > 0", timeout=5000)
    page.wait_for_timeout(100)
    page.on("framenavigated", lambda frame: navigations.append(frame.url) if frame == page.main_frame else None)
    return navigations


def http_get(port: int, raw_path: str) -> tuple[int, bytes]:
    """A request with the path sent exactly as written (curl --path-as-is)."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(f"GET {raw_path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode("latin-1"))
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    status = int(data.split(b" ", 2)[1])
    return status, data


# ------------------------------------------------------------------------------------------------


def test_binds_loopback_by_default_and_warns_for_other_hosts(preview):
    assert preview.url.startswith("http://127.0.0.1:")
    with socket.create_connection(("127.0.0.1", preview.port), timeout=2):
        pass
    # Bound to 127.0.0.1 only, not to every address: another address of this machine is refused.
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.2", preview.port), timeout=1).close()
    assert not preview.server.err or not any("警告" in line for line in preview.server.err)
    assert host_warning("127.0.0.1") is None and host_warning("localhost") is None and host_warning("::1") is None
    assert "--host" in host_warning("0.0.0.0") and "192.168.1.5" in host_warning("192.168.1.5")
    assert not is_loopback("example.gov.cn")
    assert preview_url("0.0.0.0", 8000) == "http://127.0.0.1:8000/"


def test_reload_script_only_in_served_responses_never_in_build_output(preview, tmp_path):
    status, body = http_get(preview.port, "/" + ARTICLE_PATH)
    assert status == 200 and b"/livereload.js" in body
    # The preview's own files on disk are clean: the script is added to the HTTP response only.
    on_disk = (preview.output_dir() / ARTICLE_PATH).read_text(encoding="utf-8")
    assert "livereload" not in on_disk and "主席团认真履行职责" in on_disk
    out = tmp_path / "published"
    run_cli("build", "--source", str(preview.site), "--output", str(out), "--quiet", check=True)
    pages = [p for p in out.rglob("*") if p.is_file()]
    assert len(pages) > 10
    for page_file in pages:
        data = page_file.read_bytes()
        assert b"livereload" not in data and b"congressgen-error-overlay" not in data, page_file
    assert not (preview.site / "build").exists(), "serve must not write the published build folder"


def test_edit_reaches_open_page_and_two_saves_one_second_apart_both_arrive(preview, page):
    from playwright.sync_api import expect

    navigations = open_article(page, preview)
    main = page.locator("main")
    expect(main).to_contain_text("主席团认真履行职责")

    first_save = time.monotonic()
    preview.edit(ARTICLE_SOURCE, article("第一次修改：代表建议全部办结。"))
    expect(main).to_contain_text("代表建议全部办结", timeout=2000)
    time.sleep(max(0.0, 1.0 - (time.monotonic() - first_save)))
    preview.edit(ARTICLE_SOURCE, article("第二次修改：民生实事全部完成。"))
    expect(main).to_contain_text("民生实事全部完成", timeout=2000)
    assert len(navigations) == 2, navigations  # both reloads came from the server


def test_css_change_is_applied_without_navigation(preview, page):
    navigations = open_article(page, preview)
    page.evaluate("window.__marker = 'still here'")
    css = preview.site / "themes/default/static/css/site.css"
    css.write_text(css.read_text(encoding="utf-8") + "\nbody { outline: 7px solid rgb(1, 2, 3); }\n",
                   encoding="utf-8")
    page.wait_for_function("getComputedStyle(document.body).outlineColor === 'rgb(1, 2, 3)'", timeout=3000)
    assert page.evaluate("window.__marker") == "still here"
    assert navigations == []
    assert page.locator("#congressgen-error-overlay").count() == 0


def test_broken_front_matter_shows_overlay_on_every_page_then_fix_restores(preview, browser):
    from playwright.sync_api import expect

    context = browser.new_context(locale="zh-CN")
    try:
        article_page, index_page = context.new_page(), context.new_page()
        # A known good state first: the test does not depend on what earlier tests left. The page
        # is opened once that build is done (a reload sent before its websocket is up is not seen).
        good = article("第二次修改：民生实事全部完成。")
        if (preview.site / ARTICLE_SOURCE).read_text(encoding="utf-8") != good:
            before = preview.rebuilds()
            preview.edit(ARTICLE_SOURCE, good)
            deadline = time.monotonic() + 10
            while preview.rebuilds() == before and time.monotonic() < deadline:
                time.sleep(0.05)
        open_article(article_page, preview)
        expect(article_page.locator("main")).to_contain_text("民生实事全部完成", timeout=5000)
        index_page.goto(preview.url)
        errors_before = len(preview.server.err)

        broken = article("第三次修改").replace("tags: [监督]", "tags: [监督, 预算")
        preview.edit(ARTICLE_SOURCE, broken)
        for pg in (article_page, index_page):
            overlay = pg.locator("#congressgen-error-overlay")
            expect(overlay).to_be_visible(timeout=3000)
            expect(overlay).to_contain_text("构建失败")
            location = overlay.locator(".location").first.inner_text()
            assert re.fullmatch(r"content/reports/a1\.md:\d+(:\d+)?", location), location
        # The last good site is still what is shown under the overlay.
        expect(article_page.locator("main")).to_contain_text("民生实事全部完成")
        # The terminal shows the error once, even when a later save leaves the same error in place.
        preview.server.wait_for(re.escape(location) + r": 错误", preview.server.err)
        preview.edit(ARTICLE_SOURCE, broken + "\n")
        preview.server.wait_for(r"仍有上面的错误", preview.server.err)
        assert sum(location in line for line in preview.server.err[errors_before:]) == 1

        preview.edit(ARTICLE_SOURCE, article("第四次修改：错误已经改正。"))
        for pg in (article_page, index_page):
            expect(pg.locator("#congressgen-error-overlay")).to_have_count(0, timeout=3000)
        expect(article_page.locator("main")).to_contain_text("错误已经改正")
        preview.server.wait_for(r"错误已修复，已重新生成")
    finally:
        context.close()


def test_a_page_that_missed_the_reload_message_reloads_itself(preview, browser):
    """A reload sent while a page is loading (its websocket not yet up) is not lost: the page
    compares its build generation with the preview's and reloads. Here the websocket never comes up."""
    from playwright.sync_api import expect

    context = browser.new_context(locale="zh-CN")
    try:
        page = context.new_page()
        page.route("**/livereload.js*", lambda route: route.abort())
        page.goto(preview.url + ARTICLE_PATH)
        page.wait_for_load_state("load")
        before = preview.rebuilds()
        preview.edit(ARTICLE_SOURCE, article("没有收到刷新消息的页面也会更新。"))
        expect(page.locator("main")).to_contain_text("没有收到刷新消息的页面也会更新", timeout=6000)
        assert preview.rebuilds() > before
    finally:
        context.close()


def test_generation_counts_navigating_builds_only():
    from congressgen.serve import BuildOutcome, PreviewState

    state = PreviewState()
    state.update(BuildOutcome(True, 0.1))
    state.update(BuildOutcome(True, 0.1, reload_paths=("css/site.css",)))   # swapped in place: no navigation
    assert state.current() == 1
    state.update(BuildOutcome(False, 0.1))
    assert state.current() == 2


def test_burst_of_saves_gives_one_rebuild(preview):
    before = preview.rebuilds()
    for n in range(1, 6):  # an editor saving repeatedly (and writing temp files) within a moment
        preview.edit(ARTICLE_SOURCE, article(f"连续保存第{n}次。"))
        write(preview.site / "content/reports/.a1.md.swp", f"swap {n}")
        time.sleep(0.03)
    deadline = time.monotonic() + 5
    while preview.rebuilds() == before and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(1.0)  # room for a second, unwanted rebuild to show up
    assert preview.rebuilds() == before + 1, preview.server.out[-5:]
    status, body = http_get(preview.port, "/" + ARTICLE_PATH)
    assert status == 200 and "连续保存第5次".encode() in body
    (preview.site / "content/reports/.a1.md.swp").unlink()


@pytest.mark.parametrize("raw_path", [
    "/../../secret.txt",
    "/../../../../../../../../etc/passwd",
    "/%2e%2e/%2e%2e/secret.txt",
    "/%2E%2E/%2E%2E/secret.txt",
    "/..%2f..%2fsecret.txt",
    "/%2e%2e%2f%2e%2e%2fsecret.txt",
    "/..\\..\\secret.txt",
    "..%2f..%2fsecret.txt",
    "http://127.0.0.1/../../secret.txt",
    "//etc/passwd",
    "/%2fetc%2fpasswd",
    "{secret}",
    "/%00",
    "/leak.txt",
    "/leakdir/secret.txt",
])
def test_paths_outside_the_output_get_404(preview, raw_path):
    output = preview.output_dir()
    workdir = output.parent.parent          # the serve process's TMPDIR, above its temp folder
    secret = workdir / "secret.txt"
    secret.write_text("TOP-SECRET", encoding="utf-8")
    for name, target in (("leak.txt", secret), ("leakdir", workdir)):
        link = output / name
        if not link.is_symlink():
            try:
                link.symlink_to(target)
            except OSError:  # Windows without symlink rights
                pytest.skip("cannot create symlinks here")
    raw_path = raw_path.replace("{secret}", secret.as_posix())
    assert http_get(preview.port, "/" + ARTICLE_PATH)[0] == 200       # the server does serve files
    status, body = http_get(preview.port, raw_path)
    assert status == 404, (raw_path, body[:200])
    assert b"TOP-SECRET" not in body and b"root:" not in body


def test_links_assets_and_qr_point_at_the_local_server_whatever_base_url(preview, page):
    from congressgen.qr import qr_svg

    bad: list[str] = []
    page.on("response", lambda r: bad.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    page.goto(preview.url + ARTICLE_PATH)
    local_url = preview.url + ARTICLE_PATH
    assert page.locator(".share-url").inner_text().strip() == "本文网址：" + local_url
    served_qr = page.locator(".share-qr svg path").first.get_attribute("d")
    expected = re.search(r' d="([^"]+)"', qr_svg(local_url, "本文网址二维码：微信扫一扫在手机阅读、分享本文")).group(1)
    assert served_qr == expected
    assert page.evaluate("getComputedStyle(document.body).outlineColor") == "rgb(1, 2, 3)"  # CSS loaded
    page.locator(".breadcrumb a").nth(1).click()
    page.wait_for_load_state()
    assert page.url.startswith(preview.url) and "工作报告" in page.title()
    assert bad == [] and all(u.startswith(preview.url) or u.startswith("ws://127.0.0.1") for u in page.requests_seen)
    # The published build still uses the configured sub-path base_url.
    assert SUB_PATH_BASE not in local_url


def test_port_in_use_gives_clear_error(preview):
    result = run_cli("serve", "--source", str(preview.site), "--port", str(preview.port))
    assert result.returncode == 1
    assert f"端口 {preview.port} 已被占用" in result.stderr and "--port" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT to a child process is POSIX")
def test_ctrl_c_stops_cleanly_and_removes_temp_folder(tmp_path):
    site = make_site(tmp_path / "site")
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    server = ServeProcess("--source", str(site), "--port", "0", tmpdir=tmpdir)
    server.wait_for(r"预览地址：")
    assert list(tmpdir.glob("congressgen-serve-*"))
    assert server.stop() == 0
    assert list(tmpdir.iterdir()) == []
    assert any("预览已停止" in line for line in server.out)
    assert not any("Traceback" in line for line in server.err), server.err


def test_kill_stops_cleanly_and_a_background_start_keeps_ctrl_c_ignored(tmp_path):
    site = make_site(tmp_path / "site")
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    server = ServeProcess("--source", str(site), "--port", "0", tmpdir=tmpdir, ctrl_c_ignored=True)
    try:
        server.wait_for(r"预览地址：")
        server.proc.send_signal(signal.SIGINT)
        time.sleep(1)
        assert server.proc.poll() is None           # the shell's choice is kept: Ctrl-C does not reach it
        server.proc.terminate()                     # `kill PID`
        assert server.proc.wait(timeout=20) == 0
    finally:
        if server.proc.poll() is None:
            server.proc.kill()
    assert list(tmpdir.iterdir()) == []
    assert any("预览已停止" in line for line in server.out)
    assert not any("Traceback" in line for line in server.err), server.err


def test_starts_on_a_broken_site_and_recovers_when_fixed(tmp_path):
    site = make_site(tmp_path / "site")
    write(site / ARTICLE_SOURCE, article("原文").replace("date: 2024-04-26", "date: 昨天"))
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    server = ServeProcess("--source", str(site), "--port", "0", tmpdir=tmpdir)
    try:
        url = server.wait_for(r"预览地址：(\S+)").group(1)
        port = int(url.rsplit(":", 1)[1].strip("/"))
        assert server.count(r"content/reports/a1\.md:3", server.err) == 1   # date: is line 3
        status, body = http_get(port, "/")
        assert "congressgen-error-overlay".encode() in body and b"content/reports/a1.md:3" in body
        assert "网站还没有生成成功".encode() in body
        write(site / ARTICLE_SOURCE, article("改正后的正文。"))
        server.wait_for(r"错误已修复，已重新生成")
        status, body = http_get(port, "/" + ARTICLE_PATH)
        assert status == 200 and "改正后的正文".encode() in body and b"congressgen-error-overlay" not in body
    finally:
        assert server.stop() == 0


def test_watch_filter_skips_editor_temp_files_and_build_folders(tmp_path):
    from watchfiles import Change

    from congressgen.config import SiteConfig
    from congressgen.serve import SourceFilter, ignored_paths

    config = SiteConfig(root=tmp_path, cache_dir="data/cache")
    accept = SourceFilter(ignored_paths(tmp_path, config))
    kept = ["content/reports/a.md", "themes/default/static/css/site.css", "data/stats.sqlite3"]
    skipped = ["content/reports/.a.md.swp", "content/reports/4913", "content/reports/a.md~",
               "content/reports/.#a.md", "content/reports/#a.md#", "data/cache/reports/x.pickle",
               "data/stats.sqlite3-journal", "content/reports/~$报告.docx"]
    assert [p for p in kept if not accept(Change.modified, str(tmp_path / p))] == []
    assert [p for p in skipped if accept(Change.modified, str(tmp_path / p))] == []


def test_overlay_text_is_never_parsed_as_html():
    script = overlay_script((Diagnostic(Location("content/x.md", 3, 1), "</script><img src=x onerror=alert(1)>"),))
    assert b"</script><img" not in script and b"\\u003c/script>" in script
    assert overlay_script(()) == b""


def test_the_heap_is_settled_once_after_a_quiet_second_and_frees_what_earlier_builds_left():
    import gc
    import weakref

    from congressgen.serve import HeapSettler

    class Cycle:
        pass

    settler = HeapSettler()
    try:
        garbage = Cycle()
        garbage.self = garbage
        gc.collect()
        gc.freeze()                                   # an earlier settle froze it
        alive = weakref.ref(garbage)
        del garbage
        settler.built()
        for _ in range(HeapSettler.WAIT_TICKS - 1):
            settler.tick()
        assert settler.pending and alive() is not None   # not yet: saves may still be coming
        settler.tick()
        assert not settler.pending and gc.get_freeze_count() > 0
        assert alive() is None                        # the frozen cycle was collected
        settler.tick()                                # nothing more until the next build
        assert not settler.pending
    finally:
        gc.unfreeze()
