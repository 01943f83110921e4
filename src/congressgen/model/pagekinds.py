"""Page kinds: where the pages of a site come from.

`PAGE_KINDS` is an ordered tuple of providers, each `provider(site: Site) -> list[Page]`;
the site's pages are their results in this order (the order fixes nothing visible but keeps
builds byte-identical and the render memo stable). A new page kind is a function (in its own
module), one entry here and a template in the theme; `site_pages(site, kinds=...)` takes
another tuple for a site or a test that adds one.
"""

from __future__ import annotations

from typing import Callable

from congressgen.model.doclife import address_pages, lapsed_and_favourites_pages
from congressgen.model.datapages import jianyi_pages, nianbao_pages
from congressgen.model.gongkai import column_group_pages, gongkai_pages
from congressgen.model.paging import paginate
from congressgen.model.types import Page, Site

PageKind = Callable[[Site], "list[Page]"]


def index_page(site: Site) -> list[Page]:
    return [Page("index.html", "index.html", site.config.title, "index")]


def article_pages(site: Site) -> list[Page]:
    return [Page("article.html", r.path, r.compiled.fm.title, "article", report=r, column=r.column) for r in site.reports]


def column_pages(site: Site) -> list[Page]:
    pages = []
    for column in site.columns:
        pinned = [r for r in column.reports if r.compiled.fm.pinned]     # first, each part in its order
        pinned_first = pinned + [r for r in column.reports if not r.compiled.fm.pinned] if pinned else list(column.reports)
        for chunk, pager in paginate(pinned_first, site.config.pagination, column.path,
                                      f"{column.key}/index_{{n}}.html"):
            pages.append(Page("list.html", pager.paths[pager.number - 1], column.title, "column",
                              column=column, items=chunk, pager=pager))
    return pages


def taxonomy_pages(site: Site) -> list[Page]:
    pages = []
    for key, taxonomy in site.taxonomies.items():
        pages.append(Page("terms.html", f"{key}/index.html", taxonomy.title, "terms", extra={"taxonomy": taxonomy}))
        for name, path, reports in taxonomy.terms:
            label = taxonomy.label(name)
            pages.append(Page("list.html", path, label, key, items=reports, extra={"taxonomy": taxonomy}))
    return pages


def fixed_pages(site: Site) -> list[Page]:
    return [
        Page("archive.html", "archive.html", "文章归档", "archive"),
        Page("ranking.html", "ranking.html", "文章排行", "ranking"),
        Page("tasks.html", "tasks.html", "年度任务", "tasks"),
        Page("sitemap.html", "sitemap.html", "网站地图", "sitemap"),
        Page("404.html", "404.html", "页面未找到", "404"),
    ]


def search_page(site: Site) -> list[Page]:
    return [Page("search.html", "search.html", "站内搜索", "search")] if site.config.search else []


def feed_pages(site: Site) -> list[Page]:
    """sitemap.xml, atom.xml and robots.txt: rendered from templates like pages."""
    return [
        Page("sitemap.xml", "sitemap.xml", "sitemap", "xml"),
        Page("atom.xml", "atom.xml", site.config.title, "xml"),
        Page("robots.txt", "robots.txt", "robots", "text"),
    ]


PAGE_KINDS: tuple[PageKind, ...] = (index_page, article_pages, column_pages, taxonomy_pages, fixed_pages,
                                    lapsed_and_favourites_pages, search_page, jianyi_pages, nianbao_pages, feed_pages,
                                    gongkai_pages, column_group_pages, address_pages)


def site_pages(site: Site, kinds: tuple[PageKind, ...] | None = None) -> list[Page]:
    """Every page of the site: each provider of `kinds` (default `PAGE_KINDS`) in order."""
    return [page for kind in (PAGE_KINDS if kinds is None else kinds) for page in kind(site)]
