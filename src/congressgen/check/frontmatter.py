"""Front matter: files the build would reject, dates, likely typos of known keys,
publish dates in the future, and ids or URLs used twice."""

from __future__ import annotations

import re

from congressgen.check.model import Document, Finding, Rule
from congressgen.config import suggest
from congressgen.content import KNOWN_KEYS
from congressgen.errors import CongressError, ContentError
from congressgen.model.urls import derive_id, report_site_path
from congressgen.validity import EXPIRY_WARNING_DAYS, expires_soon

RULES = (
    Rule("frontmatter-invalid", "error", "文件无法读取，或前置信息缺少必填项、格式或类型不对（build 会拒绝）"),
    Rule("frontmatter-date", "error", "date / written_date 不是存在的日期或格式不对"),
    Rule("frontmatter-unknown-key", "warning", "疑似拼错的前置信息键（给出“是不是”建议）"),
    Rule("frontmatter-future-date", "warning", "发布日期在未来（页面会显示一个尚未到来的发布时间）"),
    Rule("frontmatter-duplicate-id", "error", "两篇报告的 id 相同"),
    Rule("frontmatter-duplicate-url", "error", "两篇报告生成同一网址"),
    Rule("file-encoding", "warning", "文件不是 UTF-8 编码（按 GB18030 读取）"),
    Rule("validity-expiring", "warning", "文件将在 30 天内失效（validity.expires），请确认是否续期或标明替代文件"),
)

_DATE_KEYS = ("date", "written_date")
_KEY_ON_LINE = re.compile(r"^([A-Za-z_][\w-]*)\s*:")


def from_error(exc: CongressError, doc: Document) -> Finding:
    """A stage's refusal of a file as a finding; errors about the date written on a date
    key's line are date findings (a missing title is also reported on line 2)."""
    loc = exc.location
    rule = "frontmatter-invalid"
    if doc.source is not None and loc.line >= 2:
        lines = doc.source.front_text.split("\n")
        index = loc.line - 2
        if index < len(lines):
            m = _KEY_ON_LINE.match(lines[index])
            if m and m.group(1) in _DATE_KEYS and ("date" in exc.message or "日期" in exc.message):
                rule = "frontmatter-date"
    return Finding(doc.path, max(loc.line, 1), max(loc.col, 1), rule, exc.message)


def encoding_findings(doc: Document, warnings) -> list[Finding]:
    return [Finding(doc.path, max(w.location.line, 1), max(w.location.col, 1), "file-encoding", w.message)
            for w in warnings]


def check_document(doc: Document, ctx):
    if not ctx.settings.enabled("frontmatter-unknown-key"):
        return      # (the build's check runs errors only): spares reading the front matter's positions
    mapping = doc.front_mapping
    if mapping is not None:
        for key in mapping.data:
            if key not in KNOWN_KEYS:
                hint = suggest(key, KNOWN_KEYS)
                if hint:
                    yield doc.at_key(key, "frontmatter-unknown-key", f"未知的前置信息键 “{key}”{hint}")


def check_document_in_site(doc: Document, ctx):
    """Depends on the time of the run, so not cached with the document's local findings."""
    fm = doc.fm
    validity = fm.validity_dates if fm is not None else None
    if validity is not None and ctx.now is not None and expires_soon(validity, ctx.now.date()):
        mapping = doc.front_mapping
        line, col = mapping.position("validity", "expires") or (1, 1) if mapping is not None else (1, 1)
        yield Finding(doc.path, line, col, "validity-expiring",
                      f"本文件有效期至 {validity.expires}，距 {ctx.now.date()} 不到 {EXPIRY_WARNING_DAYS} 天；"
                      "请确认是否续期，或在新文件发布后写 replaced_by")
    if fm is not None and not fm.draft and ctx.now is not None and fm.date > ctx.now:
        mapping = doc.front_mapping
        written = str(mapping.data.get("date")) if mapping is not None else ""
        line, col = doc.value_position("date", written)
        yield Finding(doc.path, line, col, "frontmatter-future-date",
                      f"发布日期 {fm.date:%Y-%m-%d %H:%M} 在未来；发布时间必须真实，"
                      "请改为实际发布日期，或先设 draft: true")


def duplicates(documents: list[Document], config) -> tuple[list[Finding], set[str]]:
    """Ids and URLs used twice, found the way build_site derives them; also which files
    to leave out of the site model so that it can still be built."""
    findings: list[Finding] = []
    excluded: set[str] = set()
    by_id: dict[str, str] = {}
    by_path: dict[str, str] = {}
    for doc in documents:
        if doc.compiled is None:
            continue
        ident = derive_id(doc.compiled)
        try:
            path = report_site_path(doc.compiled, config)
        except ContentError as exc:
            findings.append(from_error(exc, doc))
            excluded.add(doc.path)
            continue
        explicit = "id" in doc.compiled.fm.meta
        hint = "" if explicit else "（id 由文件名生成；请在前置信息中写 id: 指定不同的 id）"
        if ident in by_id:
            line, col = doc.value_position("id", ident) if explicit else (1, 1)
            findings.append(Finding(doc.path, line, col, "frontmatter-duplicate-id",
                                    f"id “{ident}” 与 {by_id[ident]} 重复{hint}"))
            excluded.add(doc.path)
            continue
        if path in by_path:
            line, col = doc.value_position("id", ident) if explicit else (1, 1)
            findings.append(Finding(doc.path, line, col, "frontmatter-duplicate-url",
                                    f"网址 {path} 与 {by_path[path]} 相同；请修改 id 或日期"))
            excluded.add(doc.path)
            continue
        by_id[ident], by_path[path] = doc.path, doc.path
    return findings, excluded
