"""Acceptance: a real nginx serves the built demo site under /rd/; its own access log is
ingested, counted exactly, re-ingested, rotated (rename, then copytruncate) and built.

Debian's nginx is installed by scripts/test.sh when missing (apt-get install nginx)."""

from __future__ import annotations

import datetime as dt
import gzip
import http.client
import os
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path
from urllib.parse import quote

import pytest

from conftest import REPO, free_port, run_cli
from congressgen.build import BuildOptions, build
from congressgen.config import load_config
from congressgen.content import TZ
from congressgen.stats.ingest import ingest
from congressgen.stats.store import db_path, read_traffic
from stats_helpers import BROWSER

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(os.name != "posix" or not Path(NGINX).exists(),
                       reason="needs Debian's nginx (bash scripts/test.sh installs it)"),
]

A = "/rd/reports/202401/t20240119_qingshan-zxt-2024.html"        # has two attachments
A_ID = "qingshan-zxt-2024"
B = "/rd/reports/202501/t20250124_shili-zfgzbg-2025.html"
B_ID = "shili-zfgzbg-2025"
C = "/rd/news/202502/t20250214_hexi-news-20250214.html"
C_ID = "hexi-news-20250214"
CSV_NAME = "2024年民生实事项目表.csv"
CSV = "/rd/reports/202401/t20240119_qingshan-zxt-2024/" + quote(CSV_NAME)
BAIDU = "Mozilla/5.0 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)"
HOSTILE_UA = 'Mozilla/5.0 <img src=x onerror=alert(1)> "quoted"'
HOSTILE_QUERY = "?q=<script>alert(1)</script>"

CONF = """\
worker_processes 1;
daemon off;
{user}
pid {work}/nginx.pid;
error_log {work}/error.log warn;
events {{ worker_connections 64; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log {work}/access.log combined;
    client_body_temp_path {work}/tmp-body;
    proxy_temp_path {work}/tmp-proxy;
    fastcgi_temp_path {work}/tmp-fastcgi;
    uwsgi_temp_path {work}/tmp-uwsgi;
    scgi_temp_path {work}/tmp-scgi;
    server {{
        listen 127.0.0.1:{port};
        root {www};
        error_page 404 /rd/404.html;
    }}
}}
"""


