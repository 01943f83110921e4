"""The site model's types: reports, columns, pages, taxonomies, the site itself. Plain data."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from operator import attrgetter
from pathlib import Path

from congressgen.config import ColumnConfig, SiteConfig
from congressgen.content import FrontMatter
from congressgen.errors import Diagnostic
from congressgen.outline import Outline

RELATED_COUNT = 5
RANKING_SIDEBAR = 10
RANKING_PAGE = 50            # rows of each all-time / 30-day / download table on 文章排行
RANKING_PAGE_YEAR = 20       # rows of each per-year table


@dataclass(frozen=True)
class InlineBody:
    """A compiled report's body HTML and plain text held in memory (see `cache.StoredBody`
    for the same read from the build cache on demand)."""

    body_html: str
    body_text: str

    def html(self) -> str:
        return self.body_html

    def text(self) -> str:
        return self.body_text


@dataclass(frozen=True)
class CompiledReport:
    """Everything about one report that depends only on its source file and the config:
    the unit of caching and of parallel work. The heavy part, the body HTML and plain text,
    is `body`: in memory (`InlineBody`) or in the build cache (`cache.StoredBody`), read on
    each use of `body_html` / `text`, so a build need not hold every report's body at once."""

    source: str                 # site-root-relative path, '/'-separated: content/reports/a.md
    column: str                 # first-level folder under content/
    stem: str                   # file name without .md
    fm: FrontMatter
    body: object                # InlineBody or cache.StoredBody: .html(), .text()
    outline: Outline
    summary: str
    body_line: int
    warnings: tuple[Diagnostic, ...] = ()
    fingerprint: str = ""       # of the text as a reviewer approves it (see review.py)
    links: tuple[str, ...] = ()  # the href/src values in the body HTML (model/links.py rewrites them)

    @property
    def body_html(self) -> str:
        return self.body.html()

    @property
    def text(self) -> str:
        return self.body.text()

    def in_memory(self) -> "CompiledReport":
        """This report with its body read into memory."""
        return dataclasses.replace(self, body=InlineBody(self.body.html(), self.body.text()))


@dataclass
class FileCopy:
    source: Path
    path: str                    # site path in the output


@dataclass
class AttachmentFile:
    title: str
    path: str
    size: int
    kind: str

    @property
    def size_text(self) -> str:
        if self.size >= 1024 * 1024:
            return f"{self.size / 1024 / 1024:.1f} MB"
        if self.size >= 1024:
            return f"{self.size / 1024:.1f} KB"
        return f"{self.size} B"


@dataclass
class Traffic:
    """Measured counts per report id (from `congressgen stats`); empty when no store exists."""

    views: dict = field(default_factory=dict)
    downloads: dict = field(default_factory=dict)
    recent_views: dict = field(default_factory=dict)        # last 30 days
    views_by_year: dict = field(default_factory=dict)       # year -> {id: views}
    as_of: str = ""                                         # "YYYY-MM-DD" of the newest data

    @property
    def measured(self) -> bool:
        return bool(self.as_of)


