"""Site stage: the model of the whole site — reports, columns, taxonomies, URLs, related
reports, rankings and the list of pages to render. Pure data, built from compiled reports."""

from __future__ import annotations

import datetime as dt
import html
import posixpath
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

from congressgen.config import ColumnConfig, SiteConfig
from congressgen.content import FrontMatter
from congressgen.errors import BuildFailed, ContentError, Diagnostic, Location
from congressgen.model.ledger import load_ledger, plan as plan_addresses
from congressgen.model.doclife import (LAPSED_PAGE, LAPSED_TITLE, address_pages, error_report_url, key_locator,
                                      lapsed_reports, link_documents)
from congressgen.outline import Outline
from congressgen.urls import expand_permalink, relative_url, safe_site_path, slugify

RELATED_COUNT = 5
RANKING_SIDEBAR = 10
FILE_KINDS = {".pdf": "PDF", ".doc": "DOC", ".docx": "DOCX", ".wps": "WPS", ".xls": "XLS",
              ".xlsx": "XLSX", ".csv": "CSV", ".txt": "TXT", ".zip": "ZIP", ".ofd": "OFD",
              ".png": "PNG", ".jpg": "JPG", ".jpeg": "JPG", ".ppt": "PPT", ".pptx": "PPTX"}


@dataclass(frozen=True)
class CompiledReport:
    """Everything about one report that depends only on its source file and the config:
    the unit of caching and of parallel work."""

    source: str                 # site-root-relative path, '/'-separated: content/reports/a.md
    column: str                 # first-level folder under content/
    stem: str                   # file name without .md
    fm: FrontMatter
    body_html: str
    outline: Outline
    text: str
    summary: str
    body_line: int
    warnings: tuple[Diagnostic, ...] = ()
    fingerprint: str = ""       # of the text as a reviewer approves it (see review.py)


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
    body_html: str = ""
    sections: tuple[str, ...] = ()
    tasks: tuple[str, ...] = ()
    previous: "Report | None" = None
    next: "Report | None" = None
    related: list["Report"] = field(default_factory=list)
    views: int = 0
    downloads: int = 0
    qr_svg: str = ""
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
    def outline(self) -> Outline:
        return self.compiled.outline

    @property
    def summary(self) -> str:
        return self.compiled.fm.summary or self.compiled.summary

    @property
    def source(self) -> str:
        return self.compiled.source

    @property
    def pubdate(self) -> str:
        """PubDate as inspection crawlers read it: YYYY-MM-DD HH:MM."""
        return self.fm.date.strftime("%Y-%m-%d %H:%M")

    @property
    def date_text(self) -> str:
        return self.fm.date.strftime("%Y-%m-%d %H:%M" if self.fm.has_time else "%Y-%m-%d")

    @property
    def day(self) -> str:
        return self.fm.date.strftime("%Y-%m-%d")

    @property
    def fm(self) -> FrontMatter:
        return self.compiled.fm

    @property
    def category_name(self) -> str:
        return self.fm.category or self.column.title

    @property
    def has_open_metadata(self) -> bool:
        fm = self.fm
        return bool(fm.index_number or fm.doc_number or fm.topic or fm.issuer or fm.written_date or fm.validity
                    or fm.validity_dates)

    def section_anchor(self, title: str, part: int) -> str:
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


@dataclass
class Taxonomy:
    key: str                     # years, tags, categories
    title: str
    terms: list[tuple[str, str, list[Report]]] = field(default_factory=list)   # (name, path, reports)


@dataclass
class Site:
    config: SiteConfig
    reports: list[Report]        # published, newest first
    columns: list[Column]        # in configured order, only those with reports
    taxonomies: dict[str, Taxonomy]
    traffic: Traffic
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
        rows = [(r, counts.get(r.id, 0)) for r in self.reports if counts.get(r.id, 0) > 0]
        rows.sort(key=lambda row: (-row[1], -row[0].fm.date.timestamp(), row[0].id))
        return rows[:limit] if limit else rows

    @property
    def top_viewed(self) -> list[tuple[Report, int]]:
        return self.ranking(self.traffic.views, RANKING_SIDEBAR)

    @property
    def tasks_by_year(self) -> list[tuple[int, list[Report]]]:
        by_year: dict[int, list[Report]] = defaultdict(list)
        for r in self.reports:
            if r.tasks:
                by_year[r.fm.year].append(r)
        return sorted(((y, sorted(rs, key=lambda r: (r.column.key, r.id))) for y, rs in by_year.items()), reverse=True)


