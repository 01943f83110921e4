"""代表建议办理情况 from `data/jianyi/YEAR.csv` (as Excel saves it) or `YEAR.yaml`: one row
per 建议, replies inline (column 答复) or as Markdown files beside it (`YEAR/编号.md`, or the
file a 答复文件 cell names). Columns are found by their Chinese header; columns holding a
代表's contact details (联系电话, 地址 …) are never read, so they can never be published.

The summary's percentages add up to exactly 100 %: each is rounded to 0.1 % by the largest
remainder method, and a share that differs from plain rounding is marked so (`Share.adjusted`).
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

from congressgen.errors import ConfigError, CongressError, Location
from congressgen.tables.csvsrc import CsvError, decode_table, parse_csv
from congressgen.tables.problems import DataProblem, DataProblems
from congressgen.tables.files import year_files
from congressgen.yamlpos import load_mapping

DEFAULT_CATEGORIES = (("A", "已解决或基本解决"), ("B", "列入计划逐步解决"), ("C", "因条件限制需以后解决"),
                      ("D", "留作参考"))
DEFAULT_SATISFACTION = ("满意", "基本满意", "不满意")

# field -> the headers a clerk's sheet may use for it (the first is the documented one)
FIELDS: dict[str, tuple[str, ...]] = {
    "number": ("编号", "建议编号", "序号"),
    "title": ("标题", "建议标题", "案由"),
    "lead": ("领衔代表", "提出代表", "代表"),
    "co_signers": ("附议代表", "联名代表"),
    "delegation": ("代表团", "选区", "代表团/选区"),
    "lead_unit": ("主办单位", "承办单位"),
    "assist_units": ("协办单位",),
    "assigned": ("交办日期",),
    "answered": ("答复日期",),
    "published": ("公开日期",),
    "category": ("类别", "办理结果类别", "办理结果"),
    "satisfaction": ("满意度", "代表满意度"),
    "reply": ("答复", "答复内容", "答复全文"),
    "reply_file": ("答复文件",),
    "session": ("届次",),
}
REQUIRED = ("number", "title", "lead", "lead_unit", "assigned")
# A 代表's contact details: never read into the site (国办发〔2014〕46号: not to be published).
CONTACT_HEADERS = ("联系电话", "电话", "手机", "手机号", "手机号码", "联系方式", "地址", "住址", "家庭住址",
                   "通讯地址", "联系地址", "身份证号", "身份证号码", "邮箱", "电子邮箱")
_LIST_SPLIT = re.compile(r"[、，,;；\s]+")
_DATE = re.compile(r"^\s*(\d{4})\s*(?:[-/.年])\s*(\d{1,2})\s*(?:[-/.月])\s*(\d{1,2})\s*日?\s*(?:0?0:00(?::00)?)?\s*$")


# ---------------------------------------------------------------------------------------
# Settings (`jianyi:` in congressgen.yaml)


@dataclass(frozen=True)
class JianyiSettings:
    categories: tuple[tuple[str, str], ...] = DEFAULT_CATEGORIES    # (code, wording)
    satisfaction: tuple[str, ...] = DEFAULT_SATISFACTION
    answer_within_months: int = 3      # 答复 due this long after 交办
    publish_within_days: int = 30      # 公开 due this long after 答复

    def category_label(self, code: str) -> str:
        return dict(self.categories).get(code, "")

    def normalise_category(self, text: str) -> str | None:
        """The code a cell means: "A", "A类", "a" or the wording itself; None when unknown."""
        value = text.strip()
        if value.endswith("类") and len(value) > 1:
            value = value[:-1].strip()
        for code, label in self.categories:
            if value.upper() == code.upper() or value == label or value == f"{code}类（{label}）":
                return code
        return None


SETTINGS_KEYS = ("categories", "satisfaction", "answer_within_months", "publish_within_days")


def load_settings(raw: dict | None, config_location) -> JianyiSettings:
    """Validate the `jianyi:` section; a mistake is a config error where it was written
    (`config_location(*keys)` is SiteConfig.location)."""
    raw = raw or {}

    def where(key: str | None = None) -> Location:
        return config_location("jianyi", key) if key else config_location("jianyi")

    if not isinstance(raw, dict):
        raise ConfigError(where(), "jianyi 应写成“键: 值”的映射")
    for key in raw:
        if key not in SETTINGS_KEYS:
            raise ConfigError(where(str(key)), f"未知的配置项 “jianyi.{key}”（可用：{'、'.join(SETTINGS_KEYS)}）")
    kwargs: dict = {}
    if "categories" in raw:
        value = raw["categories"]
        if not isinstance(value, dict) or not value or not all(isinstance(v, str) and v for v in value.values()):
            raise ConfigError(where("categories"), "jianyi.categories 应写成 {代码: 含义}，如 {A: 已解决或基本解决, B: 列入计划逐步解决}")
        kwargs["categories"] = tuple((str(k), v) for k, v in value.items())
    if "satisfaction" in raw:
        value = raw["satisfaction"]
        if not isinstance(value, list) or not value or not all(isinstance(v, str) and v for v in value):
            raise ConfigError(where("satisfaction"), "jianyi.satisfaction 应为列表，如 [满意, 基本满意, 不满意]")
        kwargs["satisfaction"] = tuple(value)
    for key in ("answer_within_months", "publish_within_days"):
        if key in raw:
            value = raw[key]
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ConfigError(where(key), f"jianyi.{key} 应为正整数，实际写的是 {value!r}")
            kwargs[key] = value
    return JianyiSettings(**kwargs)


# ---------------------------------------------------------------------------------------
# The values


@dataclass(frozen=True)
class Suggestion:
    year: int
    number: str                  # 编号 as written
    slug: str                    # ASCII, for the page's file name
    title: str
    lead: str                    # 领衔代表
    co_signers: tuple[str, ...]  # 附议代表
    delegation: str              # 代表团/选区
    lead_unit: str               # 主办单位
    assist_units: tuple[str, ...]
    assigned: dt.date            # 交办日期
    answered: dt.date | None     # 答复日期
    published: dt.date | None    # 公开日期 (None: published with this build)
    category: str                # code, "" while not answered
    category_label: str
    satisfaction: str
    reply_html: str
    reply_text: str
    session: str = ""

    @property
    def path(self) -> str:
        return f"jianyi/{self.year}/{self.slug}.html"

    @property
    def done(self) -> bool:
        return self.answered is not None

    @property
    def units(self) -> tuple[str, ...]:
        """主办 then 协办 units (the list's 承办单位 filter matches any of them)."""
        return (self.lead_unit, *self.assist_units)


@dataclass(frozen=True)
class FieldText:
    """A published text of a 建议 and where it was written (for the PII rules)."""

    number: str
    name: str                    # the column header
    text: str
    path: str
    line: int
    col: int


@dataclass(frozen=True)
class Share:
    key: str
    label: str
    count: int
    percent: str                 # one decimal, the shares of one summary adding to 100.0
    adjusted: bool = False       # differs from plain rounding (largest remainder moved it)


@dataclass(frozen=True)
class Summary:
    total: int
    answered: int
    categories: tuple[Share, ...]
    satisfaction: tuple[Share, ...]
    rated: int                   # how many have a 满意度
    sentence: str

    @property
    def adjusted(self) -> bool:
        return any(s.adjusted for s in self.categories + self.satisfaction)


@dataclass(frozen=True)
class SuggestionYear:
    year: int
    session: str
    source: str                               # site-root-relative path of the file
    suggestions: tuple[Suggestion, ...]       # in the file's order
    summary: Summary
    units: tuple[str, ...]                    # every 主办/协办单位, for the filter
    lines: dict = field(default_factory=dict)                 # number -> line of its row (checks)
    texts: tuple[FieldText, ...] = ()                         # published texts with positions (checks)

    @property
    def path(self) -> str:
        return f"jianyi/{self.year}/index.html"

    @property
    def title(self) -> str:
        return f"{self.year}年代表建议办理情况"


# ---------------------------------------------------------------------------------------
# Percentages


def shares(items: list[tuple[str, str, int]], base: int) -> tuple[Share, ...]:
    """(key, label, count) → shares in 0.1 % adding to exactly 100.0 (largest remainder; ties
    to the earlier item). With base 0 every share is 0.0."""
    if base <= 0:
        return tuple(Share(k, label, c, "0.0") for k, label, c in items)
    exact = [c * 1000 / base for _, _, c in items]
    units = [int(e) for e in exact]
    left = 1000 - sum(units)
    order = sorted(range(len(items)), key=lambda i: (-(exact[i] - units[i]), i))
    for i in order[:left]:
        units[i] += 1
    result = []
    for (k, label, c), unit, e in zip(items, units, exact):
        plain = int(e + 0.5)            # plain rounding half up, in tenths
        result.append(Share(k, label, c, f"{unit // 10}.{unit % 10}", unit != plain))
    return tuple(result)


def summarise(suggestions: tuple[Suggestion, ...], settings: JianyiSettings) -> Summary:
    total = len(suggestions)
    done = [s for s in suggestions if s.done]
    categories = shares([(code, label, sum(1 for s in done if s.category == code))
                         for code, label in settings.categories], len(done))
    rated = [s for s in done if s.satisfaction]
    satisfaction = shares([(v, v, sum(1 for s in rated if s.satisfaction == v)) for v in settings.satisfaction],
                          len(rated))
    parts = "；".join(f"{s.key} 类（{s.label}）{s.count} 件，占 {s.percent}%" for s in categories)
    if not total:
        sentence = "本年度尚未收到代表建议。"
    elif len(done) == total:
        sentence = f"共收到代表建议 {total} 件，已全部办结，其中 {parts}。"
    else:
        sentence = (f"共收到代表建议 {total} 件，已办结 {len(done)} 件，正在办理 {total - len(done)} 件；"
                    f"已办结的建议中，{parts}。" if done else
                    f"共收到代表建议 {total} 件，均在办理中。")
    if rated:
        sentence += "代表对办理工作" + "，".join(f"{s.label} {s.count} 件，占 {s.percent}%" for s in satisfaction) + "。"
    return Summary(total, len(done), categories, satisfaction, len(rated), sentence)


# ---------------------------------------------------------------------------------------
# Reading


def parse_date(text: str) -> dt.date | None:
    """2024-03-05, 2024/3/5, 2024.3.5, 2024年3月5日 (Excel may add 0:00). Raises ValueError."""
    m = _DATE.match(text)
    if not m:
        raise ValueError(text)
    return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))