@dataclass
class Report:
    compiled: CompiledReport
    id: str
    path: str                    # site path: reports/202404/t20240426_x.html
    url: str                     # absolute public URL
    column: "Column"
    asset_dir: str
    attachments: list[AttachmentFile] = field(default_factory=list)
    files: list[FileCopy] = field(default_factory=list)
    rewritten_body: str | None = None   # the body with its links rewritten; None: as compiled
    sections: tuple[str, ...] = ()
    tasks: tuple[str, ...] = ()
    previous: "Report | None" = None
    next: "Report | None" = None
    related: list["Report"] = field(default_factory=list)
    views: int = 0
    downloads: int = 0
    qr_svg: str = ""
    review_names: tuple[tuple[str, str], ...] = ()   # (审核环节, 姓名) shown under the body, when the site asks
    # a document's life (model/doclife.py): 原文件 / 相关解读 and the 有效性 state on the build day
    originals: list["Report"] = field(default_factory=list)
    interpretations: list["Report"] = field(default_factory=list)
    validity_state: object = None
    error_report_url: str = ""    # 纠错 link carrying this page's address

    def __repr__(self) -> str:   # the generated one would walk the whole linked site
        return f"Report({self.id!r}, {self.path!r})"

    # Front-matter fields, so templates can say `page.title` (and `page.meta.x` for the rest).
    def __getattr__(self, name):
        fm = self.__dict__.get("compiled").fm if "compiled" in self.__dict__ else None
        if fm is not None and hasattr(fm, name):
            return getattr(fm, name)
        raise AttributeError(name)

    @property
    def body_html(self) -> str:
        """The body HTML as the page shows it (read from the build cache when not rewritten)."""
        return self.compiled.body_html if self.rewritten_body is None else self.rewritten_body

    outline = property(attrgetter("compiled.outline"), doc="The compiled outline (Outline).")

    @property
    def summary(self) -> str:
        return self.compiled.fm.summary or self.compiled.summary

    source = property(attrgetter("compiled.source"), doc="The site-root-relative source path.")

    @property
    def pubdate(self) -> str:
        """PubDate as inspection crawlers read it: YYYY-MM-DD HH:MM."""
        return self.fm.date.strftime("%Y-%m-%d %H:%M")

    @property
    def date_text(self) -> str:
        return self.fm.date.strftime("%Y-%m-%d %H:%M" if self.fm.has_time else "%Y-%m-%d")

    @property
    def day(self) -> str:
        date = self.compiled.fm.date
        if date.year >= 1000:      # strftime("%Y-%m-%d") without its cost (it does not pad years < 1000)
            return f"{date.year}-{date.month:02d}-{date.day:02d}"
        return date.strftime("%Y-%m-%d")

    # read for every report by every stage: a C getter, no Python frame per read
    fm = property(attrgetter("compiled.fm"), doc="The compiled front matter (FrontMatter).")

    @property
    def category_name(self) -> str:
        return self.fm.category or self.column.title

    @property
    def has_open_metadata(self) -> bool:
        fm = self.fm
        return bool(fm.index_number or fm.doc_number or fm.topic or fm.issuer or fm.written_date or fm.validity
                    or fm.validity_dates)

    def section_anchor(self, title: str, part: str) -> str:
        return self.outline.anchor_of(title, part)


@dataclass
class Column:
    key: str
    title: str
    config: ColumnConfig
    reports: list[Report] = field(default_factory=list)

    @property
    def path(self) -> str:
        return f"{self.key}/index.html"

    def __repr__(self) -> str:
        return f"Column({self.key!r}, {len(self.reports)} reports)"


@dataclass
class Pager:
    number: int                  # 1-based
    count: int
    paths: list[str]

    @property
    def previous(self) -> str | None:
        return self.paths[self.number - 2] if self.number > 1 else None

    @property
    def next(self) -> str | None:
        return self.paths[self.number] if self.number < self.count else None


@dataclass
class Page:
    """One output file to render: a template, its path and what it shows."""

    template: str
    path: str
    title: str
    kind: str                    # index, article, column, year, tag, category, archive, ...
    report: Report | None = None
    column: Column | None = None
    items: list = field(default_factory=list)
    pager: Pager | None = None
    extra: dict = field(default_factory=dict)

    @property
    def crumbs(self) -> list[tuple[str, str | None]]:
        """当前位置, from the home page to this page: (label, site path); the last has no link.
        A page kind may give its own trail as `extra["crumbs"]`."""
        if "crumbs" in self.extra:
            return list(self.extra["crumbs"])
        if self.report is not None:
            return [("首页", "index.html"), (self.report.column.title, self.report.column.path), ("正文", None)]
        trail = self.extra.get("crumbs")      # (label, path) between the home page and this one
        if trail is not None:
            return [("首页", "index.html"), *trail, (self.title, None)]
        taxonomy = self.extra.get("taxonomy")
        if taxonomy is not None and self.kind != "terms":
            return [("首页", "index.html"), (taxonomy.title, taxonomy.path), (self.title, None)]
        return [("首页", "index.html"), (self.title, None)]


