"""Preview stage: build the site, serve it on loopback, rebuild on every save, reload the browsers.

Pieces, one job each:
- `ChangeWatcher` (a thread): watchfiles (Rust notify) over the site's source folders plus a cheap
  stat poll of `congressgen.yaml`; a burst of saves becomes ONE batch (quiet-period debounce).
- `Rebuilder`: one `LiveSite.build()` per batch into the preview folder: the site is kept in memory
  and only what changed is re-read, re-rendered and rewritten, each file atomically; on failure the
  last good site stays and the error becomes an overlay.
- `LiveReloadAdapter`: the only code that touches livereload internals (its websocket handler, its
  vendored livereload.js, its </head> injector). We broadcast reloads ourselves, so livereload's
  3-second throttle and 800 ms polling never apply.
- `SiteFileHandler`: Tornado static serving confined to the output folder (404 for anything outside).
- `HostPolicy`: which `Host` headers and websocket `Origin`s the preview answers. A web page the
  clerk visits could otherwise reach the preview through DNS rebinding (a name of the attacker's
  that resolves to 127.0.0.1) and read it, drafts included: a request naming any other host gets
  403, and the reload websocket accepts only pages of the preview itself.

The preview is built with base_url = the local address, so links, assets and QR codes all point at
this server whatever `base_url` says; the published `build/` folder is never touched.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import errno
import gc
import html
import ipaddress
import json
import os
import shutil
import signal
import tempfile
import threading
import time
import traceback
import webbrowser
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator
from urllib.parse import unquote, urlsplit

import tornado.httpserver
import tornado.ioloop
import tornado.netutil
import tornado.web
import watchfiles

from congressgen import loading, review
from congressgen.cache import BuildCache
from congressgen.compile import CompileStats, SlugMemo, Workers, attach_qr_codes
from congressgen.config import CONFIG_FILE, SiteConfig, load_config
from congressgen.content import TZ
from congressgen.errors import BuildFailed, CongressError, Diagnostic, Location
from congressgen.model.doclife import dropped_warnings
from congressgen.output import LiveOutput, write_site
from congressgen.model.types import Site
from congressgen.render import RenderStats, Renderer, load_theme, memo_name, render_first, static_files
from congressgen.search import tokenise_ahead

# A batch ends once nothing changed for about STEP_MS + QUIET_MS (editors save in bursts of
# temp file, rename and backup within a few ms; saves 30 ms apart still make one batch). Both
# waits sit inside every save's latency, so they are kept short.
QUIET_MS = 50            # a batch ends after this long without a new change
STEP_MS = 10             # how often watchfiles looks for new changes inside a burst
# After the open pages were shown early (`FirstPages`), the rest of the build waits until the
# browsers have fetched them and what they load (no request for SERVED_QUIET_S), at most
# SHOWN_WAIT_S: the build's Python work would otherwise slow the server thread (one GIL).
SERVED_QUIET_S = 0.06
SHOWN_WAIT_S = 0.5
LOOPBACK_NAMES = {"localhost", "localhost.localdomain"}

Echo = Callable[[str, bool], None]   # (text, to_stderr)


@dataclass(frozen=True)
class ServeOptions:
    source: Path
    host: str = "127.0.0.1"
    port: int = 8000
    drafts: bool = False
    open_browser: bool = False


# --------------------------------------------------------------------------------------------
# Small pure helpers


def is_loopback(host: str) -> bool:
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def host_warning(host: str) -> str | None:
    """A warning when the preview is reachable from other machines (it is meant for this PC only)."""
    if is_loopback(host):
        return None
    return (f"警告：预览服务器将监听 {host}，局域网内的其他电脑也能访问未发布的内容（包括草稿）。"
            "只在本机预览时请去掉 --host，使用默认的 127.0.0.1。")


def preview_url(host: str, port: int) -> str:
    """The address browsers use; also the base_url of the preview build (so QR codes work locally)."""
    shown = "127.0.0.1" if host in ("", "0.0.0.0", "::") else host
    if ":" in shown and not shown.startswith("["):
        shown = f"[{shown}]"
    return f"http://{shown}:{port}/"


WILDCARD_HOSTS = ("", "0.0.0.0", "::")


def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
        return True
    except ValueError:
        return False


@dataclass(frozen=True)
class HostPolicy:
    """The host names the preview answers to: 127.0.0.1, localhost and the address it is bound to.
    Bound to every interface (`--host 0.0.0.0`), any IP address too (other PCs use the LAN
    address; an IP literal cannot be rebound). Never any other name: that is DNS rebinding."""

    names: frozenset[str]
    port: int
    any_ip: bool = False

    @classmethod
    def for_bind(cls, host: str, port: int) -> "HostPolicy":
        names = {"127.0.0.1", "localhost", "localhost.localdomain", "::1"} if is_loopback(host) or \
            host in WILDCARD_HOSTS else {"127.0.0.1", "localhost"}
        if host not in WILDCARD_HOSTS:
            names.add(host.strip("[]").lower())
        return cls(frozenset(names), port, any_ip=host in WILDCARD_HOSTS)

    def allows_name(self, name: str) -> bool:
        name = name.strip("[]").lower()
        return name in self.names or (self.any_ip and _is_ip(name))

    def allows_host(self, header: str | None) -> bool:
        """A request's `Host` header (`127.0.0.1:8000`, `[::1]:8000`). The name is what rebinding
        changes; the port is not compared (an SSH tunnel may forward another local port)."""
        if not header:
            return False
        try:
            parts = urlsplit(f"http://{header}")
            parts.port   # raises on a malformed port
        except ValueError:
            return False
        return parts.hostname is not None and self.allows_name(parts.hostname)

    def allows_origin(self, origin: str | None) -> bool:
        """A websocket upgrade's `Origin`: only pages served by this preview (http, its host, its port)."""
        if not origin:
            return False
        try:
            parts = urlsplit(origin)
            port = parts.port or (80 if parts.scheme == "http" else None)
        except ValueError:
            return False
        return (parts.scheme == "http" and parts.hostname is not None and self.allows_name(parts.hostname)
                and port == self.port and parts.path in ("", "/") and not parts.query)


