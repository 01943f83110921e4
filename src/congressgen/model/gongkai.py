"""Page kinds of a 政府 site's 政府信息公开专栏 (model stage; each `(site) -> list[Page]`):
the landing page with the four first-level columns and 依申请公开, the 指南 generated from
`gongkai.guide`, the 依申请公开 page, the 政府信息公开目录 (static pages plus one JSON file the
browser filters and pages through), and the page of a column that only groups sub-columns."""

from __future__ import annotations

import json
import posixpath
from dataclasses import dataclass

from congressgen.model.attachments import FILE_KINDS
from congressgen.model.paging import paginate
from congressgen.model.types import Page, Site
from congressgen.sitetype import FADING, NIANBAO, ZHIDU

ZHUANLAN = "zfxxgk"                          # the 专栏's folder, as on most portals (/zfxxgk/)
LANDING = f"{ZHUANLAN}/index.html"
GUIDE = f"{ZHUANLAN}/zhinan.html"
APPLY = f"{ZHUANLAN}/ysqgk.html"
CATALOG = f"{ZHUANLAN}/mulu.html"
CATALOG_DATA = f"{ZHUANLAN}/mulu.json"
LATEST = 5                                   # items a column shows on the landing page
CATALOG_FIELDS = ("索引号", "名称", "主题分类", "发布机构", "成文日期", "发布日期", "文号")


@dataclass(frozen=True)
class Link:
    """A dated item as the landing page lists it (a report, or a data-file 年报 page)."""

    title: str
    path: str
    day: str                  # YYYY-MM-DD


@dataclass(frozen=True)
class Entry:
    """One first-level column of the 专栏 as its landing page shows it."""

    title: str
    path: str                 # "" when the column has nothing to show yet
    items: tuple = ()         # Links, newest first
    children: tuple = ()      # (title, path) of sub-columns
    note: str = ""


@dataclass(frozen=True)
class CatalogRow:
    index_number: str
    title: str
    topic: str
    issuer: str
    written: str
    published: str
    doc_number: str
    path: str
    year: str

    def as_list(self) -> list[str]:
        return [self.index_number, self.title, self.topic, self.issuer, self.written, self.published,
                self.doc_number, self.path]


def paragraphs(text: str) -> tuple[str, ...]:
    return tuple(line.strip() for line in text.split("\n") if line.strip())


def _column_of_type(site: Site, kind: str):
    configured = next((c for c in site.config.columns if c.type == kind), None)
    return configured, next((c for c in site.columns if configured and c.key == configured.key), None)


def _children(site: Site, key: str) -> tuple:
    present = {c.key: c for c in site.columns}
    return tuple((c.title, present[c.key].path) for c in site.config.columns if c.parent == key and c.key in present)


def _links(reports) -> tuple:
    return tuple(Link(r.title, r.path, r.day) for r in reports)


def nianbao_links(site: Site) -> tuple:
    """The data-file 年报 pages when the site has them (`site.data.nianbao`: items with `title`,
    `path` and `date`, from the data-pages issue), newest first; else ()."""
    data = getattr(getattr(site, "data", None), "nianbao", None) or ()
    items = sorted(data, key=lambda r: (str(r.date), r.path), reverse=True)
    return tuple(Link(r.title, r.path, str(r.date)[:10]) for r in items)


def _entry(site: Site, title: str, kind: str) -> Entry:
    configured, column = _column_of_type(site, kind)
    children = _children(site, configured.key) if configured else ()
    items = _links(column.reports[:LATEST]) if column else ()
    path = f"{configured.key}/index.html" if configured and (column is not None or children) else ""
    if kind == NIANBAO:   # the data-file 年报 pages come first; the column's reports after them
        data = nianbao_links(site)
        items = (data + items)[:LATEST]
        if data and not path:
            path = posixpath.join(posixpath.dirname(data[0].path), "index.html")
    return Entry(configured.title if configured else title, path, items, children)


def catalog_rows(site: Site) -> list[CatalogRow]:
    """Every published item of the site, newest first, with its 政务公开 fields."""
    rows = []
    for r in site.reports:
        fm = r.fm
        rows.append(CatalogRow(fm.index_number, fm.title, fm.topic or r.category_name,
                               fm.issuer or fm.author or site.config.author,
                               fm.written_date.isoformat() if fm.written_date else "", r.day, fm.doc_number,
                               r.path, r.day[:4]))
    return rows