# ---------------------------------------------------------------------------------------
# Building the model


def _asset_dir(page_path: str) -> str:
    directory, name = posixpath.split(page_path)
    if name == "index.html":
        return directory
    stem = name.rsplit(".", 1)[0]
    return posixpath.join(directory, stem)


def _inside(path: Path, root: Path) -> bool:
    try:
        path.resolve().relative_to(root.resolve())
        return True
    except ValueError:
        return False


def derive_id(compiled: CompiledReport, slug=slugify) -> str:
    return compiled.fm.id or slug(compiled.stem)


def _column_key(folder: str, slug=slugify) -> str:
    return folder if re.fullmatch(r"[a-z0-9][a-z0-9_-]*", folder) else slug(folder)


def report_site_path(item: CompiledReport, config: SiteConfig) -> str:
    """Where a report is written: its permalink filled in. Raises ValueError for a bad
    pattern, ContentError for a path that would leave the output folder."""
    path = expand_permalink(config.permalink, column=_column_key(item.column), id=derive_id(item), date=item.fm.date)
    return safe_site_path(path, Location(item.source, 1, 1), "网址")


def _bundle_files(md_path: Path, root: Path) -> list[Path]:
    bundle = md_path.with_suffix("")
    if not bundle.is_dir():
        return []
    return sorted((p for p in bundle.rglob("*") if p.is_file() and not p.name.startswith(".")),
                  key=lambda p: p.relative_to(bundle).as_posix())


def locate_attachment(root: Path, source: str, name: str) -> tuple[Path | None, str]:
    """The file an `attachments` entry names (relative to the Markdown file, or inside its
    bundle folder), or None and the reason in words for the clerk."""
    if name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name) or "\x00" in name:
        return None, f"附件路径 “{name}” 必须是相对于本文件的路径"
    md_path = root / source
    candidates = [md_path.parent / name, md_path.with_suffix("") / name]
    found = next((c for c in candidates if c.is_file()), None)
    if found is None:
        return None, f"附件 “{name}” 不存在（相对于 {posixpath.dirname(source)}/）"
    if not _inside(found, root):
        return None, f"附件 “{name}” 位于网站目录之外，已拒绝"
    return found, ""


def _attach(report: Report, root: Path, errors: list[Diagnostic]) -> None:
    compiled = report.compiled
    md_path = root / compiled.source
    bundle = md_path.with_suffix("")
    content_root = root  # nothing outside the site folder is ever copied
    copied: dict[Path, str] = {}

    def output_path_for(path: Path) -> str:
        if path.resolve() in copied:
            return copied[path.resolve()]
        if bundle.is_dir() and _inside(path, bundle):
            rel = path.resolve().relative_to(bundle.resolve()).as_posix()
        else:
            rel = path.name
        target = posixpath.join(report.asset_dir, rel)
        copied[path.resolve()] = target
        report.files.append(FileCopy(path, target))
        return target

    for file in _bundle_files(md_path, root):
        if not _inside(file, content_root):
            errors.append(Diagnostic(Location(compiled.source, 1, 1),
                                     f"附件目录中的 “{file.name}” 指向网站目录之外（符号链接），已拒绝"))
            continue
        output_path_for(file)

    where = Location(compiled.source, 1, 1)
    for attachment in compiled.fm.attachments:
        found, problem = locate_attachment(root, compiled.source, attachment.file)
        if found is None:
            errors.append(Diagnostic(where, problem))
            continue
        target = output_path_for(found)
        report.attachments.append(AttachmentFile(attachment.title, target, found.stat().st_size,
                                                 FILE_KINDS.get(found.suffix.lower(), found.suffix.lstrip(".").upper() or "文件")))


_LINK_ATTR = re.compile(r'(<(?:a|img)\b[^>]*?\s(?:href|src)=")([^"]*)(")')


def resolve_link(report: Report, href: str, by_source: dict[str, Report]) -> str | None:
    """Site path of a relative link written in a report body, or None when it leads nowhere
    known. Links to other reports may be written as their .md file."""
    href = html.unescape(href)
    parts = urlsplit(href)
    if parts.scheme or parts.netloc or href.startswith(("#", "/", "mailto:", "tel:")):
        return None
    target_source = posixpath.normpath(posixpath.join(posixpath.dirname(report.source), unquote(parts.path)))
    fragment = f"#{parts.fragment}" if parts.fragment else ""
    if target_source in by_source:
        return by_source[target_source].path + fragment
    for copy in report.files:
        source_rel = copy.source.as_posix()
        if source_rel.endswith("/" + target_source) or source_rel == target_source:
            return copy.path + fragment
    return None


