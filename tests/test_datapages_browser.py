"""The data pages of the demo site (data/jianyi/2024.csv, data/nianbao/2024.yaml) in a real
headless Chromium: the 建议 filters (and the list without JavaScript), 375 px, print on A4,
axe-core and the Nu Html Checker on both page kinds, and the site under a sub-path."""

from __future__ import annotations

import re

import pytest

from conftest import REPO, run_cli
from test_theme_browser import axe_violations
from test_theme_build import run_vnu
from theme_helpers import AXE, VNU, java

from congressgen.tables.jianyi import JianyiSettings, load_years

LIST = "jianyi/2024/index.html"
ITEM = "jianyi/2024/001.html"
NIANBAO = "nianbao/2024.html"
DATA_PAGES = [LIST, ITEM, NIANBAO, "jianyi/index.html", "nianbao/index.html"]


@pytest.fixture(scope="module")
def site(demo_build, static_server) -> str:
    return static_server(demo_build)


@pytest.fixture(scope="module")
def demo_year():
    [year] = load_years(REPO, JianyiSettings())
    return year


def visible_rows(page) -> int:
    return page.locator("#jianyi-list tbody tr:visible").count()


@pytest.mark.browser
def test_filters_by_unit_category_and_satisfaction(site, page, demo_year):
    total = len(demo_year.suggestions)
    page.goto(site + LIST)
    assert page.locator("#jianyi-filter").is_visible()
    assert visible_rows(page) == total
    assert page.inner_text("#filter-count") == f"共 {total} 件"

    page.select_option("#filter-category", "C")
    wanted = [s for s in demo_year.suggestions if s.category == "C"]
    assert 0 < len(wanted) < total
    assert visible_rows(page) == len(wanted)
    assert page.inner_text("#filter-count") == f"显示 {len(wanted)} 件，共 {total} 件"
    shown = page.locator("#jianyi-list tbody tr:visible th a").all_inner_texts()
    assert shown == [s.title for s in wanted]
    assert "category=C" in page.url

    unit = "县教育局"
    page.goto(site + LIST + "?unit=" + unit)          # a shared address restores the choice
    assert page.eval_on_selector("#filter-unit", "e => e.value") == unit
    by_unit = [s for s in demo_year.suggestions if unit in (s.lead_unit, *s.assist_units)]
    assert visible_rows(page) == len(by_unit) and len(by_unit) > 1

    page.select_option("#filter-satisfaction", "不满意")
    both = [s for s in by_unit if s.satisfaction == "不满意"]
    assert visible_rows(page) == len(both)
    assert page.locator("#filter-empty").is_visible() == (not both)
    page.select_option("#filter-unit", "")
    page.select_option("#filter-satisfaction", "")
    assert visible_rows(page) == total and page.url.endswith(LIST)


@pytest.mark.browser
def test_without_javascript_the_whole_list_shows_and_no_dead_form(browser, site, demo_year):
    context = browser.new_context(java_script_enabled=False)
    try:
        tab = context.new_page()
        tab.goto(site + LIST)
        assert not tab.locator("#jianyi-filter").is_visible()
        assert visible_rows(tab) == len(demo_year.suggestions)
    finally:
        context.close()


