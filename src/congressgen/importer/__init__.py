"""Import stage: a Word (.docx), plain-text (.txt) or Markdown file → `content/COLUMN/ID.md`.

Clerks receive reports as Word/WPS files or as plain text (often GB18030 from Windows);
retyping is where errors creep in, so an import keeps every paragraph and every character
in order and only adds Markdown syntax around them.

- `.docx` is read with mammoth (Word and WPS output; `.doc`/`.wps` must be saved as .docx
  first). mammoth's HTML is a small fixed set of elements, turned into our Markdown dialect
  here: literal single `*` (so no escaping clutter for redacted names), italic as `<em>`
  (our renderer treats single `*` as literal), footnotes as `[^n]`, tables as pipe tables,
  images written into the bundle folder, and the GB/T 9704 outline left for the build's
  `outline` stage to recognise (bold run-in headings become headings).
- `.txt` is decoded by `content.decode` (UTF-8, BOM, GB18030, CRLF) and escaped as plain text;
  `.md` is kept as written.
- Front matter is guessed from the opening lines (title, the "——2024年4月26日在……会议上"
  line, the speaker line). An import is always `draft: true`: imported text has not been
  reviewed, so it is never published by accident.
- Nothing is written until the whole result has been composed and parsed back by the
  `content` and `markdown` stages; nothing is overwritten without `force`.

Sub-stages, one module each: `docx`, `plaintext`, `mdsource` (readers) → `convert` (mammoth
HTML → blocks) → `guess` (front matter) → `compose` (id, text, bundle; parsed back) → `write`.
This module plans one import from them and is all the CLI uses.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from congressgen.config import SiteConfig, load_config
from congressgen.content import ID_PATTERN, TZ
from congressgen.errors import ContentError, CongressError, Diagnostic, Location
from congressgen.importer.compose import (carry_attachments, check_composed, choose_id, compose, previous_import,
                                          relative_links, used_ids)
from congressgen.importer.docx import read_docx
from congressgen.importer.escape import escape_line_start, escape_text, split_run_in
from congressgen.importer.guess import guess_front_matter, parse_dateline
from congressgen.importer.mdsource import read_markdown
from congressgen.importer.plaintext import read_text, text_paragraphs
from congressgen.importer.types import ImportOptions, ImportResult
from congressgen.importer.write import conflicts, write_import

__all__ = ["ImportOptions", "ImportResult", "conflicts", "escape_line_start", "escape_text", "import_files",
           "load_site", "parse_dateline", "plan_import", "split_run_in", "text_paragraphs", "write_import"]

DOCX = (".docx",)
TEXT = (".txt", ".text")
MARKDOWN = (".md", ".markdown")
SUPPORTED = DOCX + TEXT + MARKDOWN
_OLD_FORMATS = {".doc": "Word 97-2003 文档", ".wps": "WPS 文字文档", ".wpt": "WPS 模板", ".rtf": "RTF 文档",
                ".odt": "OpenDocument 文档", ".docm": "启用宏的 Word 文档", ".dot": "Word 模板", ".dotx": "Word 模板"}
_OLE_SIGNATURE = bytes.fromhex("d0cf11e0a1b11ae1")   # encrypted .docx and old .doc are OLE compound files
_ZIP_SIGNATURE = b"PK\x03\x04"
COLUMN_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


def plan_import(original: Path, options: ImportOptions, config: SiteConfig, used: set[str],
                today: dt.date | None = None) -> ImportResult:
    """Read one file and compose its report; writes nothing."""
    shown = original.as_posix()
    suffix = original.suffix.lower()
    if suffix in _OLD_FORMATS and suffix not in SUPPORTED:
        raise ContentError(Location(shown), f"不能直接导入{_OLD_FORMATS[suffix]}（{suffix}）：请在 Word/WPS 中"
                                            "“另存为” .docx，或另存为 .txt 纯文本后再导入")
    if suffix not in SUPPORTED:
        raise ContentError(Location(shown), f"不支持的文件类型 “{suffix or '无扩展名'}”：可导入 .docx、.txt、.md")
    try:
        raw = original.read_bytes()
    except OSError as exc:
        raise ContentError(Location(shown), f"无法读取文件：{exc.strerror or exc}") from None
    if not raw.strip():
        raise ContentError(Location(shown), "文件是空的，没有可导入的内容")
    warnings: list[Diagnostic] = []
    todo: list[str] = []
    encoding = "docx"
    if suffix in DOCX:
        read = read_docx(raw, shown)
    elif suffix in TEXT:
        read, encoding = read_text(raw, shown)
    else:
        read, encoding = read_markdown(raw, shown)
    if encoding == "gb18030":
        warnings.append(Diagnostic(Location(shown), "原文是 GBK/GB18030 编码，已转换为 UTF-8 保存", "warning"))
    warnings.extend(read.warnings)
    if not any(b.text.strip() for b in read.blocks):
        raise ContentError(Location(shown), "文件中没有文字内容，未导入")

    today = today or dt.datetime.now(TZ).date()
    guess, guess_todo = guess_front_matter(read, original, options, today)
    column_dir = config.content_path / options.column
    ident = options.ident or previous_import(column_dir, original, raw) \
        or choose_id(options, original, guess.date, column_dir, used)
    markdown_path = column_dir / f"{ident}.md"
    bundle = column_dir / ident
    carried, carried_files = carry_attachments(read.front, original, ident, bundle)
    attachments = carried + [{"file": f"{ident}/{original.name}", "title": f"{guess.title}（原文）"}]
    text = compose(read, guess, ident, attachments)
    shown_md = markdown_path.relative_to(config.root).as_posix() if markdown_path.is_relative_to(config.root) \
        else markdown_path.as_posix()
    try:
        outline = check_composed(text, shown_md, config)
    except CongressError as exc:
        raise ContentError(Location(shown), f"导入结果无法通过检查（{exc.message}），未写入任何文件；请报告此问题") from None
    files = [(bundle / original.name, raw)] + [(bundle / image.name, image.data) for image in read.images] \
        + carried_files
    if suffix in MARKDOWN:
        todo += [f"正文中的相对链接“{link}”指向原文件旁的文件，未随导入复制：请把该文件放入 {ident}/ 并修改链接"
                 for link in relative_links(text)]
    if not outline.entries:
        todo.append("没有识别出“一、”“（一）”等提纲编号：如报告有章节，请检查标题是否以“一、”开头")
    todo = guess_todo + list(read.todo) + todo
    return ImportResult(original, markdown_path, ident, text, files, guess, outline, dict(read.counts),
                        warnings, todo)


def load_site(options: ImportOptions) -> tuple[SiteConfig, list[Diagnostic]]:
    if not COLUMN_PATTERN.match(options.column):
        raise ContentError(Location("--column"), f"栏目目录名只能用小写字母、数字、- 和 _，而不是 “{options.column}”")
    if options.ident and not ID_PATTERN.match(options.ident):
        raise ContentError(Location("--id"), f"id 只能用小写字母、数字、- 和 _（不超过 80 个字符），而不是 “{options.ident}”")
    return load_config(options.source)


def import_files(files: list[Path], options: ImportOptions, config: SiteConfig,
                 today: dt.date | None = None):
    """Yield (file, ImportResult | CongressError) for each file; a bad file never stops the others."""
    used = used_ids(config.content_path)
    for original in files:
        try:
            result = plan_import(original, options, config, used, today)
            if not options.dry_run:
                write_import(result, options.force)
            used.add(result.ident)
            yield original, result
        except CongressError as exc:
            yield original, exc
