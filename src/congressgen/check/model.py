"""What the checker works with: rules, findings, the documents it reads and the shared
context of one run. Pure data; the rule families compute findings from it."""

from __future__ import annotations

import datetime as dt
import re
from bisect import bisect_right
from dataclasses import dataclass, field
from functools import cached_property

from congressgen.config import SiteConfig
from congressgen.content import FrontMatter, SourceText
from congressgen.errors import Diagnostic, Location, format_problem
from congressgen.model.types import CompiledReport, Report, Site
from congressgen.yamlsrc import YamlMapping, load_mapping

# Ascending order; "off" drops a rule, "info" is listed but never fails a run.
SEVERITIES = ("off", "info", "warning", "error")


@dataclass(frozen=True)
class Rule:
    id: str            # stable: used in config, inline markers, JSON output and docs
    severity: str      # default severity
    title: str         # what it catches, one line, for `congressgen check --list-rules`


@dataclass(frozen=True)
class Finding:
    path: str          # site-root-relative, '/'-separated
    line: int          # 1-based line of the original file
    col: int           # 1-based character (not byte) column
    rule: str
    message: str
    severity: str = ""  # filled from the rule and the site's config by the engine

    def __str__(self) -> str:
        return format_problem(Location(self.path, self.line, self.col), self.severity, self.message, self.rule)

    def as_dict(self) -> dict:
        return {"path": self.path, "line": self.line, "col": self.col, "severity": self.severity,
                "rule": self.rule, "message": self.message}

    def diagnostic(self) -> Diagnostic:
        return Diagnostic(Location(self.path, self.line, self.col), f"{self.rule}: {self.message}",
                          "error" if self.severity == "error" else "warning")


class Segment:
    """A piece of a file's text (front matter, body, a text attachment) that knows the file
    line it starts on, so that an offset in it maps back to line:col of the original file."""

    def __init__(self, path: str, text: str, first_line: int, kind: str):
        self.path = path
        self.text = text
        self.first_line = first_line
        self.kind = kind          # "front", "body" or "file"

    @cached_property
    def line_starts(self) -> list[int]:
        return [0] + [m.end() for m in re.finditer("\n", self.text)]

    def position(self, offset: int) -> tuple[int, int]:
        index = bisect_right(self.line_starts, offset) - 1
        return self.first_line + index, offset - self.line_starts[index] + 1

    def finding(self, offset: int, rule: str, message: str, severity: str = "") -> Finding:
        line, col = self.position(offset)
        return Finding(self.path, line, col, rule, message, severity)

    @cached_property
    def lines(self) -> list[str]:
        return self.text.split("\n")

    @cached_property
    def code_masked(self) -> str:
        from congressgen.check.text import mask_yaml_comments
        from congressgen.mdmask import mask_code

        return mask_yaml_comments(self.text) if self.kind == "front" else mask_code(self.text)

    @cached_property
    def prose(self):
        """Text a reader sees, markup blanked and CJK line breaks joined (see text.Prose)."""
        from congressgen.check.text import prose_of

        return prose_of(self)


@dataclass
class Document:
    """One content file and what the stages made of it (None where a stage rejected it)."""

    path: str
    source: SourceText | None
    front_doc: YamlMapping | None = None
    fm: FrontMatter | None = None
    compiled: CompiledReport | None = None
    report: Report | None = None
    findings: list[Finding] = field(default_factory=list)   # from reading it
    markers: dict = field(default_factory=dict)   # file line -> check-ignore rule ids (set by the engine)

    @cached_property
    def front_mapping(self) -> YamlMapping | None:
        if self.front_doc is not None or self.source is None:
            return self.front_doc
        try:
            return load_mapping(self.source.front_text, self.path, line_offset=1, what="前置信息")
        except Exception:  # already reported while loading
            return None

    @cached_property
    def body(self) -> Segment | None:
        return None if self.source is None else Segment(self.path, self.source.body, self.source.body_line, "body")

    @property
    def readable(self) -> bool:
        """Whether the file could be read (decoded and split) at all."""
        return self.source is not None

    @cached_property
    def links(self) -> list:
        """Every link and image of the body (text.Link), in source order."""
        from congressgen.check.text import markdown_links

        return [] if self.source is None else markdown_links(self.body)

    @cached_property
    def front(self) -> Segment | None:
        # The front matter starts on file line 2, after the opening ---.
        return None if self.source is None else Segment(self.path, self.source.front_text, 2, "front")

    def key_position(self, key: str) -> tuple[int, int]:
        mapping = self.front_mapping
        if mapping is not None and key in mapping.key_positions:
            return mapping.key_positions[key]
        return 1, 1

    def value_position(self, key: str, value: str, index: int = 0) -> tuple[int, int]:
        """Line:col of character `index` of `value` as written after `key:` (else of the key)."""
        line, col = self.key_position(key)
        if self.front is None or not 2 <= line < len(self.front.lines) + 2 or not value:
            return line, col
        found = self.front.lines[line - 2].find(value, col - 1 + len(key))
        return (line, found + index + 1) if found >= 0 else (line, col)

    def item_position(self, key: str, item: str) -> tuple[int, int]:
        """Line:col of a list item (e.g. one of `sections:`) written under `key:`."""
        line, col = self.key_position(key)
        if self.front is None or line < 2:
            return line, col
        lines = self.front.lines
        for index in range(line - 2, len(lines)):
            if index > line - 2 and lines[index][:1] not in (" ", "-", "\t", ""):
                break   # the next top-level key
            found = lines[index].find(item, col if index == line - 2 else 0)
            if found >= 0:
                return index + 2, found + 1
        return line, col

    def at_key(self, key: str, rule: str, message: str, severity: str = "") -> Finding:
        line, col = self.key_position(key)
        return Finding(self.path, line, col, rule, message, severity)


