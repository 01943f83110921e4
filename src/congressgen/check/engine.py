"""The check engine: reads the site through the build's own stages (content, compile,
site model), runs every rule family over it, then applies the site's settings — severity
per rule from `check:` in congressgen.yaml and inline `check-ignore` markers."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path

from congressgen.compile import CHUNK, compile_report
from congressgen.cache import BuildCache, cache_key
from congressgen.check import (active, collisions, datafiles, formulations, freshness, frontmatter, gongkai,
                               gongwen, links, privacy, review, siteconfig, typography)
from congressgen.check.model import (SEVERITIES, BuildDocument, CheckContext, CheckSettings, Document, Finding,
                                     LocalFacts, Rule)
from congressgen.check.privacy import normalise_phone
from congressgen.check.text import ALL_RULES, ignore_markers, marker_rule_ids
from congressgen.config import CONFIG_FILE, SiteConfig, suggest
from congressgen.content import TZ, find_sources, read_report, read_source
from congressgen.errors import BuildFailed, ConfigError, CongressError, Diagnostic, Location
from congressgen.markdown import BodyRenderer
from congressgen.outputs import output_paths
from congressgen.render import load_theme, static_files
from congressgen.model.types import CompiledReport, Site
from congressgen import loading
from congressgen.model.attachments import locate_attachment

FAMILIES = (frontmatter, links, privacy, formulations, gongwen, typography, active, siteconfig, review,
            collisions, freshness, gongkai, datafiles)
META_RULES = (Rule("check-ignore-unknown", "warning", "check-ignore 标记中写了不存在的规则 id（标记不起作用）"),)
RULES: dict[str, Rule] = {r.id: r for r in META_RULES + tuple(r for f in FAMILIES for r in f.RULES)}
SETTINGS_KEYS = ("rules", "hotlines", "external_links")
# Bump when a rule's findings change for the same input (part of every cached facts key).
CHECK_VERSION = 2
_TEMPLATE_ID = re.compile(r"""\sid=["']([A-Za-z][\w-]*)["']""")


@dataclass
class CheckOutcome:
    findings: list[Finding]
    files: int                      # content files checked

    def count(self, severity: str) -> int:
        return sum(1 for f in self.findings if f.severity == severity)


# ---------------------------------------------------------------------------------------
# Settings


def load_settings(config: SiteConfig, external_links: bool = False) -> CheckSettings:
    """Validate the `check:` section; a mistake in it is a config error, reported where written."""
    raw = config.check or {}

    def where(*keys: str) -> Location:
        return Location(CONFIG_FILE, *config.position("check", *keys))

    for key in raw:
        if key not in SETTINGS_KEYS:
            raise ConfigError(where(str(key)), f"未知的检查配置项 “check.{key}”{suggest(str(key), SETTINGS_KEYS)}"
                                               "（可用：rules、hotlines、external_links）")
    rules = raw.get("rules") or {}
    if not isinstance(rules, dict):
        raise ConfigError(where("rules"), "check.rules 应写成 {规则id: off|info|warning|error}，如 {typography-halfwidth: off}")
    overrides: dict[str, str] = {}
    for rule, value in rules.items():
        rule = str(rule)
        if rule not in RULES:
            raise ConfigError(where("rules", rule), f"未知的检查规则 “{rule}”{suggest(rule, RULES)}"
                                                    "（全部规则：congressgen check --list-rules）")
        if value is False or value is None:
            value = "off"
        elif value is True:
            value = RULES[rule].severity if RULES[rule].severity != "off" else "warning"
        if value not in SEVERITIES:
            raise ConfigError(where("rules", rule), f"规则 “{rule}” 的级别应为 off、info、warning 或 error，而不是 {value!r}")
        overrides[rule] = value
    hotlines = raw.get("hotlines") or []
    if isinstance(hotlines, (str, int)):
        hotlines = [hotlines]
    if not isinstance(hotlines, list) or not all(isinstance(h, (str, int)) and not isinstance(h, bool) for h in hotlines):
        raise ConfigError(where("hotlines"), "check.hotlines 应为号码列表，如 [\"13800000000\"]（号码请加引号）")
    external = raw.get("external_links", False)
    if not isinstance(external, bool):
        raise ConfigError(where("external_links"), "check.external_links 应为 true 或 false")
    external = external or external_links
    severities = {rule_id: rule.severity for rule_id, rule in RULES.items()}
    if external:
        severities["link-external"] = "info"
    severities.update(overrides)
    return CheckSettings(severities, overrides, frozenset(normalise_phone(h) for h in hotlines), external)


# ---------------------------------------------------------------------------------------
# Reading the site the way the build does


def load_documents(config: SiteConfig) -> list[Document]:
    """Every content file, each with what the stages made of it; a file a stage rejects
    carries that refusal as a finding and is still checked as far as it can be read."""
    renderer = BodyRenderer()
    documents = []
    for path in find_sources(config.content_path):
        shown = path.relative_to(config.root).as_posix()
        rel = path.relative_to(config.content_path).parts
        doc = Document(shown, None)
        documents.append(doc)
        try:
            raw = read_report(path, shown, config.root)
            source, warnings = read_source(raw, shown)
        except CongressError as exc:
            doc.findings.append(frontmatter.from_error(exc, doc))
            continue
        doc.source = source
        doc.findings += frontmatter.encoding_findings(doc, warnings)
        try:
            doc.compiled = compile_report(raw, shown, rel[0] if len(rel) > 1 else "", config, renderer)
        except CongressError as exc:
            doc.findings.append(frontmatter.from_error(exc, doc))
            continue
        doc.fm = doc.compiled.fm
    return documents


def _page_data(config: SiteConfig):
    """The data sources pages are made from (so that links to those pages are known targets);
    traffic (counts only) is skipped, and a source whose files are bad is left out: the
    `datafiles` rules report its problems."""
    from congressgen.model.datasources import DATA_SOURCES, SiteData

    values = {}
    for source in DATA_SOURCES:
        if source.today:
            continue
        try:
            values[source.name] = source.load(config.root, config)
        except (BuildFailed, CongressError):
            continue
    return SiteData(values)


def site_model(config: SiteConfig, documents: list[Document]) -> tuple[Site | None, list[Finding]]:
    """The build's site model of every readable report, drafts included (so that links to
    drafts can be told apart from links to nothing). Reports with a duplicate id or URL are
    left out and their missing attachments dropped, so that one bad file does not hide the
    rest; those problems are findings of their own."""
    try:
        findings, excluded = frontmatter.duplicates(documents, config)
    except ValueError as exc:   # a permalink pattern with an unknown placeholder
        raise ConfigError(Location(CONFIG_FILE), str(exc)) from None
    items: list[CompiledReport] = []
    for doc in documents:
        if doc.compiled is None or doc.path in excluded:
            continue
        item = doc.compiled
        present = tuple(a for a in item.fm.attachments if locate_attachment(config.root, item.source, a.file)[0])
        if present != item.fm.attachments:
            item = replace(item, fm=replace(item.fm, attachments=present))
        items.append(item)
    for _ in range(3):
        try:
            return loading.site_model(items, config, drafts=True, data=_page_data(config), related=False), findings
        except BuildFailed as exc:
            rejected = {d.location.path for d in exc.diagnostics}
            findings += [Finding(d.location.path, max(d.location.line, 1), max(d.location.col, 1),
                                 "frontmatter-invalid", d.message) for d in exc.diagnostics if d.severity == "error"]
            items = [i for i in items if i.source not in rejected]
    return None, findings


def make_context(config: SiteConfig, settings: CheckSettings, documents: list[Document], site: Site | None,
                 sources, now: dt.datetime | None) -> CheckContext:
    ctx = CheckContext(config, settings, documents, site=site, now=now,
                       sources=frozenset(sources))
    theme = load_theme(config.root, config.theme, config.path)
    ids = set()
    for directory in theme.template_dirs:
        for template in directory.rglob("*.html"):
            ids.update(_TEMPLATE_ID.findall(template.read_text(encoding="utf-8", errors="replace")))
    ctx.theme_ids = frozenset(ids)
    if site is not None:
        ctx.by_source = {r.source: r for r in site.reports}
        ctx.by_path = {r.path: r for r in site.reports}
        paths = {p.path for p in site.pages}
        paths.update(f.path for r in site.reports for f in r.files)
        paths.update(f.path for f in static_files(theme, Path(config.root) / config.static_dir))
        paths.update(output_paths(site))
        ctx.output_paths = frozenset(paths)
        for doc in documents:
            doc.report = ctx.by_source.get(doc.path)
    if settings.enabled("formulation", "formulation-order"):
        ctx.formulations = formulations.load_dictionary(config)
    return ctx


# ---------------------------------------------------------------------------------------
# Running the rules and applying the settings


def _family_enabled(family, settings: CheckSettings) -> bool:
    return settings.enabled(*(r.id for r in family.RULES))


def doc_markers(doc: Document) -> tuple[dict[int, frozenset], list[Finding]]:
    """A document's check-ignore markers (file line -> rule ids) and its unknown rule ids."""
    marks: dict[int, frozenset] = {}
    unknown: list[Finding] = []
    if doc.source is None:
        return marks, unknown
    for segment in (doc.front, doc.body):
        for line, ids in ignore_markers(segment).items():
            marks[line] = marks.get(line, frozenset()) | ids
        for offset, rule_id in marker_rule_ids(segment):
            if rule_id not in RULES and rule_id != ALL_RULES:
                unknown.append(segment.finding(offset, "check-ignore-unknown",
                                               f"check-ignore 标记中的 “{rule_id}” 不是规则 id{suggest(rule_id, RULES)}"))
    return marks, unknown


def local_facts(doc: Document, ctx: CheckContext, families, attachments: list | None = None,
                expiry: bool = False) -> LocalFacts:
    """Run the document-local rules (each family's `check_document`) over one document."""
    findings: list[Finding] = []
    for family in families:
        check = getattr(family, "check_document", None)
        if check is not None:
            findings.extend(check(doc, ctx))
    markers, unknown = doc_markers(doc)
    expires = None
    if expiry and doc.source is not None and privacy in families:
        today = ctx.now.date() if ctx.now else dt.date.today()
        expires = privacy.next_change(privacy.scanned_segments(doc, ctx.config.root, attachments), today)
    return LocalFacts(tuple(findings), tuple(doc.links), markers, tuple(unknown), expires)


class FactsCache:
    """Each document's LocalFacts in the build cache, keyed on all they depend on: the
    document (its compiled-report key: source bytes, path, column, compile settings, renderer
    and package versions), its text attachments' bytes, the effective check settings and the
    formulations dictionary. One file per run mode; it keeps only the current documents."""

    def __init__(self, cache: BuildCache, name: str, ctx: CheckContext):
        self.cache, self.name = cache, name
        stored = cache.load(name)
        self.old: dict = stored if isinstance(stored, dict) else {}
        self.new: dict = {}
        self.changed = False
        settings = ctx.settings
        self.context_key = cache_key(
            "check", CHECK_VERSION, sorted(settings.severities.items()), sorted(settings.overrides.items()),
            sorted(settings.hotlines), settings.external_links, formulations.data_fingerprint(ctx.config))
        self.today = ctx.now.date() if ctx.now else dt.date.today()

    def key(self, doc: Document, attachments: list) -> str | None:
        report_key = self.cache.report_keys.get(doc.path)
        if report_key is None:
            return None
        if not attachments:          # most reports: both keys are hashes already, joined is enough
            return f"{self.context_key}:{report_key}"
        return cache_key(self.context_key, report_key, *(part for item in attachments for part in item))

    def get(self, doc: Document, key: str) -> LocalFacts | None:
        entry = self.old.get(doc.path)
        if not (isinstance(entry, tuple) and len(entry) == 2 and entry[0] == key and isinstance(entry[1], LocalFacts)):
            return None
        facts = entry[1]
        if facts.expires is not None and self.today >= facts.expires:
            return None
        self.new[doc.path] = entry
        return facts

    def put(self, doc: Document, key: str, facts: LocalFacts) -> None:
        self.new[doc.path] = (key, facts)
        self.changed = True

    def save(self) -> None:
        if self.changed or self.new.keys() != self.old.keys():
            self.cache.store(self.name, self.new)


def _facts_in_worker(config: SiteConfig, settings: CheckSettings, dictionary, now: dt.datetime | None,
                     family_names: tuple[str, ...], items: list[tuple]) -> list[LocalFacts]:
    """`local_facts` of (path, fm, compiled, attachments, expiry) items in a worker process.
    The document-local rules read only the config, the settings, the formulations dictionary
    and the time from the context (tests/test_parallel.py compares with a run in one process)."""
    families = [family for family in FAMILIES if family.__name__ in family_names]
    ctx = CheckContext(config, settings, [], now=now)
    ctx.formulations = dictionary
    return [local_facts(BuildDocument(path, _reader(config, path), fm=fm, compiled=compiled), ctx, families,
                        attachments, expiry) for path, fm, compiled, attachments, expiry in items]


def _facts_from_workers(ctx: CheckContext, families, wanted: list[tuple], workers) -> list[LocalFacts]:
    work = partial(_facts_in_worker, ctx.config, ctx.settings, ctx.formulations, ctx.now,
                   tuple(family.__name__ for family in families))
    items = [(doc.path, doc.fm, doc.compiled, attachments, expiry) for doc, attachments, expiry in wanted]
    chunks = [items[i:i + CHUNK] for i in range(0, len(items), CHUNK)]
    return [facts for part in workers.pool.map(work, chunks) for facts in part]


def run_rules(ctx: CheckContext, in_build: bool = False, facts_cache: FactsCache | None = None,
              workers=None) -> list[Finding]:
    """Every enabled rule. The document-local ones (`check_document`) come from the cache when
    the document and everything else they read are unchanged, else from `workers` (a
    `compile.Workers`) when given and worth it, else from this process; the per-document
    site-level ones (`check_document_in_site`: links, future dates, review) and the site ones
    always run here. Sets each document's `markers`."""
    findings: list[Finding] = []
    families = [f for f in FAMILIES if _family_enabled(f, ctx.settings)
                and not (in_build and not getattr(f, "IN_BUILD", True))]
    unknown_markers: list[Finding] = []
    looked_up = []
    for doc in ctx.documents:
        facts = key = attachments = None
        if facts_cache is not None and doc.readable:
            attachments = privacy.text_attachments(doc, ctx.config.root)
            key = facts_cache.key(doc, attachments)
            facts = facts_cache.get(doc, key) if key is not None else None
            if facts is not None:
                doc.__dict__["links"] = list(facts.links)   # as extracted from these same bytes
        looked_up.append((doc, facts, key, attachments))
    computed: dict[int, LocalFacts] = {}
    wanted = [(index, doc, attachments, key is not None)
              for index, (doc, facts, key, attachments) in enumerate(looked_up)
              if facts is None and isinstance(doc, BuildDocument)]
    if workers is not None and workers.wanted(len(wanted)):
        made = _facts_from_workers(ctx, families, [(doc, a, e) for _, doc, a, e in wanted], workers)
        for (index, doc, _, _), facts in zip(wanted, made):
            doc.__dict__["links"] = list(facts.links)       # as the worker extracted them
            computed[index] = facts
    in_site = [check for check in (getattr(f, "check_document_in_site", None) for f in families) if check is not None]
    for index, (doc, facts, key, attachments) in enumerate(looked_up):
        findings += doc.findings
        if facts is None:
            facts = computed.get(index)
            if facts is None:
                facts = local_facts(doc, ctx, families, attachments, expiry=key is not None)
            if key is not None:
                facts_cache.put(doc, key, facts)
        findings.extend(facts.findings)
        doc.markers = facts.markers
        unknown_markers.extend(facts.marker_findings)
        for check in in_site:
            findings.extend(check(doc, ctx))
    for family in families:
        check = getattr(family, "check_site", None)
        if check is not None:
            findings.extend(check(ctx))
    if facts_cache is not None:
        facts_cache.save()
    return findings + unknown_markers


def finalize(ctx: CheckContext, findings: list[Finding]) -> list[Finding]:
    """Drop what a check-ignore marker silences or the config turns off; set severities."""
    markers = {doc.path: doc.markers for doc in ctx.documents}
    result, seen = [], set()
    for finding in findings:
        silenced = markers.get(finding.path, {}).get(finding.line)
        if silenced and (ALL_RULES in silenced or finding.rule in silenced):
            continue
        severity = ctx.settings.effective(finding)
        key = (finding.path, finding.line, finding.col, finding.rule, finding.message)
        if severity == "off" or key in seen:
            continue
        seen.add(key)
        result.append(replace(finding, severity=severity))
    result.sort(key=lambda f: (f.path != CONFIG_FILE, f.path, f.line, f.col, f.rule))
    return result


def run_check(config: SiteConfig, *, external_links: bool = False, now: dt.datetime | None = None) -> CheckOutcome:
    """`congressgen check`: every rule over every content file (drafts included) and the config."""
    settings = load_settings(config, external_links)
    documents = load_documents(config)
    site, findings = site_model(config, documents)
    sources = {d.path for d in documents}
    ctx = make_context(config, settings, documents, site, sources, now or dt.datetime.now(TZ))
    ctx.now_given = now is not None
    return CheckOutcome(finalize(ctx, findings + run_rules(ctx)), len(documents))


def _reader(config: SiteConfig, shown: str):
    return lambda: read_source((Path(config.root) / shown).read_bytes(), shown)[0]


def errors_for_build(config: SiteConfig, compiled: list[CompiledReport], site: Site,
                     now: dt.datetime | None = None, cache: BuildCache | None = None,
                     workers=None) -> list[Diagnostic]:
    """The error-level findings on what a build is about to publish (the reports in `site`
    and the config), as diagnostics: `build` refuses to write the site when there are any.
    With `workers` (the build's `compile.Workers`), the document-local rules of the reports
    the check cache does not hold run in its worker processes."""
    errors_only = _errors_only(load_settings(config))
    documents = [BuildDocument(made.source, _reader(config, made.source), fm=made.fm,
                               compiled=made, report=report)
                 for report, made in ((r, r.compiled) for r in site.reports)]
    ctx = make_context(config, errors_only, documents, site, {c.source for c in compiled},
                       now or dt.datetime.now(TZ))
    facts_cache = FactsCache(cache, "check-build.pickle", ctx) if cache is not None else None
    findings = finalize(ctx, run_rules(ctx, in_build=True, facts_cache=facts_cache, workers=workers))
    return [f.diagnostic() for f in findings if f.severity == "error"]


def _errors_only(settings: CheckSettings) -> CheckSettings:
    """The settings with every rule below error level turned off (what a build refuses)."""
    return CheckSettings({k: v if v == "error" else "off" for k, v in settings.severities.items()},
                         {k: v for k, v in settings.overrides.items() if v == "error"},
                         settings.hotlines, settings.external_links)


def document_errors(config: SiteConfig, compiled: CompiledReport, now: dt.datetime | None = None) -> list[Diagnostic]:
    """The error-level findings of the document-local rules (`check_document`) on one
    compiled report, with its check-ignore markers and the site's settings applied: the
    rules that can change when only this report's text changed. `serve` runs them before it
    shows a saved report's page early; `errors_for_build` over the whole site still follows."""
    settings = _errors_only(load_settings(config))
    doc = BuildDocument(compiled.source, _reader(config, compiled.source), fm=compiled.fm, compiled=compiled)
    ctx = CheckContext(config, settings, [doc], now=now or dt.datetime.now(TZ))
    if settings.enabled("formulation", "formulation-order"):
        ctx.formulations = formulations.load_dictionary(config)
    families = [f for f in FAMILIES if _family_enabled(f, settings) and getattr(f, "IN_BUILD", True)]
    facts = local_facts(doc, ctx, families, privacy.text_attachments(doc, config.root))
    doc.markers = facts.markers
    findings = finalize(ctx, list(doc.findings) + list(facts.findings) + list(facts.marker_findings))
    return [f.diagnostic() for f in findings if f.severity == "error"]
