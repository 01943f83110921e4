"""`congressgen check`: wires the command line to the check stage (congressgen.check)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from congressgen.cli import day_option
from congressgen.errors import BuildFailed, CongressError


def _site_relative(paths: tuple[Path, ...], root: Path) -> list[str]:
    """The given files or folders as site-root-relative prefixes; a Markdown file also
    covers its bundle folder (its attachments)."""
    result = []
    for path in paths:
        try:
            rel = path.resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            raise click.BadParameter(f"“{path}” 不在网站目录 {root} 中", param_hint="PATHS") from None
        if rel == ".":
            return []
        result.append(rel)
        if rel.endswith(".md"):
            result.append(rel[:-3] + "/")
    return result


def _selected(path: str, prefixes: list[str]) -> bool:
    return not prefixes or any(path == p or path.startswith(p.rstrip("/") + "/") for p in prefixes)


def at_end_of(day):
    """`--now DAY` as the last moment of that day in Beijing time (None: now)."""
    import datetime as dt

    from congressgen.content import TZ

    return None if day is None else dt.datetime.combine(day, dt.time(23, 59, 59), TZ)


def _list_rules(config) -> None:
    from congressgen.check.engine import RULES, load_settings

    settings = load_settings(config) if config is not None else None
    for rule in RULES.values():
        severity = settings.severity(rule.id) if settings else rule.severity
        click.echo(f"{rule.id:28} {severity:8} {rule.title}")


@click.command("check")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("--source", "-s", type=click.Path(file_okay=False, path_type=Path), default=".", show_default=True,
              help="网站目录（包含 congressgen.yaml）")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="输出格式：text 每行一条，json 为对象列表")
@click.option("--strict", is_flag=True, help="警告也算作错误（退出码 1），适合发布前和 CI 中使用")
@click.option("--external-links", is_flag=True, help="同时列出正文中的外部链接，供人工核对（不联网）")
@click.option("--list-rules", is_flag=True, help="列出全部规则 id 及本网站当前的级别")
@click.option("--now", callback=day_option, metavar="YYYY-MM-DD",
              help="按这一天检查（栏目是否超期未更新、建议答复和年报期限、即将失效的文件；默认今天，北京时间）")
def check_command(paths: tuple[Path, ...], source: Path, fmt: str, strict: bool, external_links: bool,
                  list_rules: bool, now) -> None:
    """发布前检查：死链、附件、个人信息泄露、规范表述、公文格式、标点和页脚必查项。

    每条问题显示为 “文件:行:列: 级别 规则id: 说明”。有错误（--strict 时含警告）则退出码为 1。
    规则可在 congressgen.yaml 的 check: 中关闭或改变级别；在该行末尾写
    <!-- check-ignore: 规则id --> 可忽略这一行的该项检查（说明见 docs/check.md）。

    \b
    示例：
      congressgen check
      congressgen check content/reports/2024-zhuxituan.md
      congressgen check --strict --format json > check.json
    """
    import datetime as dt

    from congressgen.check import run_check
    from congressgen.cli import fail
    from congressgen.content import TZ
    from congressgen.config import load_config

    try:
        config, _ = load_config(source)
        if list_rules:
            _list_rules(config)
            return
        outcome = run_check(config, external_links=external_links, now=at_end_of(now))
    except (CongressError, BuildFailed) as exc:
        fail(exc)
        return
    prefixes = _site_relative(paths, config.root)
    findings = [f for f in outcome.findings if _selected(f.path, prefixes)]
    if fmt == "json":
        click.echo(json.dumps([f.as_dict() for f in findings], ensure_ascii=False, indent=2))
    else:
        for finding in findings:
            click.echo(str(finding))
    errors = sum(1 for f in findings if f.severity == "error")
    warnings = sum(1 for f in findings if f.severity == "warning")
    summary = f"检查了 {outcome.files} 个文件：{errors} 处错误，{warnings} 处警告"
    if not findings:
        summary += "，未发现问题"
    click.echo(summary + ("（--strict：警告也算作错误）" if strict and warnings else ""), err=True)
    if errors or (strict and warnings):
        sys.exit(1)
