"""Assembling the site model from compiled reports: reports, columns, attachments, body
links, related reports, taxonomies and (through `pagekinds.PAGE_KINDS`) the pages."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from congressgen.config import ColumnConfig, SiteConfig
from congressgen.errors import BuildFailed, ContentError, Diagnostic, Location
from congressgen.model.attachments import attach_all
from congressgen.model.datasources import SiteData
from congressgen.model.doclife import document_life
from congressgen.model.links import rewrite_body
from congressgen.model.pagekinds import site_pages
from congressgen.model.related import RelatedMemo, related_pairwise
from congressgen.model.types import CompiledReport, Column, Report, Site, Taxonomy, Traffic
from congressgen.model.urls import ReportPaths, asset_dir, column_key, derive_id
from congressgen.urls import slugify


def derive_from_body(report: Report, by_source: dict[str, Report]) -> None:
    """What a report derives from its own compiled body alone: the body with its links
    rewritten, and its sections and tasks (the front matter's, else the outline's). The
    preview patches a saved report into its kept model with this too (serve.LiveSite)."""
    compiled = report.compiled
    fm = compiled.fm
    report.rewritten_body = rewrite_body(report, by_source) if compiled.links else None
    report.sections = fm.sections if fm.sections is not None else compiled.outline.sections
    report.tasks = fm.tasks if fm.tasks is not None else compiled.outline.tasks


def build_site(compiled: list[CompiledReport], config: SiteConfig, *, include_drafts: bool = False,
               traffic: Traffic | None = None, qr=None, related: bool | RelatedMemo = True, slug=slugify,
               data: SiteData | None = None, today: dt.date | None = None) -> Site:
    """Assemble the site model. Raises BuildFailed listing every error found. `related=False`
    skips the 推荐阅读 lists, which only rendered pages need (`check` does not); a
    `related.RelatedMemo` makes them through the build cache.
    `slug` is `urls.slugify` or a memo of it (pinyin is slow to load)."""
    errors: list[Diagnostic] = []
    root = config.root
    if data is None:
        data = SiteData.empty() if traffic is None else SiteData.of(traffic=traffic)
    traffic = data.get("traffic") or traffic or Traffic()
    configured = {c.key: c for c in config.columns}
    columns: dict[str, Column] = {}
    reports: list[Report] = []
    by_path: dict[str, Report] = {}
    by_id: dict[str, Report] = {}

    paths = ReportPaths(config)
    keys: dict[str, str] = {}        # folder -> column key
    show_review = config.review.get("show_on_page")
    for item in compiled:
        fm = item.fm
        if fm.draft and not include_drafts:
            continue
        folder = item.column
        key = keys.get(folder)
        if key is None:
            key = keys[folder] = column_key(folder, slug)
        column = columns.get(key)
        if column is None:
            cfg = configured.get(key) or configured.get(folder) or ColumnConfig(key, folder)
            column = columns[key] = Column(key, cfg.title, cfg)
        ident = derive_id(item, slug)
        try:
            path = paths.path(item, key, ident)
        except ValueError as exc:
            raise ContentError(Location(config.path), str(exc)) from None
        except ContentError as exc:
            errors.append(exc.diagnostics[0])
            continue
        if ident in by_id:
            errors.append(Diagnostic(Location(item.source, 1, 1), f"id “{ident}” 与 {by_id[ident].source} 重复；请在前置信息中为其中一篇指定不同的 id"))
            continue
        if path in by_path:
            errors.append(Diagnostic(Location(item.source, 1, 1), f"网址 {path} 与 {by_path[path].source} 重复"))
            continue
        report = Report(item, ident, path, config.absolute_url(path), column, asset_dir(path))
        if show_review:
            report.review_names = review_names(fm.review)
        by_id[ident] = by_path[path] = report
        reports.append(report)

    attach_all(reports, root, errors)
    addresses = document_life(reports, compiled, config, data, today, errors)
    if errors:
        raise BuildFailed(errors)

    reports.sort(key=lambda r: (-r.compiled.fm.date.timestamp(), r.id))
    order = {c.key: i for i, c in enumerate(config.columns)}
    ordered_columns = sorted(columns.values(), key=lambda c: (order.get(c.key, len(order)), c.key))
    for report in reports:
        report.column.reports.append(report)

    by_source = {r.compiled.source: r for r in reports}
    by_tag: dict[str, list[Report]] | None = None
    repeated_tag = False          # a report listing a tag twice (related_pairwise counts it twice)
    for r in reports:
        tags = r.compiled.fm.tags
        if len(tags) > 1 and len(set(tags)) != len(tags):
            repeated_tag = True
            break
    if repeated_tag:
        by_tag = defaultdict(list)
        for report in reports:
            for tag in report.fm.tags:
                by_tag[tag].append(report)
    related_lists = None
    if related and by_tag is None:
        related_lists = (related if isinstance(related, RelatedMemo) else RelatedMemo()).lists(reports)
    for n, report in enumerate(reports):
        derive_from_body(report, by_source)
        report.views = traffic.views.get(report.id, 0)
        report.downloads = traffic.downloads.get(report.id, 0)
        if not related:
            report.related = []
        elif related_lists is not None:
            report.related = related_lists[n]
        else:
            report.related = related_pairwise(report, by_tag)
        if qr is not None:
            report.qr_svg = qr(report.url)
    for column in ordered_columns:
        chain = column.reports
        for i, report in enumerate(chain):
            report.next = chain[i - 1] if i > 0 else None            # newer
            report.previous = chain[i + 1] if i + 1 < len(chain) else None   # older

    taxonomies = _taxonomies(reports, slug)
    site = Site(config, reports, ordered_columns, taxonomies, traffic, drafts_included=include_drafts, data=data,
                addresses=addresses)
    site.pages = site_pages(site)
    return site


def _taxonomies(reports: list[Report], slug=slugify) -> dict[str, Taxonomy]:
    years: dict[int, list[Report]] = defaultdict(list)
    tags: dict[str, list[Report]] = defaultdict(list)
    categories: dict[str, list[Report]] = defaultdict(list)
    for r in reports:
        fm = r.compiled.fm
        years[fm.year].append(r)
        for tag in fm.tags:
            tags[tag].append(r)
        categories[fm.category or r.column.title].append(r)     # r.category_name

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


def review_names(signoffs: tuple) -> tuple[tuple[str, str], ...]:
    """The 审核/签发 names a page shows: each recorded stage and who signed it."""
    return tuple((s["stage"], s.get("by", "")) for s in signoffs if isinstance(s, dict) and "stage" in s)
