"""`congressgen outline FILE`: the outline congressgen recognised in a report, so a clerk sees
what the tool understood and which line to fix (docs/outline.md)."""

from __future__ import annotations

import json
from pathlib import Path

import click
import yaml

from congressgen.cli import fail
from congressgen.content import SourceText, decode, split_front_matter
from congressgen.errors import CongressError
from congressgen.markdown import BodyRenderer
from congressgen.outline import PART_NAMES
from congressgen.redactions import ambiguous_spots

_KINDS = {"part": "部分标题", "numbered": "编号标题", "leadin": "一是句"}


def _source(path: Path) -> SourceText:
    text, encoding, _ = decode(path.read_bytes(), path.as_posix())
    if text.split("\n", 1)[0].strip() == "---":
        return split_front_matter(text, path.as_posix(), encoding)
    return SourceText(path.as_posix(), "", text, 1, encoding)    # a body without front matter


def _declared(source: SourceText, key: str):
    try:
        data = yaml.safe_load(source.front_text) if source.front_text.strip() else None
    except yaml.YAMLError:
        return None
    value = data.get(key) if isinstance(data, dict) else None
    return [str(v) for v in value] if isinstance(value, list) else None


def outline_report(path: Path) -> dict:
    """The outline of one file as plain data (what `--format json` prints)."""
    source = _source(path)
    outline = BodyRenderer().render(source.body).outline
    headings = [{
        "line": source.body_line + e.line - 1, "part": e.part, "part_name": PART_NAMES[e.part],
        "kind": e.kind, "level": e.level, "depth": e.depth, "anchor": e.anchor,
        "marker": e.marker, "title": e.title, "text": e.text,
    } for e in outline.entries]
    result = {"file": source.path, "headings": headings}
    for key, found in (("sections", outline.sections), ("tasks", outline.tasks)):
        declared = _declared(source, key)
        result[key] = declared if declared is not None else list(found)
        result[f"{key}_from"] = "front matter" if declared is not None else "body"
    result["ambiguous_bold"] = [{"line": source.body_line + line - 1, "column": column}
                                for line, column in ambiguous_spots(source.body)]
    return result


def render_text(result: dict) -> str:
    lines = [f"{result['file']}：共 {len(result['headings'])} 个标题"]
    for h in result["headings"]:
        indent = "  " * (h["depth"] - 1)
        lines.append(f"{result['file']}:{h['line']}: {h['part_name']} {_KINDS[h['kind']]} "
                     f"{indent}{h['text']}  #{h['anchor']}")
    for key, name in (("sections", "工作回顾（sections）"), ("tasks", "主要任务（tasks）")):
        where = "前置信息" if result[f"{key}_from"] == "front matter" else "正文"
        items = "；".join(result[key]) if result[key] else "（无）"
        lines.append(f"{name}，取自{where}：{items}")
    for spot in result["ambiguous_bold"]:
        lines.append(f"{result['file']}:{spot['line']}:{spot['column']}: 此处 ** 按原样显示（像是隐去的字）；"
                     "确需加粗请写成 <strong>文字</strong>")
    return "\n".join(lines)


@click.command("outline")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="输出格式：text 供阅读，json 供其他工具读取")
def outline_command(file: Path, fmt: str) -> None:
    """显示从报告正文中识别出的提纲：部分、层级、锚点、标题文字和所在行。

    部分有 工作回顾、主要任务（今后工作）、附件 和 其他。识别不对时，按所列行号修改原文，
    或在标题前单独一行写 <!-- outline: plan -->（review、plan、appendix、other）指定部分。

    \b
    示例：
      congressgen outline content/reports/2024-zhengfu.md
      congressgen outline content/reports/2024-zhengfu.md --format json
    """
    try:
        result = outline_report(file)
    except CongressError as exc:
        fail(exc)
        return
    if fmt == "json":
        click.echo(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        click.echo(render_text(result))
