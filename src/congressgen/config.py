"""Site configuration (`congressgen.yaml`): load, validate, and give it a typed shape."""

from __future__ import annotations

import difflib
import re
import string
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

from congressgen.errors import ConfigError, Diagnostic, Location
from congressgen.sitetype import ZHUANLAN_TYPES, Gongkai, Limit, SiteType, parse_type_sections
from congressgen.yamlpos import YamlMapping, key_path_text, load_mapping

CONFIG_FILE = "congressgen.yaml"
DEFAULT_PERMALINK = "/{column}/{yyyymm}/t{yyyymmdd}_{id}.html"


@dataclass(frozen=True)
class ColumnConfig:
    key: str
    title: str
    description: str = ""
    type: str = ""  # ColumnType meta, e.g. 工作报告 / 动态 / 通知公告
    limit: "Limit | str | None" = None   # update limit as written (sitetype.parse_limit); None = by type
    parent: str = ""                     # key of the column this one is a sub-column of

    @property
    def in_nav(self) -> bool:
        """Shown in the top navigation (sub-columns and 政府信息公开专栏 columns are reached from their page)."""
        return not self.parent and self.type not in ZHUANLAN_TYPES


@dataclass(frozen=True)
class FooterConfig:
    organizer: str = ""        # 主办单位
    undertaker: str = ""       # 承办单位
    phone: str = ""            # 联系电话
    address: str = ""          # 地址
    email: str = ""
    site_code: str = ""        # 网站标识码
    icp: str = ""              # ICP备案号
    icp_url: str = "https://beian.miit.gov.cn/"
    police_record: str = ""    # 公安机关备案号
    police_record_url: str = ""
    police_badge: str = ""     # the 公安机关备案 badge image as issued, a file of static/
    conac_snippet: str = ""    # 党政机关网站标识, as issued (trusted HTML from the site owner)

    # The labels inspectors look for, in the order a footer shows them.
    REQUIRED = (("organizer", "主办单位"), ("site_code", "网站标识码"), ("phone", "联系电话"),
                ("icp", "ICP备案号"), ("police_record", "公安机关备案号"))

    @property
    def police_url(self) -> str:
        """The 全国互联网安全管理服务平台 query page of the filing number (only a link; never fetched)."""
        digits = "".join(ch for ch in self.police_record if ch.isdigit())
        return self.police_record_url or f"https://beian.mps.gov.cn/#/query/webSearch?code={digits}"

    @property
    def police_badge_path(self) -> str:
        return self.police_badge[len("static/"):] if self.police_badge.startswith("static/") else self.police_badge

    def missing(self) -> list[tuple[str, str]]:
        return [(k, label) for k, label in self.REQUIRED if not getattr(self, k)]


@dataclass(frozen=True)
class SiteQr:
    key: str
    title: str
    url: str = ""
    image: str = ""           # a file of the site's static/ folder, e.g. static/kefu.png

    @property
    def image_path(self) -> str:
        """Where the image is in the output: static/ is copied to the site root as it is."""
        return self.image[len("static/"):] if self.image.startswith("static/") else self.image


@dataclass(frozen=True)
class SiteConfig:
    root: Path
    title: str = "示例县人大常委会"
    base_url: str = "http://127.0.0.1:8000/"
    language: str = "zh-CN"
    author: str = ""
    description: str = ""
    theme: str = "default"
    permalink: str = DEFAULT_PERMALINK
    pagination: int = 20
    summary_length: int = 120
    columns: tuple[ColumnConfig, ...] = ()
    footer: FooterConfig = FooterConfig()
    site: SiteType = SiteType()          # site.type / site.embedded (sitetype.py)
    gongkai: Gongkai = Gongkai()         # 政府信息公开专栏 (sitetype.py)
    report_error_url: str = ""
    qr: tuple[SiteQr, ...] = ()
    search: bool = True
    content_dir: str = "content"
    static_dir: str = "static"
    data_dir: str = "data"
    cache_dir: str = ".congressgen-cache"
    # Sections owned by later stages (check, review, publish, stats, jianyi): their shape is checked
    # at load by SCHEMA below, their meaning (rule names, targets) by their owners.
    check: dict = field(default_factory=dict)
    review: dict = field(default_factory=dict)
    publish: dict = field(default_factory=dict)
    stats: dict = field(default_factory=dict)
    jianyi: dict = field(default_factory=dict)     # 代表建议办理 settings (congressgen.tables.jianyi)
    extra: dict = field(default_factory=dict)
    path: str = CONFIG_FILE
    # Where each key was written (see `position`); not part of the config's value.
    source: YamlMapping = field(default_factory=lambda: YamlMapping({}), compare=False, repr=False)

    def position(self, *keys) -> tuple[int, int]:
        """(line, col) in congressgen.yaml of a key path, e.g. `("publish", "production", "keep")`
        or `("footer", "phone")`: the key's own, else its nearest written parent's, else (1, 1).
        The one way any stage finds where a setting is written."""
        return self.source.position(*keys) or (1, 1)

    def location(self, *keys) -> Location:
        """`position` as a Location in the config file (the file alone when nothing is written)."""
        found = self.source.position(*keys)
        return Location(self.path, *found) if found else Location(self.path)

    @property
    def base_path(self) -> str:
        """The URL path the site lives under, always starting and ending with '/'."""
        path = urlsplit(self.base_url).path or "/"
        return path if path.endswith("/") else path + "/"

    @property
    def domain(self) -> str:
        return urlsplit(self.base_url).netloc

    def absolute_url(self, site_path: str) -> str:
        """`site_path` is relative to the site root ("reports/a.html"); gives the public URL."""
        return self.base_url + site_path.lstrip("/")

    def column(self, key: str) -> ColumnConfig | None:
        return next((c for c in self.columns if c.key == key), None)

    def with_base_url(self, url: str) -> "SiteConfig":
        return replace(self, base_url=normalise_base_url(url, Location(self.path)))

    @property
    def content_path(self) -> Path:
        return self.root / self.content_dir


