"""`congressgen review`: record 初审/复审/终审 sign-offs, or show where each report stands."""

from __future__ import annotations

from pathlib import Path

import click

from congressgen import review
from congressgen.cli import fail
from congressgen.config import load_config
from congressgen.content import find_sources, read_report, read_source
from congressgen.errors import CongressError, Location


@click.command("review")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--stage", help="审核环节，如 初审、复审、终审")
@click.option("--by", "by", help="审核人姓名")
@click.option("--note", default="", help="审核意见（可选）")
@click.option("--force", is_flag=True, help="重新记录已记录过的环节")
@click.option("--status", is_flag=True, help="列出各报告的审核状态及内容是否与签署时一致")
@click.option("--source", "-s", type=click.Path(file_okay=False, path_type=Path), default=".", show_default=True,
              help="网站目录")
def review_command(paths: tuple[Path, ...], stage: str | None, by: str | None, note: str, force: bool,
                   status: bool, source: Path) -> None:
    """三审三校：记录审核签署，或查看审核状态。

    签署绑定报告当时内容的指纹；此后修改标题或正文，check、build 和 publish 都会指出。

    \b
    示例：
      congressgen review content/reports/2025-zhuxituan.md --stage 初审 --by 张三
      congressgen review content/reports/2025-zhuxituan.md --stage 终审 --by 王五 --note 同意发布
      congressgen review --status
    """
    try:
        config, _ = load_config(source)
        policy = review.ReviewPolicy.from_config(config.review, Location(config.path))
        if status:
            _show_status(paths, config, policy)
            return
        if len(paths) != 1 or not stage or not by:
            raise click.UsageError("记录审核需要一个报告文件以及 --stage 和 --by；查看状态请用 --status")
        path = paths[0]
        if not path.is_file():
            raise CongressError(Location(str(path)), "找不到该报告文件")
        sign = review.record(path, path.as_posix(), stage, by, policy, note=note, force=force)
    except CongressError as exc:
        fail(exc)
        return
    click.echo(f"已记录：{path.as_posix()} {sign.stage} {sign.by} {sign.time}")


def _show_status(paths: tuple[Path, ...], config, policy: review.ReviewPolicy) -> None:
    files = [p for p in paths if p.is_file()] if paths else find_sources(config.content_path)
    for path in files:
        shown = path.relative_to(config.root).as_posix() if path.resolve().is_relative_to(config.root) else path.as_posix()
        text, _ = read_source(read_report(path, shown, config.root), shown)
        state = review.state_of(text)
        stale = {s.stage for s in state.stale()}
        parts = []
        for name in policy.stages:
            sign = next((s for s in state.signed if s.stage == name), None)
            if sign is None:
                parts.append(f"{name}：未审")
            else:
                mark = "内容已改动，需重审" if name in stale else "一致"
                parts.append(f"{name}：{sign.by} {sign.time}（{mark}）")
        click.echo(f"{shown}\n    " + "；".join(parts))
