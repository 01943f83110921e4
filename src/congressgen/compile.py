"""Compile stage: one report file → a `CompiledReport` (front matter, body HTML, outline,
summary), cached by its bytes and the config parts it reads, run in worker processes when
there is enough work; plus the other per-build work that benefits from the pool and the
cache (share QR codes, the slug memo).

`compile_report` is a pure function of the source bytes and the config, so it is cached
(`cache.BuildCache`) and run in spawn-safe workers: everything a worker needs arrives as
picklable arguments.
"""

from __future__ import annotations

import gc
import os
from collections import deque
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:
    from concurrent.futures import Executor

from congressgen import review
from congressgen.cache import BuildCache, cache_key, settled, source_stamp, store_bodies
from congressgen.config import SiteConfig
from congressgen.content import check_outline_limit, parse_source, read_report, read_source, source_paths
from congressgen.errors import BuildFailed, CongressError, Diagnostic, Location
from congressgen.model.links import body_links
from congressgen.model.types import CompiledReport, InlineBody, Site

Progress = Callable[[str, int, int], None]
QR_TITLE = "本文网址二维码：微信扫一扫在手机阅读、分享本文"
# Below this much work, starting worker processes costs more than it saves.
MIN_PARALLEL = 48
CHUNK = 16
IN_FLIGHT = 4                # chunks per worker sent ahead while the sources are read


@dataclass
class CompileStats:
    compiled: int = 0                # reports whose Markdown was parsed
    cached: int = 0                  # reports taken from the cache


def compile_report(raw: bytes, source: str, column: str, config: SiteConfig,
                   renderer) -> CompiledReport:
    """One report file → front matter, body HTML, outline and summary. Raises on bad input."""
    from congressgen.markdown import summarise

    if not column:
        raise CongressError(Location(source, 1, 1), "报告文件应放在栏目目录中，如 content/reports/")
    text, warnings = read_source(raw, source)
    fm, fm_warnings = parse_source(text, config)
    body = renderer.render(text.body)
    check_outline_limit(body.outline, source)
    parts = source.split("/")
    return CompiledReport(
        source=source, column=column, stem=parts[-1][:-3], fm=fm, body=InlineBody(body.html, body.text),
        outline=body.outline, summary=summarise(body.html, config.summary_length),
        body_line=text.body_line, warnings=tuple(warnings + fm_warnings),
        fingerprint=review.fingerprint(fm.meta, text.body), links=body_links(body.html),
    )


def compile_inputs(config: SiteConfig) -> tuple:
    """Everything of the config that `compile_report` (and the stages it calls) reads: part
    of every report's cache key. Add a field here when compilation starts to read it."""
    return (config.author, config.summary_length, config.content_dir, config.review, config.check)


def report_key(raw: bytes, source: str, column: str, config_part: tuple) -> str:
    from congressgen.markdown import RENDERER_VERSION

    return cache_key("report", RENDERER_VERSION, source, column, config_part, raw)


# ---------------------------------------------------------------------------------------
# Worker processes (spawn-safe: everything they need arrives as picklable arguments)

_WORKER: dict = {}   # per worker process: its Markdown renderer, made on first use


def _compile_chunk(config: SiteConfig, items: list[tuple], cache_folder: Path | None = None) -> list[tuple]:
    """Compile (index, raw, shown, column, key) items into (index, compiled, diagnostics).
    With `cache_folder`, the chunk's bodies go to one body file of the cache
    (`cache.store_bodies`) and the compiled reports refer to it: only their light part
    travels back and stays in the parent's memory."""
    from congressgen.markdown import BodyRenderer

    renderer = _WORKER.get("body")
    if renderer is None:
        renderer = _WORKER["body"] = BodyRenderer()
    out = []
    for index, raw, shown, column, key in items:
        try:
            out.append((index, compile_report(raw, shown, column, config, renderer), None))
        except CongressError as exc:
            out.append((index, None, exc.diagnostics))
    done = [n for n, (_, compiled, _) in enumerate(out) if compiled is not None]
    stored = store_bodies(cache_folder, [(out[n][1].body_html, out[n][1].text) for n in done]) \
        if cache_folder is not None and done else None
    for n, body in zip(done, stored or ()):
        index, compiled, _ = out[n]
        out[n] = (index, replace(compiled, body=body), None)
    return out


def _warm_up() -> None:
    """Import Markdown and make the renderer in a new worker while the parent still reads."""
    from congressgen.markdown import BodyRenderer

    if "body" not in _WORKER:
        _WORKER["body"] = BodyRenderer()


def _qr_chunk(urls: list[str]) -> list[str]:
    from congressgen.qr import qr_svg

    return [qr_svg(url, QR_TITLE) for url in urls]


