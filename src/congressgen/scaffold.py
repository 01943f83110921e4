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


def init_site(directory: Path, title: str | None = None, kind: str = "", embedded: bool = False,
              today: dt.date | None = None) -> list[Path]:
    """A new site: today's generic one, or (`kind` 人大 or 政府) one with the columns, footer
    fields and example content that type needs; `embedded`: a column inside a county portal."""
    config = directory / CONFIG_FILE
    if config.exists():
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