# ---------------------------------------------------------------------------------------
# The schema: one declarative option per key, run at load (as MkDocs' config_options).
# A section's owner (check, review, publish, stats) declares its shape here as data and
# keeps its meaning (rule names, stage names); a mistake is reported where written.


class Option:
    """Validates one value; `keys` is its path in the file, `at(keys)` where it is written."""

    label = "值"

    def validate(self, value, keys: tuple, at):
        return value

    def fail(self, keys: tuple, at, value) -> ConfigError:
        return ConfigError(at(keys), f"配置项 “{key_path_text(keys)}” 应为{self.label}，实际写的是 {value!r}")


class Text(Option):
    label = "文字"

    def __init__(self, numbers: bool = True):
        self.numbers = numbers     # a bare number (`phone: 12345`) is text too

    def validate(self, value, keys, at):
        if value is None:
            return ""
        if isinstance(value, bool) or not isinstance(value, (str, int) if self.numbers else str):
            raise self.fail(keys, at, value)
        return str(value)


class Integer(Option):
    label = "整数"

    def __init__(self, minimum: int | None = None):
        self.minimum = minimum

    def validate(self, value, keys, at):
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(keys, at, value)
        if self.minimum is not None and value < self.minimum:
            raise ConfigError(at(keys), f"“{key_path_text(keys)}” 应为不小于 {self.minimum} 的整数，实际写的是 {value!r}")
        return value


class Bool(Option):
    label = "true 或 false"

    def validate(self, value, keys, at):
        if not isinstance(value, bool):
            raise self.fail(keys, at, value)
        return value


# Schemes a link written in the config may use; `javascript:`, `data:`, `vbscript:` and the
# like would run in the reader's browser from every page's footer.
SAFE_SCHEMES = ("http", "https", "mailto", "tel")


def unsafe_url(url: str) -> bool:
    """True for a URL whose scheme is not a plain link (the browser ignores tabs, newlines
    and case in a scheme, so `Java\\tScript:` counts)."""
    cleaned = "".join(ch for ch in url if ord(ch) > 32 and ch != "\x7f").lower()
    scheme = urlsplit(cleaned).scheme if ":" in cleaned.split("/", 1)[0] else ""
    return bool(scheme) and scheme not in SAFE_SCHEMES


class Url(Text):
    label = "网址"

    def validate(self, value, keys, at):
        url = super().validate(value, keys, at).strip()
        if unsafe_url(url):
            raise ConfigError(at(keys), f"“{key_path_text(keys)}” 只能是 http(s) 网址、mailto: 或本站路径，"
                                        f"而不是 “{url}”（javascript:、data: 等会在读者浏览器中执行）")
        return url


class BaseUrl(Text):
    label = "网址"

    def validate(self, value, keys, at):
        return normalise_base_url(super().validate(value, keys, at), at(keys))


class Permalink(Text):
    def validate(self, value, keys, at):
        return check_permalink(super().validate(value, keys, at), at(keys))


class ListOf(Option):
    label = "列表"

    def __init__(self, item: Option, single: bool = False):
        self.item, self.single = item, single

    def validate(self, value, keys, at):
        if value is None:
            return []
        if self.single and not isinstance(value, list):
            value = [value]
        if not isinstance(value, list):
            raise self.fail(keys, at, value)
        return [self.item.validate(v, keys + (i,), at) for i, v in enumerate(value)]


class OneOf(Option):
    def __init__(self, *options: Option):
        self.options = options
        self.label = " 或 ".join(o.label for o in options)

    def validate(self, value, keys, at):
        for option in self.options:
            if isinstance(option, (Section, MappingOf)) and isinstance(value, dict):
                return option.validate(value, keys, at)   # its own message names the inner key
            try:
                return option.validate(value, keys, at)
            except ConfigError:
                continue
        raise self.fail(keys, at, value)


