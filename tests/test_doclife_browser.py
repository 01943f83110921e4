"""A document's life in a real headless Chromium: old addresses lead to the new page, the
纠错 link carries the page's address, and 收藏 keeps the reader's own list across pages
(keyboard, screen reader, axe-core); plus the Nu Html Checker on the pages it writes."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from conftest import write
from test_doclife import A1, A2, A3, OTHER, cli_ok, moved  # noqa: F401  (moved: a fixture)
from test_theme_browser import axe_violations
from test_theme_build import run_vnu
from theme_helpers import AXE, FULL_ARTICLE, FULL_ARTICLE_TITLE, OTHER_ARTICLE, VNU, java

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def demo(demo_build, static_server) -> str:
    return static_server(demo_build)


def test_old_addresses_lead_a_real_browser_to_the_new_page(moved, static_server, page):  # noqa: F811
    _, out, _ = moved
    base = static_server(out)
    for old in (A1, A2):
        page.goto(base + old)
        page.wait_for_url(base + A3, timeout=10000)
        assert page.locator("h1.article-title").inner_text() == "青山镇主席团工作报告"
    assert all(urlsplit(u).hostname == "127.0.0.1" for u in page.requests_seen)


def test_redirect_and_withdrawal_pages_pass_the_nu_html_checker(moved, tmp_path):  # noqa: F811
    if not java() or not VNU.is_file():
        pytest.skip("java or vnu-jar missing (scripts/test.sh installs them: cd tests/js && npm ci)")
    import shutil

    site, out, _ = moved
    copy = tmp_path / "site"
    shutil.copytree(site, copy, ignore=shutil.ignore_patterns("build", ".congressgen-cache", ".git"))
    (copy / "content/reports/other.md").unlink()
    cli_ok("withdraw", "other", "--reason", "测试撤稿", cwd=copy)
    cli_ok("build", "--quiet", cwd=copy)
    pages = tmp_path / "pages"
    for name, source in (("a1.html", out / A1), ("a2.html", out / A2), ("withdrawn.html", copy / "build" / OTHER),
                         ("lapsed.html", out / "lapsed.html"), ("favourites.html", out / "favourites.html")):
        write(pages / name, source.read_bytes())
    write(pages / "broken.html", '<!DOCTYPE html><html lang="zh-CN"><head><title>x</title></head><body><p><div></p></body></html>')
    errors = [m for m in run_vnu(pages) if m.get("type") == "error"]
    assert [m["url"] for m in errors if not m["url"].endswith("broken.html")] == []
    assert any(m["url"].endswith("broken.html") for m in errors), "vnu did not read the files"


def test_error_report_link_opens_the_platform_with_the_page_address(demo, page):
    seen = []

    def platform(route):                 # answered here: nothing reaches another host
        seen.append(route.request.url)
        route.fulfill(status=200, content_type="text/html", body="<title>找错</title>")

    page.context.route("https://zfwzgl.www.gov.cn/**", platform)
    page.goto(demo + FULL_ARTICLE)
    link = page.locator(".article-tools a.jiucuo-link")
    assert link.inner_text() == "纠错"
    # beside 打印 and 分享, in the same toolbar
    assert page.locator(".article-tools .print-btn + .share-btn ~ a.jiucuo-link").count() == 1
    with page.expect_popup() as opened:
        link.click()
    popup = opened.value
    popup.wait_for_load_state()
    canonical = page.locator('link[rel="canonical"]').get_attribute("href")
    query = parse_qs(urlsplit(popup.url).query)
    assert query["url"] == [canonical] and canonical.endswith(FULL_ARTICLE)
    assert seen and parse_qs(urlsplit(seen[0]).query)["url"] == [canonical]


def test_favourites_add_and_remove_across_pages_by_keyboard(demo, page):
    page.goto(demo + FULL_ARTICLE)
    button = page.locator("button.fav-btn")
    assert button.is_visible() and button.get_attribute("aria-pressed") == "false"
    button.focus()
    page.keyboard.press("Enter")
    assert button.get_attribute("aria-pressed") == "true"
    assert "已收藏" in page.locator("#fav-status").inner_text()
    assert page.locator("#fav-status").get_attribute("aria-live") == "polite"

    page.goto(demo + OTHER_ARTICLE)
    other_title = page.locator("h1.article-title").inner_text()
    other = page.locator("button.fav-btn")
    assert other.get_attribute("aria-pressed") == "false"
    other.focus()
    page.keyboard.press("Space")
    assert other.get_attribute("aria-pressed") == "true"

    page.goto(demo + "favourites.html")
    rows = page.locator("#fav-list li a")
    assert rows.all_inner_texts() == [other_title, FULL_ARTICLE_TITLE]     # newest first
    if AXE.is_file():
        assert axe_violations(page) == []
    remove = page.get_by_role("button", name=f"取消收藏：{FULL_ARTICLE_TITLE}")
    remove.focus()
    page.keyboard.press("Enter")
    assert rows.all_inner_texts() == [other_title]
    assert FULL_ARTICLE_TITLE in page.locator("#fav-status").inner_text()
    rows.first.click()                                    # the stored link leads to the article
    page.wait_for_url(demo + OTHER_ARTICLE)

    page.goto(demo + FULL_ARTICLE)
    assert page.locator("button.fav-btn").get_attribute("aria-pressed") == "false"
    page.locator("button.fav-btn").click()                # and 取消 from the article itself
    page.goto(demo + OTHER_ARTICLE)
    page.locator("button.fav-btn").click()
    page.goto(demo + "favourites.html")
    assert page.locator("#fav-list li a").all_inner_texts() == [FULL_ARTICLE_TITLE]
    # nothing was sent anywhere: only GETs to the loopback server
    assert all(urlsplit(u).hostname == "127.0.0.1" for u in page.requests_seen)


def test_favourites_page_empty_and_axe_clean(demo, page):
    if not AXE.is_file():
        pytest.skip("axe-core missing (scripts/test.sh installs it: cd tests/js && npm ci)")
    page.goto(demo + "favourites.html")
    assert page.locator("#fav-list li.empty").count() == 1
    assert page.locator("text=/\\d+ 人收藏/").count() == 0        # no global count
    assert axe_violations(page) == []
