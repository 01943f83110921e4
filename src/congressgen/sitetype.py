"""Site types (config stage): `site:` (人大 or 政府, embedded in a portal or not, the fatal
staleness limit), the columns' update limits and the `gongkai:` section a 政府 site's
政府信息公开专栏 is generated from. See docs/site-types.md for the norms behind each part."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path


from congressgen.errors import ConfigError, Location

TYPES = ("人大", "政府")
SITE_KEYS = ("type", "embedded", "stale_error")

# Column types of the 政府信息公开专栏 (条例 / 国办公开办函〔2019〕61号): reached from the 专栏,
# not from the top navigation.
ZHIDU, FADING, NIANBAO = "政府信息公开制度", "法定主动公开内容", "政府信息公开年报"
ZHUANLAN_TYPES = (ZHIDU, FADING, NIANBAO)


@dataclass(frozen=True)
class Limit:
    """How long a column may go without a new item: `count` days, weeks, months or years."""

    count: int
    unit: str                  # d, w, m, y

    def due(self, day: dt.date) -> dt.date:
        """The last day on which an item newer than `day` is still in time."""
        if self.unit == "d":
            return day + dt.timedelta(days=self.count)
        if self.unit == "w":
            return day + dt.timedelta(weeks=self.count)
        months = self.count * (12 if self.unit == "y" else 1)
        year, month = divmod(day.month - 1 + months, 12)
        year += day.year
        month += 1
        last = (dt.date(year + (month == 12), month % 12 + 1, 1) - dt.timedelta(days=1)).day
        return dt.date(year, month, min(day.day, last))

    @property
    def text(self) -> str:
        return f"{self.count}{ {'d': '天', 'w': '周', 'm': '个月', 'y': '年'}[self.unit] }"


OFF = "off"   # a column written `limit: off`: no update limit
# Defaults from the usual inspection figures (国办秘函〔2019〕19号): 动态 2 weeks,
# 通知公告 and 政策文件 6 months; other types have no limit unless the column sets one.
DEFAULT_LIMITS = {"动态": Limit(2, "w"), "要闻": Limit(2, "w"), "通知公告": Limit(6, "m"), "政策文件": Limit(6, "m")}
_UNITS = {"d": "d", "天": "d", "日": "d", "w": "w", "周": "w", "m": "m", "个月": "m", "月": "m", "y": "y", "年": "y"}
_LIMIT = re.compile(r"^\s*(\d+)\s*(d|w|m|y|天|日|周|个月|月|年)\s*$")


def parse_limit(value, at, key: str) -> "Limit | str | None":
    """A limit as written: 14 (days), "14d", "2w", "6m", "1y" (or 14天, 2周, 6个月, 1年), or off."""
    if value is None:
        return None
    if value is False or (isinstance(value, str) and value.strip().lower() in ("off", "none", "不限")):
        return OFF
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return Limit(value, "d")
    match = _LIMIT.match(value) if isinstance(value, str) else None
    if not match or int(match.group(1)) < 1:
        raise ConfigError(at(), f"“{key}” 应写成期限，如 14d（天）、2w（周）、6m（个月）、1y（年）或 off，而不是 {value!r}")
    return Limit(int(match.group(1)), _UNITS[match.group(2)])


@dataclass(frozen=True)
class SiteType:
    type: str = ""             # "", 人大 or 政府 ("" = a generic site, as `init` made before types)
    embedded: bool = False     # a column inside a larger portal: the portal owns the site identity
    stale_error: Limit | None = None   # a column older than this (and its own limit) is an error

    @property
    def typed(self) -> bool:
        return bool(self.type)

    @property
    def government(self) -> bool:
        return self.type == "政府"


# (key, label as the 指南 shows it) — 条例 第十二条 / 指南 content.
GUIDE_FIELDS = (("organ", "机构"), ("address", "办公地址"), ("office_hours", "办公时间"), ("phone", "联系电话"),
                ("fax", "传真"), ("email", "电子邮箱"), ("obtain", "获取政府信息的方式"),
                ("apply", "依申请公开的办理方式"))
_APPLY_KEYS = ("text", "form", "form_title", "online_url", "online_title")
_GONGKAI_KEYS = ("guide", "intro", "apply", "catalog_page_size")


@dataclass(frozen=True)
class Gongkai:
    """`gongkai:`: the 政府信息公开指南 fields, the 依申请公开 page and the 目录's page size."""

    guide: tuple[tuple[str, str, str], ...] = ()    # (key, label, text) in GUIDE_FIELDS order
    intro: str = ""
    apply_text: str = ""
    apply_form: str = ""          # a file of static/ (copied to the site root as it is)
    apply_form_title: str = "政府信息公开申请表"
    online_url: str = ""
    online_title: str = "在线申请"
    catalog_page_size: int = 50

    def field(self, key: str) -> str:
        return next((text for k, _, text in self.guide if k == key), "")

    @property
    def apply_form_path(self) -> str:
        return self.apply_form[len("static/"):] if self.apply_form.startswith("static/") else self.apply_form


@dataclass(frozen=True)
class TypeSections:
    site: SiteType = SiteType()
    gongkai: Gongkai = Gongkai()
    limits: dict = field(default_factory=dict)     # column key -> Limit | OFF


