"""The model's per-report shortcuts give what the general code gives: the permalink as one
positional format (else filled in by name, with the same errors), a plain slug returned as is,
the asset folder by string slicing, the 纠错 address quoted in two parts, the related lists'
signature by a memo-less pickle (equal values, equal bytes, whatever objects they share), the
archive grouped by (year, month), and attachments found with each real path resolved once."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import posixpath
import random
import re
from pathlib import Path
from urllib.parse import quote

import pytest

from congressgen.config import ColumnConfig, SiteConfig
from congressgen.content import TZ, Attachment, FrontMatter
from congressgen.errors import ContentError, Diagnostic
from congressgen.model.attachments import attach, attach_all
from congressgen.model.doclife import error_report_link, error_report_url
from congressgen.model.ledger import Ledger, plan
from congressgen.model.related import RelatedMemo
from congressgen.model.types import Column, CompiledReport, InlineBody, Report, archive_months, newest_date
from congressgen.model.urls import ReportPaths, asset_dir, report_site_path
from congressgen.outline import Outline
from congressgen.urls import slugify


def _compiled(stem: str, date: dt.datetime, *, column: str = "reports", tags=(), attachments=()) -> CompiledReport:
    fm = FrontMatter(title=stem, date=date, has_time=False, year=date.year, tags=tuple(tags),
                     attachments=tuple(attachments))
    return CompiledReport(f"content/{column}/{stem}.md", column, stem, fm, InlineBody("", ""),
                          Outline((), (), ()), "", 1)


# --- the reference: the general code as it was before the shortcuts --------------------

def _reference_path(pattern: str, column: str, ident: str, date) -> str:
    values = {"column": column, "id": ident, "yyyy": f"{date.year:04d}", "year": f"{date.year:04d}",
              "mm": f"{date.month:02d}", "dd": f"{date.day:02d}", "yyyymm": f"{date.year:04d}{date.month:02d}",
              "yyyymmdd": f"{date.year:04d}{date.month:02d}{date.day:02d}"}
    try:
        path = pattern.format(**values)
    except (KeyError, IndexError, ValueError) as exc:
        raise ValueError(f"permalink 中有未知的占位符 {exc}；可用：{{column}} {{id}} {{yyyy}} {{mm}} {{dd}} {{yyyymm}} {{yyyymmdd}}") from None
    if path.endswith("/"):
        path += "index.html"
    path = path.lstrip("/")
    if "\\" in path or path.startswith("/") or re.match(r"^[A-Za-z]:", path) or "\x00" in path:
        raise ContentError("x", f"网址 “{path}” 不是网站内的相对路径")
    if any(part in ("", ".", "..") for part in path.split("/")):
        raise ContentError("x", f"网址 “{path}” 含有 “..”、“.” 或空目录名，可能写到网站目录之外")
    return path


def _outcome(make):
    try:
        return "ok", make()
    except ContentError as exc:
        return "ContentError", exc.message
    except Exception as exc:       # ValueError as the build reports it; anything else as it was
        return type(exc).__name__, str(exc)


PATTERNS = ["/{column}/{yyyymm}/t{yyyymmdd}_{id}.html", "/{column}/{id}/", "{yyyy}/{mm}/{dd}/{id}.html",
            "{year}-{id}.html", "{{x}}/{id}.html", "a}}{{b/{id}", "{id:>12}.html", "{id!r}.html", "{column:}/{id}",
            "{nope}/{id}.html", "{}/{id}", "{0}/{id}", "{id", "id}", "{id.x}", "{id[0]}/x", "C:/{id}", "/{id}/../x",
            "{id}", "\x00{id}"]
IDS = ["r05001", "a", "../up", "x/y", "", ".", "a\\b", "中文", "{id}", "a\x00b", "-"]
DATES = [dt.datetime(2024, 4, 26, tzinfo=TZ), dt.datetime(999, 1, 2, tzinfo=TZ), dt.datetime(2024, 12, 31, 23, 59)]


def test_report_paths_give_what_filling_in_the_pattern_by_name_gives_with_the_same_errors():
    for pattern in PATTERNS:
        config = SiteConfig(root=Path("."), permalink=pattern)
        paths = ReportPaths(config)
        for ident in IDS:
            for date in DATES:
                item = _compiled("s", date)
                expected = _outcome(lambda: _reference_path(pattern, "reports", ident, date))
                assert _outcome(lambda: paths.path(item, "reports", ident)) == expected, (pattern, ident, date)
    # the public function is the same code, and names the report's file in its error
    config = SiteConfig(root=Path("."), permalink="/{column}/{id}.html")
    item = dataclasses.replace(_compiled("s", DATES[0]), fm=dataclasses.replace(_compiled("s", DATES[0]).fm, id="../x"))
    with pytest.raises(ContentError) as caught:
        report_site_path(item, config)
    assert str(caught.value.location) == "content/reports/s.md:1:1"


def _reference_slug(text: str, limit: int = 60) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug[:limit].rstrip("-") or "x"


def test_a_text_that_is_its_own_slug_is_returned_as_the_substitution_would_make_it():
    rng = random.Random(17)
    texts = ["r00001", "a-b", "a--b", "-a", "a-", "A1", "a_b", "a.b", "", "-", "x" * 60, "x" * 61, "ab-" * 30,
             "2024", "a b", "a\nb"]
    texts += ["".join(rng.choice("ab09-_A. ") for _ in range(rng.randint(0, 70))) for _ in range(3000)]
    for text in texts:
        assert slugify(text) == _reference_slug(text), text
        assert slugify(text, 5) == _reference_slug(text, 5), text


def _reference_asset_dir(page_path: str) -> str:
    directory, name = posixpath.split(page_path)
    if name == "index.html":
        return directory
    return posixpath.join(directory, name.rsplit(".", 1)[0])


def test_asset_dir_by_slicing_is_posixpath_split_and_join():
    for path in ["a.html", "index.html", "x/index.html", "x/y/z.html", "x//y.html", "/a.html", "//a.html", "a/",
                 "a/b.c.html", "", "/", "a/b", "a/.html", "a/b/index.html", "x/index.htm", "/index.html", "a//"]:
        assert asset_dir(path) == _reference_asset_dir(path), path


def test_the_error_report_address_is_quoted_in_two_parts_as_quote_does_it_whole():
    pages = ["https://rd.example.gov.cn/reports/202404/t20240426_a.html", "https://rd.example.gov.cn/",
             "https://rd.example.gov.cn/报告/a b.html", "https://rd.example.gov.cn/a?b=c&d#e",
             "https://other.example/x.html", "https://rd.example.gov.cn/~a_b-c.d/E"]
    for configured, code in (("", ""), ("", "12 34"), ("https://x.example/jiucuo/?from=site", "1")):
        for base in ("", "https://rd.example.gov.cn/", "https://rd.example.gov.cn/sub/"):
            link = error_report_link(configured, code, base)
            for page in pages:
                start = configured or ("https://zfwzgl.www.gov.cn/exposure/jiucuo.html"
                                       + (f"?site_code={quote(code, safe='')}" if code else ""))
                expected = f"{start}{'&' if '?' in start else '?'}url={quote(page, safe='')}"
                assert link(page) == expected == error_report_url(configured, code, page), (base, page)


def test_the_related_signature_follows_the_values_not_which_objects_they_share():
    column = Column("reports", "工作报告", ColumnConfig("reports", "工作报告"))
    def reports(fresh: bool) -> list[Report]:
        made = []
        for n in range(6):
            tags = ("预算", "监督") if n % 2 else ("预算",)
            if fresh:         # equal strings, none of them the same object
                tags = tuple("".join(list(t)) for t in tags)
            item = _compiled(f"r{n}", dt.datetime(2020 + n % 2, 1, 1, tzinfo=TZ), tags=tags)
            ident = "".join(["r", str(n)]) if fresh else f"r{n}"
            made.append(Report(item, ident, f"{ident}.html", "", column, ident))
        return made
    shared, fresh = reports(False), reports(True)
    assert fresh[1].compiled.fm.tags[0] is not shared[1].compiled.fm.tags[0]
    assert RelatedMemo.signature(shared) == RelatedMemo.signature(fresh)
    other = dataclasses.replace(fresh[2], id="r9")
    assert RelatedMemo.signature(fresh[:2] + [other] + fresh[3:]) != RelatedMemo.signature(shared)


def test_archive_months_and_newest_date_are_the_strftime_grouping_and_max():
    column = Column("reports", "工作报告", ColumnConfig("reports", "工作报告"))
    dates = [dt.datetime(2024, 4, 1, tzinfo=TZ), dt.datetime(2024, 11, 3, tzinfo=TZ), dt.datetime(999, 4, 1, tzinfo=TZ),
             dt.datetime(2024, 4, 30, tzinfo=TZ), dt.datetime(2023, 12, 31, tzinfo=TZ),
             dt.datetime(2024, 11, 2, 16, tzinfo=dt.timezone.utc)]        # the same instant as 11-03 00:00 +08
    reports = [Report(_compiled(f"r{n}", d), f"r{n}", f"r{n}.html", "", column, f"r{n}") for n, d in enumerate(dates)]
    groups: dict = {}
    for r in reports:
        groups.setdefault(f"{r.fm.date.year}年{r.fm.date.month:02d}月", []).append(r)
    assert archive_months(reports) == sorted(groups.items(), reverse=True)
    assert newest_date(reports) is max((r.fm.date for r in reports)) is dates[1]
    assert newest_date(reports[::-1]) is dates[5] and newest_date([]) is None
    assert [r.day for r in reports] == [r.fm.date.strftime("%Y-%m-%d") for r in reports]


def test_an_empty_ledger_plans_nothing():
    made = plan(Ledger(), [object()])          # no report is even looked at
    assert (made.redirects, made.notices, made.dropped, made.errors) == ([], [], [], [])


def test_attachments_found_with_one_real_path_each_are_the_ones_found_without(tmp_path):
    site = tmp_path / "site"
    bundle = site / "content/reports/a"
    (bundle / "sub").mkdir(parents=True)
    (bundle / "表.csv").write_text("x")
    (bundle / "sub/b.txt").write_text("yy")
    (bundle / ".hidden").write_text("z")
    (site / "content/reports/shared.pdf").write_text("pdf")
    os.symlink(site / "content/reports/shared.pdf", bundle / "link.pdf")          # inside the site: kept
    (tmp_path / "secret.txt").write_text("s")
    os.symlink(tmp_path / "secret.txt", bundle / "out.txt")                       # outside: refused
    column = Column("reports", "工作报告", ColumnConfig("reports", "工作报告"))
    entries = (Attachment("a/表.csv", "表", 3), Attachment("shared.pdf", "共享", 4), Attachment("sub/b.txt", "b", 5),
               Attachment("missing.doc", "缺", 6), Attachment("../../../secret.txt", "外", 7))

    def attached(real):
        item = _compiled("a", DATES[0], attachments=entries)
        report = Report(item, "a", "reports/a.html", "", column, "reports/a")
        errors: list[Diagnostic] = []
        if real == "all":
            attach_all([report], site, errors)
        else:
            attach(report, site, errors, {}, real)
        return ([(str(f.source), f.path) for f in report.files], report.attachments, errors)

    memo: dict = {}
    assert attached(memo) == attached(None) == attached("all")
    files, found, errors = attached(memo)
    assert [p for _, p in files] == ["reports/a/link.pdf", "reports/a/sub/b.txt", "reports/a/表.csv"]
    assert [(a.title, a.path, a.size) for a in found] == [("表", "reports/a/表.csv", 1), ("共享", "reports/a/link.pdf", 3),
                                                          ("b", "reports/a/sub/b.txt", 2)]
    assert [str(e.location) for e in errors] == ["content/reports/a.md:1:1", "content/reports/a.md:6:1",
                                                 "content/reports/a.md:7:1"]
