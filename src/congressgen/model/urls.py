"""Where a report is written: its id, its column key, its permalink and its asset folder."""

from __future__ import annotations

import posixpath
import re
import string

from congressgen.config import SiteConfig
from congressgen.errors import ContentError, Location
from congressgen.model.types import CompiledReport
from congressgen.urls import fill_permalink, finish_permalink, site_path_problem, slugify

_COLUMN_KEY = re.compile(r"[a-z0-9][a-z0-9_-]*")
# the permalink tokens in the order `ReportPaths` passes them to str.format
_TOKENS = ("column", "id", "yyyy", "year", "mm", "dd", "yyyymm", "yyyymmdd")
_TWO_DIGITS = tuple(f"{n:02d}" for n in range(32))


def asset_dir(page_path: str) -> str:
    """posixpath: the page's folder, joined with its file name's stem unless that is index.html."""
    slash = page_path.rfind("/")
    name = page_path[slash + 1:]
    if slash <= 0 or page_path[slash - 1] == "/" or not name:   # '' or root-level, '//', trailing '/'
        return _asset_dir_posix(page_path)
    if name == "index.html":
        return page_path[:slash]
    return page_path[:slash + 1] + name.rsplit(".", 1)[0]


def _asset_dir_posix(page_path: str) -> str:
    directory, name = posixpath.split(page_path)
    if name == "index.html":
        return directory
    stem = name.rsplit(".", 1)[0]
    return posixpath.join(directory, stem)


def derive_id(compiled: CompiledReport, slug=slugify) -> str:
    return compiled.fm.id or slug(compiled.stem)


def column_key(folder: str, slug=slugify) -> str:
    return folder if _COLUMN_KEY.fullmatch(folder) else slug(folder)


class ReportPaths:
    """`report_site_path` for the reports of one build. A pattern of plain tokens (as
    config.check_permalink allows) is turned once into a positional format string, so a report
    costs one str.format; any other is filled in by `urls.fill_permalink`, which raises its errors."""

    def __init__(self, config: SiteConfig):
        self.pattern = config.permalink
        self._format = _positional(self.pattern)
        self._years: dict[int, str] = {}

    def path(self, item: CompiledReport, key: str, ident: str) -> str:
        """report_site_path(item, config), given its `column_key` and `derive_id`."""
        date = item.fm.date
        if self._format is not None:
            year = date.year
            yyyy = self._years.get(year)
            if yyyy is None:
                yyyy = self._years[year] = f"{year:04d}"
            mm, dd = _TWO_DIGITS[date.month], _TWO_DIGITS[date.day]
            path = finish_permalink(self._format.format(key, ident, yyyy, yyyy, mm, dd, yyyy + mm, yyyy + mm + dd))
        else:
            path = finish_permalink(fill_permalink(self.pattern, column=key, id=ident, date=date))
        problem = site_path_problem(path, "网址")
        if problem is not None:
            raise ContentError(Location(item.source, 1, 1), problem)
        return path


def _positional(pattern: str) -> str | None:
    """The pattern with each token as its position in `_TOKENS` ("{column}" -> "{0}"), or
    None when it holds anything else (a format spec, a conversion, an unknown name, a lone brace)."""
    try:
        fields = list(string.Formatter().parse(pattern))
    except ValueError:
        return None
    out = []
    for literal, name, spec, conversion in fields:
        out.append(literal.replace("{", "{{").replace("}", "}}"))
        if name is None:
            continue
        if name not in _TOKENS or spec or conversion:
            return None
        out.append("{%d}" % _TOKENS.index(name))
    return "".join(out)


def report_site_path(item: CompiledReport, config: SiteConfig) -> str:
    """Where a report is written: its permalink filled in. Raises ValueError for a bad
    pattern, ContentError for a path that would leave the output folder."""
    return ReportPaths(config).path(item, column_key(item.column), derive_id(item))


def canonical_url(config: SiteConfig, page_path: str, kind: str) -> str | None:
    """A page's canonical address; none for the 404 page, which is served at any path."""
    if kind == "404":
        return None
    return config.absolute_url(page_path if page_path != "index.html" else "")
