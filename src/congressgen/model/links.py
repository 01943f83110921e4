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


def rewrite_body(report: Report, by_source: dict[str, Report]) -> str:
    def replace(m: re.Match) -> str:
        target = resolve_link(report, m.group(2), by_source)
        if target is None:
            return m.group(0)
        return m.group(1) + html.escape(relative_url(report.path, target)) + m.group(3)

    return _LINK_ATTR.sub(replace, report.compiled.body_html)
