"""The build: config → content → markdown → site → render → output.

`compile_report` is the per-report unit (a pure function of the source bytes and the
config), so it is cached (`cache.BuildCache`) and run in worker processes; `build` wires
the stages together and is what `congressgen build` and `congressgen serve` call.

Speed without staleness: a report's Markdown is parsed only when its bytes (or what else
`compile_report` reads) changed; the site model is always rebuilt whole, so navigation,
lists and related reports are never stale; a page is rendered unless the page memo proves
that nothing it read changed (`pagememo`); and a file whose bytes did not change keeps
its old inode and mtime.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import time
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import Callable

from congressgen.cache import BuildCache, fingerprint
from congressgen.config import SiteConfig, load_config
from congressgen.content import TZ, find_sources, parse_source, read_source
from congressgen.errors import BuildFailed, CongressError, Diagnostic, Location
from congressgen.output import StagedOutput, WriteReport, check_output_folder
from congressgen import review
from congressgen.model.doclife import address_files, dropped_warnings
from congressgen.search import index_files as search_index_files
from congressgen.site import CompiledReport, Site, Traffic, build_site

Progress = Callable[[str, int, int], None]
QR_TITLE = "本文网址二维码：微信扫一扫在手机阅读、分享本文"
# Below this much work, starting worker processes costs more than it saves.
MIN_PARALLEL = 48
CHUNK = 16


@dataclass(frozen=True)
class BuildOptions:
    source: Path
    output: Path | None = None
    drafts: bool = False
    base_url: str | None = None
    allow_unreviewed: bool = False    # build reports that lack a review stage (logged)
    now: dt.date | None = None       # the day counts are "as of" (last 30 days end here)
    check: bool = True          # run the error-level rules of `congressgen check` first
    jobs: int | None = None          # worker processes; None: one per core; 1: none
    cache: bool = True               # read and update the build cache (config cache_dir)
    # When no input changed since the last build into this output and the output is as that
    # build left it, do nothing (BuildResult.site is then None). Used by `congressgen build`.
    reuse_unchanged: bool = False
    # For a long-running caller (`serve`): compiled reports kept in memory between builds, and
    # the previous output left beside the new one (BuildResult.retired) for it to delete later.
    report_memory: dict | None = field(default=None, compare=False, repr=False)
    keep_retired: bool = False

    @property
    def output_dir(self) -> Path:
        return self.output or self.source / "build"

    @property
    def today(self) -> dt.date:
        return self.now or dt.datetime.now(TZ).date()

    @property
    def job_count(self) -> int:
        return max(1, self.jobs if self.jobs is not None else (os.cpu_count() or 1))


@dataclass
class BuildStats:
    compiled: int = 0                # reports whose Markdown was parsed in this build
    cached: int = 0                  # reports taken from the cache
    rendered: int = 0                # pages rendered
    reused: int = 0                  # pages whose reads were unchanged: old file kept
    workers: int = 0                 # worker processes started
    rendered_paths: list[str] = field(default_factory=list)
    reports: int = 0                 # published reports
    unchanged: bool = False          # nothing changed: the build was skipped (reuse_unchanged)


@dataclass
class BuildResult:
    site: Site | None                # None only for a skipped build (BuildOptions.reuse_unchanged)
    written: WriteReport
    seconds: float
    warnings: list[Diagnostic] = field(default_factory=list)
    output: Path | None = None
    stats: BuildStats = field(default_factory=BuildStats)
    retired: Path | None = None      # the previous output, left for the caller (keep_retired)


def load_site_config(options: BuildOptions) -> tuple[SiteConfig, list[Diagnostic]]:
    config, warnings = load_config(options.source)
    if options.base_url:
        config = config.with_base_url(options.base_url)
    return config, warnings


def compile_report(raw: bytes, source: str, column: str, config: SiteConfig,
                   renderer) -> CompiledReport:
    """One report file → front matter, body HTML, outline and summary. Raises on bad input."""
    from congressgen.markdown import summarise

    if not column:
        raise CongressError(Location(source, 1, 1), "报告文件应放在栏目目录中，如 content/reports/")
    text, warnings = read_source(raw, source)
    fm, fm_warnings = parse_source(text, config)
    body = renderer.render(text.body)
    parts = source.split("/")
    return CompiledReport(
        source=source, column=column, stem=parts[-1][:-3], fm=fm, body_html=body.html,
        outline=body.outline, text=body.text, summary=summarise(body.html, config.summary_length),
        body_line=text.body_line, warnings=tuple(warnings + fm_warnings),
        fingerprint=review.fingerprint(fm.meta, text.body),
    )


def compile_inputs(config: SiteConfig) -> tuple:
    """Everything of the config that `compile_report` (and the stages it calls) reads: part
    of every report's cache key. Add a field here when compilation starts to read it."""
    return (config.author, config.summary_length, config.content_dir, config.review, config.check)