def _mapping(value, at, key: str, known: tuple[str, ...]) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ConfigError(at(), f"“{key}” 应为映射（{'、'.join(known)}）")
    for sub in value:
        if sub not in known:
            raise ConfigError(at(), f"未知的配置项 “{key}.{sub}”（可用：{'、'.join(known)}）")
    return value


def _string(value, at, key: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, (str, int)) or isinstance(value, bool):
        raise ConfigError(at(), f"“{key}” 应为文字")
    return str(value).strip()


def parse_type_sections(data: dict, where, root: Path, columns: dict) -> TypeSections:
    """`site:`, `gongkai:` and each column's `limit` and `parent` (from `columns`, key -> mapping);
    `where(*keys)` is the Location of a key in congressgen.yaml (SiteConfig's positions)."""
    raw_site = _mapping(data.get("site"), partial(where, "site"), "site", SITE_KEYS)
    kind = _string(raw_site.get("type"), partial(where, "site", "type"), "site.type")
    if kind and kind not in TYPES:
        raise ConfigError(where("site", "type"), f"site.type 应为 人大 或 政府，而不是 “{kind}”")
    embedded = raw_site.get("embedded", False)
    if not isinstance(embedded, bool):
        raise ConfigError(where("site", "embedded"), "site.embedded 应为 true 或 false")
    stale = parse_limit(raw_site.get("stale_error"), partial(where, "site", "stale_error"), "site.stale_error")
    site = SiteType(kind, embedded, stale if isinstance(stale, Limit) else None)

    limits = {}
    for key, value in columns.items():
        if not isinstance(value, dict):
            continue
        limit = parse_limit(value.get("limit"), partial(where, "columns", key, "limit"), f"columns.{key}.limit")
        if limit is not None:
            limits[key] = limit
        parent = value.get("parent")
        if parent is not None and (parent not in columns or parent == key):
            raise ConfigError(where("columns", key, "parent"),
                              f"栏目 “{key}” 的 parent “{parent}” 不是已配置的另一个栏目")

    raw = _mapping(data.get("gongkai"), partial(where, "gongkai"), "gongkai", _GONGKAI_KEYS)
    guide_raw = _mapping(raw.get("guide"), partial(where, "gongkai", "guide"), "gongkai.guide",
                         tuple(k for k, _ in GUIDE_FIELDS))
    guide = tuple((k, label, _string(guide_raw.get(k), partial(where, "gongkai", "guide", k), f"gongkai.guide.{k}"))
                  for k, label in GUIDE_FIELDS)
    apply_raw = _mapping(raw.get("apply"), partial(where, "gongkai", "apply"), "gongkai.apply", _APPLY_KEYS)
    apply = {k: _string(apply_raw.get(k), partial(where, "gongkai", "apply", k), f"gongkai.apply.{k}")
             for k in _APPLY_KEYS}
    size = raw.get("catalog_page_size", 50)
    if not isinstance(size, int) or isinstance(size, bool) or size < 1:
        raise ConfigError(where("gongkai", "catalog_page_size"), "gongkai.catalog_page_size 应为大于 0 的整数")
    gongkai = Gongkai(guide, _string(raw.get("intro"), partial(where, "gongkai", "intro"), "gongkai.intro"),
                      apply["text"], apply["form"], apply["form_title"] or Gongkai.apply_form_title,
                      apply["online_url"], apply["online_title"] or Gongkai.online_title, size)
    if site.government:
        _require_gongkai(gongkai, root, where)
        written = {v.get("type") for v in columns.values() if isinstance(v, dict)}
        if (root / str(data.get("data_dir") or "data") / "nianbao").is_dir():
            written.add(NIANBAO)   # the 年报 pages come from data files (docs/data.md)
        for kind in ZHUANLAN_TYPES:
            if kind not in written:
                raise ConfigError(where("columns"), f"政府网站的政府信息公开专栏需要 type 为 “{kind}” 的栏目；请在 columns 中添加")
    return TypeSections(site, gongkai, limits)


def _require_gongkai(gongkai: Gongkai, root: Path, where) -> None:
    """What a 政府 site's 指南 and 依申请公开 page cannot do without."""
    for key, label, text in gongkai.guide:
        if not text:
            raise ConfigError(where("gongkai", "guide", key),
                              f"政府网站的政府信息公开指南缺少“{label}”：请在 congressgen.yaml 中填写 gongkai.guide.{key}")
    if not gongkai.apply_form:
        raise ConfigError(where("gongkai", "apply", "form"),
                          "依申请公开需要可下载的申请表：请把文件放在 static/ 中，并在 gongkai.apply.form 中写明，如 static/zfxxgk/shenqingbiao.docx")
    form = root / gongkai.apply_form
    if not form.is_file():
        raise ConfigError(where("gongkai", "apply", "form"), f"申请表文件 “{gongkai.apply_form}” 不存在（相对于网站目录）")
    if not gongkai.apply_form.startswith("static/"):
        raise ConfigError(where("gongkai", "apply", "form"), f"申请表 “{gongkai.apply_form}” 应放在 static/ 中，才会复制到网站")
    if not re.match(r"^https?://[^/\s]+", gongkai.online_url):
        raise ConfigError(where("gongkai", "apply", "online_url"),
                          "依申请公开需要本县在线申请渠道的网址：请填写 gongkai.apply.online_url（如 https://www.example.gov.cn/ysqgk/）")
