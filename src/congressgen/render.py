"""Render stage: Jinja2 themes. A site's `themes/NAME/templates/` overrides the built-in
templates file by file (Hugo/MkDocs style); `{% extends "builtin/base.html" %}` reaches the
built-in original of a template the site overrides."""

from __future__ import annotations

import datetime as dt
import gc
import hashlib
import os
import pickle
import posixpath
import signal
import sys
import threading
import traceback
from dataclasses import dataclass, replace
from pathlib import Path

import jinja2

import congressgen
from congressgen.content import byte_location
from congressgen.errors import Location, ThemeError
from congressgen.renderdeps import ReadLog, TrackingEnvironment, shape
from congressgen.qr import qr_svg
from congressgen.themes import builtin_theme_dir
from congressgen.model.types import FileCopy, Page, Site, archive_months, newest_date
from congressgen.model.urls import canonical_url
from congressgen.urls import relative_url


@dataclass(frozen=True)
class Theme:
    name: str
    dirs: tuple[Path, ...]       # most specific first: the site's theme, then the built-in one

    @property
    def template_dirs(self) -> list[Path]:
        return [d / "templates" for d in self.dirs if (d / "templates").is_dir()]

    @property
    def static_dirs(self) -> list[Path]:
        return [d / "static" for d in self.dirs if (d / "static").is_dir()]

    def digest_files(self) -> list[Path]:
        """Every file that can change rendered output (for cache keys)."""
        files = []
        for d in self.template_dirs:
            files += [p for p in d.rglob("*") if p.is_file()]
        return sorted(files)


def load_theme(root: Path, name: str, config_path: str) -> Theme:
    builtin = builtin_theme_dir()
    site_theme = root / "themes" / name
    dirs = []
    if site_theme.is_dir() and site_theme.resolve() != builtin.resolve():
        dirs.append(site_theme)
    elif name != "default" and not site_theme.is_dir():
        raise ThemeError(Location(config_path), f"找不到主题 “{name}”：应在 themes/{name}/ 目录中")
    dirs.append(builtin)
    return Theme(name, tuple(dirs))


class _Utf8Loader(jinja2.FileSystemLoader):
    """A template that is not UTF-8 is an error naming the file and the first bad byte."""

    def get_source(self, environment, template):
        try:
            return super().get_source(environment, template)
        except UnicodeDecodeError as exc:
            for folder in self.searchpath:
                path = Path(folder) / template
                if path.is_file():
                    where = byte_location(path.read_bytes(), exc.start, str(path))
                    raise ThemeError(where, "模板文件不是 UTF-8 编码；请另存为 UTF-8") from None
            raise


def make_environment(theme: Theme, bytecode_dir: Path | None = None) -> jinja2.Environment:
    builtin = builtin_theme_dir() / "templates"
    loader = jinja2.ChoiceLoader([
        _Utf8Loader([str(d) for d in theme.template_dirs], encoding="utf-8"),
        jinja2.PrefixLoader({"builtin": jinja2.FileSystemLoader(str(builtin), encoding="utf-8")}),
    ])
    env = TrackingEnvironment(loader=loader, autoescape=jinja2.select_autoescape(["html", "xml", "svg"]),
                             undefined=jinja2.StrictUndefined, keep_trailing_newline=True,
                             trim_blocks=True, lstrip_blocks=True,
                             # compiled templates, checked against their source (build cache)
                             bytecode_cache=jinja2.FileSystemBytecodeCache(str(bytecode_dir)) if bytecode_dir else None)
    env.filters["zh_date"] = lambda d: f"{d.year}年{d.month:02d}月{d.day:02d}日" if d else ""
    env.filters["rfc3339"] = lambda d: d.isoformat() if d else ""
    return env


def _template_location(exc: BaseException) -> Location:
    if isinstance(exc, jinja2.TemplateSyntaxError):
        return Location(exc.filename or exc.name or "模板", exc.lineno or 0)
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if frame.filename.endswith((".html", ".xml", ".txt")):
            return Location(frame.filename, frame.lineno or 0)
    return Location("模板")


# Context functions that read the model (their calls are logged by the page memo).
MODEL_FUNCTIONS = {"archive_months": archive_months, "newest_date": newest_date}