def _start_method() -> str:
    """fork where it is the platform's safe way (`render.can_fork`: Linux) and this process
    runs no other thread (a build from the command line): the workers start at once with what
    is already imported, instead of each starting Python and importing congressgen again (a
    second of CPU on a cold build). Else spawn: a fork beside other threads (the preview
    server's) may inherit a lock one of them held. The workers get everything as arguments
    either way (spawn-safe), so both give the same."""
    import threading

    from congressgen.render import can_fork     # one rule for every fork of a build

    return "fork" if can_fork() and threading.active_count() == 1 else "spawn"


class Workers:
    """A process pool started on first need (`_start_method`)."""

    def __init__(self, jobs: int):
        self.jobs = jobs
        self._pool: Executor | None = None

    def wanted(self, amount: int) -> bool:
        return self.jobs > 1 and amount >= MIN_PARALLEL

    @property
    def pool(self) -> Executor:
        if self._pool is None:     # imported on first need: an edit's build seldom starts the pool
            from concurrent.futures import ProcessPoolExecutor
            from multiprocessing import get_context

            # gc.enable: a forked worker would keep the collector off if the parent had it off
            self._pool = ProcessPoolExecutor(self.jobs, mp_context=get_context(_start_method()),
                                             initializer=gc.enable)
        return self._pool

    def warm_up(self) -> None:
        """Start the workers now (each imports and sets up in the background)."""
        for _ in range(self.jobs):
            self.pool.submit(_warm_up)

    @property
    def started(self) -> int:
        return self.jobs if self._pool is not None else 0

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


def _chunks(items: list, size: int) -> list[list]:
    return [items[i:i + size] for i in range(0, len(items), size)]


# ---------------------------------------------------------------------------------------
# Every report


class _Pending:
    """The reports to compile, sent off in chunks while the sources are still being read:
    to the worker pool once there is enough work for it (`Workers.wanted`), else compiled
    here. At most a few chunks per worker are in flight, so the sources' bytes are never
    all held at once; `take` gets each chunk's results, in the order they were sent."""

    def __init__(self, config: SiteConfig, folder: Path | None, workers: Workers | None,
                 take: Callable[[list[tuple]], None]):
        self.config, self.folder, self.workers, self.take = config, folder, workers, take
        self.items: list[tuple] = []
        self.futures: deque = deque()
        self.pooled = False
        self.count = 0

    def add(self, item: tuple) -> None:
        self.items.append(item)
        self.count += 1
        if self.workers is None:                          # no pool for this build: compile here
            if len(self.items) >= CHUNK:
                self._here()
            return
        self.pooled = self.pooled or self.workers.wanted(len(self.items))
        if self.pooled and len(self.items) >= CHUNK:
            self._send()

    def finish(self) -> None:
        """Compile what is left and take every result."""
        if self.items:
            self._send() if self.pooled else self._here()
        while self.futures:
            self.take(self.futures.popleft().result())

    def _here(self) -> None:
        items, self.items = self.items, []
        for chunk in _chunks(items, CHUNK):
            self.take(_compile_chunk(self.config, chunk, self.folder))

    def _send(self) -> None:
        items, self.items = self.items, []
        for chunk in _chunks(items, CHUNK):
            self.futures.append(self.workers.pool.submit(_compile_chunk, self.config, chunk, self.folder))
        while len(self.futures) > IN_FLIGHT * self.workers.jobs:
            self.take(self.futures.popleft().result())


def compile_all(config: SiteConfig, progress: Progress | None = None, *, cache: BuildCache | None = None,
                workers: Workers | None = None,
                stats=None) -> tuple[list[CompiledReport], list[Diagnostic]]:
    """Compile every report (from the cache when its inputs are unchanged); collects every
    bad file's error before failing."""
    root = config.root
    sources = source_paths(config.content_path)
    stats = stats if stats is not None else CompileStats()
    config_part = compile_inputs(config)
    results: list[CompiledReport | None] = [None] * len(sources)
    errors_at: dict[int, list[Diagnostic]] = {}
    content_prefix = len(str(config.content_path)) + 1
    stamps = cache.stamps() if cache is not None else None
    if workers is not None and workers.wanted(len(sources)) and len(stamps or ()) < len(sources) // 2:
        workers.warm_up()      # likely a cold build: spawning overlaps reading and hashing the sources
    keys: dict[int, str] = {}
    parts_seen: dict[int, bool] = {}
    done = 0

    def take(batch: list[tuple]) -> None:
        nonlocal done
        for index, compiled, diagnostics in batch:
            if diagnostics is not None:
                errors_at[index] = list(diagnostics)
                continue
            results[index] = cache.put_report(keys.pop(index), compiled) if cache is not None else compiled
        done += len(batch)
        if progress:
            progress("读取", done, len(sources))

    pending = _Pending(config, cache.folder if cache is not None else None,
                       workers if workers is not None and workers.wanted(len(sources)) else None, take)
    root_prefix = len(str(root)) + 1
    for index, full in enumerate(sources):
        # source_paths gives paths below content/: plain string slicing is enough (and fast)
        shown = full[root_prefix:].replace(os.sep, "/")
        rel = full[content_prefix:].split(os.sep)
        column = rel[0] if len(rel) > 1 else ""
        stamp = None
        if stamps is not None:   # an unchanged stamp is an unchanged file: no need to read and hash it
            stamp = source_stamp(full)
            known = stamps.get(shown)
            if stamp is not None and known is not None and known[0] == stamp and known[1] == column \
                    and _same_part(known[2], config_part, parts_seen):
                hit = cache.get_report(known[3])
                if _fits(hit, shown, column):
                    cache.report_keys[shown] = known[3]
                    results[index] = hit
                    done += 1
                    continue
        try:
            raw = read_report(Path(full), shown, root)
        except CongressError as exc:
            errors_at[index] = exc.diagnostics
            done += 1
            continue
        key = ""
        if cache is not None:
            key = cache.report_keys[shown] = report_key(raw, shown, column, config_part)
            if stamp is not None and settled(stamp) and stamp == source_stamp(full):
                stamps[shown] = (stamp, column, config_part, key)
            hit = cache.get_report(key)
            if _fits(hit, shown, column):
                results[index] = hit
                done += 1
                continue
        keys[index] = key
        pending.add((index, raw, shown, column, key))
    pending.finish()
    stats.compiled = pending.count
    stats.cached = len(sources) - pending.count

    if cache is not None:
        cache.save_stamps()
        cache.save_reports()
    errors = [d for i in sorted(errors_at) for d in errors_at[i]]
    compiled = [r for r in results if r is not None]
    warnings = [w for r in compiled for w in r.warnings]
    if errors:
        raise BuildFailed(errors + warnings)
    return compiled, warnings


