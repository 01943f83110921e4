"""The default theme in a real headless Chromium: the demo site is built once, served once
from 127.0.0.1, and looked at as a reader (and an inspector) would; plus the demo built for a
sub-path (base_url https://www.example.gov.cn/rd/), checked file by file and in the browser."""

from __future__ import annotations

import re
import struct
from urllib.parse import unquote, urljoin, urlsplit

import pytest
from conftest import run_cli
from theme_helpers import (
    AXE,
    COLUMN_LIST,
    FOOTER_LABELS,
    FULL_ARTICLE,
    FULL_ARTICLE_TITLE,
    OTHER_ARTICLE,
    PLAIN_ARTICLE,
    REPO,
    SCREENSHOTS,
    axe_violations,
    html_pages,
    scan_html,
)

MAIN_RED = "rgb(168, 20, 27)"


@pytest.fixture(scope="module")
def site(demo_build, static_server) -> str:
    """Base URL of the demo build on a loopback server (one per test module)."""
    return static_server(demo_build)


def font_px(page, selector: str) -> float:
    return page.eval_on_selector(selector, "e => parseFloat(getComputedStyle(e).fontSize)")


def visible_text(page, selector: str) -> str:
    return page.inner_text(selector).strip()


# ---------------------------------------------------------------------------------------------
# The article page


@pytest.mark.browser
def test_article_page_shows_every_element(site, page):
    page.goto(site + FULL_ARTICLE)
    assert page.inner_text("h1.article-title") == FULL_ARTICLE_TITLE
    assert page.title() == f"{FULL_ARTICLE_TITLE}_工作报告_示例县人大常委会"

    info = visible_text(page, ".article-info")
    assert re.search(r"发布时间：2024-01-19 09:30(\s|$)", info)
    assert "来源：青山镇人大主席团" in info
    assert "阅读" not in info and "下载量" not in info          # no stats store: no counts, never invented
    assert page.inner_text(".article-session") == "——在青山镇第十届人民代表大会第四次会议上"

    # Toolbar: 字号 大/中/小 as toggle buttons, 打印, 分享.
    sizes = page.eval_on_selector_all(".article-tools .fs-btn",
                                      "bs => bs.map(b => [b.textContent, b.getAttribute('aria-pressed')])")
    assert sizes == [["大", "false"], ["中", "true"], ["小", "false"]]
    assert page.get_by_role("button", name="打印").is_visible()
    assert page.get_by_role("button", name="分享").is_visible()
    assert page.get_by_role("toolbar", name="文章工具").is_visible()

    # 政务公开 block from the front matter.
    meta = dict(page.eval_on_selector_all(
        ".open-meta dl > div", "ds => ds.map(d => [d.querySelector('dt').textContent, d.querySelector('dd').textContent])"))
    assert meta == {"索引号": "11330000MB0000000X/2024-00012", "发文字号": "青人发〔2024〕3号", "发布日期": "2024年01月19日"}

    # Table of contents from the outline: every entry leads to a heading of the body.
    toc = page.eval_on_selector_all(".toc a", "as => as.map(a => [a.getAttribute('href'), a.textContent])")
    assert len(toc) >= 10 and toc[0] == ["#sec-1", "一、旗帜鲜明讲政治，坚持党对人大工作的全面领导"]
    for href, text in toc:
        heading = page.locator(f"#article-body [id='{href[1:]}']")
        assert heading.count() == 1 and heading.inner_text() == text
    assert page.inner_text(".toc").count("工作回顾") == 1 and "主要任务" in page.inner_text(".toc")
    assert "各位代表" in page.inner_text("#article-body")

    # Attachments with file type and size, and they download.
    rows = page.eval_on_selector_all(".attachment-list li", "ls => ls.map(l => [l.querySelector('a').href, l.textContent])")
    assert len(rows) == 2
    for href, text in rows:
        assert re.search(r"（(CSV|TXT)，\d+(\.\d)? (B|KB|MB)）", text), text
        assert page.request.get(href).status == 200

    # The page's own QR code, labelled, with the WeChat line.
    share = page.locator("#share-box")
    assert "微信扫一扫在手机阅读、分享本文" in share.inner_text()
    qr = share.locator("svg[role=img]")
    assert qr.count() == 1 and "二维码" in qr.get_attribute("aria-label")
    assert qr.bounding_box()["width"] >= 100

    # Previous / next, both real pages.
    for rel in ("prev", "next"):
        link = page.locator(f".prev-next a[rel={rel}]")
        assert link.count() == 1
        assert page.request.get(urljoin(page.url, link.get_attribute("href"))).status == 200

    # 推荐阅读: related reports, never this page.
    related = page.eval_on_selector_all(".related a", "as => as.map(a => a.href)")
    assert 1 <= len(related) <= 5 and page.url not in related
    # 文章排行 sidebar: present, and honest about having no data yet.
    assert "暂无阅读统计" in page.inner_text(".ranking-box")
    assert page.locator(".ranking-box .count").count() == 0
    # The site's QR codes from config, each labelled.
    labels = page.eval_on_selector_all(".site-qr svg[role=img]", "ss => ss.map(s => s.getAttribute('aria-label'))")
    assert labels == ["微信订阅号二维码", "联系客服二维码"]
    assert page.inner_text(".site-qr").split() == ["关注我们", "微信订阅号", "联系客服"]

    footer = page.inner_text(".site-footer")
    for label in FOOTER_LABELS:
        assert label in footer


