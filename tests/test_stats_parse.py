"""Unit tests of the stats stage: log lines, user agents, URL → report mapping."""

from __future__ import annotations

import pytest

from congressgen.config import load_config
from congressgen.stats.bots import bot_pattern, is_bot
from congressgen.stats.logparse import day_of, iso_to_clf, parse_combined, parse_json
from congressgen.stats.urlmap import ASSET, DOWNLOAD, PAGE, UNKNOWN, VIEW, Target, load_url_map, site_path
from stats_helpers import ALPHA, ALPHA_PDF, PDF_SIZE, make_site


# --- log lines -------------------------------------------------------------------------

def test_nginx_combined_line():
    raw = (b'203.0.113.9 - - [26/Apr/2024:10:00:00 +0800] "GET /rd/a.html?x=1 HTTP/1.1" 200 5120 '
           b'"https://www.baidu.com/" "Mozilla/5.0 (X11)"\n')
    assert parse_combined(raw) == (b"26/Apr/2024:10:00:00 +0800", b"GET", b"/rd/a.html?x=1", b"200",
                                   b"5120", b"Mozilla/5.0 (X11)", None)


def test_extra_fields_after_the_user_agent_are_ignored():
    raw = b'::1 - bob [26/Apr/2024:10:00:00 +0800] "GET / HTTP/2.0" 304 - "-" "curl/8" "10.0.0.1" 0.004\n'
    assert parse_combined(raw)[1:6] == (b"GET", b"/", b"304", b"-", b"curl/8")


def test_apache_escaped_quotes_in_request_and_user_agent():
    raw = (b'203.0.113.9 - - [26/Apr/2024:10:00:00 +0800] "GET /a\\"b.html HTTP/1.1" 200 10 '
           b'"-" "Mozilla \\"quoted\\" Baiduspider"\n')
    fields = parse_combined(raw)
    assert fields[1:4] == (b"GET", b'/a\\"b.html', b"200")
    assert fields[5] == b'Mozilla \\"quoted\\" Baiduspider'       # the whole agent, so bots are still seen


def test_garbage_request_line_has_no_method():
    # What a TLS handshake on port 80 looks like in nginx's log.
    raw = b'198.51.100.7 - - [26/Apr/2024:10:00:00 +0800] "\\x16\\x03\\x01\\x02\\x00\\x01\\x00" 400 157 "-" "-"\n'
    assert parse_combined(raw)[1] == b"" and parse_combined(raw)[3] == b"400"


@pytest.mark.parametrize("raw", [
    b"\n",
    b"garbage\n",
    b'203.0.113.9 - - [26/Apr/2024:10:00:00 +0800] "GET /a.html HTTP/1.1" 200\n',            # cut short
    b'203.0.113.9 - - [26/Apr/2024:10:00:00 +0800] "GET /a.html HTTP/1.1" 2000 5 "-" "x"\n',   # 4-digit status
    b'203.0.113.9 - - 26/Apr/2024:10:00:00 +0800 "GET /a.html HTTP/1.1" 200 5 "-" "x"\n',    # no brackets
    b'\x00\xff\xfe binary \x1b[31m junk\n',
])
def test_malformed_lines(raw):
    assert parse_combined(raw) is None


def test_json_lines():
    raw = (b'{"time_local":"26/Apr/2024:10:00:00 +0800","request":"GET /rd/a.html?x HTTP/1.1","status":206,'
           b'"body_bytes_sent":"100","http_user_agent":"Mozilla","http_range":"bytes=0-99"}\n')
    assert parse_json(raw) == (b"26/Apr/2024:10:00:00 +0800", b"GET", b"/rd/a.html?x", b"206", b"100",
                               b"Mozilla", b"bytes=0-99")
    iso = b'{"time_iso8601":"2024-04-26T02:00:00+00:00","request_method":"GET","request_uri":"/a","status":"200"}'
    assert parse_json(iso)[:4] == (b"26/Apr/2024:02:00:00 +0000", b"GET", b"/a", b"200")
    assert parse_json(iso)[6] is None
    for bad in (b"{not json", b"[1, 2]", b'{"request":"GET / HTTP/1.1"}', b'"text"'):
        assert parse_json(bad) is None


def test_iso_time_conversion():
    assert iso_to_clf("2024-12-31T23:59:59-05:30") == "31/Dec/2024:23:59:59 -0530"
    assert iso_to_clf("yesterday") == ""


@pytest.mark.parametrize("time, day", [
    (b"26/Apr/2024:23:59:59 +0800", 20240426),
    (b"26/Apr/2024:16:00:00 +0000", 20240427),      # midnight in China
    (b"26/Apr/2024:15:59:59 +0000", 20240426),
    (b"31/Dec/2024:12:00:00 -0700", 20250101),
    (b"26/Apr/2024:10:00:00 +0545", 20240426),
    (b"30/Feb/2024:10:00:00 +0800", None),
    (b"26/Foo/2024:10:00:00 +0800", None),
    (b"26/Apr/2024 10:00:00", None),
])
def test_day_is_taken_in_china_time(time, day):
    assert day_of(time) == day


