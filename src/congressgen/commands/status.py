"""`congressgen status`: every column with its newest item, its update limit and the day it
must next be updated (congressgen.freshness)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from congressgen.cli import day_option
from congressgen.errors import BuildFailed, CongressError


@click.command("status")
@click.option("--source", "-s", type=click.Path(file_okay=False, path_type=Path), default=".", show_default=True,
              help="网站目录（包含 congressgen.yaml）")
@click.option("--now", callback=day_option, metavar="YYYY-MM-DD", help="按这一天计算（默认今天，北京时间）")
def status_command(source: Path, now) -> None:
    """栏目更新情况：每个栏目的最新内容、更新期限和下次应更新的日期。

    \b
    示例：
      congressgen status
      congressgen status --now 2025-06-30
    """
    from congressgen.cli import fail
    from congressgen.content import TZ
    from congressgen.freshness import STATE_TEXT, column_statuses
    from congressgen.loading import load_site

    today = now or dt.datetime.now(TZ).date()
    try:
        loaded = load_site(source, now=today, related=False)
    except (CongressError, BuildFailed) as exc:
        fail(exc)
        return
    config = loaded.config
    statuses = column_statuses(config, loaded.site.reports, today)
    click.echo(f"栏目更新情况（截至 {today}）")
    for s in statuses:
        name = f"{'  ' if s.config.parent else ''}{s.title}（{s.key}）"
        newest = f"{s.newest} {s.newest_title}" if s.newest else "无"
        limit = s.limit.text if s.limit else ("见子栏目" if s.children else "不限")
        due = str(s.due) if s.due else "-"
        click.echo(f"{name}\t{STATE_TEXT[s.state]}\t最新：{newest}\t期限：{limit}\t下次更新截止：{due}")