def compile_one(config: SiteConfig, shown: str, column: str, cache: BuildCache) -> CompiledReport:
    """One report file compiled as `compile_all` compiles it (its body to the cache's body
    files, the result held by `cache`, taken from it when its key is known), for a caller
    that knows which file changed (`serve`). `shown` is the site-root-relative path. Raises
    CongressError on bad input."""
    raw = read_report(config.root / shown, shown, config.root)
    key = cache.report_keys[shown] = report_key(raw, shown, column, compile_inputs(config))
    hit = cache.get_report(key)
    if _fits(hit, shown, column):
        return hit
    (_, compiled, diagnostics), = _compile_chunk(config, [(0, raw, shown, column, key)], cache.folder)
    if diagnostics is not None:
        raise BuildFailed(list(diagnostics))
    return cache.put_report(key, compiled)


def _same_part(part: tuple, config_part: tuple, seen: dict[int, bool]) -> bool:
    """part == config_part, compared once per object: the stamps as loaded share one tuple."""
    same = seen.get(id(part))
    if same is None:
        same = seen[id(part)] = part == config_part
    return same


def _fits(hit, shown: str, column: str) -> bool:
    return isinstance(hit, CompiledReport) and hit.source == shown and hit.column == column




def attach_qr_codes(site: Site, cache: BuildCache | None, workers: Workers | None) -> None:
    """Each report's share QR code (inline SVG of its absolute URL), cached by URL."""
    from congressgen.cache import dependency_versions

    stored = cache.load("qr.pickle") if cache is not None else None
    versions = dependency_versions()          # segno's among them
    table = stored[1] if isinstance(stored, tuple) and len(stored) == 2 and stored[0] == versions else {}
    urls = [r.url for r in site.reports]
    missing = sorted({u for u in urls if (u, QR_TITLE) not in table})
    if missing:
        if workers is not None and workers.wanted(len(missing)):
            parts = list(workers.pool.map(_qr_chunk, _chunks(missing, CHUNK * 4)))
            svgs = [svg for part in parts for svg in part]
        else:
            svgs = _qr_chunk(missing)
        table.update({(u, QR_TITLE): svg for u, svg in zip(missing, svgs)})
    for report in site.reports:
        report.qr_svg = table[(report.url, QR_TITLE)]
    if cache is not None and (missing or stored is None or len(table) != len(set(urls))):
        cache.store("qr.pickle", (versions, {(u, QR_TITLE): table[(u, QR_TITLE)] for u in urls}))


class SlugMemo:
    """`urls.slugify` remembered across builds: pinyin costs ~250 ms to load, and taxonomy
    terms are Chinese. The table is tied to the pypinyin version that made it."""

    NAME = "slugs.pickle"

    def __init__(self, cache: BuildCache | None):
        from congressgen.cache import installed_version

        self.version = installed_version("pypinyin") or ""
        stored = cache.load(self.NAME) if cache is not None else None
        ok = isinstance(stored, tuple) and len(stored) == 2 and stored[0] == self.version
        self.table: dict[str, str] = dict(stored[1]) if ok else {}
        self.cache = cache
        self.added = False

    def __call__(self, text: str) -> str:
        from congressgen.urls import slugify

        if text.isascii():
            return slugify(text)
        slug = self.table.get(text)
        if slug is None:
            slug = self.table[text] = slugify(text)
            self.added = True
        return slug

    def save(self) -> None:
        if self.cache is not None and self.added:
            self.cache.store(self.NAME, (self.version, self.table))