class Nginx:
    """nginx in the foreground with a config of our own; stopped gracefully (SIGQUIT)."""

    def __init__(self, work: Path, www: Path):
        self.work, self.www, self.port = work, www, free_port()
        self.log = work / "access.log"
        self.conf = work / "nginx.conf"
        user = "user root;" if os.geteuid() == 0 else ""      # workers must read our tmp folders
        self.conf.write_text(CONF.format(user=user, work=work, www=www, port=self.port), encoding="utf-8")
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen([NGINX, "-e", str(self.work / "error.log"), "-c", str(self.conf)],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                http.client.HTTPConnection("127.0.0.1", self.port, timeout=1).connect()
                return
            except OSError:
                assert self.process.poll() is None, self.process.stderr.read().decode()
                time.sleep(0.05)
        raise AssertionError("nginx did not start")

    def stop(self) -> None:
        self.process.send_signal(signal.SIGQUIT)
        self.process.wait(timeout=10)

    def reopen_logs(self) -> None:
        """What logrotate's postrotate does: `nginx -s reopen` (SIGUSR1 to the master)."""
        self.process.send_signal(signal.SIGUSR1)
        wait_for(lambda: self.log.exists())

    def request(self, target: str, method: str = "GET", ua: str = BROWSER, **headers) -> http.client.HTTPResponse:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        conn.request(method, target, headers={"User-Agent": ua, **headers})
        response = conn.getresponse()
        response.read()
        conn.close()
        return response


def wait_for(condition, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def line_count(path: Path) -> int:
    return path.read_bytes().count(b"\n") if path.exists() else 0


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """The demo site (its content and config, published under /rd/) built and served by nginx."""
    work = tmp_path_factory.mktemp("nginx")
    site = work / "site"
    site.mkdir()
    config = (REPO / "congressgen.yaml").read_text(encoding="utf-8")
    assert "base_url: https://rd.example.gov.cn/\n" in config
    (site / "congressgen.yaml").write_text(config.replace("base_url: https://rd.example.gov.cn/",
                                                          "base_url: https://www.example.gov.cn/rd/"), encoding="utf-8")
    shutil.copytree(REPO / "content", site / "content")
    www = work / "www"
    build(BuildOptions(site, www / "rd"))
    (www / "portal.html").write_text("<!doctype html><title>县政府门户</title>", encoding="utf-8")  # not ours
    return work, site, www


def counts(site: Path) -> dict:
    traffic = read_traffic(db_path(load_config(site)[0]), dt.datetime.now(TZ).date())
    return {"views": traffic.views, "downloads": traffic.downloads}


def test_nginx_log_counted_exactly_reingested_rotated_and_built(served):
    work, site, www = served
    config = load_config(site)[0]
    nginx = Nginx(work, www)

    # 1. A known set of requests; every status is what nginx really answered.
    nginx.start()
    sent = [
        (A, {}, 200), (A + "?from=singlemessage&isappinstalled=0", {}, 200),
        ("/rd/reports/202401/t20240119_qingshan%2Dzxt%2D2024.html", {}, 200),       # percent-encoded
        (A + HOSTILE_QUERY, {"ua": HOSTILE_UA}, 200),
        (B, {}, 200),
        ("/rd/", {}, 200), ("/rd/reports/", {}, 200),                              # index and list pages
        (CSV, {}, 200),
        (CSV, {"Range": "bytes=0-"}, 206),                                          # first range: the whole file
        (CSV, {"Range": "bytes=10-20"}, 206),                                       # a later range
        ("/rd/static/css/site.css", {}, 200), ("/rd/static/js/site.js", {}, 200),
        ("/rd/no-such-report.html", {}, 404), ("/portal.html", {}, 200),
        (A, {"ua": BAIDU}, 200),
        (A, {"method": "HEAD"}, 200), (A, {"method": "POST"}, 405),
    ]
    for target, options, status in sent:
        options = dict(options)
        response = nginx.request(target, options.pop("method", "GET"), options.pop("ua", BROWSER), **options)
        assert response.status == status, target
    modified = nginx.request(A).getheader("Last-Modified")
    assert nginx.request(A, **{"If-Modified-Since": modified}).status == 304
    nginx.stop()
    assert line_count(nginx.log) == len(sent) + 2

    [first] = ingest(config, [nginx.log])
    assert (first.lines, first.views, first.downloads) == (19, 6, 2)      # A ×4 (+1 below), B; CSV 200 + 206
    assert {k: v for k, v in first.skipped.items() if v} == {
        "method": 2, "error": 1, "status": 1, "partial": 1, "page": 2, "asset": 2, "unknown": 1, "bot": 1}
    expected = {"views": {A_ID: 5, B_ID: 1}, "downloads": {A_ID: 2}}
    assert counts(site) == expected

    # 2. The same log again: nothing changes.
    [again] = ingest(config, [nginx.log])
    assert (again.views, again.downloads, again.skipped["duplicate"]) == (0, 0, 8)
    assert counts(site) == expected

    # Each phase below is another reader (browser): this test runs within a second or two, and
    # byte-identical lines of the same second in two files are taken for one request (the
    # documented limit of line fingerprints; a real rotation is one instant, not a whole test).
    # 3. logrotate "create" style: rename, reopen, compress the old file.
    nginx.start()
    nginx.request(A, ua=BROWSER + " reader/3"), nginx.request(C, ua=BROWSER + " reader/3")
    wait_for(lambda: line_count(nginx.log) == 21)
    rotated = work / "access.log.1"
    nginx.log.rename(rotated)
    nginx.reopen_logs()
    for target in (B, B, CSV):                        # B twice: two identical lines, both count
        nginx.request(target, ua=BROWSER + " reader/3b")
    nginx.stop()
    rotated_gz = work / "access.log.1.gz"
    rotated_gz.write_bytes(gzip.compress(rotated.read_bytes()))
    rotated.unlink()
    assert line_count(nginx.log) == 3
    results = ingest(config, [nginx.log, rotated_gz])                   # any order
    assert [(r.views, r.downloads) for r in results] == [(2, 1), (2, 0)]
    expected = {"views": {A_ID: 6, B_ID: 3, C_ID: 1}, "downloads": {A_ID: 3}}
    assert counts(site) == expected

    # 4. logrotate "copytruncate": copy, then truncate the file nginx keeps writing.
    nginx.start()
    nginx.request(A, ua=BROWSER + " reader/4")
    wait_for(lambda: line_count(nginx.log) == 4)
    copy = work / "access.log.2"
    shutil.copyfile(nginx.log, copy)
    with open(nginx.log, "r+b") as f:
        f.truncate(0)
    nginx.request(C, ua=BROWSER + " reader/4b"), nginx.request(CSV, ua=BROWSER + " reader/4b", Range="bytes=0-")
    nginx.stop()
    assert line_count(nginx.log) == 2
    result = run_cli("stats", "ingest", str(rotated_gz), str(copy), str(nginx.log), "--source", str(site), check=True)
    assert "合计：新计入阅读 2 次、下载 1 次" in result.stdout
    expected = {"views": {A_ID: 7, B_ID: 3, C_ID: 2}, "downloads": {A_ID: 4}}
    assert counts(site) == expected

    # 5. The built pages show those numbers, and nothing from the log lines.
    out = work / "out"
    run_cli("build", "--source", str(site), "--output", str(out), "--quiet", check=True)
    article = (out / A.removeprefix("/rd/")).read_text(encoding="utf-8")
    assert '阅读：<span class="views">7</span>' in article
    assert '下载量：<span class="downloads">4</span>' in article
    assert '阅读：<span class="views">3</span>' in (out / B.removeprefix("/rd/")).read_text(encoding="utf-8")
    ranking = (out / "ranking.html").read_text(encoding="utf-8")
    assert ranking_rows(ranking, "总阅读排行") == [("青山镇人民代表大会主席团工作报告（2024年）", "7"),
                                                   ("2025年示例县人民政府工作报告", "3"),
                                                   ("河西镇人代会票决产生2025年民生实事项目", "2")]
    assert ranking_rows(ranking, "近30天阅读排行") == ranking_rows(ranking, "总阅读排行")
    assert ranking_rows(ranking, f"{dt.datetime.now(TZ).year}年阅读排行") == ranking_rows(ranking, "总阅读排行")
    assert ranking_rows(ranking, "附件下载排行") == [("青山镇人民代表大会主席团工作报告（2024年）", "4")]
    for page in out.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert "alert(1)" not in text and "onerror" not in text, page

    # Forty days later the last-30-days table is empty; the all-time one is not.
    build(BuildOptions(site, out, now=dt.datetime.now(TZ).date() + dt.timedelta(days=40)))
    ranking = (out / "ranking.html").read_text(encoding="utf-8")
    assert ranking_rows(ranking, "近30天阅读排行") == []
    assert ranking_rows(ranking, "总阅读排行")[0][1] == "7"


def ranking_rows(html: str, caption: str) -> list[tuple[str, str]]:
    """(title, count) rows of the ranking table with that caption."""
    table = html.split(f"<caption>{caption}</caption>", 1)[1].split("</table>", 1)[0]
    return re.findall(r'<a href="[^"]*">([^<]*)</a></td><td><time[^>]*>[^<]*</time></td><td>(\d+)</td>', table)
