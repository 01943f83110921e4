"""The whole pipeline on small sites: model, URLs, safety, determinism and failure."""

import hashlib
import os
import re
from pathlib import Path

import pytest

from congressgen.build import BuildOptions, build
from congressgen.errors import BuildFailed, CongressError
from conftest import MINIMAL_CONFIG, report_text, write


def tree_digest(folder: Path) -> dict:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def make_site(site_dir: Path) -> Path:
    write(site_dir / "content/reports/2024-zhuxituan.md", report_text(
        "2024年青山镇人大主席团工作报告", "2024-01-19 09:30", id="qs-2024", tags="[工作报告, 监督]",
        session="青山镇第十届人民代表大会第三次会议", attachments="[{file: 2024-zhuxituan/项目表.csv, title: 民生实事项目表}]",
        body="一、坚持依法履职。今年以来……\n\n![图](2024-zhuxituan/photo.png)\n\n见[上年报告](2023-zhuxituan.md#sec-1)。\n\n一、今年任务\n"))
    write(site_dir / "content/reports/2024-zhuxituan/项目表.csv", "项目,金额\n道路,100\n")
    write(site_dir / "content/reports/2024-zhuxituan/photo.png", b"\x89PNG fake")
    write(site_dir / "content/reports/2023-zhuxituan.md", report_text("2023年工作报告", "2023-01-10", id="qs-2023",
                                                                        tags="[工作报告]"))
    write(site_dir / "content/reports/草稿.md", report_text("草稿", "2024-03-01", draft="true"))
    write(site_dir / "content/news/2024-shicha.md", report_text("代表视察", "2024-05-01", pinned="true"))
    return site_dir


def test_site_model_urls_and_files(site_dir):
    make_site(site_dir)
    result = build(BuildOptions(site_dir))
    site = result.site
    out = site_dir / "build"
    paths = {r.id: r.path for r in site.reports}
    assert paths["qs-2024"] == "reports/202401/t20240119_qs-2024.html"
    assert paths["qs-2023"] == "reports/202301/t20230110_qs-2023.html"
    # the id of a file without one comes from its name; Chinese names by pinyin
    assert paths["2024-shicha"] == "news/202405/t20240501_2024-shicha.html"
    assert "cao-gao" not in paths  # drafts are not built
    report = next(r for r in site.reports if r.id == "qs-2024")
    assert report.url == "https://rd.example.gov.cn/reports/202401/t20240119_qs-2024.html"
    assert report.sections == ("坚持依法履职",) and report.tasks == ("今年任务",)
    # bundle files sit next to the page; the body links are rewritten to them
    assert (out / "reports/202401/t20240119_qs-2024/项目表.csv").read_text(encoding="utf-8").startswith("项目")
    html = (out / report.path).read_text(encoding="utf-8")
    assert 'src="t20240119_qs-2024/photo.png"' in html
    assert 'href="../202301/t20230110_qs-2023.html#sec-1"' in html
    assert "民生实事项目表" in html and "CSV" in html
    # previous/next and related within the column; never the page itself
    assert report.previous.id == "qs-2023" and report.next is None
    assert report not in report.related and report.related[0].id == "qs-2023"
    for name in ("index.html", "reports/index.html", "news/index.html", "404.html", "sitemap.xml",
                 "atom.xml", "robots.txt", "archive.html", "ranking.html", "tasks.html", "sitemap.html",
                 "years/index.html", "years/2024.html", "tags/index.html", "categories/index.html",
                 "static/css/site.css"):
        assert (out / name).is_file(), name


def test_drafts_flag_builds_drafts(site_dir):
    make_site(site_dir)
    site = build(BuildOptions(site_dir, drafts=True)).site
    assert "cao-gao" in {r.id for r in site.reports}


def test_custom_permalink_and_sub_path(site_dir):
    make_site(site_dir)
    config = (site_dir / "congressgen.yaml").read_text(encoding="utf-8")
    write(site_dir / "congressgen.yaml", config + "permalink: /{column}/{id}/\n")
    site = build(BuildOptions(site_dir, base_url="https://www.example.gov.cn/rd/")).site
    report = next(r for r in site.reports if r.id == "qs-2024")
    assert report.path == "reports/qs-2024/index.html"
    assert report.url == "https://www.example.gov.cn/rd/reports/qs-2024/index.html"
    assert (site_dir / "build/reports/qs-2024/项目表.csv").is_file()
    sitemap = (site_dir / "build/sitemap.xml").read_text(encoding="utf-8")
    assert "<loc>https://www.example.gov.cn/rd/reports/qs-2024/index.html</loc>" in sitemap


def test_duplicate_ids_name_both_files(site_dir):
    write(site_dir / "content/reports/a.md", report_text("甲", id="same"))
    write(site_dir / "content/news/b.md", report_text("乙", id="same"))
    with pytest.raises(BuildFailed) as err:
        build(BuildOptions(site_dir))
    message = str(err.value)
    assert "content/reports/a.md" in message and "content/news/b.md" in message and "same" in message


def test_duplicate_urls_name_both_files(site_dir):
    write(site_dir / "congressgen.yaml", MINIMAL_CONFIG + "permalink: /{yyyy}/{id}.html\n")
    write(site_dir / "content/reports/x.md", report_text("甲", id="x"))
    write(site_dir / "content/news/x.md", report_text("乙"))
    with pytest.raises(BuildFailed) as err:
        build(BuildOptions(site_dir))
    assert "content/news/x.md" in str(err.value) and "content/reports/x.md" in str(err.value)


