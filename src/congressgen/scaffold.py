"""`congressgen init` and `congressgen new`: starting files for a site and a report."""

from __future__ import annotations

import datetime as dt
import json
import re
from importlib import resources
from pathlib import Path

from congressgen.config import CONFIG_FILE
from congressgen.content import TZ, find_sources, parse_source, read_report, read_source
from congressgen.errors import CongressError, Location
from congressgen.config import SiteConfig

GITIGNORE = "build/\n.congressgen-cache/\ndata/stats.sqlite3*\n"


def _template(name: str) -> str:
    return (resources.files("congressgen") / "data" / name).read_text(encoding="utf-8")


def init_site(directory: Path, title: str) -> list[Path]:
    config = directory / CONFIG_FILE
    if config.exists():
        raise CongressError(Location(str(config)), "这里已经有网站配置文件，未做任何改动")
    directory.mkdir(parents=True, exist_ok=True)
    sample = directory / "content" / "reports" / "2025-zhuxituan.md"
    sample.parent.mkdir(parents=True, exist_ok=True)
    created = []
    for path, text in ((config, _template("congressgen.yaml").replace("示例县人大常委会", title)),
                       (sample, _template("sample-report.md")),
                       (directory / ".gitignore", GITIGNORE)):
        if path.exists():
            continue
        path.write_text(text, encoding="utf-8", newline="\n")
        created.append(path)
    return created


_ID_LINE = re.compile(r"^id:\s*[\"']?([^\"'#\s]+)", re.MULTILINE)


def used_ids(content_dir: Path) -> set[str]:
    """Every id a report has or may have: its front matter's `id` (read loosely when the
    front matter is half-edited and does not parse), and its file name with and without the
    `2025-` year prefix `new` gives it."""
    used: set[str] = set()
    config = SiteConfig(root=content_dir.parent)
    for path in find_sources(content_dir):
        used.update({path.stem, re.sub(r"^\d{4}-", "", path.stem)})
        try:
            raw = read_report(path, path.name, content_dir.parent)
        except CongressError:
            continue
        try:
            fm, _ = parse_source(read_source(raw, path.name)[0], config)
            if fm.id:
                used.add(fm.id)
        except CongressError:
            used.update(_ID_LINE.findall(raw.decode("utf-8", errors="replace")))
    return used


def next_free_id(content_dir: Path) -> str:
    """Ids `congressgen new` hands out are numbers: one more than the largest number in use
    as an id or a file name, and never one a report already has."""
    used = used_ids(content_dir)
    numbers = [int(ident) for ident in used if ident.isdigit() and len(ident) < 10]
    candidate = max(numbers, default=0) + 1
    while f"{candidate:04d}" in used:
        candidate += 1
    return f"{candidate:04d}"


def yaml_quoted(text: str) -> str:
    """`text` as a YAML double-quoted scalar (JSON's string syntax is valid YAML): a title
    with `\\`, `"` or a control character still gives front matter that parses."""
    return json.dumps(text, ensure_ascii=False)


def new_report(source: Path, title: str, column: str, today: dt.date | None = None) -> Path:
    if not (source / CONFIG_FILE).is_file():
        raise CongressError(Location(str(source / CONFIG_FILE)), "找不到网站配置文件；请在网站目录中运行")
    if not re.fullmatch(r"[a-z0-9][a-z0-9_-]*", column):
        raise CongressError(Location("--column"), f"栏目目录名只能用小写字母、数字、- 和 _，而不是 “{column}”")
    today = today or dt.datetime.now(TZ).date()
    content = source / "content"
    ident = next_free_id(content)
    path = content / column / f"{today:%Y}-{ident}.md"
    if path.exists() or path.is_symlink():
        raise CongressError(Location(str(path)), "该文件已存在，未做任何改动")
    path.parent.mkdir(parents=True, exist_ok=True)
    text = _template("new-report.md").format(
        title=yaml_quoted(title), date=today.isoformat(), id=ident, year=today.year)
    try:
        with open(path, "x", encoding="utf-8", newline="\n") as handle:   # never replaces a file
            handle.write(text)
    except FileExistsError:
        raise CongressError(Location(str(path)), "该文件已存在，未做任何改动") from None
    return path