@pytest.mark.browser
def test_article_without_time_or_open_metadata(site, page):
    page.goto(site + PLAIN_ARTICLE)
    info = visible_text(page, ".article-info")
    assert re.search(r"发布时间：2022-06-15(\s|$)", info)        # a date only: no invented time
    assert page.locator(".open-meta").count() == 0
    assert page.locator(".article-session").count() == 0
    assert page.locator(".attachments").count() == 0


@pytest.mark.browser
def test_share_button_brings_the_qr_code_into_view(site, page):
    page.set_viewport_size({"width": 1280, "height": 700})
    page.goto(site + FULL_ARTICLE)
    page.get_by_role("button", name="分享").click()
    page.wait_for_function("() => document.activeElement && document.activeElement.id === 'share-box'")
    box = page.locator("#share-box").bounding_box()
    assert 0 <= box["y"] and box["y"] + box["height"] <= 700


# ---------------------------------------------------------------------------------------------
# Reader preferences, remembered across pages


@pytest.mark.browser
def test_font_size_large_grows_the_body_and_is_remembered(site, page):
    page.goto(site + FULL_ARTICLE)
    medium = font_px(page, "#article-body p")
    page.get_by_role("button", name="大", exact=True).click()
    large = font_px(page, "#article-body p")
    assert large > medium
    assert page.get_attribute(".fs-btn[data-size=large]", "aria-pressed") == "true"
    assert page.get_attribute(".fs-btn[data-size=medium]", "aria-pressed") == "false"

    page.goto(site + OTHER_ARTICLE)
    assert font_px(page, "#article-body p") == large
    assert page.get_attribute(".fs-btn[data-size=large]", "aria-pressed") == "true"

    page.get_by_role("button", name="小", exact=True).click()
    assert font_px(page, "#article-body p") < medium
    page.goto(site + FULL_ARTICLE)
    assert font_px(page, "#article-body p") < medium


@pytest.mark.browser
def test_elder_mode_enlarges_and_is_remembered(site, page):
    page.goto(site + "index.html")
    toggle = page.locator("#elder-toggle")
    assert toggle.get_attribute("aria-pressed") == "false"
    normal_body = font_px(page, "body")
    normal_row = font_px(page, ".report-list a")
    toggle.click()
    assert toggle.get_attribute("aria-pressed") == "true"
    assert font_px(page, "body") > normal_body and font_px(page, ".report-list a") > normal_row

    page.goto(site + FULL_ARTICLE)
    assert page.get_attribute("#elder-toggle", "aria-pressed") == "true"
    assert font_px(page, "body") > normal_body
    size, leading, colour = page.eval_on_selector(
        "#article-body p",
        "e => { const s = getComputedStyle(e); return [parseFloat(s.fontSize), parseFloat(s.lineHeight), s.color]; }")
    assert size >= 22 and leading / size >= 1.3 and colour == "rgb(0, 0, 0)"

    page.click("#elder-toggle")                       # and it switches off again, everywhere
    page.goto(site + "index.html")
    assert page.get_attribute("#elder-toggle", "aria-pressed") == "false"
    assert font_px(page, "body") == normal_body