def add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _slug(number: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9]+", "-", number).strip("-").lower()
    return slug


@dataclass
class _Row:
    """One 建议 as written: field -> (text, location)."""

    line: int
    cells: dict


def _csv_rows(text: str, shown: str, problems: list[DataProblem]) -> list[_Row]:
    try:
        table = parse_csv(text)
    except CsvError as exc:
        problems.append(DataProblem(Location(shown, exc.line, exc.col), "data-invalid", exc.message))
        return []
    if not table:
        problems.append(DataProblem(Location(shown, 1, 1), "data-invalid", "文件是空的：第一行应为表头（编号,标题,领衔代表,…）"))
        return []
    header, *body = table
    columns: dict[int, str] = {}
    seen: dict[str, int] = {}
    for index, cell in enumerate(header.cells):
        name = cell.value.strip().lstrip("\ufeff")
        if name in CONTACT_HEADERS or not name:
            continue
        for key, names in FIELDS.items():
            if name in names:
                if key in seen:
                    problems.append(DataProblem(Location(shown, cell.line, cell.col), "data-invalid",
                                                f"表头 “{name}” 与第 {seen[key] + 1} 列重复（同一项只能有一列）"))
                seen[key] = index
                columns[index] = key
    for key in REQUIRED:
        if key not in seen:
            problems.append(DataProblem(Location(shown, header.line, 1), "data-invalid",
                                        f"缺少 “{FIELDS[key][0]}” 列（表头应含：{'、'.join(FIELDS[k][0] for k in REQUIRED)}）"))
    if any(p.location.path == shown and "列（表头" in p.message for p in problems):
        return []
    rows = []
    for row in body:
        cells = {}
        for index, key in columns.items():
            if index < len(row.cells):
                cell = row.cells[index]
                cells[key] = (cell.value, Location(shown, cell.line, cell.col))
        if len(row.cells) > len(header.cells) and any(c.value.strip() for c in row.cells[len(header.cells):]):
            extra = row.cells[len(header.cells)]
            problems.append(DataProblem(Location(shown, extra.line, extra.col), "data-invalid",
                                        f"这一行有 {len(row.cells)} 格，比表头多（表头 {len(header.cells)} 列）；"
                                        "文字中的逗号要放在引号里"))
        rows.append(_Row(row.line, cells))
    return rows