class Section(Option):
    """A mapping with known keys. An unknown key is an error (`strict`) or a warning."""

    label = "映射"

    def __init__(self, schema: dict[str, Option], required: tuple[str, ...] = (), strict: bool = True,
                 what: str = "配置项"):
        self.schema, self.required, self.strict, self.what = schema, required, strict, what

    def validate(self, value, keys, at, warnings: list | None = None):
        if value is None:
            value = {}
        if not isinstance(value, dict):
            raise self.fail(keys, at, value)
        result = {}
        for key, item in value.items():
            here = keys + (key,)
            if key not in self.schema:
                message = (f"未知的{self.what} “{key_path_text(here)}”{suggest(key, self.schema)}"
                           f"（可用：{'、'.join(self.schema)}）")
                if self.strict or warnings is None:
                    raise ConfigError(at(here), message)
                warnings.append(Diagnostic(at(here), message + "（已忽略）", "warning"))
                continue
            if item is not None:
                result[key] = self.schema[key].validate(item, here, at)
        for key in self.required:
            if not result.get(key):
                raise ConfigError(at(keys), f"“{key_path_text(keys)}” 缺少 {key}")
        return result


class MappingOf(Option):
    """A mapping with keys the site chooses (column folders, QR codes, publish targets)."""

    label = "映射"

    def __init__(self, item: Option):
        self.item = item

    def validate(self, value, keys, at):
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise self.fail(keys, at, value)
        return {key: self.item.validate(item, keys + (key,), at) for key, item in value.items()}


class Raw(Option):
    """Free-form (the `extra:` values a theme reads)."""

    def validate(self, value, keys, at):
        if not isinstance(value, dict):
            raise self.fail(keys, at, value)
        return value


_FOOTER = Section({name: Url() if name.endswith("_url") else Text()
                   for name in FooterConfig.__dataclass_fields__ if name != "REQUIRED"},
                  strict=False, what="页脚配置项")


class Any(Option):
    """A value whose owner gives it meaning and checks it (a column's update `limit`: 2周, 6个月, 14)."""


_COLUMN = OneOf(Text(), Section({"title": Text(), "description": Text(), "type": Text(),
                                 "limit": Any(), "parent": Text()}, what="栏目配置项"))
_QR = Section({"title": Text(), "url": Url(), "image": Text()}, what="二维码配置项")
# Owned by check (check/engine.py gives rule names their meaning).
_CHECK = Section({"rules": MappingOf(OneOf(Bool(), Text())), "hotlines": ListOf(Text(), single=True),
                  "external_links": Bool()}, what="检查配置项")
# Owned by review (review.ReviewPolicy).
_REVIEW = Section({"required": Bool(), "stages": ListOf(Text()), "show_on_page": Bool()}, what="审核配置项")
# Owned by publish (publish.parse_target): each target a folder or user@host:/dir.
_TARGET = OneOf(Text(False), Section({"path": Text(False), "base_url": BaseUrl(), "keep": Integer(1),
                                      "ssh_options": OneOf(Text(False), ListOf(Text(False)))},
                                required=("path",), what="发布目标配置项"))
# Owned by stats (stats.ingest.extra_bots).
_STATS = Section({"bots": ListOf(Text())}, what="统计配置项")

SCHEMA = Section({
    "title": Text(), "base_url": BaseUrl(), "language": Text(), "author": Text(), "description": Text(),
    "theme": Text(), "permalink": Permalink(), "pagination": Integer(1), "summary_length": Integer(1),
    "columns": MappingOf(_COLUMN), "footer": _FOOTER, "report_error_url": Url(), "qr": MappingOf(_QR),
    "search": Bool(), "content_dir": Text(), "static_dir": Text(), "data_dir": Text(), "cache_dir": Text(),
    "check": _CHECK, "review": _REVIEW, "publish": MappingOf(_TARGET), "stats": _STATS, "extra": Raw(),
    # Owned by sitetype (site type, 政府信息公开专栏): parse_type_sections validates them.
    "site": Raw(), "gongkai": Raw(),
    # Owned by tables.jianyi (代表建议办理 settings): its load_settings validates it.
    "jianyi": Raw(),
}, strict=False)

PERMALINK_TOKENS = ("column", "id", "yyyy", "year", "mm", "dd", "yyyymm", "yyyymmdd")


