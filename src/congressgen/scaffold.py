"""`congressgen init` and `congressgen new`: starting files for a site and a report."""

from __future__ import annotations

import datetime as dt
import re
from importlib import resources
from pathlib import Path

from congressgen.config import CONFIG_FILE
from congressgen.content import TZ, find_sources, parse_source, read_source
from congressgen.errors import CongressError, Location
from congressgen.config import SiteConfig

GITIGNORE = "build/\n.congressgen-cache/\ndata/stats.sqlite3*\n"


def _template(name: str) -> str:
    return (resources.files("congressgen") / "data" / name).read_text(encoding="utf-8")


# `init --with-data`: an example of each data file (docs/data.md), never over an existing file.
DATA_EXAMPLES = (("example-jianyi.csv", "data/jianyi/2025.csv"), ("example-jianyi-2.md", "data/jianyi/2025/2.md"),
                 ("example-nianbao.yaml", "data/nianbao/2025.yaml"))


def add_data_examples(directory: Path) -> list[Path]:
    """The example 代表建议 CSV (with one reply as a Markdown file) and 年报 YAML; files that
    already exist are left as they are. Returns the files created."""
    created = []
    for name, target in DATA_EXAMPLES:
        path = directory / target
        if path.exists():
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes((resources.files("congressgen") / "data" / name).read_bytes())
        created.append(path)
    return created


def init_site(directory: Path, title: str, with_data: bool = False) -> list[Path]:
    config = directory / CONFIG_FILE
    if config.exists():
        if with_data:      # an existing site: add the data examples only
            return add_data_examples(directory)
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
    if with_data:
        created += add_data_examples(directory)
    return created


def next_free_id(content_dir: Path) -> str:
    """Ids `congressgen new` hands out are numbers: one more than the largest in use."""
    used = 0
    config = SiteConfig(root=content_dir.parent)
    for path in find_sources(content_dir):
        ident = path.stem
        try:
            fm, _ = parse_source(read_source(path.read_bytes(), path.name)[0], config)
            ident = fm.id or ident
        except CongressError:
            pass
        match = re.search(r"(\d+)$", ident)
        if match and ident.isdigit():
            used = max(used, int(match.group(1)))
    return f"{used + 1:04d}"


def new_report(source: Path, title: str, column: str, today: dt.date | None = None) -> Path:
    if not (source / CONFIG_FILE).is_file():
        raise CongressError(Location(str(source / CONFIG_FILE)), "找不到网站配置文件；请在网站目录中运行")
    if not re.fullmatch(r"[a-z0-9][a-z0-9_-]*", column):
        raise CongressError(Location("--column"), f"栏目目录名只能用小写字母、数字、- 和 _，而不是 “{column}”")
    today = today or dt.datetime.now(TZ).date()
    content = source / "content"
    ident = next_free_id(content)
    path = content / column / f"{today:%Y}-{ident}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    escaped = title.replace('"', '\\"')
    path.write_text(_template("new-report.md").format(title=escaped, date=today.isoformat(), id=ident,
                                                    year=today.year), encoding="utf-8", newline="\n")
    return path