def _rewrite_body(report: Report, by_source: dict[str, Report]) -> str:
    def replace(m: re.Match) -> str:
        target = resolve_link(report, m.group(2), by_source)
        if target is None:
            return m.group(0)
        return m.group(1) + html.escape(relative_url(report.path, target)) + m.group(3)

    return _LINK_ATTR.sub(replace, report.compiled.body_html)


def _related_pairwise(report: Report, by_tag: dict[str, list[Report]]) -> list[Report]:
    """The reference ranking, pair by pair; used when a report lists a tag twice (which
    counts twice here) — `RelatedIndex` gives the same result faster otherwise."""
    scores: dict[str, tuple[int, Report]] = {}
    for tag in report.fm.tags:
        for other in by_tag.get(tag, ()):
            if other is not report:
                score, _ = scores.get(other.id, (0, other))
                scores[other.id] = (score + 3, other)
    for other_id, (score, other) in list(scores.items()):
        scores[other_id] = (score + (2 if other.column is report.column else 0)
                            + (1 if other.fm.year == report.fm.year else 0), other)
    ranked = sorted(scores.values(), key=lambda s: (-s[0], -s[1].fm.date.timestamp(), s[1].id))
    chosen = [r for _, r in ranked[:RELATED_COUNT]]
    if len(chosen) < RELATED_COUNT:  # fill from the same column, nearest in date
        column = report.column.reports
        index = column.index(report)
        neighbours = sorted((r for r in column if r is not report and r not in chosen),
                            key=lambda r: (abs(column.index(r) - index), r.id))
        chosen.extend(neighbours[: RELATED_COUNT - len(chosen)])
    return chosen


class RelatedIndex:
    """Related reports of every report, in one pass over bit sets instead of comparing
    every pair (which is quadratic and took seconds at a few thousand reports).

    The ranking is the documented one: 3 points per shared tag, 2 for the same column, 1 for
    the same year; ties by newer date, then id; reports sharing no tag are not ranked, and
    free places are filled from the same column, nearest in date (then by id). Bit i of a set
    stands for `reports[i]`, and `reports` is sorted newest first, then by id, so the lowest
    set bit of a group is exactly the tie-break winner."""

    def __init__(self, reports: list[Report]):
        self.reports = reports
        self.position = {id(r): i for i, r in enumerate(reports)}
        self.by_tag: dict[str, int] = defaultdict(int)
        self.by_column: dict[str, int] = defaultdict(int)
        self.by_year: dict[int, int] = defaultdict(int)
        for i, r in enumerate(reports):
            bit = 1 << i
            for tag in set(r.fm.tags):
                self.by_tag[tag] |= bit
            self.by_column[r.column.key] |= bit
            self.by_year[r.fm.year] |= bit
        self.column_position: dict[int, int] = {}
        for r in reports:
            chain = r.column.reports
            if chain and id(chain[0]) not in self.column_position:
                self.column_position.update((id(x), k) for k, x in enumerate(chain))

    def _lowest(self, bits: int, count: int) -> list[int]:
        found = []
        while bits and len(found) < count:
            low = bits & -bits
            found.append(low.bit_length() - 1)
            bits ^= low
        return found

    def related(self, report: Report) -> list[Report]:
        me = 1 << self.position[id(report)]
        tags = [self.by_tag[t] for t in set(report.fm.tags)]
        # at_least[k]: reports sharing at least k of this report's tags
        at_least = [-1] + [0] * len(tags)
        for bits in tags:
            for k in range(len(tags), 0, -1):
                at_least[k] |= at_least[k - 1] & bits
        column = self.by_column[report.column.key]
        year = self.by_year[report.fm.year]
        bonus = {3: column & year, 2: column & ~year, 1: ~column & year, 0: ~column & ~year}
        chosen: list[int] = []
        for score in range(3 * len(tags) + 3, 2, -1):
            tier = 0
            for shared in range(1, len(tags) + 1):
                extra = score - 3 * shared
                if 0 <= extra <= 3:
                    exactly = at_least[shared] & ~(at_least[shared + 1] if shared < len(tags) else 0)
                    tier |= exactly & bonus[extra]
            chosen += self._lowest(tier & ~me, RELATED_COUNT - len(chosen))
            if len(chosen) == RELATED_COUNT:
                break
        result = [self.reports[i] for i in chosen]
        if len(result) < RELATED_COUNT:   # fill from the same column, nearest in date, then by id
            chain = report.column.reports
            index = self.column_position[id(report)]
            taken = {id(r) for r in result}
            for distance in range(1, len(chain)):
                ring = [chain[j] for j in (index - distance, index + distance) if 0 <= j < len(chain)]
                if not ring:
                    break
                for other in sorted(ring, key=lambda r: r.id):
                    if id(other) not in taken and len(result) < RELATED_COUNT:
                        result.append(other)
                        taken.add(id(other))
                if len(result) == RELATED_COUNT:
                    break
        return result