def _yaml_rows(text: str, shown: str, problems: list[DataProblem]) -> tuple[list[_Row], str]:
    try:
        doc = load_mapping(text, shown, what="建议文件")
    except CongressError as exc:
        problems.append(DataProblem(exc.location, "data-invalid", exc.message))
        return [], ""
    positions = doc.positions
    items = doc.data.get("suggestions")
    if not isinstance(items, list):
        problems.append(DataProblem(doc.location(shown, "suggestions") if "suggestions" in doc.data else Location(shown, 1, 1),
                                    "data-invalid", "应有 suggestions: 列表，每项一件建议"))
        return [], ""
    by_name = {name: key for key, names in FIELDS.items() for name in names}
    rows = []
    for i, item in enumerate(items):
        line, col = positions.get(("suggestions", i), (1, 1))
        if not isinstance(item, dict):
            problems.append(DataProblem(Location(shown, line, col), "data-invalid", "每件建议应写成“键: 值”的映射"))
            continue
        cells = {}
        for name, value in item.items():
            name = str(name)
            key = by_name.get(name)
            if name in CONTACT_HEADERS:
                continue
            at = Location(shown, *positions.get(("suggestions", i, name), (line, col)))
            if key is None:
                problems.append(DataProblem(at, "data-invalid",
                                            f"未知的项 “{name}”（可用：{'、'.join(names[0] for names in FIELDS.values())}）"))
                continue
            if isinstance(value, list) and key in ("co_signers", "assist_units"):
                value = "、".join(str(v) for v in value)
            cells[key] = ("" if value is None else str(value), at)
        for key in REQUIRED:
            if key not in cells:
                problems.append(DataProblem(Location(shown, line, col), "data-invalid", f"缺少 “{FIELDS[key][0]}”"))
        rows.append(_Row(line, cells))
    session = doc.data.get("session")
    return rows, str(session) if session else ""


