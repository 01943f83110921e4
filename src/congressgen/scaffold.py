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


def init_site(directory: Path, title: str | None = None, kind: str = "", embedded: bool = False,
              today: dt.date | None = None, with_data: bool = False) -> list[Path]:
    """A new site: today's generic one, or (`kind` 人大 or 政府) one with the columns, footer
    fields and example content that type needs; `embedded`: a column inside a county portal."""
    config = directory / CONFIG_FILE
    if config.exists():
        if with_data:      # an existing site: add the data examples only
            return add_data_examples(directory)
        raise CongressError(Location(str(config)), "这里已经有网站配置文件，未做任何改动")
    if kind:
        files = typed_site_files(kind, embedded, title, today or dt.datetime.now(TZ).date())
    else:
        files = {CONFIG_FILE: _template("congressgen.yaml").replace("示例县人大常委会", title or "示例县人大常委会"),
                 "content/reports/2025-zhuxituan.md": _template("sample-report.md")}
    files[".gitignore"] = GITIGNORE
    created = []
    for rel, text in files.items():
        path = directory / rel
        if path.exists():
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="\n")
        created.append(path)
    if with_data:
        created += add_data_examples(directory)
    return created


_TYPE_FILES = {"人大": ("type-renda.yaml", "示例县人大常委会"), "政府": ("type-zhengfu.yaml", "示例镇人民政府")}
# An embedded column lives under the county portal's address; the portal owns the identity.
_EMBEDDED_BASE = {"人大": "https://www.example.gov.cn/rd/", "政府": "https://www.example.gov.cn/slz/"}
_PORTAL_OWNED = ("site_code", "icp", "police_record", "police_badge", "conac_snippet")


def typed_site_files(kind: str, embedded: bool, title: str | None, today: dt.date) -> dict[str, str]:
    """site path -> text of a 人大 or 政府 site (see docs/site-types.md)."""
    import yaml

    name, placeholder = _TYPE_FILES[kind]
    text = _template(name)
    if title:
        text = text.replace(placeholder, title)
    if embedded:
        text = re.sub(r"^base_url: \S+", f"base_url: {_EMBEDDED_BASE[kind]}", text, count=1, flags=re.M)
        text = text.replace("  embedded: false ", "  embedded: true  ")
        text = "\n".join(line for line in text.split("\n")
                         if not re.match(rf"^  #? ?({'|'.join(_PORTAL_OWNED)}):", line))
        text = text.replace("footer:                                   # 页脚（政府网站检查必查项）",
                            "footer:                                   # 页脚：网站标识码、ICP 和公安机关备案由所在门户网站统一列明")
    files = {CONFIG_FILE: text}
    values = {"@YEAR@": str(today.year), "@LASTYEAR@": str(today.year - 1), "@TODAY@": today.isoformat()}
    for sample in yaml.safe_load(_template("type-samples.yaml"))[kind]:
        front = {"title": sample["title"], "date": today.isoformat(), "id": sample["file"].split("/")[-1][:-3],
                 **sample.get("fields", {})}
        lines = ["---"] + [f"{k}: {_yaml_value(v)}" for k, v in front.items()] + ["---", "", sample["body"]]
        body = "\n".join(lines)
        for key, value in values.items():
            body = body.replace(key, value)
        if title:
            body = body.replace(placeholder, title)
        column, stem = sample["file"].split("/")
        files[f"content/{column}/{today:%Y}-{stem}"] = body
    if kind == "政府":
        files["static/zfxxgk/shenqingbiao.txt"] = _template("shenqingbiao.txt")
    return files


def _yaml_value(value) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(value) + "]"
    return f'"{value}"' if any(ch in str(value) for ch in ":#{}[]") or str(value).isdigit() else str(value)


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