def build_site(compiled: list[CompiledReport], config: SiteConfig, *, include_drafts: bool = False,
               traffic: Traffic | None = None, qr=None, related: bool = True, slug=slugify,
               today: dt.date | None = None) -> Site:
    """Assemble the site model. Raises BuildFailed listing every error found. `related=False`
    skips the 推荐阅读 lists, which only rendered pages need (`check` does not).
    `slug` is `urls.slugify` or a memo of it (pinyin is slow to load)."""
    errors: list[Diagnostic] = []
    root = config.root
    traffic = traffic or Traffic()
    configured = {c.key: c for c in config.columns}
    columns: dict[str, Column] = {}
    reports: list[Report] = []
    by_path: dict[str, Report] = {}
    by_id: dict[str, Report] = {}

    for item in compiled:
        if item.fm.draft and not include_drafts:
            continue
        key = _column_key(item.column, slug)
        column = columns.get(key)
        if column is None:
            cfg = configured.get(key) or configured.get(item.column) or ColumnConfig(key, item.column)
            column = columns[key] = Column(key, cfg.title, cfg)
        where = Location(item.source, 1, 1)
        ident = derive_id(item, slug)
        try:
            path = report_site_path(item, config)
        except ValueError as exc:
            raise ContentError(Location(config.path), str(exc)) from None
        except ContentError as exc:
            errors.append(exc.diagnostics[0])
            continue
        if ident in by_id:
            errors.append(Diagnostic(where, f"id “{ident}” 与 {by_id[ident].source} 重复；请在前置信息中为其中一篇指定不同的 id"))
            continue
        if path in by_path:
            errors.append(Diagnostic(where, f"网址 {path} 与 {by_path[path].source} 重复"))
            continue
        report = Report(item, ident, path, config.absolute_url(path), column, _asset_dir(path))
        by_id[ident], by_path[path] = report, report
        reports.append(report)

    for report in reports:
        _attach(report, root, errors)
    if today is None:
        from congressgen.content import TZ

        today = dt.datetime.now(TZ).date()
    locate = key_locator(root)
    errors += link_documents(reports, compiled, today, locate)
    addresses = plan_addresses(load_ledger(root), reports, lambda r: locate(r, "id"))
    errors += addresses.errors
    for report in reports:
        report.error_report_url = error_report_url(config.report_error_url, config.footer.site_code, report.url)
    if errors:
        raise BuildFailed(errors)

    reports.sort(key=lambda r: (-r.fm.date.timestamp(), r.id))
    order = {c.key: i for i, c in enumerate(config.columns)}
    ordered_columns = sorted(columns.values(), key=lambda c: (order.get(c.key, len(order)), c.key))
    for report in reports:
        report.column.reports.append(report)

    by_source = {r.source: r for r in reports}
    related_index = RelatedIndex(reports)
    by_tag: dict[str, list[Report]] | None = None
    if any(len(set(r.fm.tags)) != len(r.fm.tags) for r in reports):
        by_tag = defaultdict(list)
        for report in reports:
            for tag in report.fm.tags:
                by_tag[tag].append(report)
    for report in reports:
        report.body_html = _rewrite_body(report, by_source)
        report.sections = report.fm.sections if report.fm.sections is not None else report.outline.sections
        report.tasks = report.fm.tasks if report.fm.tasks is not None else report.outline.tasks
        report.views = traffic.views.get(report.id, 0)
        report.downloads = traffic.downloads.get(report.id, 0)
        if not related:
            report.related = []
        elif by_tag is None:
            report.related = related_index.related(report)
        else:
            report.related = _related_pairwise(report, by_tag)
        if qr is not None:
            report.qr_svg = qr(report.url)
    for column in ordered_columns:
        chain = column.reports
        for i, report in enumerate(chain):
            report.next = chain[i - 1] if i > 0 else None            # newer
            report.previous = chain[i + 1] if i + 1 < len(chain) else None   # older

    taxonomies = _taxonomies(reports, slug)
    site = Site(config, reports, ordered_columns, taxonomies, traffic, drafts_included=include_drafts,
                addresses=addresses)
    site.pages = _pages(site)
    return site


