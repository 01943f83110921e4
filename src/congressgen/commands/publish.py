"""`congressgen publish`: wires the command line to the publish stage (congressgen.publish)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from congressgen.cli import CONTEXT, fail


def _size(n: int) -> str:
    for unit, factor in (("MB", 1 << 20), ("KB", 1 << 10)):
        if n >= factor:
            return f"{n / factor:.1f} {unit}"
    return f"{n} 字节"


def _pad(text: str, width: int, right: bool = False) -> str:
    """Pad to a terminal width; CJK characters take two columns."""
    import unicodedata

    used = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in str(text))
    space = " " * max(width - used, 0)
    return space + str(text) if right else str(text) + space


def _listed(label: str, paths: tuple[str, ...], limit: int = 20) -> None:
    for path in paths[:limit]:
        click.echo(f"  {label} {path}")
    if len(paths) > limit:
        click.echo(f"  ……另有 {len(paths) - limit} 个{label}的页面")


def _load_config(source: Path, required: bool):
    from congressgen.config import CONFIG_FILE, load_config

    if not required and not (source / CONFIG_FILE).is_file():
        return None
    return load_config(source)[0]   # its warnings were shown by the build


@click.command("publish", context_settings=CONTEXT)
@click.argument("target")
@click.option("--source", "-s", type=click.Path(file_okay=False, path_type=Path), default=".", show_default=True,
              help="网站目录（包含 congressgen.yaml）")
@click.option("--output", "-o", type=click.Path(file_okay=False, path_type=Path),
              help="要发布的构建结果目录，默认为 网站目录/build")
@click.option("--dry-run", "-n", is_flag=True, help="只显示将要发生的变化，不写入目标")
@click.option("--keep", type=click.IntRange(min=1), help="保留最近几个版本（默认 5，或发布目标配置的 keep）")
@click.option("--rollback", is_flag=True, help="切换回上一个版本")
@click.option("--list", "list_", is_flag=True, help="列出目标上的各个版本：时间、页面数")
@click.option("--ssh-options", default="", help="附加给 ssh 的参数，如 \"-p 2222 -i ~/.ssh/key\"")
@click.option("--allow-stale", is_flag=True, help="构建早于内容时也发布")
@click.option("--allow-check-errors", is_flag=True, help="congressgen check 有错误时也发布")
@click.option("--allow-drafts", is_flag=True, help="构建中含草稿时也发布")
@click.option("--allow-base-url", is_flag=True, help="构建网址与目标网址不同时也发布")
@click.option("--allow-unreviewed", is_flag=True, help="要求三审三校时，仍发布未完成审核的报告（记入 logs/build-log.jsonl）")
@click.option("--wait", type=click.FloatRange(min=0), default=60, show_default=True, metavar="SECONDS",
              help="另一个发布正在进行时，最多等待几秒")
@click.option("--break-lock", is_flag=True, help="清除被中断的发布留下的发布锁（确认没有其他发布在进行时才用）")
def publish_command(target: str, source: Path, output: Path | None, dry_run: bool, keep: int | None,
                    rollback: bool, list_: bool, ssh_options: str, allow_stale: bool, allow_check_errors: bool,
                    allow_drafts: bool, allow_base_url: bool, allow_unreviewed: bool, wait: float,
                    break_lock: bool) -> None:
    """把 build/ 发布到网站服务器：新建一个版本，原子切换，可回退。

    TARGET 为本机（或已挂载的）目录、用户@服务器:/目录，或 congressgen.yaml 中 publish 下的目标名。
    网站服务器的根目录应设为 TARGET/current。

    \b
    示例：
      congressgen publish production
      congressgen publish /srv/www/rd --dry-run
      congressgen publish deploy@www.example.gov.cn:/srv/www/rd --keep 3
      congressgen publish production --list
      congressgen publish production --rollback
    """
    import shlex

    from congressgen.errors import BuildFailed, CongressError
    from congressgen import publish as stage

    if rollback and list_:
        raise click.UsageError("--rollback 与 --list 不能同时使用")
    options = tuple(shlex.split(ssh_options))
    lock = stage.LockOptions(wait, break_lock, lambda message: click.echo(f"注意：{message}", err=True))
    try:
        config = _load_config(source, required=not (rollback or list_))
        if list_:
            _show_list(*stage.list_releases(target, config, options))
        elif rollback:
            _show_rollback(stage.rollback(target, config, options, dry_run, lock))
        else:
            overrides = stage.Overrides(allow_stale, allow_check_errors, allow_drafts, allow_base_url,
                                        allow_unreviewed)
            result = stage.publish(stage.PublishOptions(target, source, output, dry_run, keep, overrides, options,
                                                        lock), config)
            _show_publish(result)
    except stage.PublishRefused as refused:
        for r in refused.refusals:
            click.echo(f"错误: {r.message}" + (f"（如确需发布，加 {r.flag}）" if r.flag else ""), err=True)
        click.echo("未发布：线上网站未改动。", err=True)
        sys.exit(1)
    except (CongressError, BuildFailed) as exc:
        if isinstance(exc, stage.PublishError):
            click.echo(exc.report(), err=True)
            click.echo("未发布：线上网站未改动。", err=True)
            sys.exit(1)
        fail(exc)


def _show_broken(owner) -> None:
    if owner is not None:
        click.echo(f"注意：已按 --break-lock 清除发布锁（原持有者：{owner.shown}）", err=True)


def _show_publish(result) -> None:
    _show_broken(result.broken_lock)
    for note in result.notes:
        click.echo(f"注意：{note}", err=True)
    changes = result.changes
    verb = "演练（--dry-run，未写入任何文件）：将发布" if result.dry_run else "已发布"
    click.echo(f"{verb}到 {result.target.label}，版本 {result.release}")
    click.echo(f"页面：新增 {len(changes.pages('added'))} 个，修改 {len(changes.pages('changed'))} 个，"
               f"删除 {len(changes.pages('removed'))} 个（共 {result.manifest.pages} 个页面、"
               f"{len(result.manifest.entries)} 个文件）")
    if result.previous is None:
        click.echo("  （首次发布到该目标）")
    else:
        _listed("新增", changes.pages("added"))
        _listed("修改", changes.pages("changed"))
        _listed("删除", changes.pages("removed"))
    others = len(changes.added) + len(changes.changed) + len(changes.removed) - sum(
        len(changes.pages(k)) for k in ("added", "changed", "removed"))
    if others:
        click.echo(f"其他文件（附件、样式等）变化 {others} 个")
    sent = "将传输约" if result.dry_run else "传输"
    click.echo(f"{sent} {_size(result.bytes_sent)}（{result.bytes_sent} 字节；全站 {_size(result.manifest.bytes)}，"
               f"未变化的 {changes.unchanged} 个文件与上一版本共用）")
    if not result.dry_run:
        click.echo(f"网站已切换到新版本：current → releases/{result.release}/site"
                   + (f"（上一版本 {result.previous} 可用 --rollback 恢复）" if result.previous else ""))
    if result.removed:
        click.echo(f"{'将删除' if result.dry_run else '已删除'}旧版本（保留最近 {result.target.keep} 个）："
                   + "、".join(result.removed))


def _show_rollback(result) -> None:
    _show_broken(result.broken_lock)
    if result.dry_run:
        click.echo(f"演练：将把 {result.target.label} 从版本 {result.previous} 切换回 {result.release}")
    else:
        click.echo(f"已回退：{result.target.label} 从版本 {result.previous} 切换回 {result.release}")


def _show_list(target, state) -> None:
    if not state.releases:
        click.echo(f"{target.label} 上还没有发布过的版本")
        return
    click.echo(f"{target.label} 上的版本（新的在前）：")
    click.echo("  " + _pad("版本", 24) + _pad("发布时间", 22) + _pad("页面", 6, True) + _pad("文件", 7, True)
               + _pad("大小", 11, True))
    for release in reversed(state.releases):
        when = release.created.astimezone().strftime("%Y-%m-%d %H:%M:%S")
        m = release.manifest
        pages, files, size = (m.pages, len(m.entries), _size(m.bytes)) if m else ("?", "?", "?")
        mark = "  ← 当前" if release.name == state.current else ""
        click.echo(f"  {release.name:<24}{when:<22}{pages:>6}{files:>7}{size:>11}{mark}")
    if state.current is None and state.current_link:
        click.echo(f"注意：current 指向 {state.current_link}，不是 congressgen 发布的版本")
