"""The build: config → content → markdown → site → render → output.

`compile_report` is the per-report unit (a pure function of the source bytes and the
config), so it can be cached and run in parallel; `build` wires the stages together and
is what `congressgen build` and `congressgen serve` call.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from congressgen.config import SiteConfig, load_config
from congressgen.content import TZ, find_sources, parse_source, read_source
from congressgen.errors import BuildFailed, CongressError, Diagnostic, Location
from congressgen.markdown import BodyRenderer, summarise
from congressgen.output import StagedOutput, WriteReport, check_output_folder
from congressgen.qr import qr_svg
from congressgen import review
from congressgen.review import fingerprint
from congressgen.render import Renderer, load_theme, static_files
from congressgen.search import index_files as search_index_files
from congressgen.site import CompiledReport, Site, Traffic, build_site

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class BuildOptions:
    source: Path
    output: Path | None = None
    drafts: bool = False
    base_url: str | None = None
    allow_unreviewed: bool = False    # build reports that lack a review stage (logged)
    now: dt.date | None = None       # the day counts are "as of" (last 30 days end here)
    check: bool = True          # run the error-level rules of `congressgen check` first

    @property
    def output_dir(self) -> Path:
        return self.output or self.source / "build"

    @property
    def today(self) -> dt.date:
        return self.now or dt.datetime.now(TZ).date()


@dataclass
class BuildResult:
    site: Site
    written: WriteReport
    seconds: float
    warnings: list[Diagnostic] = field(default_factory=list)
    output: Path | None = None


def load_site_config(options: BuildOptions) -> tuple[SiteConfig, list[Diagnostic]]:
    config, warnings = load_config(options.source)
    if options.base_url:
        config = config.with_base_url(options.base_url)
    return config, warnings


def compile_report(raw: bytes, source: str, column: str, config: SiteConfig,
                   renderer: BodyRenderer) -> CompiledReport:
    """One report file → front matter, body HTML, outline and summary. Raises on bad input."""
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
        fingerprint=fingerprint(fm.meta, text.body),
    )


def compile_all(config: SiteConfig, progress: Progress | None = None) -> tuple[list[CompiledReport], list[Diagnostic]]:
    """Compile every report; collects every bad file's error before failing."""
    root = config.root
    sources = find_sources(config.content_path)
    renderer = BodyRenderer()
    compiled, errors, warnings = [], [], []
    for index, path in enumerate(sources):
        shown = path.relative_to(root).as_posix()
        rel = path.relative_to(config.content_path).parts
        try:
            item = compile_report(path.read_bytes(), shown, rel[0] if len(rel) > 1 else "", config, renderer)
        except CongressError as exc:
            errors.extend(exc.diagnostics)
            continue
        compiled.append(item)
        warnings.extend(item.warnings)
        if progress:
            progress("读取", index + 1, len(sources))
    if errors:
        raise BuildFailed(errors + warnings)
    return compiled, warnings


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


def build(options: BuildOptions, progress: Progress | None = None) -> BuildResult:
    started = time.perf_counter()
    config, warnings = load_site_config(options)
    output = options.output_dir
    check_output_folder(output, config.root)
    theme = load_theme(config.root, config.theme, config.path)
    compiled, content_warnings = compile_all(config, progress)
    warnings += content_warnings
    warnings += review_gate(config, compiled, options)
    for _, label in config.footer.missing():
        warnings.append(Diagnostic(Location(config.path), f"页脚缺少“{label}”（footer 配置）；政府网站检查会扣分", "warning"))
    site = build_site(compiled, config, include_drafts=options.drafts, traffic=load_traffic(config, options.today),
                      qr=lambda url: qr_svg(url, "本文网址二维码：微信扫一扫在手机阅读、分享本文"))
    if options.check:
        from congressgen.check import errors_for_build

        problems = errors_for_build(config, compiled, site)
        if problems:  # refuse before writing anything: the published output stays as it was
            raise BuildFailed(problems + warnings)
    renderer = Renderer(theme)
    staged = StagedOutput(output)
    try:
        total = len(site.pages)
        for index, page in enumerate(site.pages):
            staged.write(page.path, renderer.render(site, page))
            if progress:
                progress("生成", index + 1, total)
        for path, data in search_index_files(site):   # [] when `search: false`
            staged.write(path, data)
        for report in site.reports:
            for item in report.files:
                staged.copy(item)
        for item in static_files(theme, config.root / config.static_dir):
            staged.copy(item)
        written = staged.commit()
    except BaseException:
        staged.discard()
        raise
    return BuildResult(site, written, time.perf_counter() - started, warnings, output)