# --- user agents -----------------------------------------------------------------------

@pytest.mark.parametrize("agent, bot", [
    ("Mozilla/5.0 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)", True),
    ("Sogou web spider/4.0(+http://www.sogou.com/docs/help/webmasters.htm#07)", True),
    ("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", True),
    ("Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.2; +https://openai.com/gptbot)", True),
    ("curl/8.5.0", True),
    ("python-requests/2.31", True),
    ("-", True),
    ("", True),
    ("SomeNewCrawler/0.1", True),
    ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148 "
     "MicroMessenger/8.0.49(0x18003137) NetType/WIFI Language/zh_CN", False),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/124.0 Safari/537.36 Edg/124.0", False),
    ("Mozilla/5.0 (Linux; Android 9; CUBOT X19 Build/PPR1) AppleWebKit/537.36 Chrome/96.0 Mobile Safari/537.36", False),
    ("Mozilla/5.0 <script>alert(1)</script>", False),
])
def test_bot_list(agent, bot):
    assert is_bot(agent.encode(), bot_pattern()) is bot


def test_site_adds_its_own_bot_tokens():
    agent = b"Mozilla/5.0 (compatible; KaipuyunInspector/1.0)"
    assert not is_bot(agent, bot_pattern())
    assert is_bot(agent, bot_pattern(("kaipuyuninspector",)))


# --- URL → report ----------------------------------------------------------------------

@pytest.fixture(scope="module")
def urlmap(tmp_path_factory):
    root = make_site(tmp_path_factory.mktemp("stats-map") / "site")
    return load_url_map(load_config(root)[0])


ALPHA_VIEW = Target("alpha", VIEW)
ALPHA_DOWNLOAD = Target("alpha", DOWNLOAD, PDF_SIZE)


@pytest.mark.parametrize("target, expected", [
    (ALPHA, ALPHA_VIEW),
    (ALPHA + "?from=singlemessage&isappinstalled=0", ALPHA_VIEW),
    (ALPHA + "?q=<script>alert(1)</script>", ALPHA_VIEW),
    (ALPHA + "#sec-2", ALPHA_VIEW),
    ("/rd//reports/202404/./t20240426_alpha.html", ALPHA_VIEW),
    ("/rd/news/../reports/202404/t20240426_alpha.html", ALPHA_VIEW),
    ("/rd/reports/202404/t20240426%5Falpha.html", ALPHA_VIEW),                  # %5F is '_'
    ("https://www.example.gov.cn" + ALPHA, ALPHA_VIEW),                          # absolute-form (proxy)
    ("/rd/news/202303/t20230310_beta.html", Target("beta", VIEW)),
    (ALPHA_PDF, ALPHA_DOWNLOAD),
    (ALPHA_PDF + "?download=1", ALPHA_DOWNLOAD),
    # Raw UTF-8 sent unencoded: nginx logs those bytes as \xHH.
    ("/rd/reports/202404/t20240426_alpha/\\xE9\\x99\\x84\\xE4\\xBB\\xB6 \\xE4\\xB8\\x80.pdf", ALPHA_DOWNLOAD),
    ("/rd/reports/202404/t20240426_alpha/photo.png", ASSET),                    # in the bundle, not an attachment
    ("/rd/static/css/site.css", ASSET),
    ("/rd/favicon.ico", ASSET),
    ("/rd/", PAGE),
    ("/rd", PAGE),
    ("/rd/index.html", PAGE),
    ("/rd/reports/", PAGE),
    ("/rd/reports/index.html?page=2", PAGE),
    ("/rd/ranking.html", PAGE),
    ("/reports/202404/t20240426_alpha.html", UNKNOWN),                           # not under the sub-path
    ("/rd/news/202405/t20240501_gamma.html", UNKNOWN),                           # a draft has no public URL
    ("/rd/../etc/passwd", UNKNOWN),
    ("/rd/%ff%fe.html", UNKNOWN),                                                # not UTF-8
    ("/rd/<script>alert(1)</script>.html", UNKNOWN),
    ("/rd/a%00.html", UNKNOWN),
    ("*", UNKNOWN),
])
def test_url_maps_to_report(urlmap, target, expected):
    assert urlmap.classify(target.encode("utf-8")) == expected


def test_directory_permalinks_map_with_or_without_index_html(tmp_path):
    root = make_site(tmp_path / "site", "https://rd.example.gov.cn/", "permalink: /{column}/{id}/\n")
    urlmap = load_url_map(load_config(root)[0])
    for target in ("/reports/alpha/", "/reports/alpha/index.html", "/reports/alpha/?x=1", "/reports/alpha"):
        assert urlmap.classify(target.encode()) == ALPHA_VIEW, target
    assert urlmap.classify("/reports/alpha/附件 一.pdf".encode()) == ALPHA_DOWNLOAD


def test_site_path_is_plain_text_under_the_base_path():
    assert site_path(b"/rd/a%20b/c.html?x#y", "/rd/") == "a b/c.html"
    assert site_path(b"/rd/a/", "/rd/") == "a/index.html"
    assert site_path(b"/other/a.html", "/rd/") is None