def report_key(raw: bytes, source: str, column: str, config_part: tuple) -> str:
    from congressgen.markdown import RENDERER_VERSION

    return fingerprint("report", RENDERER_VERSION, source, column, config_part, raw)


# ---------------------------------------------------------------------------------------
# Worker processes (spawn-safe: everything they need arrives as picklable arguments)

_WORKER: dict = {}   # per worker process: its Markdown renderer, made on first use


def _compile_chunk(config: SiteConfig, items: list[tuple], cache_folder: Path | None = None) -> list[tuple]:
    """Compile (index, raw, shown, column, key) items. With `cache_folder`, each result is
    written to the cache and only its key travels back (the parent then reads it like any
    cache hit), which keeps the parent's memory at the size of a warm build."""
    from congressgen.markdown import BodyRenderer

    renderer = _WORKER.get("body")
    if renderer is None:
        renderer = _WORKER["body"] = BodyRenderer()
    cache = BuildCache(cache_folder) if cache_folder is not None else None
    out = []
    for index, raw, shown, column, key in items:
        try:
            compiled = compile_report(raw, shown, column, config, renderer)
        except CongressError as exc:
            out.append((index, None, exc.diagnostics))
            continue
        if cache is not None and cache.put_report(key, compiled):
            out.append((index, key, None))
        else:
            out.append((index, compiled, None))
    return out


def _qr_chunk(urls: list[str]) -> list[str]:
    from congressgen.qr import qr_svg

    return [qr_svg(url, QR_TITLE) for url in urls]


class Workers:
    """A process pool started on first need (spawn: works where fork does not exist)."""

    def __init__(self, jobs: int):
        self.jobs = jobs
        self._pool: Executor | None = None

    def wanted(self, amount: int) -> bool:
        return self.jobs > 1 and amount >= MIN_PARALLEL

    @property
    def pool(self) -> Executor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(self.jobs, mp_context=get_context("spawn"))
        return self._pool

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
# Stages