# ---------------------------------------------------------------------------------------------
# Accessibility (axe-core), print, narrow screens, no other host


AXE_PAGES = ["index.html", FULL_ARTICLE, "ranking.html", COLUMN_LIST, "404.html", "tasks.html"]


@pytest.mark.browser
@pytest.mark.parametrize("path", AXE_PAGES)
def test_axe_finds_no_serious_or_critical_violation(site, page, path):
    if not AXE.is_file():
        pytest.skip("axe-core missing (scripts/test.sh installs it: cd tests/js && npm ci)")
    page.goto(site + path)
    assert axe_violations(page) == []


@pytest.mark.browser
def test_axe_in_elder_mode_and_at_375px(site, page):
    if not AXE.is_file():
        pytest.skip("axe-core missing (scripts/test.sh installs it: cd tests/js && npm ci)")
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(site + "index.html")
    page.click("#elder-toggle")
    page.goto(site + FULL_ARTICLE)
    assert axe_violations(page) == []


@pytest.mark.browser
def test_print_hides_navigation_sidebars_toolbar_and_qr(site, page):
    page.goto(site + FULL_ARTICLE)
    page.emulate_media(media="print")
    for selector in (".site-header", ".site-nav", ".sidebar", ".article-tools", ".share", "svg.qr",
                     ".breadcrumb", ".toc", ".prev-next", ".site-footer", ".search-box"):
        assert page.locator(selector).count() > 0, selector
        assert not page.locator(selector).first.is_visible(), selector
    assert page.locator("svg.qr:visible").count() == 0
    assert page.locator("#article-body").is_visible() and page.locator(".attachments").is_visible()
    # GB/T 9704 manner: 仿宋 3号 (16 pt) body, 黑体 一、, 楷体 （一）.
    assert "FangSong" in page.eval_on_selector("#article-body p", "e => getComputedStyle(e).fontFamily")
    assert abs(font_px(page, "#article-body p") - 16 * 96 / 72) < 0.1
    assert "SimHei" in page.eval_on_selector("#article-body h2", "e => getComputedStyle(e).fontFamily")
    assert "KaiTi" in page.eval_on_selector("#article-body h3", "e => getComputedStyle(e).fontFamily")
    # The stylesheet asks for A4 paper (595 x 842 pt).
    pdf = page.pdf(prefer_css_page_size=True)
    media_boxes = set(re.findall(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", pdf))
    assert media_boxes and all(abs(float(w) - 595.3) < 1 and abs(float(h) - 841.9) < 1 for w, h in media_boxes)


NARROW_PAGES = ["index.html", FULL_ARTICLE, COLUMN_LIST, PLAIN_ARTICLE, "ranking.html", "tasks.html",
                "archive.html", "tags/index.html", "sitemap.html", "404.html"]


@pytest.mark.browser
def test_nothing_overflows_at_375px(site, page):
    page.set_viewport_size({"width": 375, "height": 800})
    for elder in (False, True):
        if elder:
            page.click("#elder-toggle")
        for path in NARROW_PAGES:
            page.goto(site + path)
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 375, f"{path} (长者模式={elder}) is {width}px wide"


@pytest.mark.browser
def test_no_request_leaves_127_0_0_1(site, page):
    for path in ["index.html", COLUMN_LIST, "ranking.html", "404.html", "sitemap.html", FULL_ARTICLE]:
        page.goto(site + path)
    page.get_by_role("button", name="大", exact=True).click()
    page.click("#elder-toggle")
    page.goto(site + FULL_ARTICLE)
    assert len(page.requests_seen) >= 12
    assert [u for u in page.requests_seen if not u.startswith(site)] == []


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


@pytest.mark.browser
def test_screenshots_for_review(site, page):
    """Full-page screenshots a reviewer can open: screenshots/{index,article}-{1280,375}.png."""
    SCREENSHOTS.mkdir(exist_ok=True)
    for width in (1280, 375):
        page.set_viewport_size({"width": width, "height": 900})
        for name, path in (("index", "index.html"), ("article", FULL_ARTICLE)):
            page.goto(site + path)
            target = SCREENSHOTS / f"{name}-{width}.png"
            page.screenshot(path=str(target), full_page=True)
            shot_width, shot_height = png_size(target.read_bytes())
            assert shot_width == width and shot_height > 900


# ---------------------------------------------------------------------------------------------
# A site published under a sub-path


@pytest.fixture(scope="module")
def subpath_www(tmp_path_factory):
    """The demo built for https://www.example.gov.cn/rd/ into www/rd/ (www is the server root)."""
    www = tmp_path_factory.mktemp("subpath") / "www"
    result = run_cli("build", "--source", str(REPO), "--output", str(www / "rd"), "--quiet",
                     "--base-url", "https://www.example.gov.cn/rd/")
    assert result.returncode == 0, result.stderr
    return www


def test_sub_path_build_links_and_assets_resolve_inside_the_path(subpath_www):
    www, site = subpath_www, subpath_www / "rd"
    checked = 0
    for path in html_pages(site):
        page_url = "http://host/" + path.relative_to(www).as_posix()
        scan = scan_html(path)
        assert scan.metas["SiteDomain"] == "www.example.gov.cn"
        for ref in scan.refs:
            target = urlsplit(urljoin(page_url, ref))
            if target.netloc != "host" or target.path.endswith("search.html"):
                continue          # other hosts are plain links; search.html belongs to the search stage
            assert target.path.startswith("/rd/"), f"{path}: {ref} leaves /rd/"
            file = www / unquote(target.path).lstrip("/")
            if target.path.endswith("/"):
                file = file / "index.html"
            assert file.is_file(), f"{path}: {ref} -> {file}"
            checked += 1
    assert checked > 1000
    text = (site / FULL_ARTICLE).read_text(encoding="utf-8")
    assert f'<link rel="canonical" href="https://www.example.gov.cn/rd/{FULL_ARTICLE}">' in text
    assert "本文网址：https://www.example.gov.cn/rd/" + FULL_ARTICLE in text
    assert 'href="/rd/static/css/site.css"' in (site / "404.html").read_text(encoding="utf-8")


@pytest.mark.browser
def test_sub_path_site_works_in_the_browser(subpath_www, static_server, page):
    www = subpath_www
    base = static_server(www) + "rd/"

    page.goto(base + "index.html")
    assert page.eval_on_selector(".site-nav", "e => getComputedStyle(e).backgroundColor") == MAIN_RED
    page.click(".site-nav >> text=工作报告")
    assert page.url == base + "reports/index.html"
    page.click(f".report-list a[title='{FULL_ARTICLE_TITLE}']")
    assert page.url == base + FULL_ARTICLE
    # a locator waits for the new page's heading (the URL changes before the page is parsed)
    assert page.locator("h1.article-title").evaluate("e => getComputedStyle(e).textAlign") == "center"
    page.get_by_role("button", name="大", exact=True).click()
    page.click(".breadcrumb >> text=首页")
    assert page.url == base + "index.html"

    # A web server answers a missing page at any depth with 404.html's content.
    deep = www / "rd" / "no" / "such" / "page.html"
    deep.parent.mkdir(parents=True, exist_ok=True)
    deep.write_bytes((www / "rd" / "404.html").read_bytes())
    page.goto(base + "no/such/page.html")
    page.click(".notfound-links >> text=网站地图")
    assert page.url == base + "sitemap.html"
    assert page.eval_on_selector(".site-nav", "e => getComputedStyle(e).backgroundColor") == MAIN_RED
    assert [u for u in page.requests_seen if not u.startswith(base)] == []
