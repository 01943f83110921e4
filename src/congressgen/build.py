"""The build: config → content → markdown → compile → model → render → output.

`build` wires the stages together (the model comes from `loading.load_site`, which runs the
compile stage `compile.py`) and is what `congressgen build` and `congressgen serve` call; it
renders the pages and writes them with the declared outputs (`outputs.OUTPUTS`).
See docs/architecture.md.

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
from dataclasses import dataclass, field
from pathlib import Path

from congressgen.cache import BuildCache
from congressgen import loading
from congressgen.collisions import refuse_collisions
from congressgen.compile import Progress, SlugMemo, Workers, attach_qr_codes
from congressgen.config import SiteConfig
from congressgen.loading import load_site
from congressgen.content import TZ
from congressgen.freshness import empty_columns
from congressgen.errors import BuildFailed, Diagnostic, Location
from congressgen.output import StagedOutput, WriteReport, check_output_folder
from congressgen import outputs, record, review
from congressgen.model.doclife import dropped_warnings
from congressgen.model.types import CompiledReport, Site


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
    debug: bool = False              # a template's Python error propagates with its traceback

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
    return loading.load_site_config(options.source, options.base_url)


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


def _skip_if_unchanged(config: SiteConfig, options: BuildOptions, fingerprints: record.Fingerprints,
                       started: float) -> BuildResult | None:
    """A result when nothing changed since the last build into this output (see record.unchanged)."""
    last = record.unchanged(config, options.output_dir, fingerprints)
    if last is None:
        return None
    stats = BuildStats(reports=last.reports, unchanged=True)
    return BuildResult(None, WriteReport(0, last.files), time.perf_counter() - started,
                       list(last.warnings), options.output_dir, stats)


def _settings(options: BuildOptions) -> tuple:
    """The build options that change what a build writes: part of its input fingerprint."""
    return (options.drafts, options.base_url, options.today, options.check, options.allow_unreviewed)


def build(options: BuildOptions, progress: Progress | None = None) -> BuildResult:
    started = time.perf_counter()
    stats = BuildStats()
    config, warnings = load_site_config(options)
    output = options.output_dir
    check_output_folder(output, config.root)
    cache = BuildCache(config.root / config.cache_dir, options.report_memory) if options.cache else None
    fingerprints = record.take_fingerprints(config, output, _settings(options))
    if options.reuse_unchanged and cache is not None:
        skipped = _skip_if_unchanged(config, options, fingerprints, started)
        if skipped is not None:
            return skipped
    from congressgen.render import Renderer, load_theme, static_files   # Jinja: only when building

    theme = load_theme(config.root, config.theme, config.path)
    workers = Workers(options.job_count)
    try:
        slugs = SlugMemo(cache)
        unreviewed: list[Diagnostic] = []      # what --allow-unreviewed let through, for the record

        def gate(compiled: list[CompiledReport]) -> list[Diagnostic]:
            unreviewed.extend(review_gate(config, compiled, options))
            return unreviewed

        loaded = load_site(config, drafts=options.drafts, now=options.today, cache=cache, workers=workers,
                           stats=stats, progress=progress, slug=slugs, gate=gate)
        compiled, site = loaded.compiled, loaded.site
        warnings += loaded.diagnostics
        for _, label in config.footer.missing():
            warnings.append(Diagnostic(Location(config.path), f"页脚缺少“{label}”（footer 配置）；政府网站检查会扣分", "warning"))
        attach_qr_codes(site, cache, workers)
        warnings += dropped_warnings(site)
        root = config.root.resolve()   # the attachments outside content/, hashed before they are copied
        extra = tuple(sorted({item.source.resolve().relative_to(root).as_posix() for r in site.reports
                              for item in r.files if item.source.resolve().is_relative_to(root)}))
        extra_hash = record.extra_fingerprint(root, extra)
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
    renderer = Renderer(theme, bytecode, debug=options.debug)
    static = static_files(theme, config.root / config.static_dir)
    generated = [(output.name, list(output.files(site, cache=cache))) for output in outputs.OUTPUTS]
    refuse_collisions(site, static, [(name, [path for path, _ in files]) for name, files in generated])
    staged = StagedOutput(output)
    memo_name = _memo_name(output, options.drafts)
    try:
        memo = render_pages(site, renderer, staged, cache, memo_name, stats, progress)
        for path, data in (item for _, files in generated for item in files):   # outputs.OUTPUTS, in order
            staged.write(path, data)
        for report in site.reports:
            for item in report.files:
                staged.copy(item)
        for item in static:
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
    record.write_record(config, output, record.BuildRecord(
        fingerprints.inputs, fingerprints.sources, fingerprints.environment, extra, extra_hash,
        record.output_manifest(output), len(site.reports), written.total, tuple(warnings),
        base_url=config.base_url, drafts=options.drafts,
        draft_reports=tuple(r.source for r in site.reports if r.fm.draft),
        check=record.CheckOutcome(options.check, 0, sum(w.severity == "warning" for w in warnings)),
        allow_unreviewed=options.allow_unreviewed, unreviewed=tuple(unreviewed),
        empty_columns=empty_columns(config, site.reports),
        time=record.now_stamp(), output=str(output.resolve()),
        addresses=tuple((r.id, r.source, r.path, r.fm.former_ids) for r in site.reports)))
    return BuildResult(site, written, time.perf_counter() - started, warnings, output, stats,
                       staged.retired if options.keep_retired else None)