def is_inside(path: str, root: str) -> bool:
    """True when the real path of `path` is `root` or below it (symlinks resolved on both)."""
    try:
        real, real_root = os.path.realpath(path), os.path.realpath(root)
        return os.path.commonpath([real, real_root]) == real_root
    except ValueError:  # NUL bytes, different drives on Windows
        return False


def watched_roots(source: Path, config: SiteConfig | None) -> tuple[list[Path], Path]:
    """(folders watched recursively, the config file). Only folders that exist can be watched."""
    if config is None:
        names = ["content", "themes", "static", "data"]
    else:
        names = [config.content_dir, "themes", config.static_dir, config.data_dir]
    folders = []
    for name in names:
        folder = (source / name)
        if folder.is_dir() and folder not in folders:
            folders.append(folder)
    return folders, source / CONFIG_FILE


def file_stamp(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_mtime_ns, st.st_size


class SourceFilter(watchfiles.DefaultFilter):
    """watchfiles' defaults (.git, .swp, ~ …) plus more editor and office temp files."""

    extra_patterns = (r"^4913$", r"^\.", r"^#.*#$", r"^~\$", r"\.sw[a-p]x?$", r"\.crswap$", r"\.tmp$",
                      r"-(journal|wal|shm)$")

    def __init__(self, ignore_paths: list[Path]) -> None:
        super().__init__(ignore_entity_patterns=self.ignore_entity_patterns + self.extra_patterns,
                         ignore_paths=[str(p) for p in ignore_paths])


def ignored_paths(source: Path, config: SiteConfig | None) -> list[Path]:
    """What builds write inside the site: never a reason to rebuild (else a loop), wherever it is set."""
    cache = (config.cache_dir if config else SiteConfig.cache_dir)
    return [source / cache, source / "build"]


# --------------------------------------------------------------------------------------------
# Watching: bursts of saves → one batch of changed paths


@dataclass
class ChangeWatcher:
    """Yields one set of changed paths per burst of saves; empty sets on idle ticks."""

    source: Path
    stop: threading.Event
    config: SiteConfig | None = None

    def batches(self) -> Iterator[set[Path]]:
        pending: set[Path] = set()
        folders, config_file = watched_roots(self.source, self.config)
        config_stamp = file_stamp(config_file)
        while not self.stop.is_set():
            for changes in self._raw(folders):
                pending |= changes
                stamp = file_stamp(config_file)
                if stamp != config_stamp:
                    config_stamp = stamp
                    pending.add(config_file)
                if changes:
                    continue  # still inside a burst: wait for a quiet period
                if pending:
                    yield pending
                    pending = set()
                else:
                    yield set()
                now_folders, _ = watched_roots(self.source, self.config)
                if now_folders != folders:  # e.g. static/ was created: watch it too
                    folders = now_folders
                    pending.add(self.source)
                    break
                if self.stop.is_set():
                    return

    def _raw(self, folders: list[Path]) -> Iterator[set[Path]]:
        if not folders:  # nothing to watch yet: just tick, so the config poll still runs
            while not self.stop.wait(QUIET_MS / 1000):
                yield set()
            return
        watch_filter = SourceFilter(ignored_paths(self.source, self.config))
        for changes in watchfiles.watch(*folders, watch_filter=watch_filter, debounce=1600, step=STEP_MS,
                                        stop_event=self.stop, rust_timeout=QUIET_MS, yield_on_timeout=True,
                                        raise_interrupt=False):
            yield {Path(p) for _, p in changes}


# --------------------------------------------------------------------------------------------
# Rebuilding


@dataclass
class HeapSettler:
    """Once the preview has been idle for a moment after a build: one full garbage collection
    (frozen objects included, so what earlier builds left is freed), then the surviving
    objects (the site kept in memory) are frozen out of later collections. Otherwise Python's
    full collections walk that whole heap during saves (~70 ms each at 1,000 reports); done
    while idle, the cost never sits between a save and the page."""

    idle_ticks: int = 0
    pending: bool = False
    WAIT_TICKS = 1000 // QUIET_MS          # about a second without changes

    def built(self) -> None:
        self.pending, self.idle_ticks = True, 0

    def tick(self) -> None:
        if not self.pending:
            return
        self.idle_ticks += 1
        if self.idle_ticks >= self.WAIT_TICKS:
            self.settle()

    def settle(self) -> None:
        gc.unfreeze()
        gc.collect()
        gc.freeze()
        self.pending = False


@dataclass(frozen=True)
class BuildOutcome:
    """What one rebuild produced: diagnostics on failure, and what the browsers should reload."""

    ok: bool
    seconds: float
    errors: tuple[Diagnostic, ...] = ()
    warnings: tuple[Diagnostic, ...] = ()
    reload_paths: tuple[str, ...] = ("*",)   # output paths; CSS paths are applied without navigation
    report_count: int = 0
    config: SiteConfig | None = None         # the config that built it (its folders are the ones watched)
    details: str = ""                        # only for a congressgen bug: what a developer needs


def css_only_paths(changed: set[Path], config: SiteConfig) -> tuple[str, ...] | None:
    """Output paths of the changed stylesheets, or None when anything but CSS changed."""
    if not changed or any(p.suffix.lower() != ".css" for p in changed):
        return None
    theme = load_theme(config.root, config.theme, config.path)
    by_source = {Path(os.path.realpath(f.source)): f.path
                 for f in static_files(theme, config.root / config.static_dir)}
    paths = [by_source.get(Path(os.path.realpath(p))) for p in changed]
    return None if None in paths else tuple(sorted(paths))


def _internal_error(exc: BaseException) -> Diagnostic:
    frame = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
    where = Location(frame.filename, frame.lineno or 0) if frame else Location("congressgen")
    return Diagnostic(where, f"内部错误：{type(exc).__name__}: {exc}")


class BuildCancelled(Exception):
    """Raised from the build's progress callback when the preview is stopping (Ctrl-C)."""


def template_stamps(theme) -> tuple:
    """(path, mtime, size, inode, ctime) of every template file: equal stamps, same templates."""
    stamps = []
    for directory in theme.template_dirs:
        for path in sorted(p for p in directory.rglob("*") if p.is_file()):
            st = path.stat()
            stamps.append((str(path), st.st_mtime_ns, st.st_size, st.st_ino, st.st_ctime_ns))
    return tuple(stamps)


@dataclass
class FirstPages:
    """The pages open in the browsers (site paths), to render, write and show before the rest
    of a save's build (`output.write_site`). `shown(paths)` is called once they are in place,
    with every path already final for this build (those pages, the static files), when any
    of the pages changed. A build that fails later puts them back (`LiveOutput.discard`)."""

    paths: frozenset[str]
    shown: Callable[[list[str]], None]
    was_shown: bool = False
    stale: bool = False     # shown early (`LiveSite._show_early`) with other bytes than the build's end

    def ready(self, staged: LiveOutput, paths: list[str]) -> None:
        replaced = set(staged.commit_first(set(paths)))
        if replaced & self.paths:
            self.was_shown = True
            self.shown(paths)


def site_path_of(url: str) -> str | None:
    """The site path of a page address of the preview (`http://127.0.0.1:8000/a/` → `a/index.html`)."""
    try:
        path = unquote(urlsplit(url).path)
    except ValueError:
        return None
    path = path.lstrip("/")
    return path + "index.html" if path == "" or path.endswith("/") else path


@dataclass
class LiveSite:
    """The preview's site kept in memory between saves (Zola / Hugo style): compiled reports
    with their files' stamps, the render memo, the search index state, QR codes and check
    facts (all in `memory`, see `cache.BuildCache`), the template environment, and the list
    of files in the preview folder. A save then re-reads only the files whose stamps
    changed, rebuilds the model from the compiled reports, re-renders only the pages whose
    logged reads changed, re-tokenises only the changed reports for the search index, and
    writes only the files whose bytes changed (`output.LiveOutput`). The result is byte for
    byte a cold build's (tests/test_serve_live.py)."""

    source: Path
    output: Path
    base_url: str
    drafts: bool = False
    memory: dict = field(default_factory=dict)
    paths: set[str] | None = None            # the files the last good build left in `output`
    written: dict | None = None              # LiveOutput.written of the last good build
    renderer: Renderer | None = None
    stamps: tuple = ()                       # template_stamps() of the renderer's templates
    compiled: CompileStats | None = None     # the last build's: reports parsed / from memory
    rendered: RenderStats | None = None      # the last build's: pages rendered / kept
    site: Site | None = None                 # the last good build's model (patched by `_show_early`)
    day: dt.date | None = None               # the day it was built as of
    early: bool = False                      # the last build showed the open pages early
    jobs: int = field(default_factory=lambda: os.cpu_count() or 1)   # processes that render pages

    def _renderer(self, theme, bytecode: Path) -> Renderer:
        stamps = template_stamps(theme)
        if self.renderer is None or self.renderer.theme != theme or stamps != self.stamps:
            links = self.renderer.links if self.renderer is not None else None   # pure: kept
            self.renderer, self.stamps = Renderer(theme, bytecode, links=links), stamps
        return self.renderer

    def build(self, progress=None, now=None, first: FirstPages | None = None, changed: set[Path] | None = None):
        """One build into `output`; returns (site, warnings). Raises like `build.build`.
        `first`: pages put in place (and shown) before the rest, once the site passed its check.
        `changed`: the files the watcher saw change since the last build (None: not known).
        When they are only report files whose front matter is unchanged, the open pages are
        rendered first from the kept model with those reports patched in (`_show_early`);
        the whole build follows as ever, and puts them back if it fails."""
        config, warnings = loading.load_site_config(self.source, self.base_url)
        cache = BuildCache(config.root / config.cache_dir, self.memory)
        theme = load_theme(config.root, config.theme, config.path)
        today = now or dt.datetime.now(TZ).date()
        out = LiveOutput(self.output, self.paths, self.written)
        self.compiled, self.rendered = CompileStats(), RenderStats()
        try:
            early = self._show_early(config, cache, theme, out, first, changed, today)
        except BaseException:
            out.discard()
            self.paths = self.written = self.site = None
            raise
        self.early = early is not None
        self.site = None          # patched, or to be rebuilt: kept again once this build is good
        try:
            site, warnings = self._build_all(config, warnings, cache, theme, out, today, progress,
                                             None if early is not None else first)
        except BaseException:
            out.discard()
            self.paths = self.written = None      # walk the folder and compare bytes next time
            raise
        if early is not None and any(_read_or_none(self.output / path) != data for path, data in early.items()):
            first.stale = True    # shown early, then built otherwise: the browsers must reload again
        self.site, self.day = site, today
        return site, warnings

    def _build_all(self, config, warnings, cache, theme, out, today, progress, first):
        workers = Workers(self.jobs)
        try:
            slugs = SlugMemo(cache)
            loaded = loading.load_site(config, drafts=self.drafts, now=today,
                                       cache=cache, workers=workers, progress=progress, slug=slugs,
                                       stats=self.compiled,
                                       gate=lambda compiled: review.build_gate(config, compiled, False))
            site = loaded.site
            warnings += loaded.diagnostics + loading.footer_warnings(config)
            attach_qr_codes(site, cache, workers)
            tokenise_ahead(site, cache, workers)    # search tokens in the pool while it is open (search.py)
            warnings += dropped_warnings(site)
        finally:
            workers.close()
        from congressgen.check import errors_for_build

        problems = errors_for_build(config, loaded.compiled, site, cache=cache)
        if problems:
            raise BuildFailed(problems + warnings)
        renderer = self._renderer(theme, cache.template_folder())
        name = memo_name(self.output, self.drafts)
        memo = write_site(site, theme, renderer, out, cache, name, self.rendered, progress, self.jobs, first)
        out.commit()
        self.paths, self.written = out.paths, out.written
        cache.store(name, memo)
        slugs.save()
        cache.prune_reports()
        return site, warnings

    def _show_early(self, config, cache, theme, out, first, changed, today) -> dict[str, bytes] | None:
        """Before the whole build: when every changed file is a report of the kept model whose
        front matter (what the model and the other pages are made of) compiles unchanged, and
        the config and the day are the kept model's, those reports are compiled (into `cache`,
        so the whole build takes them from it), their document-local check rules run, they are
        patched into the kept model (their body, outline, summary and what a report derives
        from them alone) and the open pages are rendered from it and shown (`render_first`).
        Returns the bytes shown by path, or None when this does not apply (nothing shown)."""
        site = self.site
        if first is None or not changed or site is None or today != self.day or site.config != config:
            return None
        from congressgen.check.engine import document_errors
        from congressgen.compile import compile_one
        from congressgen.model.assemble import derive_from_body

        by_source = {r.source: r for r in site.reports}
        root = os.path.realpath(config.root)
        saved: dict[str, object] = {}
        for path in changed:
            real = os.path.realpath(path)
            shown = os.path.relpath(real, root).replace(os.sep, "/")
            report = by_source.get(shown) if real.endswith(".md") else None
            if report is None:                       # not a report the model has: the whole build
                return None
            saved[shown] = report
        patched = []
        for shown, report in sorted(saved.items()):
            old = report.compiled
            try:
                compiled = compile_one(config, shown, old.column, cache)
                review.build_gate(config, [compiled], False)
            except (CongressError, BuildFailed):
                return None                          # the whole build reports it
            if (compiled.fm, compiled.stem, compiled.column) != (old.fm, old.stem, old.column) \
                    or document_errors(config, compiled, dt.datetime.now(TZ)):
                return None
            patched.append((report, compiled))
        for report, compiled in patched:
            report.compiled = compiled
            derive_from_body(report, by_source)
        renderer = self._renderer(theme, cache.template_folder())
        static = static_files(theme, config.root / config.static_dir)
        if not render_first(site, renderer, out, static, first):
            return None
        return {path: _read_or_none(self.output / path) for path in first.paths}


def _read_or_none(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


@dataclass
class Rebuilder:
    options: ServeOptions
    output: Path
    base_url: str
    stop: threading.Event
    was_ok: bool = True
    live: LiveSite | None = None

    def __post_init__(self):
        if self.live is None:
            self.live = LiveSite(self.options.source, self.output, self.base_url, self.options.drafts)

    def _progress(self, stage: str, done: int, total: int) -> None:
        if self.stop.is_set():  # Ctrl-C: do not make the clerk wait for a long build to finish
            raise BuildCancelled

    def rebuild(self, changed: set[Path], first: FirstPages | None = None,
                saved: set[Path] | None = None) -> BuildOutcome | None:
        """One build into the preview folder; None when it was cancelled by Ctrl-C. `saved`:
        the files changed since the last build, when that is known (`LiveSite.build`)."""
        started = time.perf_counter()
        try:
            site, warnings = self.live.build(self._progress, first=first, changed=saved)
        except BuildCancelled:
            return None
        except (CongressError, BuildFailed) as exc:
            self.was_ok = False
            errors = tuple(d for d in exc.diagnostics if d.severity == "error")
            warnings = tuple(d for d in exc.diagnostics if d.severity != "error")
            return BuildOutcome(False, time.perf_counter() - started, errors, warnings)
        except Exception as exc:  # a bug must not kill the preview; show it like any other error
            self.was_ok = False
            return BuildOutcome(False, time.perf_counter() - started, (_internal_error(exc),),
                                details="".join(traceback.format_exception(type(exc), exc, exc.__traceback__)))
        reload_paths: tuple[str, ...] = ("*",)
        if self.was_ok:  # after an error, a full reload removes the overlay
            reload_paths = css_only_paths(changed, site.config) or ("*",)
        self.was_ok = True
        return BuildOutcome(True, time.perf_counter() - started, (), tuple(warnings), reload_paths,
                            len(site.reports), site.config)


# --------------------------------------------------------------------------------------------
# What served pages get injected: the reload client and, after a failed build, the error overlay


OVERLAY_SCRIPT = """<script>(function(){var e=%s;function show(){
if(document.getElementById("congressgen-error-overlay"))return;
var d=document.createElement("div");d.id="congressgen-error-overlay";d.setAttribute("role","alert");
d.style.cssText="position:fixed;left:0;right:0;top:0;z-index:2147483647;max-height:80vh;overflow:auto;"+
"background:#fff;color:#1a1a1a;border-bottom:6px solid #b00;padding:16px 24px;font:16px/1.6 sans-serif;"+
"box-shadow:0 4px 16px rgba(0,0,0,.4)";
var h=document.createElement("h2");h.style.cssText="margin:0 0 8px;color:#b00;font-size:20px";
h.textContent=e.title;d.appendChild(h);
var p=document.createElement("p");p.style.margin="0 0 8px";p.textContent=e.hint;d.appendChild(p);
var ul=document.createElement("ul");ul.style.cssText="margin:0;padding-left:20px;font-family:monospace";
e.errors.forEach(function(x){var li=document.createElement("li");
var b=document.createElement("strong");b.className="location";b.textContent=x.location;li.appendChild(b);
li.appendChild(document.createTextNode(" "+x.message));ul.appendChild(li);});d.appendChild(ul);
var c=document.createElement("button");c.type="button";c.textContent="暂时关闭";c.style.marginTop="8px";
c.onclick=function(){d.remove();};d.appendChild(c);document.body.appendChild(d);}
if(document.body)show();else document.addEventListener("DOMContentLoaded",show);})();</script>"""


GENERATION_PATH = "/__congressgen/generation"
# Shortly after load, then every 2 s while the tab is visible: the page's generation against the
# preview's; behind means a reload was missed. The websocket stays the fast path.
GENERATION_SCRIPT = """<script>(function(){var g=%d;function check(){if(document.hidden)return;
fetch("%s",{cache:"no-store"}).then(function(r){return r.ok?r.text():""}).then(function(t){
if(t!==""&&+t!==g)location.reload();}).catch(function(){});}
window.addEventListener("load",function(){setTimeout(check,300);setInterval(check,2000);});})();</script>"""


def generation_script(generation: int) -> bytes:
    return (GENERATION_SCRIPT % (generation, GENERATION_PATH)).encode("ascii")


def overlay_script(errors: tuple[Diagnostic, ...]) -> bytes:
    """The overlay as a script that builds its DOM with textContent (messages are never parsed as HTML)."""
    if not errors:
        return b""
    data = {
        "title": f"构建失败：{len(errors)} 处错误",
        "hint": "页面显示的是上一次成功构建的内容。修改并保存文件后，页面会自动刷新。",
        "errors": [{"location": str(d.location), "message": d.message} for d in errors],
    }
    text = json.dumps(data, ensure_ascii=False).replace("<", "\\u003c").replace("\u2028", "\\u2028")
    return (OVERLAY_SCRIPT % text.replace("\u2029", "\\u2029")).encode("utf-8")


PLACEHOLDER_PAGE = """<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{title}</title></head>
<body><main><h1>{title}</h1><p>{text}</p></main></body></html>
"""


BUILDING_PAGE = """<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta http-equiv="refresh" content="1"><title>正在生成预览</title></head>
<body><main><h1>正在生成预览</h1><p>首次生成完成后本页会自动刷新。</p></main></body></html>
"""


@dataclass
class PreviewState:
    """Shared between the rebuild thread (writes) and the server loop (reads); guarded by a lock."""

    errors: tuple[Diagnostic, ...] = ()
    built: bool = False
    # Counts the builds after which open pages must navigate (not a CSS swap): a page knows the
    # generation it was served in, so one that missed a reload (sent while it was loading,
    # before its websocket was up) sees that it is behind and reloads itself.
    generation: int = 0
    # While a save's build goes on after the open pages were shown (`FirstPages`): the paths
    # already final; a request for any other waits for the build to finish (never a stale file).
    held: frozenset[str] | None = None
    served: tuple[int, float] = (0, 0.0)     # (responses sent, when the last one ended)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def first_shown(self, paths) -> None:
        """The open pages of a save's build are in place: they are the new generation."""
        with self.lock:
            self.errors = ()
            self.generation += 1
            self.held = frozenset(paths)

    def update(self, outcome: BuildOutcome) -> bool:
        """The build is done; True when the open pages must be told to reload (they were not
        already shown this build's pages: `first_shown`). Held requests go on."""
        with self.lock:
            shown = self.held is not None and outcome.ok
            self.held = None
            self.errors = outcome.errors
            self.built = self.built or outcome.ok
            if not shown and any(not path.endswith(".css") for path in outcome.reload_paths):
                self.generation += 1
            return not shown

    def release(self) -> None:
        with self.lock:
            self.held = None

    def waits(self, site_path: str) -> bool:
        with self.lock:
            return self.held is not None and site_path not in self.held

    def note_served(self) -> None:
        with self.lock:
            self.served = (self.served[0] + 1, time.monotonic())

    def wait_served(self, stop: threading.Event, quiet: float = SERVED_QUIET_S, longest: float = SHOWN_WAIT_S) -> None:
        """Until responses were sent and none for `quiet` seconds, at most `longest` seconds."""
        with self.lock:
            before = self.served[0]
        deadline = time.monotonic() + longest
        while not stop.is_set() and time.monotonic() < deadline:
            with self.lock:
                count, last = self.served
            if count > before and time.monotonic() - last >= quiet:
                return
            time.sleep(0.01)

    def snapshot(self) -> tuple[tuple[Diagnostic, ...], bool]:
        with self.lock:
            return self.errors, self.built

    def current(self) -> int:
        with self.lock:
            return self.generation


# --------------------------------------------------------------------------------------------
# Who may talk to the preview


class HostChecked:
    """Mixin for every handler: a request whose `Host` is not the preview's own gets 403."""

    policy: HostPolicy

    def initialize(self, policy: HostPolicy, **kwargs) -> None:
        self.policy = policy
        super().initialize(**kwargs)

    def prepare(self):
        if not self.policy.allows_host(self.request.headers.get("Host")):
            raise tornado.web.HTTPError(403, reason="Host not allowed")
        return super().prepare()

    def log_exception(self, typ, value, tb) -> None:
        if not isinstance(value, tornado.web.HTTPError):
            super().log_exception(typ, value, tb)


# --------------------------------------------------------------------------------------------
# livereload adapter: every use of livereload's internals is here


class LiveReloadAdapter:
    """livereload's websocket handler, its livereload.js and its </head> injector; our own broadcast.

    livereload's `reload_waiters` is rate-limited to one reload per 3 s by its polling loop and logs
    through its watcher; we never start that loop and write the LiveReload protocol message to the
    connected browsers ourselves (on the IOLoop thread).
    """

    CLIENT = (b'<script>(function(){var s=document.createElement("script");'
              b's.src="/livereload.js?port="+(window.location.port||80);'
              b'document.head.appendChild(s);})();</script>')

    def __init__(self, state: PreviewState, policy: HostPolicy):
        from livereload.handlers import LiveReloadHandler, LiveReloadJSHandler
        from livereload.server import LiveScriptInjector

        class ReloadSocket(HostChecked, LiveReloadHandler):
            """livereload's handshake, for pages of this preview only; malformed messages ignored."""

            def check_origin(self, origin: str) -> bool:
                return self.policy.allows_origin(origin)

            def prepare(self):
                super().prepare()
                if not self.policy.allows_origin(self.request.headers.get("Origin")):
                    raise tornado.web.HTTPError(403, reason="Origin not allowed")   # also when it is missing

            def on_message(self, message) -> None:
                try:
                    data = json.loads(message)
                except (TypeError, ValueError, RecursionError):
                    return
                if not isinstance(data, dict) or not isinstance(data.get("command"), str) \
                        or not isinstance(data.get("url", ""), str):
                    return
                try:
                    super().on_message(json.dumps(data))
                except Exception:  # a hostile message must never put a traceback in the terminal
                    return
                if data["command"] == "info" and isinstance(data.get("url"), str):
                    adapter.opened(self, data["url"])

            def on_close(self) -> None:
                super().on_close()
                adapter.closed(self)

        class ReloadScript(HostChecked, LiveReloadJSHandler):
            pass

        self._handler = ReloadSocket
        self._js_handler = ReloadScript
        self.policy = policy
        adapter = self
        self._pages: dict[object, str] = {}      # connected page socket -> its site path
        self._pages_lock = threading.Lock()

        class Injector(LiveScriptInjector):
            @property
            def script(self) -> bytes:  # read per response: the overlay follows the build state
                return adapter.injected()

        self.transform = Injector
        self.state = state

    def injected(self) -> bytes:
        errors, _ = self.state.snapshot()
        return self.CLIENT + generation_script(self.state.current()) + overlay_script(errors)

    def handlers(self) -> list:
        kwargs = {"policy": self.policy}
        return [(r"/livereload", self._handler, kwargs), (r"/livereload\.js", self._js_handler, kwargs),
                (GENERATION_PATH, GenerationHandler, {"policy": self.policy, "state": self.state})]

    def browsers(self) -> int:
        return len(self._handler.waiters)

    def opened(self, socket, url: str) -> None:
        path = site_path_of(url)
        if path is not None:
            with self._pages_lock:
                self._pages[socket] = path

    def closed(self, socket) -> None:
        with self._pages_lock:
            self._pages.pop(socket, None)

    def open_pages(self) -> frozenset[str]:
        """The site paths of the pages open in the browsers (any thread)."""
        with self._pages_lock:
            return frozenset(self._pages.values())

    def broadcast(self, paths: tuple[str, ...]) -> None:
        """Tell every open page to reload; a .css path is swapped in place (no navigation). Loop thread only."""
        for path in paths:
            message = {"command": "reload", "path": path, "liveCSS": True, "liveImg": True}
            for waiter in list(self._handler.waiters):
                try:
                    waiter.write_message(message)
                except Exception:  # a closed tab: forget it
                    self._handler.waiters.discard(waiter)


# --------------------------------------------------------------------------------------------
# Serving files, confined to the output folder


class GenerationHandler(HostChecked, tornado.web.RequestHandler):
    """The preview's build generation (`PreviewState.generation`), as text, never cached."""

    def initialize(self, policy: HostPolicy, state: PreviewState) -> None:
        super().initialize(policy)
        self.state = state

    def get(self) -> None:
        self.set_header("Content-Type", "text/plain; charset=utf-8")
        self.set_header("Cache-Control", "no-store")
        self.finish(str(self.state.current()))


class SiteFileHandler(HostChecked, tornado.web.StaticFileHandler):
    """Static files of the output folder only: anything resolving outside it (.., %2e%2e, absolute
    paths, symlinks) is a 404. Never cached, so a reload always shows the current build."""

    def initialize(self, policy: HostPolicy, path: str, default_filename: str | None = None,
                   state: PreviewState | None = None) -> None:
        super().initialize(policy, path=path, default_filename=default_filename)
        self.state = state

    async def get(self, path: str, include_body: bool = True) -> None:
        if self.state is not None:
            shown = path + "index.html" if path == "" or path.endswith("/") else path
            while self.state.waits(shown):   # a save's build is finishing: its files, not the old ones
                await asyncio.sleep(0.01)
        errors, built = self.state.snapshot() if self.state else ((), True)
        if not built and not errors:   # the first build is running: never a 404 for a page to come
            self.set_status(503)
            self.set_header("Content-Type", "text/html; charset=utf-8")
            self.set_header("Cache-Control", "no-store")
            self.set_header("Retry-After", "1")
            self.finish(BUILDING_PAGE)
            return
        try:
            await super().get(path, include_body)
        except tornado.web.HTTPError as exc:
            if exc.status_code == 403:  # Tornado's answer for "outside the root": we do not tell
                raise tornado.web.HTTPError(404) from None
            raise

    def on_finish(self) -> None:
        if self.state is not None:
            self.state.note_served()

    def validate_absolute_path(self, root: str, absolute_path: str) -> str | None:
        # Our own check on the resolved path: older Tornado releases follow symlinks out of the root.
        if not is_inside(absolute_path, root):
            raise tornado.web.HTTPError(404)
        return super().validate_absolute_path(root, absolute_path)

    def log_exception(self, typ, value, tb) -> None:
        if not isinstance(value, tornado.web.HTTPError):  # a 404 is not worth a terminal line
            super().log_exception(typ, value, tb)

    def should_return_304(self) -> bool:
        return False  # the injected overlay changes while the file does not

    def compute_etag(self) -> str | None:
        return None

    def set_extra_headers(self, path: str) -> None:
        self.set_header("Cache-Control", "no-store")

    def write_error(self, status_code: int, **kwargs) -> None:
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.set_header("Cache-Control", "no-store")
        self.clear_header("Content-Length")
        page = Path(self.root) / "404.html"
        errors, built = self.state.snapshot() if self.state else ((), True)
        if status_code == 403:
            self.finish(PLACEHOLDER_PAGE.format(title="403 禁止访问", text="预览只接受本机地址（如 127.0.0.1）的访问。"))
        elif status_code == 404 and page.is_file():
            self.finish(page.read_bytes())
        elif not built and errors:
            self.finish(PLACEHOLDER_PAGE.format(title="网站还没有生成成功",
                                                text="请按页面上方的提示改正错误；保存后本页会自动刷新。"))
        elif not built:
            self.finish(PLACEHOLDER_PAGE.format(title="正在生成预览", text="首次生成完成后本页会自动刷新。"))
        else:
            self.finish(PLACEHOLDER_PAGE.format(title=f"{status_code} 错误", text=html.escape(self._reason)))


# --------------------------------------------------------------------------------------------
# The preview server


def bind(host: str, port: int) -> list:
    """Bind the listening sockets before building, so a busy port fails at once."""
    try:
        return tornado.netutil.bind_sockets(port, address=host)
    except OSError as exc:
        where = Location(f"{host}:{port}")
        if exc.errno == errno.EADDRINUSE or getattr(exc, "winerror", 0) == 10048:
            raise CongressError(where, f"端口 {port} 已被占用（可能另一个预览或程序正在使用它）。"
                                       f"请换一个端口，例如：congressgen serve --port {port + 1 if port else 8001}")
        if isinstance(exc, PermissionError) or exc.errno == errno.EACCES:
            raise CongressError(where, f"没有权限使用端口 {port}；请使用 1024 以上的端口，例如 --port 8000")
        raise CongressError(where, f"无法在 {host}:{port} 上启动预览：{exc.strerror or exc}") from None


def _default_echo(text: str, err: bool = False) -> None:
    import click

    click.echo(text, err=err)


class Preview:
    """One running preview: sockets, temp output, rebuild thread and the Tornado app."""

    def __init__(self, options: ServeOptions, sockets: list, workdir: Path, echo: Echo = _default_echo):
        self.options = options
        self.sockets = sockets
        self.workdir = workdir
        self.output = workdir / "site"
        self.port = sockets[0].getsockname()[1]
        self.url = preview_url(options.host, self.port)
        self.echo = echo
        self.state = PreviewState()
        self.policy = HostPolicy.for_bind(options.host, self.port)
        self.adapter = LiveReloadAdapter(self.state, self.policy)
        self.stop = threading.Event()
        self.loop: tornado.ioloop.IOLoop | None = None
        self.rebuilder = Rebuilder(options, self.output, self.url, self.stop)
        self.thread = threading.Thread(target=self.watch_and_rebuild, name="congressgen-rebuild", daemon=True)
        self._last_errors: tuple[Diagnostic, ...] = ()
        self._shown_warnings: set[Diagnostic] = set()

    def application(self) -> tornado.web.Application:
        return tornado.web.Application(
            self.adapter.handlers() + [
                (r"/(.*)", SiteFileHandler,
                 {"policy": self.policy, "path": str(self.output), "default_filename": "index.html",
                  "state": self.state}),
            ],
            transforms=[self.adapter.transform],
            log_function=_log_request,
            websocket_max_message_size=64 * 1024,   # livereload.js sends a few hundred bytes
        )

    # -- rebuild thread --------------------------------------------------------------------

    def watch_and_rebuild(self) -> None:
        try:
            config = load_config(self.options.source)[0]
        except CongressError:
            config = None  # a broken config is reported by the build below
        watcher = ChangeWatcher(self.options.source, self.stop, config)
        first = True
        settle = HeapSettler()
        for changed in watcher.batches():
            if not (first or changed):
                settle.tick()
                continue
            pages = self.adapter.open_pages() if not first and self.loop is not None else frozenset()
            shown_first = FirstPages(pages, self.show_first) if pages else None
            try:
                outcome = self.rebuilder.rebuild(changed, shown_first, None if first else changed)
            except BaseException:
                self.state.release()               # never leave requests waiting for a build that ended
                raise
            if shown_first is not None and shown_first.stale:
                self.state.release()               # what was shown early is not final: reload again
            if outcome is None:
                self.state.release()
            if outcome is None or self.stop.is_set():
                return
            watcher.config = outcome.config or watcher.config
            if first:          # settled before the preview is ready: the first save is as quick as the next
                settle.settle()
            else:
                settle.built()
            self.publish(outcome, changed, first)
            first = False

    def show_first(self, paths: list[str]) -> None:
        """The open pages of this save are in place: reload the browsers now, let them fetch
        the pages (the rest of the build waits a moment), hold any other request until done."""
        self.state.first_shown(paths)
        self.loop.add_callback(self.adapter.broadcast, ("*",))
        self.state.wait_served(self.stop)

    def publish(self, outcome: BuildOutcome, changed: set[Path], first: bool) -> None:
        reload = self.state.update(outcome)
        self.report(outcome, changed, first)
        if self.loop is not None and not first and reload:
            self.loop.add_callback(self.adapter.broadcast, outcome.reload_paths)
        if first and self.options.open_browser:
            threading.Thread(target=webbrowser.open, args=(self.url,), daemon=True).start()

    def report(self, outcome: BuildOutcome, changed: set[Path], first: bool) -> None:
        """Terminal lines: one per rebuild; an error only when it differs from the one already shown."""
        stamp = time.strftime("%H:%M:%S")
        names = ", ".join(sorted(self._shown(p) for p in changed)[:3]) + (" …" if len(changed) > 3 else "")
        for warning in outcome.warnings:  # each warning once, not again on every save
            if warning not in self._shown_warnings:
                self.echo(str(warning), True)
        self._shown_warnings |= set(outcome.warnings)
        if outcome.ok:
            fixed = "错误已修复，" if self._last_errors else ""
            self._last_errors = ()
            what = "已生成预览" if first else f"{fixed}已重新生成"
            self.echo(f"[{stamp}] {what}：{outcome.report_count} 篇报告，用时 {outcome.seconds:.2f} 秒"
                      + (f"（{names}）" if names else ""), False)
            if first:
                self.echo(f"预览地址：{self.url} （按 Ctrl+C 停止）", False)
            return
        if outcome.errors != self._last_errors:
            if outcome.details:
                self.echo(outcome.details.rstrip(), True)
            for diagnostic in outcome.errors:
                self.echo(str(diagnostic), True)
            self.echo(f"[{stamp}] 构建失败：发现 {len(outcome.errors)} 处错误；浏览器中仍显示上一次成功构建的内容，"
                      "并提示错误。修改文件并保存后会自动重新生成。", True)
        else:
            self.echo(f"[{stamp}] 仍有上面的错误（{names}）", True)
        self._last_errors = outcome.errors
        if first:
            self.echo(f"预览地址：{self.url} （按 Ctrl+C 停止）", False)

    def _shown(self, path: Path) -> str:
        try:
            return path.relative_to(self.options.source).as_posix() or "."
        except ValueError:
            return str(path)

    # -- server loop -----------------------------------------------------------------------

    async def run(self) -> None:
        self.loop = tornado.ioloop.IOLoop.current()
        server = tornado.httpserver.HTTPServer(self.application())
        server.add_sockets(self.sockets)
        self.thread.start()
        try:
            while self.thread.is_alive():
                await asyncio.sleep(0.25)  # wakes the loop so Ctrl-C is seen promptly on Windows too
        finally:
            server.stop()
            self.stop.set()


def _log_request(handler: tornado.web.RequestHandler) -> None:
    """Only server faults reach the terminal; the clerk's terminal is for build messages."""
    if handler.get_status() >= 500:
        tornado.web.app_log.error("%d %s", handler.get_status(), handler._request_summary())


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def serve(options: ServeOptions, echo: Echo = _default_echo) -> None:
    """Run the preview until Ctrl-C; always removes its temporary folder."""
    if not (options.source / CONFIG_FILE).is_file():
        load_config(options.source)  # raises the usual "找不到网站配置文件" error
    warning = host_warning(options.host)
    if warning:
        echo(warning, True)
    sockets = bind(options.host, options.port)
    workdir = Path(tempfile.mkdtemp(prefix="congressgen-serve-"))
    preview = Preview(options, sockets, workdir, echo)
    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, _interrupt)  # `kill` stops as cleanly as Ctrl-C
    try:
        echo(f"正在生成预览（{options.source.resolve()}）……", False)
        asyncio.run(preview.run())
    except KeyboardInterrupt:
        echo("正在停止预览……", False)
    finally:
        preview.stop.set()
        if preview.thread.is_alive():
            preview.thread.join(timeout=120)  # let a running build finish before removing its folder
        for sock in sockets:
            sock.close()
        shutil.rmtree(workdir, ignore_errors=True)
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    echo("预览已停止，临时文件已清理。", False)
