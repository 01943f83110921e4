"""Page kinds driven by data files: the 代表建议办理 pages (all years, one year's list with its
summary and filters, one page per 建议 with its 答复) and the 政府信息公开工作年度报告 (all
years, one page per year). Each provider is `(site) -> list[Page]` reading `site.data`.

What a page reads is what its `extra` holds, so the render memo re-renders exactly the pages
whose data changed: a 建议's page holds only that 建议 (no neighbours, no year object), the
year's list the year, the index the years' headlines. The data sources are `jianyi` and
`nianbao` (`congressgen.tables.sources`); a site without them has none of these pages.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from congressgen.model.types import Page

if TYPE_CHECKING:        # the parsers are imported only for a site that has data files (tables.sources)
    from congressgen.tables.jianyi import Suggestion, SuggestionYear
    from congressgen.tables.nianbao import AnnualReport

HOME = ("首页", "index.html")
JIANYI_TITLE = "代表建议办理"
NIANBAO_TITLE = "政府信息公开工作年度报告"
JIANYI_COLUMN = ("jianyi", "建议办理")        # (key, title) as the search index shows them
NIANBAO_COLUMN = ("nianbao", "政府信息公开年报")


@dataclass(frozen=True)
class SearchEntry:
    """What the site search indexes of a page that is not a report (the search output makes
    its document of it): in `page.extra["search"]`."""

    id: str                # unique, ASCII: the index's text file is named after it
    title: str
    date: str              # YYYY-MM-DD
    year: int
    column: tuple[str, str]   # (key, title) the search results show
    text: str
    outline: tuple[str, ...] = ()
    meta: tuple[str, ...] = ()


@dataclass(frozen=True)
class DataArticle:
    """The head of a page that reads like an article (one 建议, one 年报): its meta tags,
    title and 发布时间/来源 line, ready for `partials/data_meta.html` and `data_header.html`."""

    column: str            # ColumnName, and the page title's middle part
    column_type: str       # ColumnType
    title: str
    date: str              # YYYY-MM-DD
    source: str            # 来源 / ContentSource
    description: str


@dataclass(frozen=True)
class YearEntry:
    """One row of an all-years list: what the list shows of that year."""

    year: int
    title: str
    path: str
    date: str              # YYYY-MM-DD shown beside it (newest reply, or the 年报's publish date)
    note: str              # the summary sentence, or the 年报's organ


def _day(value) -> str:
    return value.isoformat() if value else ""


def suggestion_date(s: Suggestion) -> str:
    """The date a 建议's page stands for: its publication, else its reply, else its 交办."""
    return _day(s.published or s.answered or s.assigned)


def year_date(y: SuggestionYear) -> str:
    return max((suggestion_date(s) for s in y.suggestions), default=f"{y.year}-12-31")


def suggestion_search(s: Suggestion) -> SearchEntry:
    meta = (s.lead, s.delegation, s.lead_unit, *s.assist_units, *s.co_signers,
            f"{s.category}类" if s.category else "", s.category_label, s.satisfaction, s.number)
    return SearchEntry(f"jianyi-{s.year}-{s.slug}", s.title, suggestion_date(s), s.year, JIANYI_COLUMN,
                       s.reply_text, (JIANYI_TITLE,), tuple(m for m in meta if m))


def nianbao_search(r: AnnualReport) -> SearchEntry:
    return SearchEntry(f"nianbao-{r.year}", r.title, _day(r.date), r.year, NIANBAO_COLUMN, r.overview_text,
                       tuple(r.sections.values()), (r.organ, f"{r.year}年", NIANBAO_TITLE))


def jianyi_pages(site) -> list[Page]:
    years: tuple[SuggestionYear, ...] = site.data.get("jianyi", ())
    if not years:
        return []
    entries = tuple(YearEntry(y.year, y.title, y.path, year_date(y), y.summary.sentence) for y in years)
    pages = [Page("data_index.html", "jianyi/index.html", JIANYI_TITLE, "jianyi-index",
                  extra={"years": entries, "lastmod": max(e.date for e in entries), "column_type": "建议办理"})]
    to_index = (JIANYI_TITLE, "jianyi/index.html")
    for y in years:
        pages.append(Page("jianyi_year.html", y.path, y.title, "jianyi-year",
                          extra={"year": y, "lastmod": year_date(y), "feed": True,
                                 "crumbs": (HOME, to_index, (f"{y.year}年", None))}))
        for s in y.suggestions:
            pages.append(Page("jianyi.html", s.path, s.title, "jianyi",
                              extra={"suggestion": s, "article": DataArticle(
                                         JIANYI_TITLE, "建议办理", s.title, suggestion_date(s), s.lead_unit,
                                         f"{s.title}（{s.year}年第 {s.number} 号建议）"), "lastmod": suggestion_date(s), "search": suggestion_search(s),
                                     "crumbs": (HOME, to_index, (f"{y.year}年", y.path), (f"第 {s.number} 号", None))}))
    return pages


def nianbao_pages(site) -> list[Page]:
    reports: tuple[AnnualReport, ...] = site.data.get("nianbao", ())
    if not reports:
        return []
    entries = tuple(YearEntry(r.year, r.title, r.path, _day(r.date), "") for r in reports)
    pages = [Page("data_index.html", "nianbao/index.html", NIANBAO_TITLE, "nianbao-index",
                  extra={"years": entries, "lastmod": max(e.date for e in entries), "column_type": "政府信息公开年报"})]
    for r in reports:
        pages.append(Page("nianbao.html", r.path, r.title, "nianbao",
                          extra={"report": r, "lastmod": _day(r.date),
                                 "article": DataArticle(NIANBAO_TITLE, "政府信息公开年报", r.title, _day(r.date), r.organ, r.title), "feed": True, "search": nianbao_search(r),
                                 "crumbs": (HOME, (NIANBAO_TITLE, "nianbao/index.html"), (f"{r.year}年", None))}))
    return pages


