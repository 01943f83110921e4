"""Site types (issue 19): `init --type 人大|政府 [--embedded]`, the 政府信息公开专栏 pages, the 目录
in a real browser, column freshness (`check --now`, `status`) and publishing an empty column."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
from conftest import report_text, run_cli, write
from theme_helpers import AXE, VNU, axe_violations, java, run_vnu

from congressgen.content import TZ
from congressgen.sitetype import Limit

TODAY = dt.datetime.now(TZ).date()
MONTH, DAY = f"{TODAY:%Y%m}", f"{TODAY:%Y%m%d}"
GONGKAI_PAGES = {"zfxxgk/index.html", "zfxxgk/zhinan.html", "zfxxgk/ysqgk.html", "zfxxgk/mulu.html"}
COMMON_PAGES = {"index.html", "404.html", "archive.html", "ranking.html", "search.html", "sitemap.html", "tasks.html",
                "lapsed.html", "favourites.html"}   # 废止和失效文件 and 我的收藏 (docs/document-life.md)

# What each type is documented to make (docs/site-types.md): columns, in order, and article ids.
EXPECTED = {
    "人大": {"nav": ["工作报告", "人大动态", "代表工作", "通知公告"],
            "articles": {"reports": "0001", "news": "0002", "daibiao": "0003", "notices": "0004"},
            "extra_pages": set()},
    "政府": {"nav": ["政务动态", "通知公告", "政府工作报告", "政府信息公开"],
            "articles": {"news": "0001", "notices": "0002", "reports": "0003", "zfxxgkzd": "0004", "jgzn": "0005",
                         "zcwj": "0006", "czyjs": "0007", "zfxxgknb": "0008"},
            "extra_pages": GONGKAI_PAGES | {"fdzdgknr/index.html"}},
}


def init(tmp_path: Path, kind: str, *extra: str) -> Path:
    tmp_path.mkdir(parents=True, exist_ok=True)
    done = run_cli("init", "--type", kind, *extra, "site", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    return tmp_path / "site"


def build(site: Path, *extra: str):
    return run_cli("build", "--source", str(site), "--quiet", *extra)


def built_pages(site: Path) -> set[str]:
    out = site / "build"
    return {p.relative_to(out).as_posix() for p in out.rglob("*.html")
            if not p.relative_to(out).as_posix().startswith(("categories/", "tags/", "years/", "static/"))}


def nav_titles(html: str) -> list[str]:
    nav = html[html.index('<nav class="site-nav"'):]
    nav = nav[:nav.index("</nav>")]
    return [t for t in re.findall(r"<a [^>]*>([^<]+)</a>", nav) if t not in ("首页", "文章排行", "年度任务", "归档")]


def footer(html: str) -> str:
    return html[html.index('<footer class="site-footer">'):html.index("</footer>")]


@pytest.mark.parametrize("kind,embedded", [("人大", False), ("政府", False), ("政府", True)])
def test_each_init_type_builds_at_once_passes_strict_check_with_exactly_its_columns_and_pages(tmp_path, kind, embedded):
    site = init(tmp_path, kind, *(["--embedded"] if embedded else []))
    assert build(site).returncode == 0
    check = run_cli("check", "--strict", "--source", str(site))
    assert check.returncode == 0, check.stdout + check.stderr
    expected = EXPECTED[kind]
    articles = {f"{column}/{MONTH}/t{DAY}_{ident}.html" for column, ident in expected["articles"].items()}
    columns = {f"{column}/index.html" for column in expected["articles"]}
    assert built_pages(site) == COMMON_PAGES | articles | columns | expected["extra_pages"]
    home = (site / "build/index.html").read_text(encoding="utf-8")
    assert nav_titles(home) == expected["nav"]
    config = (site / "congressgen.yaml").read_text(encoding="utf-8")
    assert f"  type: {kind}" in config and f"  embedded: {'true' if embedded else 'false'}" in config
    if embedded:   # the portal owns the site identity: no 网站标识码 shown or asked for
        assert "网站标识码" not in footer(home) and "site_code" not in config
        assert 'name="SiteIDCode"' not in home and '<meta name="SiteName" content="示例镇人民政府">' in home
        assert "https://www.example.gov.cn/slz/" in home
    else:
        assert "网站标识码：0000000000" in footer(home) and '<meta name="SiteIDCode" content="0000000000">' in home
        assert 'href="https://beian.mps.gov.cn/#/query/webSearch?code=00000000000000"' in footer(home)
        assert 'href="https://beian.miit.gov.cn/"' in footer(home)


def test_a_standalone_site_is_still_told_about_a_missing_site_code_and_an_embedded_one_is_not(tmp_path):
    for embedded in (False, True):
        site = init(tmp_path / str(embedded), "人大", *(["--embedded"] if embedded else []))
        path = site / "congressgen.yaml"
        path.write_text(re.sub(r'  site_code: "0000000000".*\n', "", path.read_text(encoding="utf-8")), encoding="utf-8")
        found = run_cli("check", "--source", str(site)).stdout
        assert ("site-footer-missing" in found and "网站标识码" in found) is (not embedded), found


def test_init_writes_nothing_over_an_existing_site_and_embedded_needs_a_type(tmp_path):
    site = init(tmp_path, "人大")
    before = (site / "congressgen.yaml").read_bytes()
    again = run_cli("init", "--type", "政府", "site", cwd=tmp_path)
    assert again.returncode == 1 and (site / "congressgen.yaml").read_bytes() == before
    assert run_cli("init", "--embedded", "other", cwd=tmp_path).returncode == 1
    assert not (tmp_path / "other").exists()


# ---------------------------------------------------------------------------------------------
# The 政府信息公开专栏


@pytest.mark.parametrize("key", ["organ", "address", "office_hours", "phone", "fax", "email", "obtain", "apply"])
def test_a_government_site_missing_a_guide_field_fails_with_the_key_and_its_line(tmp_path, key):
    site = init(tmp_path, "政府")
    path = site / "congressgen.yaml"
    lines = path.read_text(encoding="utf-8").split("\n")
    at = next(i for i, line in enumerate(lines) if line.startswith(f"    {key}:"))
    lines[at] = f"    {key}: \"\""
    while lines[at + 1].startswith("      "):   # the text of a `|` block
        del lines[at + 1]
    path.write_text("\n".join(lines), encoding="utf-8")
    (site / "build").mkdir()
    (site / "build/keep.html").write_text("old", encoding="utf-8")
    done = build(site)
    assert done.returncode == 1
    assert f"congressgen.yaml:{at + 1}:5: 错误:" in done.stderr and f"gongkai.guide.{key}" in done.stderr
    assert (site / "build/keep.html").read_text(encoding="utf-8") == "old"


def test_a_guide_field_left_out_is_reported_at_the_guide_and_a_missing_form_file_at_its_key(tmp_path):
    site = init(tmp_path, "政府")
    path = site / "congressgen.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(re.sub(r"    fax: .*\n", "", text), encoding="utf-8")
    guide_line = next(i for i, line in enumerate(text.split("\n")) if line == "  guide:") + 1
    done = build(site)
    assert done.returncode == 1 and f"congressgen.yaml:{guide_line}:3:" in done.stderr and "gongkai.guide.fax" in done.stderr
    path.write_text(text, encoding="utf-8")
    (site / "static/zfxxgk/shenqingbiao.txt").unlink()
    form_line = next(i for i, line in enumerate(text.split("\n")) if line.startswith("    form:")) + 1
    done = build(site)
    assert done.returncode == 1 and f"congressgen.yaml:{form_line}:5:" in done.stderr and "不存在" in done.stderr


@pytest.mark.parametrize("edit,key", [
    (("  type: 政府 ", "  type: 政务 "), "site.type"),
    (("  zfxxgknb: {title: 政府信息公开年报, type: 政府信息公开年报}\n", ""), "政府信息公开年报"),
    (("parent: fdzdgknr}", "parent: fdzd}"), "parent"),
])
def test_site_type_mistakes_are_config_errors_at_their_line(tmp_path, edit, key):
    site = init(tmp_path, "政府")
    path = site / "congressgen.yaml"
    text = path.read_text(encoding="utf-8")
    assert edit[0] in text
    path.write_text(text.replace(edit[0], edit[1], 1), encoding="utf-8")
    done = build(site)
    assert done.returncode == 1 and key in done.stderr
    assert re.search(r"congressgen\.yaml:\d+:\d+: 错误:", done.stderr) and ":1:1:" not in done.stderr


def test_guide_and_apply_pages_show_the_config_and_offer_no_fake_form(tmp_path):
    site = init(tmp_path, "政府")
    assert build(site).returncode == 0
    guide = (site / "build/zfxxgk/zhinan.html").read_text(encoding="utf-8")
    for label, text in (("传真", "0000-0000001"), ("电子邮箱", "zfxxgk@example.gov.cn"), ("办公时间", "工作日上午8:30")):
        assert re.search(rf"<dt>{label}</dt><dd><p>{re.escape(text)}", guide), label
    apply = (site / "build/zfxxgk/ysqgk.html").read_text(encoding="utf-8")
    assert "<form" not in apply.split('<main')[1].split("</main>")[0]
    assert 'href="shenqingbiao.txt" download' in apply
    assert (site / "build/zfxxgk/shenqingbiao.txt").read_bytes() == (site / "static/zfxxgk/shenqingbiao.txt").read_bytes()
    assert 'href="https://www.example.gov.cn/ysqgk/"' in apply
    sitemap = (site / "build/sitemap.html").read_text(encoding="utf-8")
    assert all(f'href="zfxxgk/{name}.html"' in sitemap for name in ("index", "zhinan", "mulu", "ysqgk"))
    landing = (site / "build/zfxxgk/index.html").read_text(encoding="utf-8")
    for title in ("政府信息公开指南", "政府信息公开制度", "法定主动公开内容", "政府信息公开年报", "依申请公开", "政府信息公开目录"):
        assert f">{title}</a>" in landing, title


def test_the_catalog_lists_every_published_item_with_its_fields(tmp_path):
    site = init(tmp_path, "政府")
    assert build(site).returncode == 0
    data = json.loads((site / "build/zfxxgk/mulu.json").read_text(encoding="utf-8"))
    assert data["fields"] == ["索引号", "名称", "主题分类", "发布机构", "成文日期", "发布日期", "文号", "网址"]
    assert len(data["rows"]) == 8
    policy = next(r for r in data["rows"] if r[6])
    assert policy[:7] == [f"000000000/{TODAY.year}-00006", "示例镇人民政府关于印发农村人居环境整治工作方案的通知",
                          "城乡建设\\村镇建设", "示例镇人民政府", TODAY.isoformat(), TODAY.isoformat(),
                          f"示镇政发〔{TODAY.year}〕1号"]
    assert (site / "build" / policy[7]).is_file()


# ---------------------------------------------------------------------------------------------
# The 目录 in a real browser

TOPICS = ("综合政务", "城乡建设", "财政")
ISSUERS = ("示例镇人民政府", "示例镇财政所")


def catalog_site(tmp_path: Path, count: int) -> Path:
    site = init(tmp_path, "政府")
    for n in range(count):
        day = dt.date(2022 + n % 3, 1 + n % 12, 1 + n % 28)
        write(site / f"content/zcwj/{n:04d}.md",
              report_text(title=f"示例文件第{n}号", date=day.isoformat(), id=f"doc{n:04d}", topic=TOPICS[n % 3],
                          issuer=ISSUERS[n % 2], index_number=f"000000000/{day.year}-{n:05d}"))
    assert build(site).returncode == 0
    return site


def expected_count(site: Path, topic: str = "", year: str = "", issuer: str = "") -> int:
    rows = json.loads((site / "build/zfxxgk/mulu.json").read_text(encoding="utf-8"))["rows"]
    return sum(1 for r in rows if (not topic or r[2] == topic) and (not year or r[5][:4] == year)
               and (not issuer or r[3] == issuer))


@pytest.mark.browser
def test_catalog_filters_and_pages_in_the_browser_and_reads_at_375px(tmp_path, static_server, page):
    site = catalog_site(tmp_path, 130)
    total = 138   # 130 documents and the 8 examples
    base = static_server(site / "build")
    page.goto(base + "zfxxgk/mulu.html")
    page.wait_for_selector("html[data-mulu=ready]")
    rows = "#mulu-rows tr"
    assert page.locator(rows).count() == 50 and f"共 {total} 条" in page.inner_text("#mulu-count")
    page.select_option("#mulu-topic", "城乡建设")
    want = expected_count(site, topic="城乡建设")
    assert 50 > want > 0 and page.locator(rows).count() == want
    assert all(t == "城乡建设" for t in page.locator('#mulu-rows td[data-label="主题分类"]').all_inner_texts())
    page.select_option("#mulu-year", "2023")
    page.select_option("#mulu-issuer", "示例镇财政所")
    want = expected_count(site, "城乡建设", "2023", "示例镇财政所")
    assert page.locator(rows).count() == want and f"共 {want} 条" in page.inner_text("#mulu-count")
    assert all(d.startswith("2023") for d in page.locator('#mulu-rows td[data-label="发布日期"]').all_inner_texts())
    for select in ("#mulu-topic", "#mulu-year", "#mulu-issuer"):
        page.select_option(select, "")
    assert page.locator(rows).count() == 50
    page.click("#mulu-pager button:has-text('下一页')")
    assert page.locator(rows).count() == 50 and "第 2/3 页" in page.inner_text("#mulu-count")
    page.click("#mulu-pager button:has-text('下一页')")
    assert page.locator(rows).count() == total - 100
    assert page.locator("#mulu-pager button:has-text('下一页')").is_disabled()
    first = page.locator("#mulu-rows a").first
    href = first.get_attribute("href")
    first.click()
    page.wait_for_load_state()
    assert page.url == base + href.replace("../", "")
    assert not any(not u.startswith(base) for u in page.requests_seen)
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(base + "zfxxgk/mulu.html")
    page.wait_for_selector("html[data-mulu=ready]")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert page.eval_on_selector("#mulu-rows td[data-label='名称']", "e => getComputedStyle(e).display") == "block"


def test_catalog_static_pages_list_every_item_without_script(tmp_path):
    site = catalog_site(tmp_path, 130)
    pages = sorted((site / "build/zfxxgk").glob("mulu*.html"))
    assert [p.name for p in pages] == ["mulu.html", "mulu_1.html", "mulu_2.html"]
    listed = sum(p.read_text(encoding="utf-8").count('<td data-label="索引号">') for p in pages)
    assert listed == 138


@pytest.mark.browser
@pytest.mark.parametrize("path", sorted(GONGKAI_PAGES))
def test_axe_finds_no_serious_violation_on_the_gongkai_pages(tmp_path, static_server, page, path):
    if not AXE.is_file():
        pytest.skip("axe-core missing (scripts/test.sh installs it: cd tests/js && npm ci)")
    site = init(tmp_path, "政府")
    assert build(site).returncode == 0
    page.goto(static_server(site / "build") + path)
    if path.endswith("mulu.html"):
        page.wait_for_selector("html[data-mulu=ready]")
    assert axe_violations(page) == []
    page.set_viewport_size({"width": 375, "height": 800})
    assert axe_violations(page) == []


def test_the_gongkai_pages_pass_the_nu_html_checker(tmp_path):
    if not java() or not VNU.is_file():
        pytest.skip("java or vnu-jar missing (scripts/test.sh installs them: cd tests/js && npm ci)")
    site = init(tmp_path, "政府")
    assert build(site).returncode == 0
    checked = tmp_path / "checked"
    checked.mkdir()
    for path in sorted(GONGKAI_PAGES) + ["fdzdgknr/index.html"]:
        (checked / path.replace("/", "_")).write_bytes((site / "build" / path).read_bytes())
    write(checked / "control.html", '<!DOCTYPE html><html lang="zh-CN"><head><title>x</title></head><body><p><div></p></body></html>')
    errors = [m for m in run_vnu(checked) if m.get("type") == "error"]
    assert [e for e in errors if "control" not in e["url"]] == []
    assert any("control" in e["url"] for e in errors)


# ---------------------------------------------------------------------------------------------
# Column freshness

FRESHNESS_CONFIG = """\
title: 测试县人大常委会
base_url: https://rd.example.gov.cn/
site: {type: 人大}
columns:
  news: {title: 人大动态, type: 动态}
  notices: {title: 通知公告, type: 通知公告}
  zcwj: {title: 政策文件, type: 政策文件}
  own: {title: 自定栏目, type: 代表工作, limit: 30d}
  reports: {title: 工作报告, type: 工作报告}
