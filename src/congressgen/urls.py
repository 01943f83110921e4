"""Ids, permalinks and links between pages: stable, ASCII, and never outside the site."""

from __future__ import annotations

import posixpath
import re
from urllib.parse import quote

from congressgen.errors import ContentError, Location

_SAFE_SEGMENT = re.compile(r"^[A-Za-z0-9._~-]+$")
_PLAIN_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")    # a text that is its own slug


def slugify(text: str, limit: int = 60) -> str:
    """ASCII slug; Chinese by pinyin (pypinyin reads 多音字 in context: 重庆 → chong-qing)."""
    if len(text) <= limit and _PLAIN_SLUG.fullmatch(text):
        return text              # already its own slug (a file stem like r00001): no substitution
    if not text.isascii():
        from pypinyin import lazy_pinyin  # imported only when needed: it costs ~250 ms

        text = "-".join(lazy_pinyin(text, errors="default"))
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug[:limit].rstrip("-") or "x"


def fill_permalink(pattern: str, *, column: str, id: str, date) -> str:
    """The pattern with its placeholders filled in, as written (see `expand_permalink`)."""
    yyyy, mm, dd = f"{date.year:04d}", f"{date.month:02d}", f"{date.day:02d}"
    try:
        return pattern.format(column=column, id=id, yyyy=yyyy, year=yyyy, mm=mm, dd=dd, yyyymm=yyyy + mm,
                              yyyymmdd=yyyy + mm + dd)
    except (KeyError, IndexError, ValueError) as exc:
        raise ValueError(f"permalink 中有未知的占位符 {exc}；可用：{{column}} {{id}} {{yyyy}} {{mm}} {{dd}} {{yyyymm}} {{yyyymmdd}}") from None


def finish_permalink(path: str) -> str:
    """A filled-in permalink as a site path: a folder gets its index.html, no leading slash."""
    if path.endswith("/"):
        path += "index.html"
    return path.lstrip("/")


def expand_permalink(pattern: str, *, column: str, id: str, date) -> str:
    """Fill a permalink pattern; returns a site path like 'reports/202404/t20240426_x.html'."""
    return finish_permalink(fill_permalink(pattern, column=column, id=id, date=date))


_DRIVE = re.compile(r"^[A-Za-z]:")


def site_path_problem(path: str, what: str) -> str | None:
    """Why a path could leave the output folder ('..', absolute, backslashes, drives), in
    words; None for a safe one (`safe_site_path` without making its Location)."""
    if "\\" in path or path.startswith("/") or "\x00" in path or _DRIVE.match(path):
        return f"{what} “{path}” 不是网站内的相对路径"
    parts = path.split("/")
    if "" in parts or "." in parts or ".." in parts:
        return f"{what} “{path}” 含有 “..”、“.” 或空目录名，可能写到网站目录之外"
    return None


def safe_site_path(path: str, where: Location, what: str) -> str:
    """Refuse any path that could leave the output folder: '..', absolute, backslashes, drives."""
    problem = site_path_problem(path, what)
    if problem is not None:
        raise ContentError(where, problem)
    return path


def _plain_segments(path: str) -> list[str] | None:
    """The segments of a site path with nothing to normalise ('', '.', '..'), else None."""
    parts = path.split("/")
    if "" in parts or "." in parts or ".." in parts:
        return None
    return parts


def _relpath(target: str, from_dir: str) -> str:
    """posixpath.relpath(target, from_dir or "."), by string segments for plain site paths
    (no cwd, no normalising: ~10x cheaper); anything else goes to posixpath itself."""
    to_parts = _plain_segments(target)
    from_parts = _plain_segments(from_dir) if from_dir else []
    if to_parts is None or from_parts is None:
        return posixpath.relpath(target, from_dir or ".")
    common = 0
    for a, b in zip(from_parts, to_parts):
        if a != b:
            break
        common += 1
    return "/".join([".."] * (len(from_parts) - common) + to_parts[common:]) or "."


def relative_url(from_path: str, to_path: str) -> str:
    """Link from one site page to another as a relative URL, so the site works under any
    sub-path, from any static host, and on the preview server whatever `base_url` says."""
    from_dir = posixpath.dirname(from_path)
    target = to_path
    fragment = ""
    if "#" in target:
        target, fragment = target.split("#", 1)
        fragment = "#" + fragment
    if not target:
        return fragment or "#"
    directory = target.endswith("/")
    rel = _relpath(target[:-1] if directory and len(target) > 1 else target, from_dir)
    if directory and not rel.endswith("/"):
        rel += "/"
    return quote(rel, safe="/._-~%") + fragment


def pretty_url(site_path: str) -> str:
    """'reports/index.html' → 'reports/' for public and canonical URLs."""
    if site_path == "index.html":
        return ""
    if site_path.endswith("/index.html"):
        return site_path[: -len("index.html")]
    return site_path