def _choices(rows: list[CatalogRow]) -> dict:
    return {"topics": sorted({r.topic for r in rows if r.topic}),
            "years": sorted({r.year for r in rows}, reverse=True),
            "issuers": sorted({r.issuer for r in rows if r.issuer})}


def gongkai_pages(site: Site) -> list[Page]:
    """The 专栏's own pages; none unless `site.type` is 政府."""
    config = site.config
    if not config.site.government:
        return []
    gk = config.gongkai
    entries = (Entry("政府信息公开指南", GUIDE, note="本机关政府信息公开工作机构、办公地址、办公时间、联系方式，"
                                                  "以及获取政府信息和申请公开的方式。"), _entry(site, "政府信息公开制度", ZHIDU),
               _entry(site, "法定主动公开内容", FADING), _entry(site, "政府信息公开年报", NIANBAO))
    guide = tuple((label, paragraphs(text)) for _, label, text in gk.guide)
    form = config.root / gk.apply_form
    form_size = form.stat().st_size if form.is_file() else 0
    apply = {"paragraphs": paragraphs(gk.apply_text or gk.field("apply")), "form_path": gk.apply_form_path,
             "form_title": gk.apply_form_title, "form_size": form_size,
             "form_kind": FILE_KINDS.get(posixpath.splitext(gk.apply_form)[1].lower(), "文件"),
             "online_url": gk.online_url, "online_title": gk.online_title,
             "office": "，".join(x for x in (gk.field("organ"), gk.field("address"), gk.field("office_hours"),
                                             gk.field("phone") and f"电话 {gk.field('phone')}") if x)}
    crumbs = (("政府信息公开", LANDING),)
    pages = [
        Page("zfxxgk.html", LANDING, "政府信息公开", "zfxxgk",
             extra={"entries": entries, "apply_path": APPLY, "catalog_path": CATALOG, "intro": paragraphs(gk.intro)}),
        Page("zhinan.html", GUIDE, "政府信息公开指南", "zhinan",
             extra={"guide": guide, "crumbs": crumbs, "apply_path": APPLY, "catalog_path": CATALOG}),
        Page("ysqgk.html", APPLY, "依申请公开", "ysqgk", extra={"apply": apply, "crumbs": crumbs, "guide_path": GUIDE}),
    ]
    rows = catalog_rows(site)
    choices = _choices(rows)
    for chunk, pager in paginate(rows, gk.catalog_page_size, CATALOG, f"{ZHUANLAN}/mulu_{{n}}.html"):
        pages.append(Page("mulu.html", pager.paths[pager.number - 1], "政府信息公开目录", "mulu", items=chunk,
                          pager=pager, extra={"crumbs": crumbs, "choices": choices, "data_path": CATALOG_DATA,
                                              "fields": CATALOG_FIELDS, "total": len(rows),
                                              "page_size": gk.catalog_page_size}))
    data = {"fields": CATALOG_FIELDS + ("网址",), "rows": [r.as_list() for r in rows]}
    pages.append(Page("mulu.json", CATALOG_DATA, "政府信息公开目录", "data",
                      extra={"json": json.dumps(data, ensure_ascii=False, separators=(",", ":"))}))
    return pages


def column_group_pages(site: Site) -> list[Page]:
    """A page for each configured column that has sub-columns but no items of its own
    (e.g. 法定主动公开内容): its sub-columns, each with its newest items."""
    present = {c.key: c for c in site.columns}
    pages = []
    for configured in site.config.columns:
        if configured.key in present:
            continue
        groups = tuple((present[c.key], tuple(present[c.key].reports[:LATEST]))
                       for c in site.config.columns if c.parent == configured.key and c.key in present)
        if groups:
            crumbs = (("政府信息公开", LANDING),) if site.config.site.government and configured.type == FADING else ()
            pages.append(Page("colgroup.html", f"{configured.key}/index.html", configured.title, "colgroup",
                              extra={"groups": groups, "column_config": configured, "crumbs": crumbs}))
    return pages