footer: {organizer: 测试县人大常委会办公室, phone: 0000-0000000, site_code: "0000000000", icp: 测ICP备00000000号-1, police_record: 测公网安备00000000000000号}
"""
DATES = {"news": "2025-03-01", "notices": "2025-01-31", "zcwj": "2024-08-31", "own": "2025-02-10", "reports": "2020-01-01"}
# column -> (last day still in time, by the documented limits)
DUE = {"news": "2025-03-15", "notices": "2025-07-31", "zcwj": "2025-02-28", "own": "2025-03-12"}


def freshness_site(root: Path, config: str = FRESHNESS_CONFIG) -> Path:
    write(root / "congressgen.yaml", config)
    for column, day in DATES.items():
        write(root / f"content/{column}/a.md", report_text(title=f"{column}最新", date=day, id=f"{column}-a"))
        write(root / f"content/{column}/b.md", report_text(title=f"{column}较早", date="2019-06-01", id=f"{column}-b"))
    return root


def stale_columns(site: Path, day: str | dt.date, rule: str = "column-stale") -> set[str]:
    found = json.loads(run_cli("check", "--format", "json", "--now", str(day), "--source", str(site)).stdout)
    return {re.search(r"栏目 “(.+?)”", f["message"]).group(1) for f in found if f["rule"] == rule}


@pytest.mark.parametrize("column", sorted(DUE))
def test_a_column_is_stale_from_the_day_after_its_limit_not_before(tmp_path, column):
    site = freshness_site(tmp_path / "site")
    title = {"news": "人大动态", "notices": "通知公告", "zcwj": "政策文件", "own": "自定栏目"}[column]
    due = dt.date.fromisoformat(DUE[column])
    assert title not in stale_columns(site, due)
    assert title in stale_columns(site, due + dt.timedelta(days=1))


def test_stale_is_an_error_past_the_site_fatal_limit_and_limits_can_be_off(tmp_path):
    config = FRESHNESS_CONFIG.replace("site: {type: 人大}", "site: {type: 人大, stale_error: 3m}").replace(
        "type: 通知公告}", "type: 通知公告, limit: off}")
    site = freshness_site(tmp_path / "site", config)
    # 人大动态 of 1 March: 3 months end on 1 June (政策文件 and 自定栏目 are older still)
    assert stale_columns(site, "2025-06-01", "column-stale-fatal") == {"政策文件", "自定栏目"}
    assert stale_columns(site, "2025-06-02", "column-stale-fatal") == {"人大动态", "政策文件", "自定栏目"}
    assert "人大动态" in stale_columns(site, "2025-06-01")   # a warning until then
    done = run_cli("check", "--now", "2025-06-02", "--source", str(site))
    assert done.returncode == 1 and "error column-stale-fatal" in done.stdout
    assert "通知公告" not in stale_columns(site, "2026-01-01") | stale_columns(site, "2026-01-01", "column-stale-fatal")


def test_a_generic_site_has_no_default_limits(tmp_path):
    site = freshness_site(tmp_path / "site", FRESHNESS_CONFIG.replace("site: {type: 人大}\n", ""))
    assert stale_columns(site, "2026-01-01") == {"自定栏目"}   # only the limit it sets itself


def test_a_bad_limit_is_a_config_error_at_its_line(tmp_path):
    site = freshness_site(tmp_path / "site", FRESHNESS_CONFIG.replace("limit: 30d", "limit: 一个月"))
    done = build(site)
    assert done.returncode == 1 and "congressgen.yaml:8:" in done.stderr and "columns.own.limit" in done.stderr


def test_status_lists_every_column_with_its_newest_item_limit_and_due_day(tmp_path):
    site = freshness_site(tmp_path / "site")
    done = run_cli("status", "--now", "2025-03-16", "--source", str(site))
    assert done.returncode == 0, done.stderr
    lines = {line.split("\t")[0]: line for line in done.stdout.splitlines()[1:]}
    assert list(lines) == ["人大动态（news）", "通知公告（notices）", "政策文件（zcwj）", "自定栏目（own）", "工作报告（reports）"]
    assert lines["人大动态（news）"].split("\t")[1:] == ["超期未更新", "最新：2025-03-01 news最新", "期限：2周",
                                                   "下次更新截止：2025-03-15"]
    assert "按期" in lines["通知公告（notices）"] and "2025-07-31" in lines["通知公告（notices）"]
    assert "不限期" in lines["工作报告（reports）"]


def test_limits_add_calendar_months_and_clamp_to_the_month_end():
    assert Limit(6, "m").due(dt.date(2024, 8, 31)) == dt.date(2025, 2, 28)
    assert Limit(1, "y").due(dt.date(2024, 2, 29)) == dt.date(2025, 2, 28)
    assert Limit(2, "w").due(dt.date(2025, 12, 25)) == dt.date(2026, 1, 8)


def test_publishing_a_site_with_an_empty_column_is_refused_naming_it(tmp_path):
    site = init(tmp_path, "人大")
    for path in (site / "content/daibiao").glob("*.md"):
        path.unlink()
    assert build(site).returncode == 0
    target = tmp_path / "target"
    target.mkdir()
    done = run_cli("publish", str(target), "--source", str(site))
    assert done.returncode != 0
    assert "代表工作（daibiao）" in done.stderr and "空白栏目" in done.stderr
    assert not any(target.rglob("index.html"))
    write(site / "content/daibiao/x.md", report_text(title="代表活动", date=TODAY.isoformat(), id="x1"))
    assert build(site).returncode == 0
    done = run_cli("publish", str(target), "--source", str(site))
    assert done.returncode == 0, done.stderr
    assert any(target.rglob("index.html"))


def test_the_nianbao_column_lists_data_file_annual_reports_when_the_site_has_them(tmp_path):
    from types import SimpleNamespace

    from congressgen.check.engine import load_documents, site_model
    from congressgen.config import load_config
    from congressgen.model.gongkai import LANDING, gongkai_pages

    site_root = init(tmp_path, "政府")
    config, _ = load_config(site_root)
    site, _ = site_model(config, load_documents(config))

    def nianbao_entry():
        landing = next(p for p in gongkai_pages(site) if p.path == LANDING)
        return next(e for e in landing.extra["entries"] if e.title == "政府信息公开年报")

    assert [i.path for i in nianbao_entry().items] == [f"zfxxgknb/{MONTH}/t{DAY}_0008.html"]
    # the shape the data-pages issue gives site.data.nianbao: title, path and date of each 年报
    site.data = SimpleNamespace(nianbao=(SimpleNamespace(title="2024年年报", path="nianbao/2024.html", date=dt.date(2025, 1, 20)),
                                         SimpleNamespace(title="2023年年报", path="nianbao/2023.html", date=dt.date(2024, 1, 25))))
    entry = nianbao_entry()
    assert [(i.title, i.day) for i in entry.items[:2]] == [("2024年年报", "2025-01-20"), ("2023年年报", "2024-01-25")]
    assert entry.items[2].path.startswith("zfxxgknb/") and entry.path == "zfxxgknb/index.html"


def test_a_gongkai_item_without_an_index_number_is_warned_about_on_a_government_site_only(tmp_path):
    for kind in ("政府", "人大"):
        site = init(tmp_path / kind, kind)
        column = "zcwj" if kind == "政府" else "notices"
        write(site / f"content/{column}/x.md", report_text(title="没有索引号的文件", date=TODAY.isoformat(), id="x1"))
        found = run_cli("check", "--format", "json", "--source", str(site)).stdout
        rules = {(f["path"], f["rule"]) for f in json.loads(found)}
        assert ((f"content/{column}/x.md", "gongkai-index-missing") in rules) is (kind == "政府")


def test_a_rebuild_after_one_edit_updates_the_landing_page_and_the_catalog(tmp_path):
    site = init(tmp_path, "政府")
    assert build(site).returncode == 0
    source = next((site / "content/zfxxgkzd").glob("*.md"))
    source.write_text(source.read_text(encoding="utf-8").replace("title: 示例镇人民政府政府信息主动公开制度",
                                                                 "title: 修订后的政府信息主动公开制度"), encoding="utf-8")
    assert build(site).returncode == 0
    for path in ("zfxxgk/index.html", "zfxxgk/mulu.html", "zfxxgk/mulu.json"):
        assert "修订后的政府信息主动公开制度" in (site / "build" / path).read_text(encoding="utf-8"), path