def compile_all(config: SiteConfig, progress: Progress | None = None, *, cache: BuildCache | None = None,
                workers: Workers | None = None,
                stats: BuildStats | None = None) -> tuple[list[CompiledReport], list[Diagnostic]]:
    """Compile every report (from the cache when its inputs are unchanged); collects every
    bad file's error before failing."""
    root = config.root
    sources = find_sources(config.content_path)
    stats = stats or BuildStats()
    config_part = compile_inputs(config)
    results: list[CompiledReport | None] = [None] * len(sources)
    errors_at: dict[int, list[Diagnostic]] = {}
    missing: list[tuple[int, bytes, str, str, str]] = []
    content_prefix = len(str(config.content_path)) + 1
    root_prefix = len(str(root)) + 1
    for index, path in enumerate(sources):
        # find_sources gives paths below content/: plain string slicing is enough (and fast)
        full = str(path)
        shown = full[root_prefix:].replace(os.sep, "/")
        rel = full[content_prefix:].split(os.sep)
        column = rel[0] if len(rel) > 1 else ""
        raw = path.read_bytes()
        key = ""
        if cache is not None:
            key = cache.report_keys[shown] = report_key(raw, shown, column, config_part)
            hit = cache.get_report(key)
            if _fits(hit, shown, column):
                results[index] = hit
                continue
        missing.append((index, raw, shown, column, key))
    stats.cached = len(sources) - len(missing)
    stats.compiled = len(missing)

    def take(batch: list[tuple], store: bool = False) -> None:
        for index, compiled, diagnostics in batch:
            if diagnostics is not None:
                errors_at[index] = list(diagnostics)
                continue
            if isinstance(compiled, str):            # written to the cache by a worker
                key, compiled = compiled, cache.get_report(compiled)
                if not _fits(compiled, *missing_meta[index]):
                    raise BuildFailed([Diagnostic(Location(missing_meta[index][0]), "构建缓存无法写入或读取，请删除缓存目录后重试")])
            elif store and cache is not None:
                cache.put_report(keys[index], compiled)
            results[index] = compiled

    keys = {item[0]: item[4] for item in missing}
    missing_meta = {item[0]: (item[2], item[3]) for item in missing}
    done = stats.cached
    if workers is not None and workers.wanted(len(missing)):
        folder = cache.folder if cache is not None else None
        futures = [workers.pool.submit(_compile_chunk, config, chunk, folder) for chunk in _chunks(missing, CHUNK)]
        missing = []                                 # the sources' bytes now live only in the work items
        for future in futures:
            batch = future.result()
            take(batch)
            done += len(batch)
            if progress:
                progress("读取", done, len(sources))
        futures = []
    else:
        for item in missing:
            take(_compile_chunk(config, [item]), store=True)
            done += 1
            if progress:
                progress("读取", done, len(sources))

    errors = [d for i in sorted(errors_at) for d in errors_at[i]]
    compiled = [r for r in results if r is not None]
    warnings = [w for r in compiled for w in r.warnings]
    if errors:
        raise BuildFailed(errors + warnings)
    return compiled, warnings


def _fits(hit, shown: str, column: str) -> bool:
    return isinstance(hit, CompiledReport) and hit.source == shown and hit.column == column



def review_gate(config: SiteConfig, compiled: list[CompiledReport], options: BuildOptions) -> list[Diagnostic]:
    """三审三校: refuse unapproved reports when the site requires review, unless overridden;
    an override is written to the site's audit log and shown as warnings."""
    problems = review.gate(compiled, review.ReviewPolicy.from_config(config.review, Location(config.path)))
    if not problems:
        return []
    if not options.allow_unreviewed:
        raise BuildFailed(problems)
    log = review.log_override(config.root, "build", "--allow-unreviewed", problems)
    return [Diagnostic(d.location, d.message + f"（已按 --allow-unreviewed 继续，记录于 {log.name}）", "warning")
            for d in problems]


def load_traffic(config: SiteConfig, now: dt.date) -> Traffic:
    """Measured counts from `data/stats.sqlite3` up to `now`; empty (no counts shown) without it."""
    from congressgen.stats.store import db_path, read_traffic

    return read_traffic(db_path(config), now)


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
        from importlib.metadata import PackageNotFoundError, version

        try:
            self.version = version("pypinyin")
        except PackageNotFoundError:
            self.version = ""
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


def _memo_name(output: Path, drafts: bool) -> str:
    where = hashlib.sha256(f"{output.resolve()}\0{drafts}".encode()).hexdigest()[:16]
    return f"pages-{where}.pickle"


