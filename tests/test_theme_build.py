"""The default theme's HTML as built: validity (Nu Html Checker), the meta tags and footer
labels inspection crawlers read, dated list rows, honest counts, and a site
overriding a single template."""

from __future__ import annotations

import json
import re
import subprocess
import textwrap
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from conftest import MINIMAL_CONFIG, report_text, run_cli, write
from theme_helpers import FOOTER_LABELS, FULL_ARTICLE, PLAIN_ARTICLE, REPO, VNU, html_pages, java, scan_html

from congressgen.model import datasources
from congressgen.build import BuildOptions, build
from congressgen.model.types import Traffic

# The labels a footer shows for the minimal test config (no 承办单位 or 地址 configured).
REQUIRED_FOOTER_LABELS = tuple(label for label in FOOTER_LABELS if label not in ("承办单位", "地址"))

ARTICLE_RE = re.compile(r"^[a-z]+/\d{6}/t\d{8}_[\w-]+\.html$")


def site_kind(rel: str) -> str:
    if ARTICLE_RE.match(rel):
        return "article"
    if re.fullmatch(r"(reports|news|notices)/index(_\d+)?\.html", rel):
        return "column"
    return "other"


# ---------------------------------------------------------------------------------------------
# HTML validity


def run_vnu(*folders: Path) -> list[dict]:
    result = subprocess.run(["java", "-jar", str(VNU), "--errors-only", "--skip-non-html", "--format", "json",
                             *map(str, folders)], capture_output=True, text=True, encoding="utf-8", timeout=300)
    return json.loads(result.stderr or '{"messages": []}')["messages"]


def test_every_demo_page_passes_the_nu_html_checker(demo_build, tmp_path):
    if not java() or not VNU.is_file():
        pytest.skip("java or vnu-jar missing (scripts/test.sh installs them: cd tests/js && npm ci)")
    # A known-bad page checked in the same run proves the checker really read the files.
    write(tmp_path / "control" / "broken.html",
          '<!DOCTYPE html><html lang="zh-CN"><head><title>x</title></head><body><p><div></p></body></html>')
    messages = run_vnu(demo_build, tmp_path / "control")
    errors = [m for m in messages if m.get("type") == "error"]
    in_demo = [f'{unquote(m["url"])}:{m.get("lastLine")}: {m["message"]}' for m in errors if "/control/" not in m["url"]]
    assert in_demo == []
    assert any("/control/broken.html" in m["url"] for m in errors), "vnu did not report the control page"
    assert len(html_pages(demo_build)) >= 40


# ---------------------------------------------------------------------------------------------
# What inspection crawlers read


def test_site_meta_tags_on_every_page_and_article_and_column_tags(demo_build):
    kinds = {"article": 0, "column": 0}
    for path in html_pages(demo_build):
        rel = path.relative_to(demo_build).as_posix()
        metas = scan_html(path).metas
        assert metas.get("SiteName") == "示例县人大常委会", rel
        assert metas.get("SiteDomain") == "rd.example.gov.cn", rel
        assert metas.get("SiteIDCode") == "0000000000", rel
        kind = site_kind(rel)
        if kind == "article":
            kinds["article"] += 1
            assert metas["ArticleTitle"], rel
            assert re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", metas["PubDate"]), rel
            assert metas["ContentSource"], rel
            assert metas["ColumnName"] in ("工作报告", "人大动态", "通知公告"), rel
        elif kind == "column":
            kinds["column"] += 1
            for name in ("ColumnName", "ColumnDescription", "ColumnKeywords", "ColumnType"):
                assert metas.get(name), f"{rel}: {name}"
    assert kinds["article"] >= 16 and kinds["column"] >= 3

    full = scan_html(demo_build / FULL_ARTICLE).metas
    assert full["PubDate"] == "2024-01-19 09:30"
    assert full["ContentSource"] == "青山镇人大主席团"
    assert full["ArticleTitle"] == "青山镇人民代表大会主席团工作报告（2024年）"
    assert scan_html(demo_build / PLAIN_ARTICLE).metas["PubDate"] == "2022-06-15 00:00"


def test_article_page_title_is_title_column_site(demo_build):
    text = (demo_build / FULL_ARTICLE).read_text(encoding="utf-8")
    assert "<title>青山镇人民代表大会主席团工作报告（2024年）_工作报告_示例县人大常委会</title>" in text


def test_every_list_row_shows_its_date(demo_build):
    rows = 0
    for path in html_pages(demo_build):
        scan = scan_html(path)
        assert scan.undated_rows == 0, path
        rows += scan.list_rows
    assert rows > 100


