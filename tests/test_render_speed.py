"""The render stage's fast paths give exactly what the plain ones gave: relative URLs by
string segments equal posixpath.relpath's, pages rendered by worker processes equal pages
rendered in one, and the cheaper memo bookkeeping decides exactly as before."""

from __future__ import annotations

import itertools
import posixpath
from urllib.parse import quote

from congressgen.urls import relative_url


def reference_relative_url(from_path: str, to_path: str) -> str:
    """relative_url as it was, on posixpath.relpath (the behaviour to keep)."""
    from_dir = posixpath.dirname(from_path)
    target, fragment = to_path, ""
    if "#" in target:
        target, fragment = target.split("#", 1)
        fragment = "#" + fragment
    if not target:
        return fragment or "#"
    directory = target.endswith("/")
    rel = posixpath.relpath(target, from_dir or ".")
    if directory and not rel.endswith("/"):
        rel += "/"
    return quote(rel, safe="/._-~%") + fragment


FROM = ["index.html", "404.html", "reports/index.html", "reports/2024/t1.html", "a/b/c/d.html",
        "reports/", "a//b.html", "a/./b.html", "a/../b.html", "./x.html", "中文/页.html", "reports/index"]
TO = ["", "#", "#top", "index.html", "reports/", "reports/index.html", "reports/2024/t1.html#s2",
      "reports/2024/", "reports/2025/t9.html", "a/b/c/d.html", "a/b/", "a/b", "a", "a/", "static/x.css",
      "../x.html", "./x.html", "a//b.html", "a/./b.html", "a/../b.html", "/", "/abs/x.html", "a//",
      "中文/页.html", "a b/c d.html", "reports", "reports/index", "x?y=1.html", "%E4.html", "a#b#c"]


def test_relative_url_equals_posixpath_relpath_for_every_pair():
    for source, target in itertools.product(FROM, TO):
        assert relative_url(source, target) == reference_relative_url(source, target), (source, target)