@pytest.mark.browser
def test_data_pages_fit_375px_and_wide_tables_scroll_in_their_own_region(site, page):
    page.set_viewport_size({"width": 375, "height": 800})
    for path in DATA_PAGES:
        page.goto(site + path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, f"{path} is {width}px wide"
    page.goto(site + NIANBAO)
    region = page.locator(".table-scroll:has(#nianbao-applications)")
    assert region.evaluate("e => e.scrollWidth > e.clientWidth")              # scrolls sideways itself
    assert region.get_attribute("tabindex") == "0" and region.get_attribute("role") == "region"
    page.goto(site + LIST)
    # each 建议 a labelled card: the label shows before each value
    label = page.eval_on_selector("#jianyi-list tbody td[data-label='承办单位']", "e => getComputedStyle(e, '::before').content")
    assert "承办单位" in label
    assert page.locator("#jianyi-list thead").bounding_box()["height"] <= 1


@pytest.mark.browser
def test_print_on_a4_without_filters_and_with_whole_tables(site, page):
    for path in (LIST, NIANBAO):
        page.goto(site + path)
        page.emulate_media(media="print")
        assert not page.locator(".site-header").is_visible() and not page.locator(".site-footer").is_visible()
        if path == LIST:
            assert not page.locator("#jianyi-filter").is_visible()
        # no table wider than the printed text block, none cut off by a scrolling box
        overflow = page.evaluate("""() => [...document.querySelectorAll('.table-scroll')].filter(
            r => r.scrollWidth > r.clientWidth + 1 || getComputedStyle(r).overflowX !== 'visible').length""")
        assert overflow == 0, path
        pdf = page.pdf(prefer_css_page_size=True)
        boxes = set(re.findall(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", pdf))
        assert boxes and all(abs(float(w) - 595.3) < 1 and abs(float(h) - 841.9) < 1 for w, h in boxes)
        page.emulate_media(media="screen")


@pytest.mark.browser
@pytest.mark.parametrize("path", DATA_PAGES)
def test_axe_finds_no_serious_or_critical_violation_on_data_pages(site, page, path):
    if not AXE.is_file():
        pytest.skip("axe-core missing (scripts/test.sh installs it: cd tests/js && npm ci)")
    page.goto(site + path)
    assert axe_violations(page) == []


@pytest.mark.browser
def test_axe_on_the_filtered_list_at_375px(site, page):
    if not AXE.is_file():
        pytest.skip("axe-core missing (scripts/test.sh installs it: cd tests/js && npm ci)")
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(site + LIST)
    page.select_option("#filter-category", "B")
    assert axe_violations(page) == []


def test_nu_html_checker_passes_both_page_kinds(demo_build):
    if not java() or not VNU.is_file():
        pytest.skip("java or vnu-jar missing (scripts/test.sh installs them: cd tests/js && npm ci)")
    folders = [demo_build / "jianyi", demo_build / "nianbao"]
    assert (demo_build / ITEM).is_file() and (demo_build / NIANBAO).is_file()
    errors = [m for m in run_vnu(*folders) if m.get("type") == "error"]
    assert errors == []


@pytest.fixture(scope="module")
def subpath_site(tmp_path_factory, static_server) -> str:
    www = tmp_path_factory.mktemp("datasub") / "www"
    result = run_cli("build", "--source", str(REPO), "--output", str(www / "rd"), "--quiet",
                     "--base-url", "https://www.example.gov.cn/rd/")
    assert result.returncode == 0, result.stderr
    return static_server(www) + "rd/"


@pytest.mark.browser
def test_data_pages_work_under_a_sub_path(subpath_site, page):
    page.goto(subpath_site + "index.html")
    page.click(".data-block a[href='jianyi/index.html']")
    page.click(".data-years a >> nth=0")
    assert page.url == subpath_site + LIST
    page.click("#jianyi-list tbody tr >> nth=0 >> th a")
    assert page.url == subpath_site + ITEM
    assert page.locator("h1.article-title").inner_text().startswith("（示例）")
    page.goto(subpath_site + "index.html")
    page.click(".data-block a[href='nianbao/index.html']")
    page.click(".data-years a >> nth=0")
    assert page.url == subpath_site + NIANBAO
    assert page.eval_on_selector("link[rel=stylesheet]", "e => e.sheet !== null")
    assert all(u.startswith(subpath_site) for u in page.requests_seen), page.requests_seen
    sitemap = page.request.get(subpath_site + "sitemap.xml").text()
    assert "<loc>https://www.example.gov.cn/rd/jianyi/2024/001.html</loc>" in sitemap


@pytest.mark.browser
def test_site_search_finds_a_suggestion_and_the_annual_report(site, page):
    from test_search_browser import search

    ids = search(page, site, "河道日常保洁")
    assert ids[0] == "jianyi-2024-011"
    first = page.locator(".search-result").first
    assert first.locator(".search-result-column").inner_text() == "建议办理"
    assert first.locator(".search-result-title a").get_attribute("href") == "jianyi/2024/011.html"
    assert "nianbao-2024" in search(page, site, "政府信息公开工作年度报告")