class Renderer:
    """Renders the pages of a site; one per build (and per worker process)."""

    def __init__(self, theme: Theme, bytecode_dir: Path | None = None, debug: bool = False,
                 links: dict | None = None):
        self.theme = theme
        self.debug = debug        # a template's Python error propagates with its traceback
        self.env = make_environment(theme, bytecode_dir)
        self._versions: bytes | None = None
        self._site: Site | None = None
        self._site_values: tuple = ()
        # (page folder, target) -> relative_url(): pure, so a caller may share it between renderers
        self.links: dict[tuple[str, str], str] = links if links is not None else {}

    def versions(self) -> bytes:
        """Digest of what renders templates (congressgen, its dependencies, Python). The
        templates themselves are reads of the page (`renderdeps.ReadLog.note_template`):
        a template edit re-renders the pages that loaded that template."""
        if self._versions is None:
            from congressgen.cache import dependency_versions

            self._versions = hashlib.sha256(repr((congressgen.__version__, dependency_versions(),
                                                  sys.version_info[:2])).encode()).digest()
        return self._versions

    def _per_site(self, site: Site) -> tuple:
        """(build date, config digest), computed once per site model."""
        if self._site is not site:
            build_date = newest_date(site.reports) or dt.datetime(2000, 1, 1)
            # the config file's path as the build was given it (`-s .` or an absolute path) is for
            # messages, not pages: the same site named two ways keeps its memo
            shown = replace(site.config, path="")
            config = hashlib.blake2b(repr(shape(shown)).encode(), digest_size=16).digest()
            # the part of every page's base key that is the site's, hashed once
            prefix = hashlib.sha256(self.versions() + config + build_date.isoformat().encode() + b"\0")
            self._site, self._site_values = site, (build_date, config, prefix)
        return self._site_values

    def base_key(self, site: Site, page: Page) -> bytes:
        """What a page depends on besides its logged model reads."""
        key = self._per_site(site)[2].copy()
        key.update(repr((page.template, page.path, page.kind)).encode("utf-8", "surrogatepass"))
        return key.digest()[:16]

    def render(self, site: Site, page: Page, log: ReadLog | None = None) -> bytes:
        links, folder = self.links, posixpath.dirname(page.path)

        def url(target: str) -> str:
            if page.kind == "404":  # served for any missing path, at any depth
                return site.config.base_path + target
            link = links.get((folder, target))
            if link is None:
                link = links[(folder, target)] = relative_url(page.path, target)
            return link

        def asset(p: str) -> str:
            return url("static/" + p)

        context = {
            "site": site, "config": site.config, "page": page, "report": page.report,
            "url": url, "asset": asset, "version": congressgen.__version__, "qr": qr_svg,
            "build_date": self._per_site(site)[0], "canonical": canonical_url(site.config, page.path, page.kind),
            **MODEL_FUNCTIONS,
        }
        if log is not None:
            # url/asset depend only on the page and config, qr only on its arguments (base key).
            log.pure = {url, asset, qr_svg}
            log.functions = {id(fn): name for name, fn in MODEL_FUNCTIONS.items()}
        self.env.read_log = log
        try:
            return self.env.get_template(page.template).render(context).encode("utf-8")
        except jinja2.TemplateNotFound as exc:
            raise ThemeError(Location(f"themes/{self.theme.name}/templates"), f"缺少模板 {exc.name}") from None
        except jinja2.TemplateError as exc:
            raise ThemeError(_template_location(exc), f"模板错误：{exc}") from None
        except ThemeError:
            raise
        except Exception as exc:  # a template calling into the model with a bad value
            if self.debug:
                raise
            raise ThemeError(_template_location(exc), f"模板渲染失败：{type(exc).__name__}: {exc}") from None
        finally:
            self.env.read_log = None


def static_files(theme: Theme, site_static: Path) -> list[FileCopy]:
    """Theme static files under static/ (site theme wins), then the site's own static/ at the root."""
    chosen: dict[str, Path] = {}
    for directory in reversed(theme.static_dirs):
        for path in sorted(directory.rglob("*")):
            if path.is_file() and not path.name.startswith("."):
                chosen["static/" + path.relative_to(directory).as_posix()] = path
    if site_static.is_dir():
        for path in sorted(site_static.rglob("*")):
            if path.is_file() and not path.name.startswith(".") and path.resolve().is_relative_to(site_static.resolve()):
                chosen[path.relative_to(site_static).as_posix()] = path
    return [FileCopy(source, target) for target, source in sorted(chosen.items())]


@dataclass
class RenderStats:
    rendered: int = 0                # pages rendered
    reused: int = 0                  # pages whose reads were unchanged: old file kept
    rendered_paths: list = None

    def __post_init__(self):
        if self.rendered_paths is None:
            self.rendered_paths = []


