"""Request URL → the report it shows or the attachment it downloads.

Built from the same site model the build makes (`loading.load_site`),
so report paths come from `urls.expand_permalink` and ids from `site.derive_id` — never
from a second idea of what a permalink looks like. A URL maps whatever its query string
or fragment, a trailing `index.html` or `/`, percent-encoding (or nginx's `\\xHH` escapes
of raw bytes) and the `base_url` sub-path the site is published under.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from urllib.parse import unquote_to_bytes, urlsplit

from congressgen.config import SiteConfig
from congressgen.model.types import FileCopy, Site

VIEW, DOWNLOAD = 0, 1
KIND_NAMES = {VIEW: "views", DOWNLOAD: "downloads"}

# Skipped requests that are not an article or an attachment, by what they are.
PAGE, ASSET, UNKNOWN = "page", "asset", "unknown"
ASSET_SUFFIXES = frozenset((".css", ".js", ".mjs", ".map", ".png", ".jpg", ".jpeg", ".gif", ".svg",
                            ".ico", ".webp", ".avif", ".bmp", ".woff", ".woff2", ".ttf", ".otf", ".eot",
                            ".json", ".webmanifest"))
ASSET_FOLDERS = frozenset(("static", "pagefind"))
_LOG_ESCAPE = re.compile(rb"\\x([0-9A-Fa-f]{2})|\\(.)", re.DOTALL)


@dataclass(frozen=True)
class Target:
    report: str          # report id
    kind: int            # VIEW or DOWNLOAD
    size: int = 0        # attachment size in bytes (to recognise a 206 that sent all of it)


@dataclass(frozen=True)
class UrlMap:
    base_path: str                       # '/' or '/rd/'
    targets: dict[str, Target]           # site path → what a request for it counts as
    pages: frozenset[str]                # the site's other pages (index, lists, ranking …)
    assets: frozenset[str]               # static files and report files that are not attachments

    @property
    def report_ids(self) -> list[str]:
        return sorted({t.report for t in self.targets.values()})

    def classify(self, target: bytes) -> Target | str:
        """A request target as logged → a Target, or why it is not counted (PAGE, ASSET, UNKNOWN)."""
        path = site_path(target, self.base_path)
        if path is None:
            return UNKNOWN
        found = self.targets.get(path)
        if found is None and "." not in path.rsplit("/", 1)[-1]:
            found = self.targets.get(path + "/index.html")      # /reports/x served as x/index.html
        if found is not None:
            return found
        if path in self.pages:
            return PAGE
        folder = path.split("/", 1)[0]
        if path in self.assets or folder in ASSET_FOLDERS or posixpath.splitext(path)[1].lower() in ASSET_SUFFIXES:
            return ASSET
        return UNKNOWN


def _unescape_log(target: bytes) -> bytes:
    # nginx logs bytes ≥ 0x7f, '"' and '\' as \xHH; Apache as \xhh, \" and \\.
    return _LOG_ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]) if m.group(1) else m.group(2), target)


def site_path(target: bytes, base_path: str) -> str | None:
    """'/rd/reports/a%20b.html?x=1#y' under '/rd/' → 'reports/a b.html'; None when the
    target is not under the site or not text. A folder gets its index.html."""
    if b"\\" in target:
        target = _unescape_log(target)
    target = target.split(b"?", 1)[0].split(b"#", 1)[0]
    if target[:7].lower() == b"http://" or target[:8].lower() == b"https://":
        target = urlsplit(target).path          # absolute-form request (through a proxy)
    try:
        path = unquote_to_bytes(target).decode("utf-8")
    except UnicodeDecodeError:
        return None
    if not path.startswith("/") or "\x00" in path:
        return None
    folder = path.endswith("/")
    path = posixpath.normpath(re.sub("/{2,}", "/", path))      # nginx merges slashes and '..' too
    if folder or path + "/" == base_path:
        path = path.rstrip("/") + "/"
    if not path.startswith(base_path):
        return None
    path = path[len(base_path):]
    if path == "" or path.endswith("/"):
        path += "index.html"
    return path


def build_url_map(site: Site, static: list[FileCopy], config: SiteConfig) -> UrlMap:
    targets: dict[str, Target] = {}
    assets = {item.path for item in static}
    for report in site.reports:
        targets[report.path] = Target(report.id, VIEW)
        for attachment in report.attachments:
            targets[attachment.path] = Target(report.id, DOWNLOAD, attachment.size)
        assets.update(item.path for item in report.files if item.path not in targets)
    pages = frozenset(page.path for page in site.pages if page.path not in targets)
    return UrlMap(config.base_path, targets, pages, frozenset(assets))


def load_url_map(config: SiteConfig) -> UrlMap:
    """Compile the site as a build would (drafts excluded: they have no public URL)."""
    from congressgen.loading import load_site
    from congressgen.render import load_theme, static_files

    site = load_site(config, data=False).site
    theme = load_theme(config.root, config.theme, config.path)
    return build_url_map(site, static_files(theme, config.root / config.static_dir), config)
