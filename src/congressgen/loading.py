"""One way to load a site: config → compiled reports → the model (`Site`) with its data
sources, plus the diagnostics found on the way.

`build`, `check`, `publish`, `stats` and the commands all get the model from here, so a new
model input (a data source, an option) is threaded through once and reaches every one of
them. Nothing here writes output; the orchestrator (`build.py`) adds rendering and writing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from congressgen.cache import BuildCache
from congressgen.compile import Progress, Workers, compile_all
from congressgen.config import SiteConfig, load_config
from congressgen.content import TZ
from congressgen.errors import Diagnostic, Location
from congressgen.model.assemble import build_site
from congressgen.model.datasources import SiteData, load_data
from congressgen.model.related import RelatedMemo
from congressgen.model.types import CompiledReport, Site
from congressgen.urls import slugify

Gate = Callable[[list[CompiledReport]], list[Diagnostic]]


@dataclass
class LoadedSite:
    config: SiteConfig
    compiled: list[CompiledReport]     # every report file (drafts included), compiled
    site: Site
    diagnostics: list[Diagnostic] = field(default_factory=list)   # warnings of config, content, gate


def load_site_config(root: Path, base_url: str | None = None) -> tuple[SiteConfig, list[Diagnostic]]:
    """The site's config (with `base_url` replaced when given) and its warnings."""
    config, warnings = load_config(root)
    if base_url:
        config = config.with_base_url(base_url)
    return config, warnings


def footer_warnings(config: SiteConfig) -> list[Diagnostic]:
    return [Diagnostic(Location(config.path), f"页脚缺少“{label}”（footer 配置）；政府网站检查会扣分", "warning")
            for _, label in config.footer.missing()]


def site_model(compiled: list[CompiledReport], config: SiteConfig, *, drafts: bool = False,
               now: dt.date | None = None, data: SiteData | bool = True, related: bool | RelatedMemo = True,
               slug=slugify) -> Site:
    """The model of these compiled reports. `data=True` loads every data source
    (`model.datasources.DATA_SOURCES`) as of `now`; `False` gives none (an empty traffic);
    a `SiteData` is used as it is. `related`: False skips the related lists; a `RelatedMemo`
    keeps them in the build cache."""
    if data is True:
        data = load_data(config.root, config, now or dt.datetime.now(TZ).date())
    elif data is False:
        data = SiteData.empty()
    return build_site(compiled, config, include_drafts=drafts, data=data, related=related, slug=slug, today=now)


def load_site(root: Path | SiteConfig, *, base_url: str | None = None, drafts: bool = False,
              now: dt.date | None = None, data: SiteData | bool = True, related: bool | RelatedMemo = True,
              cache: BuildCache | None = None, workers: Workers | None = None, stats=None,
              progress: Progress | None = None, gate: Gate | None = None, slug=slugify) -> LoadedSite:
    """Load the site at `root` (or with this loaded config): compile every report (through
    `cache` and `workers` when given), run `gate` on the compiled reports (its diagnostics are
    kept; it raises to refuse), then assemble the model. Raises BuildFailed / ConfigError."""
    if isinstance(root, SiteConfig):
        config, diagnostics = root, []
    else:
        config, diagnostics = load_site_config(root, base_url)
    compiled, warnings = compile_all(config, progress, cache=cache, workers=workers, stats=stats)
    diagnostics += warnings
    if gate is not None:
        diagnostics += gate(compiled)
    site = site_model(compiled, config, drafts=drafts, now=now, data=data, related=related, slug=slug)
    return LoadedSite(config, compiled, site, diagnostics)