def memo_name(output: Path, drafts: bool) -> str:
    """The cache entry of the render memo of one output folder."""
    where = hashlib.sha256(f"{output.resolve()}\0{drafts}".encode()).hexdigest()[:16]
    return f"pages-{where}.pickle"


# Fewer pages to render than this: one process (forking and collecting costs more than it saves).
MIN_PARALLEL_PAGES = 64


def can_fork() -> bool:
    """Forked render workers inherit the model and the renderer as they are (nothing is
    pickled but the results); only where fork is the platform's safe, native way."""
    return hasattr(os, "fork") and sys.platform.startswith("linux")


@dataclass
class _Rendered:
    """One page rendered (in this process or a worker): what the memo and the stats need."""
    index: int
    stamp: tuple
    reads: list | None               # (key, digest) pairs; None: volatile, not memoised


def _render_share(site: Site, renderer: Renderer, staged, digests, todo: list, progress=None,
                  done: int = 0, total: int = 0, step: int = 1, worker: bool = False) -> tuple[list, int | None]:
    """Render and stage the pages of `todo` ((index, base) pairs, in page order); returns the
    pages rendered and the index of the first page that failed (None: none failed)."""
    results = []
    for index, _base in todo:
        page = site.pages[index]
        log = ReadLog(digests)
        if worker:
            try:
                data = renderer.render(site, page, log)
            except Exception:          # the parent renders it again, to raise the error itself
                return results, index
        else:
            data = renderer.render(site, page, log)
        stamp = staged.write(page.path, data)
        results.append(_Rendered(index, stamp, None if log.volatile else
                                 [(k, digests.current[k]) for k in log.keys]))
        if progress:
            done = min(total, done + step)
            progress("生成", done, total)
    return results, None


def in_forked_processes(shares: list, work, here) -> list:
    """work(share) for each of shares[1:] in a forked child, here(shares[0]) in this process,
    at the same time; the results in order. A child that fails (it cannot pickle its result,
    it is killed) gives None: the caller does its share itself."""
    children = []
    held = gc.get_freeze_count() > 0   # `serve` keeps its settled heap frozen (serve.HeapSettler): left so
    gc.freeze()        # the children's collector leaves the inherited objects (and their pages) alone
    try:
        for share in shares[1:]:
            read_end, write_end = os.pipe()
            pid = os.fork()
            if pid == 0:                               # the child: render, hand back, exit
                code = 1
                try:
                    os.close(read_end)
                    data = pickle.dumps(work(share), pickle.HIGHEST_PROTOCOL)
                    code = 0
                except BaseException:  # noqa: BLE001 - anything: the parent does the share itself
                    data = pickle.dumps(None)
                try:
                    with os.fdopen(write_end, "wb") as pipe:
                        pipe.write(data)
                finally:
                    os._exit(code)
            os.close(write_end)
            children.append((pid, read_end))
        # each result read as it comes (threads started once every child is forked): a child whose
        # result is more than a pipe holds would otherwise wait, with all its memory, until this
        # process's share is done
        children = [(pid, _PipeReader(read_end)) for pid, read_end in children]
        results = [here(shares[0])]
        while children:
            pid, reader = children[0]
            data = reader.result()
            children.pop(0)
            os.waitpid(pid, 0)
            try:
                results.append(pickle.loads(data) if data else None)
            except Exception:  # noqa: BLE001 - a truncated result: the share is done again here
                results.append(None)
        return results
    finally:
        if not held:
            gc.unfreeze()
        for pid, reader in children:                   # this process failed or was interrupted
            try:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
            except OSError:
                pass
            if isinstance(reader, _PipeReader):
                reader.result()                        # the pipe is at its end: the reader closes it
            else:                                      # failed while forking: not read yet
                os.close(reader)


class _PipeReader:
    """A forked child's result, read from its pipe by a thread until the child closes it."""

    def __init__(self, fd: int):
        self._parts: list[bytes] = []
        self._thread = threading.Thread(target=self._read, args=(fd,), name="congressgen-fork-result",
                                        daemon=True)
        self._thread.start()

    def _read(self, fd: int) -> None:
        try:
            while True:
                part = os.read(fd, 1 << 20)
                if not part:
                    break
                self._parts.append(part)
        except OSError:
            pass
        finally:
            os.close(fd)

    def result(self) -> bytes:
        self._thread.join()
        return b"".join(self._parts)


