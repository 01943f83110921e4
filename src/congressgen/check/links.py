"""Links: internal links and image sources that lead nowhere once the site is built,
#anchors missing on their target, attachments that do not exist, http:// links (mixed
content on an HTTPS site) and, on request, a list of external links. Links are resolved
the way the build resolves them (`site.resolve_link`); nothing is fetched from the network."""

from __future__ import annotations

import posixpath
from urllib.parse import unquote, urlsplit

from congressgen.check.model import Document, Finding, Rule
from congressgen.check.text import Link
from congressgen.model.attachments import locate_attachment
from congressgen.model.links import resolve_link

RULES = (
    Rule("link-broken", "error", "站内链接或图片指向不存在（或不会发布）的报告、页面或文件"),
    Rule("link-anchor", "error", "链接中的 #锚点 在目标页面上不存在"),
    Rule("link-attachment", "error", "前置信息 attachments 中的附件文件不存在"),
    Rule("link-http", "warning", "http:// 链接或图片（HTTPS 网站中的混合内容）"),
    Rule("link-external", "off", "列出外部链接，供人工核对（check.external_links: true 或 --external-links 时启用）"),
)


def _attachments(doc: Document, ctx):
    for attachment in doc.fm.attachments:
        found, problem = locate_attachment(ctx.config.root, doc.path, attachment.file)
        if found is None:
            line, col = doc.item_position("attachments", attachment.file)
            yield Finding(doc.path, line, col, "link-attachment", problem)


def _why_missing(doc: Document, path_part: str, ctx) -> str:
    """Why a relative link resolves to nothing, in words a clerk can act on."""
    source = posixpath.normpath(posixpath.join(posixpath.dirname(doc.path), path_part))
    if source in ctx.sources:
        return "目标报告是草稿（draft: true）或未能生成，发布后链接会失效"
    if (ctx.config.root / source).is_file():
        bundle = doc.path[:-3] + "/"
        return f"文件存在，但不在本报告的附件目录 {bundle} 中，不会被发布；请把它移到该目录"
    return "既不是网站中的报告，也不是会发布的文件"


def _internal(doc: Document, link: Link, href: str, ctx):
    what = "图片" if link.kind == "image" else "链接"
    parts = urlsplit(href)
    fragment = unquote(parts.fragment)
    if href.startswith("#"):
        if fragment and doc.compiled is not None and fragment not in ctx.anchors(doc.compiled):
            yield doc.body.finding(link.offset, "link-anchor", f"本页没有锚点 “#{fragment}”")
        return
    if doc.report is None:
        return   # not in the site model (its front matter was rejected): nothing to resolve against
    resolved = resolve_link(doc.report, href, ctx.by_source)
    if resolved is not None:
        path = resolved.split("#", 1)[0]
    else:
        path_part = unquote(parts.path)
        if not path_part:
            return   # ?query only: the page itself
        if path_part.startswith("/"):
            base = ctx.config.base_path
            if not path_part.startswith(base):
                return   # another part of the portal this site is published inside: not ours to know
            path = posixpath.normpath(path_part[len(base):] or ".")
        else:
            path = posixpath.normpath(posixpath.join(posixpath.dirname(doc.report.path), path_part))
        if path_part.endswith("/") or path == ".":
            path = posixpath.join(path, "index.html") if path != "." else "index.html"
        if path not in ctx.output_paths:
            reason = _why_missing(doc, path_part, ctx) if not path_part.startswith("/") else "网站中没有这个页面或文件"
            yield doc.body.finding(link.offset, "link-broken", f"{what} “{href}” 指向的目标不存在：{reason}")
            return
    target = ctx.by_path.get(path)
    if target is None:
        return
    if target.fm.draft and not (doc.fm is not None and doc.fm.draft):
        yield doc.body.finding(link.offset, "link-broken",
                               f"{what} “{href}” 指向草稿 {target.source}（draft: true），发布后链接会失效")
        return
    if fragment and fragment not in ctx.anchors(target.compiled):
        yield doc.body.finding(link.offset + href.find("#"), "link-anchor",
                               f"{target.source} 中没有锚点 “#{fragment}”（正文标题的锚点形如 #sec-1、#task-2）")


def _link(doc: Document, link: Link, ctx):
    what = "图片" if link.kind == "image" else "链接"
    href = link.href.strip()
    if not href:
        yield doc.body.finding(link.offset, "link-broken", f"{what}地址为空")
        return
    scheme = urlsplit(href).scheme.lower()
    if len(scheme) == 1 or scheme == "file" or href.startswith("\\\\"):
        yield doc.body.finding(link.offset, "link-broken",
                               f"{what} “{href}” 指向本机上的文件，网站上无法打开；请把文件放入报告的附件目录并写相对路径")
        return
    if scheme in ("http", "https") or href.startswith("//"):
        if scheme == "http":
            yield doc.body.finding(link.offset, "link-http",
                                   f"{what} “{href}” 使用 http://：HTTPS 网站中会被浏览器拦截或提示不安全；请改用 https://")
        if ctx.settings.enabled("link-external"):
            yield doc.body.finding(link.offset, "link-external", f"外部{what}：{href}")
        return
    if scheme:
        return   # mailto:, tel:, data: …
    yield from _internal(doc, link, href, ctx)


# Links resolve against the whole site: they run on every check (the links themselves are
# extracted once per document and cached with its local facts).
def check_document_in_site(doc: Document, ctx):
    if not doc.readable:
        return
    if doc.fm is not None:
        yield from _attachments(doc, ctx)
    for link in doc.links:
        if link.offset >= 0:
            yield from _link(doc, link, ctx)