def parse_year(raw: bytes, shown: str, year: int, settings: JianyiSettings, root: Path) -> SuggestionYear:
    """One year's file. Raises DataProblems listing every bad row (missing column, bad date,
    unknown 类别 or 满意度, duplicate 编号 …), each with file:line:col."""
    from congressgen.markdown import BodyRenderer

    problems: list[DataProblem] = []
    try:
        text, _ = decode_table(raw)
    except UnicodeDecodeError:
        raise DataProblems([DataProblem(Location(shown, 1, 1), "data-invalid",
                                        "文件既不是 UTF-8 也不是 GB18030 编码；请在 Excel 中“另存为 CSV UTF-8”")]) from None
    session = ""
    if shown.endswith(".csv"):
        rows = _csv_rows(text, shown, problems)
    else:
        rows, session = _yaml_rows(text, shown, problems)
    folder = (root / shown).parent / str(year)
    renderer = BodyRenderer()
    suggestions: list[Suggestion] = []
    first_line: dict[str, int] = {}
    slugs: dict[str, str] = {}
    texts: list[FieldText] = []

    for row in rows:
        before = len(problems)

        def value(key: str) -> str:
            return row.cells.get(key, ("", None))[0].strip()

        def where(key: str) -> Location:
            at = row.cells.get(key, ("", None))[1]
            return at or Location(shown, row.line, 1)

        def bad(key: str, rule: str, message: str) -> None:
            problems.append(DataProblem(where(key), rule, message))

        for key in REQUIRED:
            if key in row.cells and not value(key):
                bad(key, "data-invalid", f"“{FIELDS[key][0]}” 不能为空")
        number, slug = value("number"), ""
        if number:
            if number in first_line:
                bad("number", "data-invalid", f"编号 “{number}” 重复（第 {first_line[number]} 行已有这一编号）")
            else:
                first_line[number] = row.line
            slug = _slug(number) or f"r{row.line}"
            if slugs.get(slug, number) != number:
                bad("number", "data-invalid", f"编号 “{number}” 与 “{slugs[slug]}” 对应同一网址 {slug}.html；请改用不同的编号")
            slugs.setdefault(slug, number)
        dates = {}
        for key in ("assigned", "answered", "published"):
            if value(key):
                try:
                    dates[key] = parse_date(value(key))
                except ValueError:
                    bad(key, "data-invalid", f"“{FIELDS[key][0]}” 不是有效日期：“{value(key)}”；应写成 2024-03-05")
        if "answered" in dates and "assigned" in dates and dates["answered"] < dates["assigned"]:
            bad("answered", "data-invalid", f"答复日期 {dates['answered']} 早于交办日期 {dates['assigned']}")
        if "published" in dates and "answered" not in dates:
            bad("published", "data-invalid", "有公开日期却没有答复日期：建议答复后才能公开")
        category = ""
        if value("category"):
            category = settings.normalise_category(value("category")) or ""
            if not category:
                allowed = "、".join(f"{c}（{label}）" for c, label in settings.categories)
                bad("category", "jianyi-category", f"类别 “{value('category')}” 不在配置的类别中（{allowed}）")
        elif "answered" in dates:
            bad("answered" if "category" not in row.cells else "category", "jianyi-category",
                "已答复的建议应填写办理结果类别")
        satisfaction = value("satisfaction")
        if satisfaction and satisfaction not in settings.satisfaction:
            bad("satisfaction", "jianyi-satisfaction",
                f"满意度 “{satisfaction}” 不在配置的选项中（{'、'.join(settings.satisfaction)}）")
        reply = row.cells.get("reply", ("", None))[0]
        reply_at = where("reply")
        reply_file = value("reply_file")
        candidate = folder / f"{number}.md" if number else None
        path = None
        if reply_file:
            path = ((root / shown).parent / reply_file)
            if not path.is_file() or not path.resolve().is_relative_to(root.resolve()):
                bad("reply_file", "data-invalid", f"答复文件 “{reply_file}” 不存在（相对于 {Path(shown).parent.as_posix()}/）")
                path = None
        elif candidate is not None and candidate.is_file() and not reply.strip():
            path = candidate
        if path is not None:
            try:
                reply = path.read_bytes().decode("utf-8-sig").replace("\r\n", "\n")
            except UnicodeDecodeError:
                bad("reply_file" if reply_file else "number", "data-invalid",
                    f"答复文件 {path.name} 不是 UTF-8 编码")
                reply = ""
            reply_at = Location(path.relative_to(root).as_posix(), 1, 1)
        if len(problems) > before:
            continue
        body = renderer.render(reply) if reply.strip() else None
        suggestion = Suggestion(
            year=year, number=number, slug=slug, title=value("title"), lead=value("lead"),
            co_signers=tuple(x for x in _LIST_SPLIT.split(value("co_signers")) if x),
            delegation=value("delegation"), lead_unit=value("lead_unit"),
            assist_units=tuple(x for x in _LIST_SPLIT.split(value("assist_units")) if x),
            assigned=dates["assigned"], answered=dates.get("answered"), published=dates.get("published"),
            category=category, category_label=settings.category_label(category), satisfaction=satisfaction,
            reply_html=body.html if body else "", reply_text=body.text if body else "",
            session=value("session") or session,
        )
        suggestions.append(suggestion)
        for key in FIELDS:
            if key in ("reply", "reply_file"):
                continue
            if value(key):
                at = where(key)
                texts.append(FieldText(number, FIELDS[key][0], row.cells[key][0], at.path, at.line, at.col))
        if reply.strip():
            texts.append(FieldText(number, "答复", reply, reply_at.path, reply_at.line, reply_at.col))
    if problems:
        raise DataProblems(problems)
    ordered = tuple(suggestions)
    units = sorted({u for s in ordered for u in (s.lead_unit, *s.assist_units)})
    return SuggestionYear(
        year=year, session=next((s.session for s in ordered if s.session), session), source=shown,
        suggestions=ordered, summary=summarise(ordered, settings), units=tuple(units),
        lines={number: line for number, line in first_line.items()}, texts=tuple(texts),
    )


def load_years(root: Path, settings: JianyiSettings, data_dir: str = "data") -> tuple[SuggestionYear, ...]:
    """Every year's 建议, newest first. Raises DataProblems with every bad row of every file."""
    years, problems = [], []
    seen: dict[int, str] = {}
    for path in year_files(root, data_dir):
        if path.suffix == ".md":
            continue
        shown = path.relative_to(root).as_posix()
        year = int(path.stem)
        if year in seen:
            problems.append(DataProblem(Location(shown, 1, 1), "data-invalid", f"{year} 年的建议已在 {seen[year]} 中；每年只用一个文件"))
            continue
        seen[year] = shown
        try:
            years.append(parse_year(path.read_bytes(), shown, year, settings, root))
        except DataProblems as exc:
            problems += exc.problems
    if problems:
        raise DataProblems(problems)
    return tuple(sorted(years, key=lambda y: -y.year))