def render_first(site: Site, renderer: Renderer, staged, static: list, first) -> bool:
    """`serve`: the pages open in a browser (`first.paths`), rendered and staged before the rest
    of the build, with the static files (what those pages load); then `first.ready(staged,
    paths)`. Rendered as the full build renders them (the render memo, later, finds them
    written). False, with nothing staged, when none is a page of the site or one fails to
    render (the full render meets the error in page order and reports it)."""
    pages = [page for page in site.pages if page.path in first.paths]
    if not pages:
        return False
    try:
        rendered = [(page.path, renderer.render(site, page)) for page in pages]
    except Exception:  # noqa: BLE001 - raised again, in page order, by render_pages
        return False
    for path, data in rendered:
        staged.write(path, data)
    for item in static:
        staged.copy(item)
    first.ready(staged, [path for path, _ in rendered] + [item.path for item in static])
    return True


def render_pages(site: Site, renderer: Renderer, staged, cache, memo_name: str, stats, progress=None,
                 jobs: int = 1):
    """Render every page whose memo does not prove it unchanged; returns the new memo.
    `staged` is an output (`output.StagedOutput` or `output.LiveOutput`); `stats` has
    `rendered`, `reused` and `rendered_paths` (`RenderStats`, `build.BuildStats`).
    With `jobs` > 1 (and fork, and enough pages) the pages are shared among forked workers;
    the output, the stats and the memo are the same as with one process."""
    from congressgen.renderdeps import Digests, MemoWriter, ModelIndex, load_memo, report_states

    old = load_memo(cache, memo_name) if cache is not None else None
    digests = Digests(renderer.env, ModelIndex(site), MODEL_FUNCTIONS)
    keys = cache.report_keys if cache is not None else {}
    states = report_states(site.reports, keys, site.pages)
    bases = [renderer.base_key(site, page) for page in site.pages]
    # pages whose base key is unchanged: only their reads need checking (none after a template
    # or config edit); the others are rendered anyway and log their reads afresh
    entries = [old.pages.get(page.path) if old is not None else None for page in site.pages]
    candidates = [i for i, entry in enumerate(entries) if entry is not None and entry.base == bases[i]]
    needed = None
    if len(candidates) < len(entries):
        needed = set()
        for i in candidates:
            needed.update(entries[i].reads)
    changed = old.changed_keys(digests, states, needed) if old is not None else set()
    writer = MemoWriter(old, changed, digests, states)
    total = len(site.pages)
    kept: dict[int, object] = {}
    todo: list[tuple[int, bytes]] = []
    candidate = set(candidates)
    for index, page in enumerate(site.pages):
        entry = entries[index]
        if index in candidate and changed.isdisjoint(entry.reads) and staged.reuse(page.path, entry.stat):
            kept[index] = entry
        else:
            todo.append((index, bases[index]))
    if progress and kept:
        progress("生成", len(kept), total)
    shares = jobs if jobs > 1 and len(todo) >= MIN_PARALLEL_PAGES and can_fork() else 1
    if shares == 1:
        rendered, _ = _render_share(site, renderer, staged, digests, todo, progress, len(kept), total)
    else:
        for name in sorted({site.pages[i].template for i, _ in todo}):
            renderer.env.get_template(name)            # compiled once, before the workers fork
        parts = [(k, todo[k::shares]) for k in range(shares)]

        def work(share):
            number, part = share
            staged.worker(number)
            results, failed = _render_share(site, renderer, staged, digests, part, worker=True)
            return results, failed, staged.handover()

        def here(share):
            return _render_share(site, renderer, staged, digests, share[1], progress, len(kept), total,
                                 shares, worker=True)

        outcomes = in_forked_processes(parts, work, here)
        rendered = list(outcomes[0][0])
        for outcome in outcomes[1:]:
            if outcome is not None:                    # None: the worker failed
                results, _failed, handed = outcome
                staged.absorb(handed)
                rendered += results
        # What a worker did not render (it failed, or a page's template failed), in page order
        # here: the first page that fails is the one a single process meets, and raises.
        done = {r.index for r in rendered}
        missing = [item for item in todo if item[0] not in done]
        rendered += _render_share(site, renderer, staged, digests, missing, progress, len(kept), total)[0]
        rendered.sort(key=lambda r: r.index)
    by_index = {r.index: r for r in rendered}
    for index, page in enumerate(site.pages):
        if index in kept:
            writer.keep(page.path, kept[index])
            stats.reused += 1
            continue
        result = by_index[index]
        stats.rendered += 1
        stats.rendered_paths.append(page.path)
        if result.reads is not None:
            writer.add(page.path, bases[index], result.stamp, result.reads)
    return writer.finish()