def _taxonomies(reports: list[Report], slug=slugify) -> dict[str, Taxonomy]:
    years: dict[int, list[Report]] = defaultdict(list)
    tags: dict[str, list[Report]] = defaultdict(list)
    categories: dict[str, list[Report]] = defaultdict(list)
    for r in reports:
        years[r.fm.year].append(r)
        for tag in r.fm.tags:
            tags[tag].append(r)
        categories[r.category_name].append(r)

    def terms(groups: dict, folder: str, key=str) -> list:
        used: dict[str, str] = {}
        result = []
        for name in sorted(groups, key=key):
            term = slug(str(name))
            while term in used and used[term] != name:
                term += "-1"
            used[term] = name
            result.append((str(name), f"{folder}/{term}.html", groups[name]))
        return result

    return {
        "years": Taxonomy("years", "年度", list(reversed(terms(years, "years", key=int)))),
        "categories": Taxonomy("categories", "分类", terms(categories, "categories")),
        "tags": Taxonomy("tags", "标签", terms(tags, "tags")),
    }


def _paginate(reports: list, per_page: int, first: str, pattern: str) -> list[tuple[list, Pager]]:
    chunks = [reports[i:i + per_page] for i in range(0, len(reports), per_page)] or [[]]
    paths = [first] + [pattern.format(n=n) for n in range(1, len(chunks))]
    return [(chunk, Pager(i + 1, len(chunks), paths)) for i, chunk in enumerate(chunks)]


def _pages(site: Site) -> list[Page]:
    config = site.config
    pages = [Page("index.html", "index.html", config.title, "index")]
    for report in site.reports:
        pages.append(Page("article.html", report.path, report.title, "article", report=report, column=report.column))
    for column in site.columns:
        pinned_first = sorted(column.reports, key=lambda r: (not r.fm.pinned,))
        for chunk, pager in _paginate(pinned_first, config.pagination, column.path, f"{column.key}/index_{{n}}.html"):
            pages.append(Page("list.html", pager.paths[pager.number - 1], column.title, "column",
                              column=column, items=chunk, pager=pager))
    for key, taxonomy in site.taxonomies.items():
        pages.append(Page("terms.html", f"{key}/index.html", taxonomy.title, "terms", extra={"taxonomy": taxonomy}))
        for name, path, reports in taxonomy.terms:
            label = f"{name}年" if key == "years" else name
            pages.append(Page("list.html", path, label, key, items=reports, extra={"taxonomy": taxonomy}))
    pages += [
        Page("archive.html", "archive.html", "文章归档", "archive"),
        Page("ranking.html", "ranking.html", "文章排行", "ranking"),
        Page("tasks.html", "tasks.html", "年度任务", "tasks"),
        Page("sitemap.html", "sitemap.html", "网站地图", "sitemap"),
        Page("404.html", "404.html", "页面未找到", "404"),
        Page("lapsed.html", LAPSED_PAGE, LAPSED_TITLE, "lapsed", items=lapsed_reports(site.reports)),
        Page("favourites.html", "favourites.html", "我的收藏", "favourites"),
        *([Page("search.html", "search.html", "站内搜索", "search")] if config.search else []),
        Page("sitemap.xml", "sitemap.xml", "sitemap", "xml"),
        Page("atom.xml", "atom.xml", config.title, "xml"),
        Page("robots.txt", "robots.txt", "robots", "text"),
    ]
    pages += address_pages(site)
    return pages


def archive_months(reports: list[Report]) -> list[tuple[str, list[Report]]]:
    groups: dict[str, list[Report]] = defaultdict(list)
    for r in reports:
        groups[r.fm.date.strftime("%Y年%m月")].append(r)
    return sorted(groups.items(), reverse=True)


def newest_date(reports: list[Report]) -> dt.datetime | None:
    return max((r.fm.date for r in reports), default=None)
