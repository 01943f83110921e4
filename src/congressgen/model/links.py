"""Links written in a report body: resolved to site paths and rewritten relative to the page."""

from __future__ import annotations

import html
import posixpath
import re
from urllib.parse import unquote, urlsplit

from congressgen.model.types import Report
from congressgen.urls import relative_url

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


def body_links(body_html: str) -> tuple[str, ...]:
    """The href/src values of a body's links and images (`CompiledReport.links`)."""
    return tuple(dict.fromkeys(m.group(2) for m in _LINK_ATTR.finditer(body_html)))


def rewrite_body(report: Report, by_source: dict[str, Report]) -> str | None:
    """The report's body with its relative links rewritten, or None when no link needs it (the
    body is then shown as compiled, and need not be read here)."""
    if not any(resolve_link(report, href, by_source) is not None for href in report.compiled.links):
        return None

    def replace(m: re.Match) -> str:
        target = resolve_link(report, m.group(2), by_source)
        if target is None:
            return m.group(0)
        return m.group(1) + html.escape(relative_url(report.path, target)) + m.group(3)

    return _LINK_ATTR.sub(replace, report.compiled.body_html)
