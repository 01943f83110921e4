"""Site configuration (`congressgen.yaml`): load, validate, and give it a typed shape."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import urlsplit

from congressgen.errors import ConfigError, Diagnostic, Location
from congressgen.yamlsrc import YamlMapping, load_mapping

CONFIG_FILE = "congressgen.yaml"
DEFAULT_PERMALINK = "/{column}/{yyyymm}/t{yyyymmdd}_{id}.html"


@dataclass(frozen=True)
class ColumnConfig:
    key: str
    title: str
    description: str = ""
    type: str = ""  # ColumnType meta, e.g. 工作报告 / 动态 / 通知公告


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
    conac_snippet: str = ""    # 党政机关网站标识, as issued (trusted HTML from the site owner)

    # The labels inspectors look for, in the order a footer shows them.
    REQUIRED = (("organizer", "主办单位"), ("site_code", "网站标识码"), ("phone", "联系电话"),
                ("icp", "ICP备案号"), ("police_record", "公安机关备案号"))

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
    report_error_url: str = ""
    qr: tuple[SiteQr, ...] = ()
    search: bool = True
    content_dir: str = "content"
    static_dir: str = "static"
    data_dir: str = "data"
    cache_dir: str = ".congressgen-cache"
    # Sections owned by later stages (check, review, publish, stats, jianyi); validated there.
    check: dict = field(default_factory=dict)
    review: dict = field(default_factory=dict)
    publish: dict = field(default_factory=dict)
    stats: dict = field(default_factory=dict)
    jianyi: dict = field(default_factory=dict)     # 代表建议办理 settings (congressgen.tables.jianyi)
    extra: dict = field(default_factory=dict)
    path: str = CONFIG_FILE

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


# key -> (accepted types, description for messages)
_TOP_LEVEL: dict[str, tuple[tuple[type, ...], str]] = {
    "title": ((str,), "文字"), "base_url": ((str,), "网址"), "language": ((str,), "文字"),
    "author": ((str,), "文字"), "description": ((str,), "文字"), "theme": ((str,), "文字"),
    "permalink": ((str,), "文字"), "pagination": ((int,), "整数"), "summary_length": ((int,), "整数"),
    "columns": ((dict,), "映射"), "footer": ((dict,), "映射"), "report_error_url": ((str,), "网址"),
    "qr": ((dict,), "映射"), "search": ((bool,), "true 或 false"), "content_dir": ((str,), "文字"),
    "static_dir": ((str,), "文字"), "data_dir": ((str,), "文字"), "cache_dir": ((str,), "文字"),
    "check": ((dict,), "映射"), "review": ((dict,), "映射"), "publish": ((dict,), "映射"),
    "stats": ((dict,), "映射"), "jianyi": ((dict,), "映射"), "extra": ((dict,), "映射"),
}
_FOOTER_KEYS = {f for f in FooterConfig.__dataclass_fields__}


def _type_ok(value, types: tuple[type, ...]) -> bool:
    if bool in types:
        return isinstance(value, bool)
    if int in types and isinstance(value, bool):
        return False
    return isinstance(value, types)


def suggest(key: str, known) -> str:
    close = difflib.get_close_matches(key, list(known), n=1, cutoff=0.75)
    return f"，是不是 “{close[0]}”？" if close else ""


def normalise_base_url(url: str, where: Location) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(where, f"base_url 必须是完整网址，如 https://rd.example.gov.cn/ ，而不是 “{url}”")
    return url if url.endswith("/") else url + "/"


def _text(value, where: Location, key: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, (str, int)) or isinstance(value, bool):
        raise ConfigError(where, f"“{key}” 应为文字")
    return str(value)


def load_config(root: Path) -> tuple[SiteConfig, list[Diagnostic]]:
    """Read SOURCE/congressgen.yaml. Returns the config and the warnings to show."""
    path = root / CONFIG_FILE
    shown = str(path)
    root = root.resolve()
    if not path.is_file():
        raise ConfigError(Location(shown), f"找不到网站配置文件 {CONFIG_FILE}；请在网站目录中运行，或用 congressgen init 新建网站")
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ConfigError(Location(shown, 1, 1), "配置文件不是 UTF-8 编码；请用记事本“另存为 UTF-8”后再试") from None
    doc = load_mapping(text.replace("\r\n", "\n"), shown, 0, what="配置文件")
    return parse_config(doc, root, shown)


def parse_config(doc: YamlMapping, root: Path, shown: str) -> tuple[SiteConfig, list[Diagnostic]]:
    warnings: list[Diagnostic] = []
    data = doc.data
    for key, value in data.items():
        where = doc.location(shown, key)
        if key not in _TOP_LEVEL:
            warnings.append(Diagnostic(where, f"未知的配置项 “{key}”{suggest(key, _TOP_LEVEL)}（已忽略）", "warning"))
            continue
        types, label = _TOP_LEVEL[key]
        if value is not None and not _type_ok(value, types):
            raise ConfigError(where, f"配置项 “{key}” 应为{label}，实际写的是 {value!r}")

    def where(key: str) -> Location:
        return doc.location(shown, key)

    kwargs: dict = {}
    for key in ("title", "language", "author", "description", "theme", "permalink",
                "report_error_url", "content_dir", "static_dir", "data_dir", "cache_dir"):
        if data.get(key) is not None:
            kwargs[key] = data[key]
    for key in ("pagination", "summary_length"):
        if data.get(key) is not None:
            if data[key] < 1:
                raise ConfigError(where(key), f"“{key}” 必须大于 0")
            kwargs[key] = data[key]
    if data.get("search") is not None:
        kwargs["search"] = data["search"]
    for key in ("check", "review", "publish", "stats", "jianyi", "extra"):
        if data.get(key) is not None:
            kwargs[key] = data[key]
    if data.get("base_url") is not None:
        kwargs["base_url"] = normalise_base_url(data["base_url"], where("base_url"))
    if "permalink" in kwargs and "{id}" not in kwargs["permalink"]:
        raise ConfigError(where("permalink"), "permalink 必须包含 {id}，否则不同报告会写到同一网址")

    columns = []
    for key, value in (data.get("columns") or {}).items():
        if isinstance(value, str):
            value = {"title": value}
        if not isinstance(value, dict) or not isinstance(value.get("title", ""), str):
            raise ConfigError(where("columns"), f"栏目 “{key}” 应写成 {{title: 栏目名称}}")
        columns.append(ColumnConfig(str(key), value.get("title") or str(key),
                                    _text(value.get("description"), where("columns"), "description"),
                                    _text(value.get("type"), where("columns"), "type")))
    kwargs["columns"] = tuple(columns)

    footer = data.get("footer") or {}
    for key in footer:
        if key not in _FOOTER_KEYS - {"REQUIRED"}:
            warnings.append(Diagnostic(where("footer"), f"未知的页脚配置项 “footer.{key}”{suggest(key, _FOOTER_KEYS)}（已忽略）", "warning"))
    kwargs["footer"] = FooterConfig(**{k: _text(v, where("footer"), f"footer.{k}")
                                       for k, v in footer.items() if k in _FOOTER_KEYS})

    qrs = []
    for key, value in (data.get("qr") or {}).items():
        if not isinstance(value, dict) or not (value.get("url") or value.get("image")):
            raise ConfigError(where("qr"), f"二维码 “{key}” 需要 url（生成二维码）或 image（图片文件）之一")
        qrs.append(SiteQr(str(key), _text(value.get("title"), where("qr"), "title") or str(key),
                          _text(value.get("url"), where("qr"), "url"), _text(value.get("image"), where("qr"), "image")))
    kwargs["qr"] = tuple(qrs)

    config = SiteConfig(root=root, path=shown, **kwargs)
    if not config.author:
        config = replace(config, author=config.footer.organizer or config.title)
    return config, warnings