@dataclass
class Taxonomy:
    key: str                     # years, tags, categories
    title: str
    terms: list[tuple[str, str, list[Report]]] = field(default_factory=list)   # (name, path, reports)

    @property
    def path(self) -> str:
        return f"{self.key}/index.html"

    def label(self, name: str) -> str:
        """A term as a reader sees it: years read 2024年."""
        return f"{name}年" if self.key == "years" else name


@dataclass(frozen=True)
class Ranking:
    """One table of 文章排行: reports by a measured count, highest first."""

    label: str                   # 总阅读排行, 近30天阅读排行, 2024年阅读排行 ...
    unit: str                    # 阅读 or 下载量
    rows: list[tuple[Report, int]]


@dataclass
class Site:
    config: SiteConfig
    reports: list[Report]        # published, newest first
    columns: list[Column]        # in configured order, only those with reports
    taxonomies: dict[str, Taxonomy]
    traffic: Traffic
    data: object = None          # model.datasources.SiteData: the loaded data sources, site.data.NAME
    pages: list[Page] = field(default_factory=list)
    static_files: list[FileCopy] = field(default_factory=list)
    drafts_included: bool = False
    addresses: object = None      # model/ledger.AddressPlan: redirects and withdrawal notices

    def __repr__(self) -> str:
        return f"Site({self.config.title!r}, {len(self.reports)} reports, {len(self.pages)} pages)"

    @property
    def pinned(self) -> list[Report]:
        return [r for r in self.reports if r.fm.pinned]

    def ranking(self, counts: dict, limit: int | None = None) -> list[tuple[Report, int]]:
        """Reports by a count, highest first; ties by newer date, then id (deterministic)."""
        if not counts:          # nothing measured (a site without stats): no pass over the reports
            return []
        rows = [(r, counts.get(r.id, 0)) for r in self.reports if counts.get(r.id, 0) > 0]
        rows.sort(key=lambda row: (-row[1], -row[0].fm.date.timestamp(), row[0].id))
        return rows[:limit] if limit else rows

    @property
    def top_viewed(self) -> list[tuple[Report, int]]:
        return self.ranking(self.traffic.views, RANKING_SIDEBAR)

    @property
    def rankings(self) -> list[Ranking]:
        """The tables of the 文章排行 page, in the order shown: all time, last 30 days,
        downloads, then each year newest first."""
        traffic = self.traffic
        tables = [Ranking("总阅读排行", "阅读", self.ranking(traffic.views, RANKING_PAGE)),
                  Ranking("近30天阅读排行", "阅读", self.ranking(traffic.recent_views, RANKING_PAGE)),
                  Ranking("附件下载排行", "下载量", self.ranking(traffic.downloads, RANKING_PAGE))]
        for year, counts in sorted(traffic.views_by_year.items(), reverse=True):
            tables.append(Ranking(f"{year}年阅读排行", "阅读", self.ranking(counts, RANKING_PAGE_YEAR)))
        return tables

    @property
    def tasks_by_year(self) -> list[tuple[int, list[Report]]]:
        by_year: dict[int, list[Report]] = defaultdict(list)
        for r in self.reports:
            if r.tasks:
                by_year[r.fm.year].append(r)
        return sorted(((y, sorted(rs, key=lambda r: (r.column.key, r.id))) for y, rs in by_year.items()), reverse=True)


def archive_months(reports: list[Report]) -> list[tuple[str, list[Report]]]:
    by_month: dict[tuple[int, int], list[Report]] = defaultdict(list)
    for r in reports:
        date = r.compiled.fm.date
        by_month[date.year, date.month].append(r)
    # named as strftime("%Y年%m月"), without its cost; sorted by name as before
    return sorted(((f"{year}年{month:02d}月", rs) for (year, month), rs in by_month.items()), reverse=True)


_DATE = attrgetter("compiled.fm.date")


def newest_date(reports: list[Report]) -> dt.datetime | None:
    return max(map(_DATE, reports), default=None)