def render_pages(site: Site, renderer, staged: StagedOutput, cache: BuildCache | None, memo_name: str,
                 stats: BuildStats, progress: Progress | None = None):
    """Render every page whose memo does not prove it unchanged; returns the new memo."""
    from congressgen.pagememo import Digests, MemoWriter, ModelIndex, PageMemo, ReadLog, report_state
    from congressgen.render import MODEL_FUNCTIONS

    old = cache.load(memo_name) if cache is not None else None
    old = old if isinstance(old, PageMemo) else None
    digests = Digests(renderer.env, ModelIndex(site), MODEL_FUNCTIONS)
    keys = cache.report_keys if cache is not None else {}
    states = {r.id: report_state(r, keys.get(r.source)) for r in site.reports}
    changed = old.changed_keys(digests, states) if old is not None else set()
    writer = MemoWriter(old, changed, digests, states)
    total = len(site.pages)
    for index, page in enumerate(site.pages):
        base = renderer.base_key(site, page)
        entry = old.pages.get(page.path) if old is not None else None
        if (entry is not None and entry.base == base and changed.isdisjoint(entry.reads)
                and staged.reuse(page.path, entry.stat)):
            writer.keep(page.path, entry)
            stats.reused += 1
        else:
            log = ReadLog(digests)
            stamp = staged.write(page.path, renderer.render(site, page, log))
            stats.rendered += 1
            stats.rendered_paths.append(page.path)
            if not log.volatile:
                writer.add(page.path, base, stamp, ((k, digests.current[k]) for k in log.keys))
        if progress:
            progress("生成", index + 1, total)
    return writer.finish()


@dataclass
class BuildRecord:
    """What the last successful build into an output folder read and wrote."""

    inputs: str                                  # input_fingerprint() taken before it started
    extra: tuple[str, ...]                       # other files it copied (attachments), root-relative
    extra_hash: str                              # extra_fingerprint() of those, taken before copying
    outputs: dict[str, tuple[int, int]]          # every output file: (size, mtime_ns)
    reports: int
    files: int
    warnings: list[Diagnostic]


def _hash_tree(h, folder: Path, shown: str) -> None:
    for directory, dirs, files in os.walk(folder):
        dirs.sort()
        base = Path(directory)
        for name in sorted(files):
            path = base / name
            h.update(f"{shown}/{path.relative_to(folder).as_posix()}\0".encode("utf-8", "surrogateescape"))
            try:
                h.update(path.read_bytes())
            except OSError:
                h.update(b"\1unreadable")
            h.update(b"\0")


def input_fingerprint(config: SiteConfig, options: BuildOptions) -> str:
    """A hash of everything a build reads: the options, the files at the site root, every
    file (bytes, not dates) under content/, static/, data/ and themes/, the built-in theme,
    and the versions of congressgen, its libraries and Python. (Attachments kept elsewhere
    in the site: `extra_fingerprint`.)"""
    import sys

    from importlib import resources

    from congressgen.cache import CACHE_FORMAT, dependency_versions

    import congressgen

    builtin_theme = Path(str(resources.files("congressgen.themes"))) / "default"   # as render.builtin_theme_dir
    root = config.root
    h = hashlib.sha256(repr((CACHE_FORMAT, congressgen.__version__, dependency_versions(), sys.version_info[:2],
                             str(root), str(options.output_dir.resolve()), options.drafts, options.base_url,
                             options.today, options.check, options.allow_unreviewed,
                             config.content_dir, config.static_dir, config.data_dir)).encode())
    for entry in sorted(os.scandir(root), key=lambda e: e.name):
        if entry.is_file():
            h.update(entry.name.encode("utf-8", "surrogateescape") + b"\0")
            h.update(Path(entry.path).read_bytes() + b"\0")
    for folder in dict.fromkeys((config.content_dir, config.static_dir, config.data_dir, "themes")):
        _hash_tree(h, root / folder, folder)
    _hash_tree(h, builtin_theme, "<builtin>")
    return h.hexdigest()


def extra_fingerprint(root: Path, extra: tuple[str, ...]) -> str:
    h = hashlib.sha256()
    for rel in extra:
        path = root / rel
        h.update(rel.encode("utf-8", "surrogateescape") + b"\0")
        h.update(path.read_bytes() if path.is_file() else b"\1missing")
        h.update(b"\0")
    return h.hexdigest()


def output_manifest(output: Path) -> dict[str, tuple[int, int]]:
    manifest = {}
    for directory, _, files in os.walk(output):
        for name in files:
            path = Path(directory) / name
            st = path.stat()
            manifest[path.relative_to(output).as_posix()] = (st.st_size, st.st_mtime_ns)
    return manifest


def _record_name(output: Path, drafts: bool) -> str:
    return "last-" + _memo_name(output, drafts)[len("pages-"):]