@pytest.mark.parametrize("permalink", ["/../{id}.html", "/{column}/../../{id}.html", "/{column}//{id}.html"])
def test_permalink_traversal_refused(site_dir, permalink):
    write(site_dir / "congressgen.yaml", MINIMAL_CONFIG + f"permalink: {permalink}\n")
    write(site_dir / "content/reports/a.md", report_text("甲"))
    with pytest.raises(BuildFailed, match="网站目录之外|\\.\\."):
        build(BuildOptions(site_dir))
    assert not (site_dir.parent / "a.html").exists()


@pytest.mark.parametrize("attachment", ["../../../etc/passwd", "/etc/passwd", "C:/Windows/win.ini", "..\\\\secret.txt"])
def test_attachment_traversal_refused(site_dir, attachment):
    write(site_dir.parent / "secret.txt", "secret")
    write(site_dir / "content/reports/a.md", report_text("甲", attachments=f'["{attachment}"]'))
    with pytest.raises(BuildFailed) as err:
        build(BuildOptions(site_dir))
    assert "content/reports/a.md" in str(err.value)
    assert not (site_dir / "build").exists()


def test_symlinks_out_of_the_site_are_refused(site_dir):
    secret = write(site_dir.parent / "secret.txt", "secret")
    write(site_dir / "content/reports/a.md", report_text("甲", attachments="[a/link.txt]"))
    (site_dir / "content/reports/a").mkdir()
    os.symlink(secret, site_dir / "content/reports/a/link.txt")
    with pytest.raises(BuildFailed, match="之外"):
        build(BuildOptions(site_dir))


def test_two_builds_are_byte_identical(site_dir, tmp_path):
    make_site(site_dir)
    build(BuildOptions(site_dir, output=tmp_path / "one"))
    build(BuildOptions(site_dir, output=tmp_path / "two"))
    one, two = tree_digest(tmp_path / "one"), tree_digest(tmp_path / "two")
    assert one == two and len(one) > 20


def test_failed_build_leaves_previous_output_untouched(site_dir):
    make_site(site_dir)
    build(BuildOptions(site_dir))
    before = tree_digest(site_dir / "build")
    write(site_dir / "content/reports/bad.md", "---\ntitle: [坏\n---\n")
    with pytest.raises(BuildFailed) as err:
        build(BuildOptions(site_dir))
    assert "content/reports/bad.md:3:" in str(err.value)
    assert tree_digest(site_dir / "build") == before
    assert not any(p.name.startswith(".build.") for p in site_dir.iterdir())


def test_template_error_names_template_and_leaves_output(site_dir):
    make_site(site_dir)
    build(BuildOptions(site_dir))
    before = tree_digest(site_dir / "build")
    write(site_dir / "themes/default/templates/article.html", '{% extends "base.html" %}\n{% block main %}\n{{ report.nosuchfield }}\n{% endblock %}\n')
    with pytest.raises(CongressError) as err:
        build(BuildOptions(site_dir))
    assert "article.html:3" in str(err.value)
    assert tree_digest(site_dir / "build") == before


def test_site_template_overrides_one_file(site_dir):
    make_site(site_dir)
    write(site_dir / "themes/default/templates/article.html",
          '{% extends "base.html" %}\n{% block main %}<h1 class="mine">{{ report.title }}</h1>{% endblock %}\n')
    site = build(BuildOptions(site_dir)).site
    html = (site_dir / "build" / site.reports[0].path).read_text(encoding="utf-8")
    assert '<h1 class="mine">' in html
    assert "网站标识码" in html and "栏目导航" in html   # built-in header and footer


def test_output_folder_cannot_be_the_site(site_dir):
    make_site(site_dir)
    with pytest.raises(CongressError, match="输出目录"):
        build(BuildOptions(site_dir, output=site_dir))
    assert (site_dir / "content/reports/2023-zhuxituan.md").exists()


def test_article_page_shows_the_report(site_dir):
    make_site(site_dir)
    site = build(BuildOptions(site_dir)).site
    report = next(r for r in site.reports if r.id == "qs-2024")
    html = (site_dir / "build" / report.path).read_text(encoding="utf-8")
    assert "<title>2024年青山镇人大主席团工作报告_工作报告_测试县人大常委会</title>" in html or "2024年青山镇人大主席团工作报告_" in html
    assert '<meta name="PubDate" content="2024-01-19 09:30">' in html
    assert '<meta name="ArticleTitle" content="2024年青山镇人大主席团工作报告">' in html
    assert '<meta name="ContentSource" content="测试县人大常委会办公室">' in html
    assert "发布时间：" in html and "2024-01-19 09:30" in html and "来源：测试县人大常委会办公室" in html
    assert "青山镇第十届人民代表大会第三次会议" in html
    assert '<a href="#sec-1">一、坚持依法履职</a>' in html
    assert "微信扫一扫在手机阅读、分享本文" in html and "<svg" in html
    # no stats store: no invented counts
    assert "阅读：" not in html and "下载量：" not in html
    assert re.search(r'<html lang="zh-CN">', html)
