"""站内搜索 in a real headless Chromium: queries typed into the header search box of the
built demo site, as a visitor would. Expected reports were picked by reading content/:
each is the one whose title (or tags) is about the query."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from congressgen.search import query_tokens, token_hash
from conftest import MINIMAL_CONFIG, REPO, open_tab, report_text, run_cli, write

pytestmark = pytest.mark.browser

FIRST = 5          # "found in the first results"


def published_sources() -> dict[str, str]:
    """report id -> whole source text, for every published (non-draft) demo report."""
    found = {}
    for path in sorted((REPO / "content").rglob("*.md")):
        text = path.read_text(encoding="utf-8")
        front = text.split("\n---", 1)[0]
        if not re.search(r"^draft:\s*true", front, re.M):
            found[re.search(r"^id:\s*(\S+)", front, re.M).group(1)] = text
    return found


def containing(term: str) -> set[str]:
    return {ident for ident, text in published_sources().items() if term in text}


@pytest.fixture(scope="module")
def site_url(demo_build, static_server) -> str:
    return static_server(demo_build)


@pytest.fixture(scope="module")
def visitor(browser):
    """One browser tab for the read-only query tests (a fresh context per query costs ~1 s)."""
    context, tab = open_tab(browser)
    yield tab
    context.close()


def wait_done(page) -> None:
    page.wait_for_selector("#search-results[aria-busy=false]", state="attached")


def search(page, base: str, query: str, start: str = "index.html") -> list[str]:
    """Type the query into the header box of a page, submit, return result ids in order."""
    page.goto(base + start)
    page.fill("#search-q", query)
    page.press("#search-q", "Enter")
    page.wait_for_url(re.compile(r"search\.html\?q="))
    wait_done(page)
    return page.eval_on_selector_all(".search-result", "items => items.map(i => i.dataset.id)")


def status(page) -> str:
    return page.inner_text("#search-status")


@pytest.mark.parametrize("query, expected, within", [
    ("人大主席团", "qingshan-zxt-2024", FIRST),        # tag 人大主席团; the term eight times in the body
    ("预算审查", "shili-news-20240829", FIRST),         # news: 审查…预算执行情况, tag 预算审查
    ("全过程人民民主", "qingshan-zxt-2023", FIRST),     # the term four times in the report
    ("民生实事", "qingshan-news-20240528", FIRST),      # title: 视察2024年民生实事项目推进情况
    ("票决", "hexi-news-20250214", 1),                 # two characters; title: 人代会票决产生…
    ("扩班", "qingshan-zxt-2024", FIRST),              # only inside 中心幼儿园扩班改造 (a table row)
    ("过程人民", "qingshan-zxt-2023", FIRST),           # only inside 全过程人民民主, across its words
    ("2024年", "qingshan-zxt-2024", FIRST),            # Chinese and digits
    ("2024年民生实事", "qingshan-news-20240528", 1),
])
def test_query_typed_without_spaces_finds_the_expected_report(visitor, site_url, query, expected, within):
    ids = search(visitor, site_url, query)
    assert expected in ids[:within], (query, ids)
    assert containing(query) <= set(ids), "every published report holding the term is found"
    assert "找到" in status(visitor)
    assert all(u.startswith(site_url) for u in visitor.requests_seen)


def test_a_result_shows_title_date_column_and_the_matched_words_highlighted(page, site_url):
    ids = search(page, site_url, "预算审查")
    first = page.locator(".search-result").first
    assert ids[0] == "shili-news-20240829"
    link = first.locator(".search-result-title a")
    assert link.inner_text() == "县人大常委会审查2024年上半年预算执行情况"
    assert link.get_attribute("href") == "news/202408/t20240829_shili-news-20240829.html"
    assert first.locator("time").inner_text() == "2024-08-29"
    assert first.locator(".search-result-column").inner_text() == "人大动态"
    page.wait_for_selector(".search-result >> nth=0 >> .search-result-snippet mark")
    marks = first.locator(".search-result-snippet mark").all_inner_texts()
    assert marks and set(marks) == {"预算审查"}
    assert "预算审查" in first.locator(".search-result-snippet").inner_text()
    link.click()
    page.wait_for_url("**/t20240829_shili-news-20240829.html")


def test_results_are_ranked_title_matches_first(visitor, site_url):
    ids = search(visitor, site_url, "民生实事")
    titled = {"shili-notice-20250901", "hexi-news-20250214", "qingshan-news-20240528"}
    assert set(ids[:3]) == titled


def test_no_match_says_so_clearly(visitor, site_url):
    assert search(visitor, site_url, "量子计算机") == []
    assert "未找到与“量子计算机”相关的内容" in status(visitor)


@pytest.mark.parametrize("chrome", ["网站标识码", "主办单位", "公安机关备案号", "跳到主要内容", "暂无阅读统计"])
def test_footer_sidebar_and_navigation_text_matches_nothing(visitor, site_url, demo_build, chrome):
    article = (demo_build / "reports/202401/t20240119_qingshan-zxt-2024.html").read_text(encoding="utf-8")
    assert chrome in article, "on every page, yet outside the article body"
    assert search(visitor, site_url, chrome) == []
    assert "未找到" in status(visitor)


@pytest.mark.parametrize("query", ["连锁超市", "征求意见稿"])
def test_a_draft_never_appears(visitor, site_url, query):
    assert search(visitor, site_url, query) == []


def test_filter_by_column_and_year_in_place(page, site_url):
    everything = search(page, site_url, "民生实事")
    page.select_option("#search-column", "notices")
    wait_done(page)
    notices = page.eval_on_selector_all(".search-result", "items => items.map(i => i.dataset.id)")
    assert notices == [i for i in everything if "notice" in i] and len(notices) == 2
    assert set(page.locator(".search-result-column").all_inner_texts()) == {"通知公告"}
    assert "column=notices" in page.url and "栏目：通知公告" in status(page)
    page.select_option("#search-year", "2024")
    wait_done(page)
    assert page.eval_on_selector_all(".search-result", "i => i.map(x => x.dataset.id)") == ["qingshan-notice-20240301"]
    assert "year=2024" in page.url
    page.select_option("#search-year", "2023")           # no notice of 2023 mentions 民生实事
    wait_done(page)
    assert page.locator(".search-result").count() == 0 and "取消栏目或年度筛选" in status(page)
    page.go_back()                                      # the address keeps the filters
    wait_done(page)
    assert page.input_value("#search-year") == "2024" and page.locator(".search-result").count() == 1


def test_the_search_page_form_and_a_shared_address_work(page, site_url):
    page.goto(site_url + "search.html?q=%E7%A5%A8%E5%86%B3&column=reports&year=2024")   # 票决
    wait_done(page)
    assert page.input_value("#search-page-q") == "票决" and page.input_value("#search-q") == "票决"
    ids = page.eval_on_selector_all(".search-result", "i => i.map(x => x.dataset.id)")
    assert ids and all(i in ("qingshan-zxt-2024", "hexi-zfgzbg-2024", "shili-zfgzbg-2024") for i in ids)
    page.fill("#search-page-q", "饮水安全")
    page.select_option("#search-year", "")
    page.select_option("#search-column", "")
    page.click("#search-form button[type=submit]")
    wait_done(page)
    assert "qingshan-news-20220615" in page.eval_on_selector_all(".search-result", "i => i.map(x => x.dataset.id)")[:FIRST]


def test_works_under_a_sub_path(page, demo_build, static_server, tmp_path):
    root = tmp_path / "www"
    shutil.copytree(demo_build, root / "rd")
    base = static_server(root) + "rd/"
    ids = search(page, base, "票决", start="reports/202401/t20240119_qingshan-zxt-2024.html")
    assert ids[0] == "hexi-news-20250214"
    assert page.url.startswith(base + "search.html")
    page.locator(".search-result-title a").first.click()
    page.wait_for_url(base + "news/202502/t20250214_hexi-news-20250214.html")
    assert all(u.startswith(base) for u in page.requests_seen), "every request stays under the sub-path"


def test_browser_tokenises_and_hashes_queries_as_the_build_does(page, site_url):
    page.goto(site_url + "search.html")
    samples = ["全过程人民民主", "２０２４年第4次", "ICP备案 abc", "𠀀𠀁字", "二〇二四年", "人大　主席团", "，。"]
    browser_side = page.evaluate(
        "s => s.map(q => [congressgenSearch.queryTokens(q), congressgenSearch.queryTokens(q).map(congressgenSearch.tokenHash)])",
        samples)
    assert browser_side == [[query_tokens(q), [token_hash(t) for t in query_tokens(q)]] for q in samples]


def test_more_results_are_shown_on_request(page, static_server, tmp_path):
    root = tmp_path / "many"
    write(root / "congressgen.yaml", MINIMAL_CONFIG)
    for n in range(25):
        write(root / f"content/reports/r{n:02d}.md", report_text(title=f"第{n}号报告", date=f"2024-01-{n + 1:02d}",
                                                               id=f"r{n:02d}", body="民生实事项目进展顺利。\n"))
    run_cli("build", "--source", str(root), "--quiet", check=True)
    ids = search(page, static_server(root / "build"), "民生实事")
    assert len(ids) == 20 and "找到 25 条" in status(page)
    page.click("#search-more")
    assert page.locator(".search-result").count() == 25
    assert page.locator("#search-more").is_hidden()


def test_search_page_with_results_passes_axe(page, site_url):
    axe = REPO / "tests/js/node_modules/axe-core/axe.min.js"
    if not axe.is_file():
        pytest.skip("axe-core not installed (cd tests/js && npm ci)")
    page.goto(site_url + "search.html?q=%E6%B0%91%E7%94%9F%E5%AE%9E%E4%BA%8B")   # 民生实事
    page.wait_for_selector(".search-result-snippet mark")
    page.add_script_tag(path=str(axe))
    found = page.evaluate("axe.run({include: ['#search-app']}, {runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']})")
    assert [(v["id"], [n["target"] for n in v["nodes"]]) for v in found["violations"]] == []
