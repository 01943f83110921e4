"""`congressgen withdraw ID --reason ...`: take a published report down on purpose (撤稿).

Recorded in the address ledger (addresses.json) and appended to the audit log
logs/withdrawals.jsonl; the next build leaves a notice page at each of its addresses, so
that `publish` accepts a release without it."""

from __future__ import annotations

import datetime as dt
import getpass
from pathlib import Path

import click

from congressgen.cli import fail


@click.command("withdraw")
@click.argument("ident", metavar="ID")
@click.option("--reason", "-r", required=True, help="撤稿原因（写入审计日志，并显示在撤稿说明页上）")
@click.option("--source", "-s", type=click.Path(file_okay=False, path_type=Path), default=".", show_default=True,
              help="网站目录")
def withdraw_command(ident: str, reason: str, source: Path) -> None:
    """撤稿：记录撤下已发布文件 ID 的原因；重新构建后其网址显示撤稿说明页。"""
    from congressgen.config import load_config
    from congressgen.content import TZ
    from congressgen.errors import CongressError
    from congressgen.model.ledger import load_ledger, log_withdrawal, save_ledger, withdrawn

    try:
        config, _ = load_config(source)
        root = config.root
        now = dt.datetime.now(TZ)
        ledger = withdrawn(load_ledger(root), ident, reason, now.date())
        entry = next(e for e in ledger.entries if e.withdrawn and (e.id == ident or ident in e.former_ids))
        save_ledger(root, ledger)
        log = log_withdrawal(root, entry, now, getpass.getuser())
    except CongressError as exc:
        fail(exc)
        return
    click.echo(f"已记录撤稿：{entry.id}（{entry.source}），原因：{entry.withdrawn.reason}")
    click.echo(f"审计日志：{log.relative_to(root).as_posix()}；网址记录：addresses.json")
    click.echo("请删除（或设 draft: true）其源文件，然后运行 congressgen build；撤稿说明页将出现在："
               + "、".join(entry.addresses))