_UNREAD = object()


class BuildDocument(Document):
    """A report the build has compiled (so it is readable), whose text is read from disk only
    when a rule asks for it: on a cache miss, or to place a finding in its front matter. A
    build whose documents all hit the check cache reads no source file a second time."""

    def __init__(self, path: str, read, **fields):
        self._read = read
        super().__init__(path, None, **fields)

    @property
    def source(self) -> SourceText:
        if self._source is _UNREAD:
            self._source = self._read()
        return self._source

    @source.setter
    def source(self, value) -> None:
        self._source = _UNREAD if value is None else value

    @property
    def readable(self) -> bool:
        return True


@dataclass(frozen=True)
class LocalFacts:
    """What a document yields on its own: the findings of the document-local rules (which
    depend only on its bytes, its text attachments, the check settings and the formulations
    dictionary), its links and its check-ignore markers. Cached by the engine per document."""

    findings: tuple            # Finding, before settings and markers are applied
    links: tuple               # text.Link of the body
    markers: dict              # file line -> rule ids silenced there
    marker_findings: tuple     # check-ignore-unknown findings
    expires: object = None     # dt.date from which a finding may differ (an ID's birth date), or None


@dataclass
class CheckSettings:
    """The `check:` section of congressgen.yaml, validated."""

    severities: dict                   # rule id -> severity in force
    overrides: dict = field(default_factory=dict)   # rule id -> severity the site set explicitly
    hotlines: frozenset = frozenset()  # digits-only numbers that are not personal information
    external_links: bool = False

    def severity(self, rule: str) -> str:
        return self.severities.get(rule, "off")

    def enabled(self, *rules: str) -> bool:
        return any(self.severities.get(r, "off") != "off" for r in rules)

    def effective(self, finding: "Finding") -> str:
        """A site's explicit setting wins; else the finding's own (a dictionary entry may
        say warning), else the rule's default."""
        if finding.rule in self.overrides:
            return self.overrides[finding.rule]
        default = self.severity(finding.rule)
        return "off" if default == "off" else (finding.severity or default)


@dataclass
class CheckContext:
    """Everything shared by the rules of one run."""

    config: SiteConfig
    settings: CheckSettings
    documents: list[Document]
    site: Site | None = None
    by_source: dict = field(default_factory=dict)     # source path -> Report in the site model
    by_path: dict = field(default_factory=dict)       # site path -> Report
    output_paths: frozenset = frozenset()             # every file the build writes
    sources: frozenset = frozenset()                  # every content .md, drafts included
    theme_ids: frozenset = frozenset()                # element ids the article template adds
    now: dt.datetime | None = None
    formulations: object = None                       # formulations.Dictionary, loaded once
    config_text: str = ""                             # congressgen.yaml as written, for positions
    _anchors: dict = field(default_factory=dict)

    def anchors(self, compiled: CompiledReport) -> frozenset:
        """Ids a link's #fragment may name on a report page: body ids, outline anchors, theme ids."""
        cached = self._anchors.get(compiled.source)
        if cached is None:
            ids = set(re.findall(r'\sid="([^"]+)"', compiled.body_html))
            ids.update(e.anchor for e in compiled.outline.entries)
            cached = self._anchors[compiled.source] = frozenset(ids) | self.theme_ids
        return cached