def footer_of(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    return text[text.index('<footer class="site-footer">'):text.index("</footer>")]


def test_footer_labels_and_links_on_every_page(demo_build):
    for path in html_pages(demo_build):
        footer = footer_of(path)
        for label in FOOTER_LABELS:
            assert label in footer, f"{path}: {label}"
    footer = footer_of(demo_build / "index.html")
    assert '<a href="https://beian.miit.gov.cn/" rel="noopener">示ICP备00000000号-1</a>' in footer
    assert 'href="https://www.beian.gov.cn/portal/registerSystemInfo?recordcode=00000000000000"' in footer
    # 我为政府网站找错 is a link carrying the site code: nothing is loaded from that platform.
    assert 'href="https://zfwzgl.www.gov.cn/exposure/jiucuo.html?site_code=0000000000"' in footer
    assert "<script" not in footer


def test_no_page_loads_anything_from_another_host(demo_build):
    for path in html_pages(demo_build):
        for ref in scan_html(path).assets:
            assert not urlsplit(ref).netloc and not ref.startswith("//"), f"{path}: {ref}"
    for css in (demo_build / "static" / "css").glob("*.css"):
        assert not re.search(r"url\(\s*['\"]?(https?:)?//", css.read_text(encoding="utf-8")), css
        assert "@import" not in css.read_text(encoding="utf-8")


def test_build_warns_about_each_missing_footer_field(site_dir):
    config = re.sub(r"(?m)^  (phone|police_record): .*\n", "", MINIMAL_CONFIG)
    write(site_dir / "congressgen.yaml", config)
    write(site_dir / "content/reports/a.md", report_text())
    result = run_cli("build", "--source", str(site_dir))
    assert result.returncode == 0, result.stderr
    assert "页脚缺少“联系电话”" in result.stderr
    assert "页脚缺少“公安机关备案号”" in result.stderr
    assert "页脚缺少“主办单位”" not in result.stderr
    assert "congressgen.yaml" in result.stderr          # the message names the file to fix
    # The page still shows every label it has; the missing ones are simply absent.
    footer = footer_of(next((site_dir / "build" / "reports").glob("*/t*.html")))
    assert "网站标识码：0000000000" in footer and "公安机关备案号" not in footer


def test_complete_footer_gives_no_footer_warning(site_dir):
    write(site_dir / "content/reports/a.md", report_text())
    result = build(BuildOptions(source=site_dir))
    assert not [w for w in result.warnings if "页脚" in w.message]


# ---------------------------------------------------------------------------------------------
# Counts: shown only from measured traffic, never invented


def test_demo_without_stats_shows_no_counts(demo_build):
    for path in html_pages(demo_build):
        text = path.read_text(encoding="utf-8")
        assert 'class="views"' not in text and 'class="downloads"' not in text, path
        assert 'class="rank-list"' not in text, path
    assert "暂无阅读统计" in (demo_build / FULL_ARTICLE).read_text(encoding="utf-8")


def test_measured_counts_are_shown_on_article_sidebar_and_ranking(tmp_path, monkeypatch):
    traffic = Traffic(views={"qingshan-zxt-2024": 1520, "shili-zfgzbg-2025": 988},
                      downloads={"qingshan-zxt-2024": 41}, recent_views={"shili-zfgzbg-2025": 120},
                      views_by_year={2025: {"shili-zfgzbg-2025": 900}}, as_of="2025-09-30")
    monkeypatch.setattr(datasources, "load_traffic", lambda root, config, today: traffic)
    out = tmp_path / "out"
    build(BuildOptions(source=REPO, output=out))
    article = (out / FULL_ARTICLE).read_text(encoding="utf-8")
    assert '阅读：<span class="views">1520</span>' in article
    assert '下载量：<span class="downloads">41</span>' in article
    assert re.search(r'class="rank-list">.*青山镇人民代表大会主席团工作报告（2024年）</a><span class="count">阅读 1520', article)
    plain = (out / PLAIN_ARTICLE).read_text(encoding="utf-8")
    assert '阅读：<span class="views">0</span>' in plain          # measured, none counted
    assert "下载量" not in plain                                   # no attachments, no download count
    ranking = (out / "ranking.html").read_text(encoding="utf-8")
    for caption in ("总阅读排行", "近30天阅读排行", "附件下载排行", "2025年阅读排行"):
        assert f"<caption>{caption}</caption>" in ranking
    assert "截至 2025-09-30" in ranking


# ---------------------------------------------------------------------------------------------
# Overriding one template


THEMED_CONFIG = MINIMAL_CONFIG + textwrap.dedent("""\
    theme: custom
    qr:
      service: {title: 联系客服, image: static/kefu.png}
      wechat: {title: 微信订阅号, url: "https://rd.example.gov.cn/"}
    """)


def build_small_site(root: Path) -> Path:
    write(root / "content/reports/a.md", report_text(title="甲报告", date="2024-04-26 09:30",
                                                     body="一、工作回顾\n\n正文甲。\n"))
    write(root / "content/reports/b.md", report_text(title="乙报告", date="2024-05-26"))
    out = root / "build"
    build(BuildOptions(source=root, output=out))
    return out


def article_paths(out: Path) -> list[Path]:
    return sorted((out / "reports").glob("*/t*.html"))


def test_site_overriding_article_html_alone_keeps_builtin_header_and_footer(site_dir):
    write(site_dir / "themes/default/templates/article.html", """\
        {% extends "base.html" %}
        {% block main %}<div class="my-article"><h1>{{ report.title }}</h1>{{ report.body_html | safe }}</div>{% endblock %}
        """)
    out = build_small_site(site_dir)
    articles = article_paths(out)
    assert len(articles) == 2
    for path in articles:
        text = path.read_text(encoding="utf-8")
        assert '<div class="my-article">' in text
        assert 'class="article-tools"' not in text                 # the built-in article is replaced ...
        assert 'aria-label="栏目导航"' in text and 'class="brand"' in text   # ... header kept
        for label in REQUIRED_FOOTER_LABELS:
            assert label in footer_of(path)                         # ... footer kept
        assert 'href="../../static/css/site.css"' in text
    assert 'class="report-list"' in (out / "reports/index.html").read_text(encoding="utf-8")


def test_custom_theme_overrides_one_block_of_the_builtin_article(site_dir):
    write(site_dir / "congressgen.yaml", THEMED_CONFIG)
    write(site_dir / "static/kefu.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 64)
    write(site_dir / "themes/custom/templates/article.html", """\
        {% extends "builtin/article.html" %}
        {% block share %}<p class="no-share">本页不提供分享。</p>{% endblock %}
        """)
    # Extra CSS the documented way: base.html extends the built-in one and fills head_extra.
    write(site_dir / "themes/custom/templates/base.html", """\
        {% extends "builtin/base.html" %}
        {% block head_extra %}<link rel="stylesheet" href="{{ asset('css/local.css') }}">{% endblock %}
        """)
    write(site_dir / "themes/custom/static/css/local.css", ":root { --main: #00529b; }\n")
    out = build_small_site(site_dir)
    text = article_paths(out)[0].read_text(encoding="utf-8")
    assert '<p class="no-share">' in text and 'id="share-box"' not in text
    assert '<link rel="stylesheet" href="../../static/css/local.css">' in text
    assert (out / "static/css/local.css").is_file() and (out / "static/css/site.css").is_file()
    assert 'href="static/css/local.css"' in (out / "index.html").read_text(encoding="utf-8")
    assert 'class="article-tools"' in text and 'class="article-body"' in text
    assert 'aria-label="栏目导航"' in text and "网站标识码：0000000000" in text
    # Site QR codes: an image file from static/, or a URL rendered to an inline QR code.
    assert '<img src="../../kefu.png" alt="联系客服二维码" width="120" height="120">' in text
    assert '<svg role="img" aria-label="微信订阅号二维码"' in text
    assert (out / "kefu.png").is_file()


def test_site_overriding_a_partial_changes_every_page(site_dir):
    write(site_dir / "themes/default/templates/partials/footer.html",
          '<footer class="site-footer"><p>主办单位：{{ config.footer.organizer }}（自定义页脚）</p></footer>\n')
    out = build_small_site(site_dir)
    for path in html_pages(out):
        assert "（自定义页脚）" in path.read_text(encoding="utf-8"), path


def test_conac_snippet_is_rendered_once_in_the_chosen_slot(site_dir):
    snippet = '<span id="_ideConac"></span>'
    config = MINIMAL_CONFIG.replace("footer:\n", f"footer:\n  conac_snippet: '{snippet}'\n")
    write(site_dir / "congressgen.yaml", config)
    out = build_small_site(site_dir)
    text = (out / "index.html").read_text(encoding="utf-8")
    assert text.count(snippet) == 1 and snippet in footer_of(out / "index.html")

    write(site_dir / "congressgen.yaml", config + "extra:\n  conac_position: header\n")
    out = build_small_site(site_dir)
    text = (out / "index.html").read_text(encoding="utf-8")
    assert text.count(snippet) == 1 and snippet not in footer_of(out / "index.html")
    header = text[text.index('<header class="site-header">'):text.index("</header>")]
    assert snippet in header
