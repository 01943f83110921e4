"""A document's life in the site model (docs/document-life.md): 解读 ↔ 原文件 links, the 有效性
state on the build day, the 纠错 link, and the address ledger's redirect and notice pages.

`document_life` runs inside `assemble.build_site` once the reports are known; its errors name
the file and the line of the key that is wrong, all of them at once (BuildFailed). The pages
and files it adds are registered in the seams: PAGE_KINDS (`lapsed_and_favourites_pages`,
`address_pages`), OUTPUTS (`redirect_paths`, `address_files`), DATA_SOURCES (`addresses`).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from urllib.parse import quote

from congressgen.errors import Diagnostic, Location
from congressgen.validity import ABOLISHED, EXPIRED, PENDING, VALID, Validity, state_on

LAPSED_PAGE = "lapsed.html"
LAPSED_TITLE = "废止和失效文件"
FAVOURITES_PAGE = "favourites.html"
# The national 我为政府网站找错 platform, as the footer links it (gov-norms.md A2).
NATIONAL_ERROR_PLATFORM = "https://zfwzgl.www.gov.cn/exposure/jiucuo.html"


@dataclass(frozen=True)
class ValidityState:
    label: str                      # 有效 / 尚未生效 / 已失效 / 已废止
    on: dt.date                     # the day it is stated for (the build day)
    validity: Validity
    replaced_by: object = None      # the replacing Report, when published

    @property
    def lapsed(self) -> bool:
        return self.label in (ABOLISHED, EXPIRED)

    @property
    def code(self) -> str:
        """ASCII name of the state, for a CSS class."""
        return {VALID: "valid", PENDING: "pending", EXPIRED: "expired", ABOLISHED: "abolished"}[self.label]

    @property
    def lapsed_on(self) -> dt.date | None:
        """The day it was abolished, or its last valid day when it expired."""
        return {ABOLISHED: self.validity.abolished, EXPIRED: self.validity.expires}.get(self.label)

    @property
    def banner(self) -> str:
        """The words at the top of an abolished or expired document ('' otherwise)."""
        if self.label == ABOLISHED:
            return f"本文件已于 {self.validity.abolished:%Y年%m月%d日} 废止"
        if self.label == EXPIRED:
            return f"本文件有效期至 {self.validity.expires:%Y年%m月%d日}，已失效"
        return ""


def key_locator(root):
    """`locate(report, key, sub=None)`: where a front-matter key of a report is written. Reads
    the file again, which happens only on the way to an error."""
    from congressgen.content import read_source
    from congressgen.yamlpos import load_mapping

    def locate(report, key: str, sub: str | None = None) -> Location:
        try:
            source, _ = read_source((root / report.source).read_bytes(), report.source)
            doc = load_mapping(source.front_text, report.source, line_offset=1)
        except Exception:   # the file changed under us: point at its start
            return Location(report.source, 1, 1)
        where = doc.location(report.source, key, sub) if sub else doc.location(report.source, key)
        return where if where.line else Location(report.source, 1, 1)

    return locate


def link_documents(reports: list, compiled: list, today: dt.date, locate) -> list[Diagnostic]:
    """Fill `originals`, `interpretations` and `validity_state` of every report; returns the
    errors found. `locate(report, key, sub=None)` gives the Location of a front-matter key."""
    errors: list[Diagnostic] = []
    by_id = {r.id: r for r in reports}
    draft_ids = {c.fm.id for c in compiled if c.fm.draft and c.fm.id}
    for report in reports:
        fm = report.compiled.fm
        for ident in fm.interprets:
            original = by_id.get(ident)
            if original is None or (original.fm.draft and not fm.draft):
                why = "是草稿，尚未发布" if original is not None or ident in draft_ids else "不存在"
                errors.append(Diagnostic(locate(report, "interprets"),
                                         f"解读的原文件 “{ident}” {why}；interprets 应写已发布文件的 id"))
                continue
            if original is report:
                errors.append(Diagnostic(locate(report, "interprets"), "interprets 不能写本文件自己的 id"))
                continue
            if original not in report.originals:
                report.originals.append(original)
                original.interpretations.append(report)
        validity = fm.validity_dates
        if validity is None:
            continue
        replacement = None
        if validity.replaced_by:
            replacement = by_id.get(validity.replaced_by)
            if replacement is None or replacement is report:
                why = "就是本文件" if replacement is report else "不存在（或是未发布的草稿）"
                errors.append(Diagnostic(locate(report, "validity", "replaced_by"),
                                         f"validity.replaced_by 写的 “{validity.replaced_by}” {why}；应写替代文件的 id"))
                continue
        report.validity_state = ValidityState(state_on(validity, today), today, validity, replacement)
    for report in reports:
        if len(report.interpretations) > 1:
            report.interpretations.sort(key=lambda r: (-r.fm.date.timestamp(), r.id))
    return errors


def lapsed_reports(reports: list) -> list:
    """Abolished and expired documents, newest first (the order of `reports`)."""
    return [r for r in reports if r.validity_state is not None and r.validity_state.lapsed]


_ALWAYS_SAFE = frozenset(map(ord, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-~"))
_QUOTED = {c: f"%{c:02X}" for c in range(128) if c not in _ALWAYS_SAFE}
_SAFE_OR_SLASH = re.compile(r"[A-Za-z0-9_.~/-]*")


def _quote_all(text: str) -> str:
    """urllib.parse.quote(text, safe=''): a site path of safe characters and slashes by one
    replace, other ASCII text by one translate (a page address, once per report)."""
    if _SAFE_OR_SLASH.fullmatch(text):
        return text.replace("/", "%2F")
    return text.translate(_QUOTED) if text.isascii() else quote(text, safe="")


def error_report_link(configured: str, site_code: str, base_url: str = ""):
    """`error_report_url(configured, site_code, page_url)` as a function of page_url, for the
    pages of one site: what comes before the page's address, and the site's `base_url` that
    starts it, are quoted once (quoting is character by character, so the parts join)."""
    base = configured or (f"{NATIONAL_ERROR_PLATFORM}?site_code={quote(site_code, safe='')}" if site_code
                          else NATIONAL_ERROR_PLATFORM)
    start = f"{base}{'&' if '?' in base else '?'}url="
    quoted_base, skip = start + _quote_all(base_url), len(base_url)

    def link(page_url: str) -> str:
        if skip and page_url.startswith(base_url):
            return quoted_base + _quote_all(page_url[skip:])
        return start + _quote_all(page_url)

    return link


def error_report_url(configured: str, site_code: str, page_url: str) -> str:
    """The 纠错 link of a page: the site's configured address, or the national platform with
    the site's 网站标识码, carrying the page's address as the `url` query parameter."""
    return error_report_link(configured, site_code)(page_url)


def document_life(reports: list, compiled: list, config, data, today: dt.date | None,
                  errors: list[Diagnostic]):
    """Everything of this module and of the address ledger, for `assemble.build_site`: links
    and states filled in, errors appended to `errors`; returns the ledger's AddressPlan (None
    without the `addresses` data source)."""
    from congressgen.content import TZ
    from congressgen.model.ledger import plan

    locate = key_locator(config.root)
    errors += link_documents(reports, compiled, today or dt.datetime.now(TZ).date(), locate)
    link = error_report_link(config.report_error_url, config.footer.site_code, config.base_url)
    for report in reports:
        report.error_report_url = link(report.url)
    ledger = data.get("addresses") if data is not None else None
    if ledger is None:
        return None
    addresses = plan(ledger, reports, lambda r: locate(r, "id"))
    errors += addresses.errors
    return addresses


# ---------------------------------------------------------------------------------------
# Page kinds (model/pagekinds.PAGE_KINDS), an output (outputs.OUTPUTS), a data source
# (model/datasources.DATA_SOURCES)


def lapsed_and_favourites_pages(site) -> list:
    """废止和失效文件 (documents lapsed as of the build day) and 我的收藏 (filled in the browser)."""
    from congressgen.model.types import Page

    return [Page("lapsed.html", LAPSED_PAGE, LAPSED_TITLE, "lapsed", items=lapsed_reports(site.reports)),
            Page("favourites.html", FAVOURITES_PAGE, "我的收藏", "favourites")]


def address_pages(site) -> list:
    """A redirect page at each old address of a moved report, a notice page at each address
    of a withdrawn one (model/ledger.py)."""
    from congressgen.model.types import Page

    plan = site.addresses
    if plan is None:
        return []
    pages = [Page("redirect.html", r.old, r.report.title, "redirect", extra={"target": r.report})
             for r in plan.redirects]
    pages += [Page("withdrawn.html", n.path, "本文已撤稿", "withdrawn",
                   extra={"withdrawal": n.entry.withdrawn, "id": n.entry.id}) for n in plan.notices]
    return pages


def redirect_paths(site) -> list[str]:
    from congressgen.model.ledger import APACHE_SNIPPET, NGINX_SNIPPET

    return [NGINX_SNIPPET, APACHE_SNIPPET] if site.addresses is not None and site.addresses.redirects else []


def address_files(site, cache=None) -> list[tuple[str, bytes]]:
    """`redirects.nginx.conf` and `redirects.apache.conf` when some address moved."""
    from urllib.parse import urlsplit

    from congressgen.model.ledger import APACHE_SNIPPET, NGINX_SNIPPET, apache_snippet, nginx_snippet

    plan = site.addresses
    if plan is None or not plan.redirects:
        return []
    base = urlsplit(site.config.base_url).path
    return [(NGINX_SNIPPET, nginx_snippet(plan.redirects, base).encode()),
            (APACHE_SNIPPET, apache_snippet(plan.redirects, base).encode())]


def dropped_warnings(site) -> list[Diagnostic]:
    from congressgen.model.ledger import LEDGER_FILE

    plan = site.addresses
    return [Diagnostic(Location(entry.source or LEDGER_FILE, 1, 1),
                       f"已发布的网址 {address}（{entry.id}）不再对应任何文件，也没有转向：congressgen publish 会拒绝发布；"
                       f"改了 id 和文件名请写 former_ids: [{entry.id}]，有意撤下请用 congressgen withdraw {entry.id} --reason 原因",
                       "warning")
            for address, entry in (plan.dropped if plan is not None else [])]
