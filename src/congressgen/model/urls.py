"""Where a report is written: its id, its column key, its permalink and its asset folder."""

from __future__ import annotations

import posixpath
import re

from congressgen.config import SiteConfig
from congressgen.errors import Location
from congressgen.model.types import CompiledReport
from congressgen.urls import expand_permalink, safe_site_path, slugify

def asset_dir(page_path: str) -> str:
    directory, name = posixpath.split(page_path)
    if name == "index.html":
        return directory
    stem = name.rsplit(".", 1)[0]
    return posixpath.join(directory, stem)


def derive_id(compiled: CompiledReport, slug=slugify) -> str:
    return compiled.fm.id or slug(compiled.stem)


def column_key(folder: str, slug=slugify) -> str:
    return folder if re.fullmatch(r"[a-z0-9][a-z0-9_-]*", folder) else slug(folder)


def report_site_path(item: CompiledReport, config: SiteConfig) -> str:
    """Where a report is written: its permalink filled in. Raises ValueError for a bad
    pattern, ContentError for a path that would leave the output folder."""
    path = expand_permalink(config.permalink, column=column_key(item.column), id=derive_id(item), date=item.fm.date)
    return safe_site_path(path, Location(item.source, 1, 1), "网址")


def canonical_url(config: SiteConfig, page_path: str, kind: str) -> str | None:
    """A page's canonical address; none for the 404 page, which is served at any path."""
    if kind == "404":
        return None
    return config.absolute_url(page_path if page_path != "index.html" else "")
