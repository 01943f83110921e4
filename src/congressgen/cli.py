"""Command line: wires commands to the pipeline stages; reports errors once, here.

Exit status: 0 ok, 1 content or site error, 2 usage error (click's own).
"""

from __future__ import annotations

import gc
import os
import sys
import time
from pathlib import Path

import click

from congressgen import __version__
from congressgen.errors import BuildFailed, CongressError, Diagnostic, Location

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


def _utf8_streams() -> None:
    # Chinese Windows consoles default to GBK; our messages are UTF-8 text.
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            try:
                stream.reconfigure(errors="replace")
            except (ValueError, OSError):
                pass


def show(diagnostics: list[Diagnostic], quiet: bool = False) -> None:
    for d in diagnostics:
        if quiet and d.severity != "error":
            continue
        click.echo(str(d), err=True)


def fail(exc: BaseException) -> None:
    """Report a content/site error once and exit 1."""
    if isinstance(exc, BuildFailed):
        show(exc.diagnostics)
        errors = sum(1 for d in exc.diagnostics if d.severity == "error")
        click.echo(f"构建失败：发现 {errors} 处错误，原有输出未改动。", err=True)
    else:
        click.echo(exc.report(), err=True)
    sys.exit(1)


class ProgressBar:
    """A progress bar on a terminal, shown only once a build has run for a second."""

    def __init__(self, enabled: bool):
        self.enabled = enabled
        self.started = time.perf_counter()
        self.shown = False

    def __call__(self, stage: str, done: int, total: int) -> None:
        if not self.enabled or time.perf_counter() - self.started < 1.0:
            return
        width = 30
        filled = width * done // max(total, 1)
        click.echo(f"\r{stage} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}", nl=False, err=True)
        self.shown = True

    def close(self) -> None:
        if self.shown:
            click.echo("\r" + " " * 60 + "\r", nl=False, err=True)


def day_option(ctx, param, value):
    """A click callback for YYYY-MM-DD options (--now, --since)."""
    import datetime as dt

    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"日期应写成 YYYY-MM-DD，如 2025-03-01，而不是 “{value}”") from None


# Commands defined in their own modules: name -> "module:attribute" of a click command.
LAZY_COMMANDS = {
    "serve": "congressgen.commands.serve:serve_command",
    "check": "congressgen.commands.check:check_command",
    "stats": "congressgen.commands.stats:stats_group",
    "import": "congressgen.commands.importer:import_command",
    "publish": "congressgen.commands.publish:publish_command",
    "review": "congressgen.commands.review:review_command",
    "withdraw": "congressgen.commands.withdraw:withdraw_command",
    "outline": "congressgen.commands.outline:outline_command",
    "status": "congressgen.commands.status:status_command",
}


class LazyGroup(click.Group):
    """Imports a command's module only when that command runs (or help lists it)."""

    def _available(self) -> dict[str, str]:
        import importlib.util

        return {name: target for name, target in LAZY_COMMANDS.items()
                if importlib.util.find_spec(target.split(":")[0]) is not None}

    def list_commands(self, ctx):
        return sorted(set(super().list_commands(ctx)) | set(self._available()))

    def get_command(self, ctx, name):
        command = super().get_command(ctx, name)
        if command is not None or name not in self._available():
            return command
        import importlib

        module, attribute = LAZY_COMMANDS[name].split(":")
        return getattr(importlib.import_module(module), attribute)


@click.group(cls=LazyGroup, context_settings=CONTEXT)
@click.version_option(__version__, "-V", "--version", prog_name="congressgen")
def cli() -> None:
    """congressgen：人大、政府工作报告网站生成器。

    用 Markdown 撰写报告，运行 congressgen build 生成可直接发布的静态网站。
    """


@cli.command("build")
@click.option("--source", "-s", type=click.Path(file_okay=False, path_type=Path), default=".",
              show_default=True, help="网站目录（包含 congressgen.yaml）")
@click.option("--output", "-o", type=click.Path(file_okay=False, path_type=Path),
              help="输出目录，默认为 网站目录/build")
@click.option("--drafts", is_flag=True, help="同时生成草稿（draft: true）")
@click.option("--base-url", help="本次构建使用的网址，覆盖配置中的 base_url")
@click.option("--now", callback=day_option, metavar="YYYY-MM-DD",
              help="阅读统计截至这一天（“近30天”排行以此为准），默认今天（北京时间）")
@click.option("--quiet", "-q", is_flag=True, help="只显示错误")
@click.option("--allow-unreviewed", is_flag=True,
              help="要求三审三校时，仍然生成未完成审核的报告（此操作记入 logs/build-log.jsonl）")