def _skip_if_unchanged(config: SiteConfig, options: BuildOptions, cache: BuildCache,
                       started: float) -> tuple[str, BuildResult | None]:
    """(this build's input fingerprint, a result when there is nothing to do)."""
    record = cache.load(_record_name(options.output_dir, options.drafts))
    record = record if isinstance(record, BuildRecord) else None
    inputs = input_fingerprint(config, options)
    if record is None or record.inputs != inputs or extra_fingerprint(config.root, record.extra) != record.extra_hash:
        return inputs, None
    try:
        if output_manifest(options.output_dir) != record.outputs:
            return inputs, None
    except OSError:
        return inputs, None
    stats = BuildStats(reports=record.reports, unchanged=True)
    return inputs, BuildResult(None, WriteReport(0, record.files), time.perf_counter() - started,
                               list(record.warnings), options.output_dir, stats)


def build(options: BuildOptions, progress: Progress | None = None) -> BuildResult:
    started = time.perf_counter()
    stats = BuildStats()
    config, warnings = load_site_config(options)
    output = options.output_dir
    check_output_folder(output, config.root)
    cache = BuildCache(config.root / config.cache_dir, options.report_memory) if options.cache else None
    inputs = None
    if options.reuse_unchanged and cache is not None:
        inputs, skipped = _skip_if_unchanged(config, options, cache, started)
        if skipped is not None:
            return skipped
    from congressgen.render import Renderer, load_theme, static_files   # Jinja: only when building

    theme = load_theme(config.root, config.theme, config.path)
    workers = Workers(options.job_count)
    try:
        compiled, content_warnings = compile_all(config, progress, cache=cache, workers=workers, stats=stats)
        warnings += content_warnings
        warnings += review_gate(config, compiled, options)
        for _, label in config.footer.missing():
            warnings.append(Diagnostic(Location(config.path), f"页脚缺少“{label}”（footer 配置）；政府网站检查会扣分", "warning"))
        slugs = SlugMemo(cache)
        site = build_site(compiled, config, include_drafts=options.drafts,
                          traffic=load_traffic(config, options.today), slug=slugs,
                          today=options.today)
        attach_qr_codes(site, cache, workers)
        warnings += dropped_warnings(site)
        if inputs is not None:   # the attachments outside content/, hashed before they are copied
            root = config.root.resolve()
            extra = tuple(sorted({item.source.resolve().relative_to(root).as_posix() for r in site.reports
                                  for item in r.files if item.source.resolve().is_relative_to(root)}))
            extra_hash = extra_fingerprint(root, extra)
    finally:
        stats.workers = workers.started
        workers.close()
    if options.check:
        from congressgen.check import errors_for_build

        problems = errors_for_build(config, compiled, site, cache=cache)
        if problems:  # refuse before writing anything: the published output stays as it was
            raise BuildFailed(problems + warnings)
    bytecode = None
    if cache is not None:
        bytecode = cache.folder / "jinja"
        bytecode.mkdir(parents=True, exist_ok=True)
    renderer = Renderer(theme, bytecode)
    staged = StagedOutput(output)
    memo_name = _memo_name(output, options.drafts)
    try:
        memo = render_pages(site, renderer, staged, cache, memo_name, stats, progress)
        for path, data in search_index_files(site, cache=cache) + address_files(site):   # [] when `search: false`
            staged.write(path, data)
        for report in site.reports:
            for item in report.files:
                staged.copy(item)
        for item in static_files(theme, config.root / config.static_dir):
            staged.copy(item)
        written = staged.commit(remove_retired=not options.keep_retired)
    except BaseException:
        staged.discard()
        raise
    stats.reports = len(site.reports)
    if cache is not None:
        cache.store(memo_name, memo)
        slugs.save()
        cache.prune_reports()
        if inputs is not None:
            cache.store(_record_name(output, options.drafts),
                        BuildRecord(inputs, extra, extra_hash, output_manifest(output), len(site.reports),
                                    written.total, list(warnings)))
    return BuildResult(site, written, time.perf_counter() - started, warnings, output, stats,
                       staged.retired if options.keep_retired else None)
