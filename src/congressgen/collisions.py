"""Every output path has exactly one writer.

A permalink can put a report where a generated page lives (`/{column}/{id}.html` with
`id: index` is the column's list page; `/{id}.html` with `id: search` is the search page), a
column folder named `tags` is where the tag index goes, a bundle file or a file in `static/`
can be named like a page, and a file can stand where another output needs a folder. Written
one after another, one of them would silently replace the other. `find_collisions` is run
once all planned outputs are known (pages, attachments, static files, generated outputs such
as the search index) and before anything is written; each clash becomes one error naming
both sources and where they come from.

Paths are compared as a Windows or macOS file system would (case-insensitively, Unicode
normalised): a site built there must not lose a file either.
"""

from __future__ import annotations

import posixpath
import unicodedata
from dataclasses import dataclass
from itertools import chain
from pathlib import Path
from typing import Iterable

from congressgen.errors import BuildFailed, ContentError, Location

# Who can fix a clash, most directly first: the error is reported at that source's location.
REPORT, ATTACHMENT, STATIC, COLUMN, GENERATED = range(5)
_HINTS = {
    REPORT: "请修改该报告的 id，或修改 congressgen.yaml 中的 permalink",
    ATTACHMENT: "请重命名该附件",
    STATIC: "请重命名或移动 static/ 中的该文件",
    COLUMN: "请重命名该栏目目录",
    GENERATED: "",
}


@dataclass(frozen=True)
class Claim:
    """One planned output file and who writes it."""

    path: str            # site path, '/'-separated
    what: str            # for the clerk: 报告《…》的页面, 栏目“…”的列表页, 附件 …
    where: Location      # the source to change
    rank: int            # REPORT … GENERATED

    def describe(self) -> str:
        return f"{self.what}（{self.where}）"


def path_key(path: str) -> str:
    return unicodedata.normalize("NFC", path).casefold()


def page_claims(site) -> list[Claim]:
    """The pages of the site model, with their sources."""
    content_dir = site.config.content_dir
    claims = []
    for page in site.pages:
        if page.kind == "article" and page.report is not None:
            report = page.report
            claims.append(Claim(page.path, f"报告《{report.title}》的页面（id: {report.id}，"
                                           f"permalink: {site.config.permalink}）",
                                Location(report.source, 1), REPORT))
        elif page.kind == "column" and page.column is not None:
            folder = page.column.reports[0].compiled.column if page.column.reports else page.column.key
            claims.append(Claim(page.path, f"栏目“{page.column.title}”的列表页", Location(f"{content_dir}/{folder}/"),
                                COLUMN))
        else:
            claims.append(Claim(page.path, f"网站自动生成的“{page.title}”页面", Location(page.path), GENERATED))
    return claims


def file_claims(site, static: Iterable, root: Path) -> list[Claim]:
    """Attachments and bundle files of every report, then theme and site static files."""
    claims = []
    for report in site.reports:
        for item in report.files:
            claims.append(Claim(item.path, f"报告 {report.source} 的附件 “{posixpath.basename(item.path)}”",
                                Location(_shown(item.source, root)), ATTACHMENT))
    for item in static:
        claims.append(Claim(item.path, "静态文件", Location(_shown(item.source, root)), STATIC))
    return claims


def output_claims(name: str, paths: Iterable[str]) -> list[Claim]:
    """Files of a generated output (the search index …)."""
    return [Claim(path, f"网站生成的输出“{name}”的文件", Location(path), GENERATED) for path in paths]


def _shown(path: Path, root: Path) -> str:
    try:
        return Path(path).resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return Path(path).as_posix()


def _message(path: str, first: Claim, second: Claim, kind: str) -> str:
    hint = _HINTS[first.rank] or _HINTS[second.rank]
    return (f"输出文件 {path} {kind}：{first.describe()}；{second.describe()}。"
            f"两者只能留一个，否则一个会被另一个覆盖{'：' + hint if hint else ''}")


def find_collisions(claims: list[Claim]) -> list[ContentError]:
    """One error per clash: two writers of one path, or a file where another output needs a folder."""
    by_key: dict[str, Claim] = {}
    errors: list[ContentError] = []
    clashed: set[str] = set()
    for claim in claims:
        key = path_key(claim.path)
        other = by_key.get(key)
        if other is None:
            by_key[key] = claim
        elif key not in clashed and (other.where, other.what) != (claim.where, claim.what):
            clashed.add(key)
            first, second = sorted((other, claim), key=lambda c: c.rank)
            errors.append(ContentError(first.where, _message(claim.path, first, second, "有两个来源")))
    for key, claim in by_key.items():
        parent = posixpath.dirname(key)
        while parent:
            blocker = by_key.get(parent)
            if blocker is not None and parent not in clashed:
                clashed.add(parent)
                first, second = sorted((blocker, claim), key=lambda c: c.rank)
                errors.append(ContentError(first.where, _message(
                    blocker.path, first, second, f"既是一个文件，又须是 {claim.path} 所在的目录")))
            parent = posixpath.dirname(parent)
    return errors


def may_collide(paths: Iterable[str]) -> bool:
    """False when no two of `paths` share a key and none is the folder of another: then
    `find_collisions` finds nothing, and its claims (a message for each path) need not be made."""
    keys: set[str] = set()
    for path in paths:
        key = path_key(path)
        if key in keys:
            return True
        keys.add(key)
    walked: set[str] = set()
    for key in keys:
        parent = posixpath.dirname(key)
        while parent and parent not in walked:
            if parent in keys:
                return True
            walked.add(parent)
            parent = posixpath.dirname(parent)
    return False


def refuse_collisions(site, static: list, outputs: list[tuple[str, list[str]]]) -> None:
    """Raise when two planned outputs share a path: (site model, static files, [(output name, paths)])."""
    planned = chain((page.path for page in site.pages), (item.path for r in site.reports for item in r.files),
                    (item.path for item in static), (path for _, paths in outputs for path in paths))
    if not may_collide(planned):
        return
    claims = page_claims(site) + file_claims(site, static, site.config.root)
    for name, paths in outputs:
        claims += output_claims(name, paths)
    errors = find_collisions(claims)
    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise BuildFailed([d for e in errors for d in e.diagnostics])
