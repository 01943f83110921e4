"""`congressgen stats`: ingest access logs, show and export the counts (logic in congressgen.stats)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import sys
from pathlib import Path

import click

from congressgen.cli import CONTEXT, day_option, fail, show
from congressgen.errors import BuildFailed, CongressError

SOURCE = click.option("--source", "-s", type=click.Path(file_okay=False, path_type=Path), default=".",
                      show_default=True, help="网站目录（包含 congressgen.yaml）")


def _config(source: Path, base_url: str | None = None):
    from congressgen.loading import load_site_config

    config, _warnings = load_site_config(source, base_url)
    return config


@click.group("stats", context_settings=CONTEXT)
def stats_group() -> None:
    """阅读、下载量统计：导入网站服务器的访问日志，构建时显示在页面和文章排行上。

    \b
    示例（每晚在服务器上运行）：
      congressgen stats ingest /var/log/nginx/access.log*
      congressgen build && congressgen publish production
    """


@stats_group.command("ingest")
@click.argument("logs", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--format", "log_format", type=click.Choice(["combined", "json"]), default="combined",
              show_default=True, help="日志格式：combined（nginx 默认、Apache combined）或 json（每行一个 JSON）")
@click.option("--base-url", help="日志所记网站的网址，与配置中的 base_url 不同时使用（如发布在另一子路径下）")
@SOURCE
def ingest_command(logs: tuple[Path, ...], log_format: str, base_url: str | None, source: Path) -> None:
    """导入访问日志（可为 .gz，可按任意顺序、可重复导入，不会重复计数）。

    \b
    示例：
      congressgen stats ingest /var/log/nginx/access.log /var/log/nginx/access.log.*.gz
      congressgen stats ingest access.json.log --format json
    """
    from congressgen.stats.ingest import REASONS, ingest

    try:
        results = ingest(_config(source, base_url), list(logs), log_format)
    except (CongressError, BuildFailed) as exc:
        fail(exc)
        return
    for result in results:
        show(result.problems)
        if result.failed:
            continue
        click.echo(f"{result.name}：共 {result.lines} 行，新计入阅读 {result.views} 次、下载 {result.downloads} 次")
        skipped = [f"{REASONS[key]} {n}" for key, n in result.skipped.items() if n]
        if skipped:
            click.echo("  未计入：" + "；".join(skipped))
    views = sum(r.views for r in results)
    downloads = sum(r.downloads for r in results)
    failed = sum(r.failed for r in results)
    click.echo(f"合计：新计入阅读 {views} 次、下载 {downloads} 次" + (f"；{failed} 个文件无法读取" if failed else ""))
    if failed:
        sys.exit(1)


def _totals(rows, since: dt.date | None) -> tuple[dict, dict, str, str]:
    start = since.isoformat() if since else ""
    views: dict[str, int] = {}
    downloads: dict[str, int] = {}
    days = [day for day, *_ in rows if day >= start]
    for day, report, v, d in rows:
        if day >= start:
            views[report] = views.get(report, 0) + v
            downloads[report] = downloads.get(report, 0) + d
    return views, downloads, min(days, default=""), max(days, default="")


@stats_group.command("show")
@click.option("--top", type=click.IntRange(min=1), default=20, show_default=True, help="显示前 N 篇")
@click.option("--since", callback=day_option, metavar="YYYY-MM-DD", help="只统计这一天及以后的访问")
@SOURCE
def show_command(top: int, since: dt.date | None, source: Path) -> None:
    """按阅读次数列出报告。

    \b
    示例：
      congressgen stats show --top 10
      congressgen stats show --since 2025-01-01
    """
    from congressgen.loading import load_site
    from congressgen.stats.store import db_path, read_daily, read_ingests

    try:
        config = _config(source)
        path = db_path(config)
        rows = read_daily(path)
        if not rows:
            click.echo(f"还没有统计数据（{path}）：请先运行 congressgen stats ingest 访问日志")
            return
        views, downloads, first, last = _totals(rows, since)
        site = load_site(config, data=False).site
        ingests = read_ingests(path, 5)
    except (CongressError, BuildFailed) as exc:
        fail(exc)
        return
    click.echo(f"统计区间 {first or '—'} 至 {last or '—'}：共阅读 {sum(views.values())} 次，下载 {sum(downloads.values())} 次")
    ranked = site.ranking(views, top)
    if ranked:
        click.echo("排名      阅读      下载  标题（id）")     # CJK labels are two columns wide
        for rank, (report, n) in enumerate(ranked, 1):
            click.echo(f"{rank:>4}  {n:>8}  {downloads.get(report.id, 0):>8}  {report.title}（{report.id}）")
    known = {r.id for r in site.reports}
    gone = sorted(i for i, n in views.items() if n and i not in known)
    if gone:
        click.echo("不在当前网站中（已删除、改为草稿或改了 id）的报告：" + "，".join(gone))
    if ingests:
        click.echo("最近导入：")
        for at, file, lines, v, d, dup in ingests:
            click.echo(f"  {at}  {file}：{lines} 行，新计入阅读 {v}、下载 {d}，重复 {dup}")


@stats_group.command("export")
@click.option("--format", "out_format", type=click.Choice(["csv", "json"]), default="csv", show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), help="写入文件，默认输出到屏幕")
@SOURCE
def export_command(out_format: str, output: Path | None, source: Path) -> None:
    """导出全部计数：每天、每篇报告一行（日期、id、阅读、下载）。

    \b
    示例：
      congressgen stats export --format csv -o 统计.csv
      congressgen stats export --format json
    """
    from congressgen.stats.store import db_path, read_daily

    try:
        rows = read_daily(db_path(_config(source)))
    except (CongressError, BuildFailed) as exc:
        fail(exc)
        return
    text = export_text(rows, out_format)
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8", newline="")
        click.echo(f"已导出 {len(rows)} 行到 {output}", err=True)


def export_text(rows, out_format: str) -> str:
    if out_format == "json":
        records = [{"date": day, "id": report, "views": v, "downloads": d} for day, report, v, d in rows]
        return json.dumps(records, ensure_ascii=False, indent=1) + "\n"
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["date", "id", "views", "downloads"])
    writer.writerows(rows)
    return buffer.getvalue()