@click.option("--no-check", is_flag=True, help="跳过发布前检查（congressgen check 的错误级规则）")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None,
              help="并行进程数，默认为处理器核数；1 表示不开子进程")
@click.option("--no-cache", is_flag=True, help="不读取也不更新构建缓存（.congressgen-cache/）")
def build_command(source: Path, output: Path | None, drafts: bool, base_url: str | None, now, quiet: bool,
                  allow_unreviewed: bool, no_check: bool, jobs: int | None, no_cache: bool) -> None:
    """生成静态网站到 build/ 目录。

    \b
    示例：
      congressgen build
      congressgen build --base-url https://www.example.gov.cn/rd/
      congressgen build --source mysite --output /tmp/out --drafts
      congressgen build --jobs 1

    构建前会运行 congressgen check 的错误级规则（死链、个人信息、规范表述等），
    有错误时不写出网站、原有输出不变；确需跳过时加 --no-check。
    """
    from congressgen.build import BuildOptions, build

    progress = ProgressBar(enabled=not quiet and sys.stderr.isatty())
    try:
        result = build(BuildOptions(source, output, drafts, base_url, now=now,
                                    allow_unreviewed=allow_unreviewed, check=not no_check,
                                    jobs=jobs, cache=not no_cache, reuse_unchanged=True), progress)
    except (CongressError, BuildFailed) as exc:
        progress.close()
        fail(exc)
        return
    progress.close()
    show(result.warnings, quiet)
    if not quiet:
        click.echo(f"已生成 {result.stats.reports} 篇报告、共 {result.written.total} 个文件"
                   f"（其中 {result.written.written} 个有变化）到 {result.output}，用时 {result.seconds:.2f} 秒")
    _leave_without_teardown()


def _leave_without_teardown() -> None:
    """From the console script only: exit without freeing the site model object by object
    (for thousands of reports that teardown takes longer than a no-change rebuild)."""
    context = click.get_current_context(silent=True)
    if context is not None and (context.find_root().obj or {}).get("console"):
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)


@cli.command("init")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path), default=".")
@click.option("--title", default=None, help="网站名称（默认：示例县人大常委会，或所选类型的示例名称）")
@click.option("--type", "kind", type=click.Choice(["人大", "政府"]), default=None,
              help="网站类型：人大（工作报告、人大动态、代表工作、通知公告）或 政府（含政府信息公开专栏）")
@click.option("--embedded", is_flag=True, help="网站是县门户网站中的一个栏目（网站标识码等由门户列明）")
@click.option("--with-data", is_flag=True,
              help="同时加入代表建议（data/jianyi/）和政府信息公开年报（data/nianbao/）的示例数据文件；"
                   "已有网站中使用时只加这些文件，已存在的文件不改动")
def init_command(directory: Path, title: str | None, kind: str | None, embedded: bool, with_data: bool) -> None:
    """新建网站：配置文件、示例内容和 .gitignore。

    \b
    示例：
      congressgen init mysite && cd mysite && congressgen build
      congressgen init --type 人大 rdsite
      congressgen init --type 政府 --embedded --title 青山镇人民政府 qsz
      congressgen init --with-data mysite      （另加建议办理和年报的示例数据）
    """
    from congressgen.scaffold import init_site

    if embedded and not kind:
        fail(CongressError(Location("--embedded"), "--embedded 需要同时指定 --type 人大 或 --type 政府"))
        return
    try:
        created = init_site(directory, title, kind or "", embedded, with_data=with_data)
    except CongressError as exc:
        fail(exc)
        return
    for path in created:
        click.echo(f"已创建 {path}")
    click.echo(f"下一步：cd {directory} && congressgen build")


@cli.command("new")
@click.argument("title")
@click.option("--column", "-c", default="reports", show_default=True, help="栏目目录名")
@click.option("--source", "-s", type=click.Path(file_okay=False, path_type=Path), default=".", show_default=True,
              help="网站目录")
def new_command(title: str, column: str, source: Path) -> None:
    """新建一篇报告，填好前置信息模板、今天的日期和下一个可用 id，并显示文件路径。

    \b
    示例：
      congressgen new "2025年青山镇人大主席团工作报告"
      congressgen new "关于召开代表大会的通知" --column notices
    """
    from congressgen.scaffold import new_report

    try:
        path = new_report(source, title, column)
    except CongressError as exc:
        fail(exc)
        return
    click.echo(str(path))


def main() -> None:
    _utf8_streams()
    # A command runs once and exits: collect cyclic garbage ~30× less often than Python's
    # default (every 700 allocations), which costs a build ~8 % of its time in collections.
    gc.set_threshold(20_000, 20, 100)
    # obj["console"]: this process is the console script, not a test runner calling `cli`
    cli(prog_name="congressgen", obj={"console": True})
