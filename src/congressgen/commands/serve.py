"""`congressgen serve`: wires the command line to the preview stage (congressgen.serve)."""

from __future__ import annotations

from pathlib import Path

import click


@click.command("serve")
@click.option("--source", "-s", type=click.Path(file_okay=False, path_type=Path), default=".",
              show_default=True, help="网站目录（包含 congressgen.yaml）")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="监听地址；默认只允许本机访问，改成其他地址会显示警告")
@click.option("--port", "-p", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help="端口；0 表示自动选一个空闲端口")
@click.option("--open", "open_browser", is_flag=True, help="启动后用默认浏览器打开预览")
@click.option("--drafts", is_flag=True, help="同时预览草稿（draft: true）")
def serve_command(source: Path, host: str, port: int, open_browser: bool, drafts: bool) -> None:
    """本地预览：生成网站并在 http://127.0.0.1:8000/ 提供浏览，保存文件后浏览器自动刷新。

    \b
    监视 congressgen.yaml、content/、themes/、static/ 和 data/；一次保存只重新生成一次，
    只改样式表（.css）时页面不刷新、直接换上新样式。构建出错时继续显示上一次成功的内容，
    并在每个打开的页面上提示出错的文件、行号和原因。
    预览生成在临时目录中，不会改动 build/；按 Ctrl+C 停止并清理临时文件。

    \b
    示例：
      congressgen serve
      congressgen serve --port 8001 --open
      congressgen serve --source mysite --drafts
    """
    from congressgen.cli import fail
    from congressgen.errors import BuildFailed, CongressError
    from congressgen.serve import ServeOptions, serve

    try:
        serve(ServeOptions(source, host, port, drafts, open_browser))
    except (CongressError, BuildFailed) as exc:
        fail(exc)