def check_permalink(pattern: str, where: Location) -> str:
    """A permalink uses only plain `{token}`s, and `{id}` (else reports would share a URL)."""
    available = "、".join("{" + t + "}" for t in PERMALINK_TOKENS)
    try:
        parsed = list(string.Formatter().parse(pattern))
    except ValueError:
        raise ConfigError(where, f"permalink “{pattern}” 的花括号不成对；占位符写成 {{id}} 这样") from None
    names = []
    for _literal, name, spec, conversion in parsed:
        if name is None:
            continue
        if name not in PERMALINK_TOKENS or spec or conversion:
            shown = "{" + name + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "") + "}"
            raise ConfigError(where, f"permalink 中有未知的占位符 {shown}；可用：{available}")
        names.append(name)
    if "id" not in names:
        raise ConfigError(where, "permalink 必须包含 {id}，否则不同报告会写到同一网址")
    return pattern


def check_cache_dir(value: str, where: Location, sources: dict[str, str]) -> None:
    """The cache folder is pruned by congressgen: it must be a folder of its own inside the
    site, never the site itself, a folder of its sources, or a place outside it."""
    path = PurePosixPath(value.replace("\\", "/"))
    if path.is_absolute() or ".." in path.parts or str(path) in ("", ".") or re.match(r"^[A-Za-z]:", value):
        raise ConfigError(where, f"cache_dir 应为网站目录中的一个单独文件夹（如 .congressgen-cache），而不是 “{value}”")
    for key, folder in list(sources.items()) + [("themes", "themes")]:
        own = PurePosixPath(folder)
        if path == own or own in path.parents or path in own.parents:
            raise ConfigError(where, f"cache_dir “{value}” 与 {key if key == 'themes' else key + ' ' + folder}/ 重叠："
                                     "缓存清理会删除其中的文件；请用单独的文件夹，如 .congressgen-cache")


def suggest(key: str, known) -> str:
    close = difflib.get_close_matches(str(key), [str(k) for k in known], n=1, cutoff=0.75)
    return f"，是不是 “{close[0]}”？" if close else ""


def normalise_base_url(url: str, where: Location) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(where, f"base_url 必须是完整网址，如 https://rd.example.gov.cn/ ，而不是 “{url}”")
    return url if url.endswith("/") else url + "/"


def load_config(root: Path) -> tuple[SiteConfig, list[Diagnostic]]:
    """Read SOURCE/congressgen.yaml. Returns the config and the warnings to show."""
    path = root / CONFIG_FILE
    shown = str(path)
    root = root.resolve()
    if not path.is_file():
        raise ConfigError(Location(shown), f"找不到网站配置文件 {CONFIG_FILE}；请在网站目录中运行，或用 congressgen init 新建网站")
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise ConfigError(Location(shown, line, col), "配置文件不是 UTF-8 编码；请用记事本“另存为 UTF-8”后再试") from None
    doc = load_mapping(text.replace("\r\n", "\n"), shown, 0, what="配置文件", error=ConfigError)
    return parse_config(doc, root, shown)


def parse_config(doc: YamlMapping, root: Path, shown: str) -> tuple[SiteConfig, list[Diagnostic]]:
    warnings: list[Diagnostic] = []

    def at(keys: tuple) -> Location:
        return doc.location(shown, *keys)

    data = SCHEMA.validate(doc.data, (), at, warnings)
    kwargs = {key: data[key] for key in ("title", "language", "author", "description", "theme", "permalink",
                                         "report_error_url", "content_dir", "static_dir", "data_dir", "cache_dir",
                                         "pagination", "summary_length", "search", "base_url",
                                         "check", "review", "publish", "stats", "jianyi", "extra") if key in data}
    types = parse_type_sections(data, lambda *keys: at(keys), root, data.get("columns", {}))
    kwargs["site"], kwargs["gongkai"] = types.site, types.gongkai
    columns = []
    for key, value in data.get("columns", {}).items():
        value = {"title": value} if isinstance(value, str) else value
        columns.append(ColumnConfig(key, value.get("title") or key, value.get("description", ""), value.get("type", ""),
                                    types.limits.get(key), value.get("parent", "")))
    kwargs["columns"] = tuple(columns)
    kwargs["footer"] = FooterConfig(**data.get("footer", {}))
    qrs = []
    for key, value in data.get("qr", {}).items():
        if not (value.get("url") or value.get("image")):
            raise ConfigError(at(("qr", key)), f"二维码 “{key}” 需要 url（生成二维码）或 image（图片文件）之一")
        qrs.append(SiteQr(key, value.get("title") or key, value.get("url", ""), value.get("image", "")))
    kwargs["qr"] = tuple(qrs)

    for key in ("cache_dir",):
        if key in kwargs:
            check_cache_dir(kwargs[key], at((key,)), {k: kwargs.get(k, getattr(SiteConfig, k))
                                                      for k in ("content_dir", "static_dir", "data_dir")})
    config = SiteConfig(root=root, path=shown, source=doc, **kwargs)
    if not config.author:
        config = replace(config, author=config.footer.organizer or config.title)
    return config, warnings
