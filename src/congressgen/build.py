"""The build: config → content → markdown → compile → model → render → output.

`build` wires the stages together (the model comes from `loading.load_site`, which runs the
compile stage `compile.py`) and is what `congressgen build` calls (`serve` wires the same
stages around a site kept in memory: `serve.LiveSite`); `output.write_site` renders the pages
and writes them with the declared outputs (`outputs.OUTPUTS`).
See docs/architecture.md.

Speed without staleness: a report's Markdown is parsed only when its bytes (or what else
`compile_report` reads) changed; the site model is always rebuilt whole, so navigation,
lists and related reports are never stale; a page is rendered unless the page memo proves
that nothing it read changed (`renderdeps`); and a file whose bytes did not change keeps
its old inode and mtime.
"""

from __future__ import annotations

import datetime as dt
import gc
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from congressgen.cache import BuildCache
from congressgen import loading
from congressgen.compile import Progress, SlugMemo, Workers, attach_qr_codes
from congressgen.config import SiteConfig
from congressgen.loading import load_site
from congressgen.content import TZ
from congressgen.freshness import empty_columns
from congressgen.errors import BuildFailed, Diagnostic
from congressgen.output import ForkedPool, StagedOutput, WriteReport, check_output_folder, overlaps, write_site
from congressgen import record, review
from congressgen.model.doclife import dropped_warnings
from congressgen.model.related import RelatedMemo
from congressgen.model.types import CompiledReport, Site
from congressgen.search import tokenise_ahead


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
    # For a long-running caller: compiled reports kept in memory between builds.
    report_memory: dict | None = field(default=None, compare=False, repr=False)
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


def load_site_config(options: BuildOptions) -> tuple[SiteConfig, list[Diagnostic]]:
    return loading.load_site_config(options.source, options.base_url)


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
    held = gc.get_freeze_count() > 0      # a caller's frozen heap (serve's) is left frozen
    try:
        return _build(options, progress)
    finally:
        if not held:
            gc.unfreeze()


def _build(options: BuildOptions, progress: Progress | None) -> BuildResult:
    started = time.perf_counter()
    stats = BuildStats()
    config, warnings = load_site_config(options)
    output = options.output_dir
    check_output_folder(output, config.root)
    cache = BuildCache(config.root / config.cache_dir, options.report_memory) if options.cache else None
    digests = record.DigestMemo(cache.load(record.DigestMemo.NAME)) if cache is not None else None
    fingerprints = record.take_fingerprints(config, output, _settings(options), digests)
    if digests is not None and digests.changed():
        cache.store(record.DigestMemo.NAME, digests.seen)
    if options.reuse_unchanged and cache is not None:
        skipped = _skip_if_unchanged(config, options, fingerprints, started)
        if skipped is not None:
            return skipped
    from congressgen.render import Renderer, load_theme, memo_name as render_memo_name   # Jinja: only when building
    from congressgen.renderdeps import store_memo

    theme = load_theme(config.root, config.theme, config.path)
    workers = Workers(options.job_count)
    try:
        slugs = SlugMemo(cache)
        related = RelatedMemo(cache)
        unreviewed: list[Diagnostic] = []      # what --allow-unreviewed let through, for the record

        def gate(compiled: list[CompiledReport]) -> list[Diagnostic]:
            unreviewed.extend(review.build_gate(config, compiled, options.allow_unreviewed))
            return unreviewed

        collecting = gc.isenabled()
        gc.disable()       # loading makes the model and the cached entries, no cyclic garbage: no collection
        try:               # needs to walk them while they are made (a tenth of an edit's build at 5,000)
            loaded = load_site(config, drafts=options.drafts, now=options.today, cache=cache, workers=workers,
                               stats=stats, progress=progress, slug=slugs, gate=gate, related=related)
        finally:
            if collecting:
                gc.enable()
        gc.freeze()        # and they live to the end of the build: later collections leave them alone
        compiled, site = loaded.compiled, loaded.site
        warnings += loaded.diagnostics
        warnings += loading.footer_warnings(config)
        attach_qr_codes(site, cache, workers)
        tokenise_ahead(site, cache, workers)    # search tokens in the pool while it is open (search.py)
        warnings += dropped_warnings(site)
        root = config.root.resolve()   # the attachments outside content/, hashed before they are copied
        extra = tuple(sorted({item.source.resolve().relative_to(root).as_posix() for r in site.reports
                              for item in r.files if item.source.resolve().is_relative_to(root)}))
        extra_hash = record.extra_fingerprint(root, extra)
        # the check and the files that are not pages are made in a forked process while the pages
        # render (output.write_site): a cold build, and an edit's too (its pool never started: the
        # check, the search index and the link farm of the unchanged files take the other core)
        overlap = overlaps(site, cache, options.job_count)
        render_jobs = None if workers.started else options.job_count
        check = None
        if options.check:
            def check(pool=None) -> None:      # pool: `compile.Workers` or `output.ForkedPool`
                from congressgen.check import errors_for_build

                problems = errors_for_build(config, compiled, site, cache=cache, workers=pool)
                if problems:  # refuse before anything is published: the output stays as it was
                    raise BuildFailed(problems + warnings)

            if not overlap:
                check(workers)      # while the workers are up: the check's per-report rules run in them
                check = None
    finally:
        stats.workers = workers.started
        workers.close()
    renderer = Renderer(theme, cache.template_folder() if cache is not None else None, debug=options.debug)
    staged = StagedOutput(output)
    memo_name = render_memo_name(output, options.drafts)
    try:
        # with `overlap`, the check and the cache's pack (the reports used are known since
        # compiling) are done in forked processes while the pages render
        prune = cache.prune_reports if overlap and cache is not None else None
        verify = (lambda: check(ForkedPool(options.job_count))) if check is not None else None
        memo = write_site(site, theme, renderer, staged, cache, memo_name, stats, progress, options.job_count,
                          verify=verify, overlap=overlap, aside=prune, render_jobs=render_jobs)
        written = staged.commit()
    except BaseException:
        staged.discard()
        raise
    stats.reports = len(site.reports)
    if cache is not None:
        store_memo(cache, memo_name, memo)
        slugs.save()
        related.save()
        if prune is None:
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
    return BuildResult(site, written, time.perf_counter() - started, warnings, output, stats)
