"""`congressgen import`: bring Word (.docx), plain-text and Markdown reports in as Markdown."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click

from congressgen.cli import CONTEXT, fail, show
from congressgen.errors import CongressError
from congressgen.importer import ImportOptions, ImportResult, import_files, load_site


def _parse_date(ctx, param, value):
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise click.BadParameter(f"“{value}” 不是有效日期，应写成 2024-04-26") from None


def _describe(result: ImportResult, root: Path, dry_run: bool) -> list[str]:
    def rel(path: Path) -> str:
        try:
            return path.relative_to(root).as_posix()
        except ValueError:
            return path.as_posix()

    g = result.guess
    verb = "将导入（试运行，未写入）" if dry_run else "已导入"
    lines = [f"{verb} {result.original.as_posix()} → {rel(result.markdown_path)}",
             f"  标题：{g.title}（取自{g.title_from}）",
             f"  日期：{g.date.isoformat()}（取自{g.date_from}）",
             f"  届次：{g.session or '未找到'}",
             f"  来源：{g.author or '未找到（使用网站默认来源）'}",
             f"  id：{result.ident}（网址中使用，发布后不要再改）"]
    sections, tasks = result.outline.sections, result.outline.tasks
    lines.append(f"  提纲：工作回顾 {len(sections)} 项，今后工作 {len(tasks)} 项，各级标题共 {len(result.outline.entries)} 个")
    counts = result.counts
    if any(counts.get(k) for k in ("tables", "images", "footnotes")):
        lines.append(f"  表格 {counts.get('tables', 0)} 个，图片 {counts.get('images', 0)} 张，"
                     f"脚注 {counts.get('footnotes', 0)} 条")
    lines.append(f"  原文复制为附件：{rel(result.files[0][0])}（网页上提供下载）")
    for path, _ in result.files[1:]:
        lines.append(f"  图片：{rel(path)}")
    lines.append("  请补充或核对：")
    for item in result.todo + ["草稿 draft: true：核对、审核完成后删除此行或改为 false，报告才会发布"]:
        lines.append(f"    - {item}")
    return lines


@click.command("import", context_settings=CONTEXT)
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--column", "-c", default="reports", show_default=True, help="栏目目录名（content/ 下的文件夹）")
@click.option("--id", "ident", help="报告 id（网址中使用）；默认取英文文件名，否则按日期编为 2024-0426-1")
@click.option("--title", help="标题；默认取文档的标题段落")
@click.option("--date", callback=_parse_date, help="发布日期，如 2024-04-26；默认取报告开头的会议日期")
@click.option("--dry-run", is_flag=True, help="只显示将要写入的内容，不写任何文件")
@click.option("--force", is_flag=True, help="覆盖已存在的报告文件")
@click.option("--source", "-s", type=click.Path(file_okay=False, path_type=Path), default=".", show_default=True,
              help="网站目录（包含 congressgen.yaml）")
def import_command(files: tuple[Path, ...], column: str, ident: str | None, title: str | None,
                   date: dt.date | None, dry_run: bool, force: bool, source: Path) -> None:
    """导入 Word（.docx）、纯文本（.txt）或 Markdown 报告，写成 content/栏目/id.md。

    \b
    保留全部段落和文字；“一、”“（一）”等提纲（包括加粗的段首标题）、
    表格、图片、脚注一并导入；原文复制到报告的附件目录供下载。
    导入的报告标为草稿（draft: true），核对后才会发布。
    旧版 .doc 和 WPS 的 .wps 文件请先“另存为” .docx。

    \b
    示例：
      congressgen import 2024年主席团工作报告.docx
      congressgen import 报告.txt --column reports --date 2024-04-26
      congressgen import 报告.docx --id 2024-zhuxituan --dry-run
    """
    if len(files) > 1 and (ident or title or date):
        raise click.UsageError("--id、--title、--date 只能在导入单个文件时使用")
    options = ImportOptions(source=source, column=column, ident=ident, title=title, date=date,
                            dry_run=dry_run, force=force)
    try:
        config, warnings = load_site(options)
    except CongressError as exc:
        fail(exc)
        return
    show(warnings)
    failed = 0
    for _, outcome in import_files(list(files), options, config):
        if isinstance(outcome, CongressError):
            failed += 1
            click.echo(outcome.report(), err=True)
            continue
        show(outcome.warnings)
        for line in _describe(outcome, config.root, dry_run):
            click.echo(line)
        if dry_run:
            click.echo("---------- 将写入的 Markdown ----------")
            click.echo(outcome.text)
    if failed:
        click.echo(f"有 {failed} 个文件未能导入，其他文件不受影响。", err=True)
        sys.exit(1)
