"""政府信息公开工作年度报告 from `data/nianbao/YEAR.yaml`: the text parts and only the raw
figures; every 总计 is computed here, and the tables are laid out row by row in the national
format of 国办公开办函〔2021〕30号 (labels in `nianbao_format.yaml`, the single place they are
written). Figures a clerk also copied in (a 总计 column, the （七）总计 row, a 复议/诉讼 总计)
are kept only to be compared with the computed ones (勾稽关系), never shown instead of them.
"""

from __future__ import annotations

import datetime as dt
import difflib
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path

import yaml

from congressgen.errors import CongressError, Location
from congressgen.tables.problems import DataProblem, DataProblems
from congressgen.tables.files import annual_report_files
from congressgen.yamlpos import load_mapping

APPLICANTS = 6          # 自然人 + five kinds of 法人或其他组织
OUTCOMES = 4            # 结果维持, 结果纠正, 其他结果, 尚未审结
TOP_KEYS = ("year", "organ", "date", "overview", "active", "applications", "reviews", "problems", "other")


# ---------------------------------------------------------------------------------------
# The format (labels), read from the package


@dataclass(frozen=True)
class ResultRow:
    key: str
    label: str
    group: str = ""              # （三）不予公开 … for the numbered items of a group


@dataclass(frozen=True)
class NianbaoFormat:
    source: str
    sections: dict               # overview/active/... -> heading
    active: tuple                # (heading, columns, rows) per small table
    applications: dict           # the labels of table 三
    results: tuple[ResultRow, ...]
    reviews: dict


@lru_cache(maxsize=1)
def national_format() -> NianbaoFormat:
    from importlib import resources      # only when a site has annual reports: ~10 ms of start-up

    text = (resources.files("congressgen.tables") / "nianbao_format.yaml").read_text(encoding="utf-8")
    raw = yaml.safe_load(text)
    results = []
    for entry in raw["applications"]["results"]:
        if "items" in entry:
            results += [ResultRow(i["key"], i["label"], entry["label"]) for i in entry["items"]]
        else:
            results.append(ResultRow(entry["key"], entry["label"]))
    active = tuple((t["heading"], tuple(t["columns"]), tuple(t["rows"])) for t in raw["active"])
    return NianbaoFormat(raw["source"], dict(raw["sections"]), active, raw["applications"], tuple(results),
                         raw["reviews"])


# ---------------------------------------------------------------------------------------
# What a page shows: tables as rows of header and value cells


@dataclass(frozen=True)
class HeadCell:
    text: str
    rowspan: int = 1
    colspan: int = 1
    scope: str = "row"           # row, col, rowgroup, colgroup


@dataclass(frozen=True)
class TableRow:
    heads: tuple[HeadCell, ...]
    values: tuple[str, ...]
    computed: bool = False       # a 总计 row congressgen computed


@dataclass(frozen=True)
class Table:
    id: str                      # HTML id, stable
    head: tuple[tuple[HeadCell, ...], ...]
    body: tuple[TableRow, ...]
    title: str = ""              # accessible name of the table


@dataclass(frozen=True)
class AnnualReport:
    year: int
    organ: str
    date: dt.date
    source: str                  # site-root-relative path of the YAML file
    overview_html: str
    problems_html: str
    other_html: str
    overview_text: str           # plain text of the text parts (search, checks)
    active: tuple[Table, ...]
    applications: Table
    reviews: Table
    received_total: int          # 本年新收, 总计
    reconciliation: tuple[DataProblem, ...] = ()   # 勾稽关系 broken (check rules nianbao-*)
    sections: dict = field(default_factory=dict)

    @property
    def title(self) -> str:
        return f"{self.organ}{self.year}年政府信息公开工作年度报告"

    @property
    def path(self) -> str:
        return f"nianbao/{self.year}.html"

    @property
    def due(self) -> dt.date:
        """The 条例's deadline: 31 January of the following year."""
        return dt.date(self.year + 1, 1, 31)


# ---------------------------------------------------------------------------------------
# Reading


class _Reader:
    def __init__(self, shown: str, positions: dict):
        self.shown = shown
        self.positions = positions          # key path -> (line, col), from the positioned YAML
        self.problems: list[DataProblem] = []

    def at(self, *path) -> Location:
        while path and path not in self.positions:
            path = path[:-1]
        line, col = self.positions.get(path, (1, 1))
        return Location(self.shown, line, col)

    def invalid(self, path: tuple, message: str) -> None:
        self.problems.append(DataProblem(self.at(*path), "data-invalid", message))

    def count(self, value, path: tuple, what: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            self.invalid(path, f"{what}应为不小于 0 的整数，实际写的是 {value!r}")
            return 0
        return value

    def counts(self, value, path: tuple, what: str, width: int) -> tuple[tuple[int, ...], int | None]:
        """`width` figures, optionally followed by the 总计 a clerk copied in (returned apart)."""
        if value is None:
            return (0,) * width, None
        if not isinstance(value, list) or len(value) not in (width, width + 1):
            self.invalid(path, f"{what}应写成 {width} 个数的列表（可再加第 {width + 1} 个：总计，用于核对），"
                               f"实际写的是 {value!r}")
            return (0,) * width, None
        numbers = tuple(self.count(v, path + (i,), f"{what}第 {i + 1} 个数") for i, v in enumerate(value))
        return numbers[:width], (numbers[width] if len(numbers) > width else None)

    def mapping(self, data: dict, key: str) -> dict:
        value = data.get(key)
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.invalid((key,), f"“{key}” 应写成“键: 值”的映射")
            return {}
        return value

    def unknown_keys(self, data: dict, known, path: tuple, what: str) -> None:
        for key in data:
            if str(key) not in known:
                close = difflib.get_close_matches(str(key), list(known), n=1, cutoff=0.5)
                hint = f"，是不是 “{close[0]}”？" if close else f"（可用：{'、'.join(known)}）"
                self.invalid(path + (str(key),), f"{what}中没有 “{key}” 这一项{hint}")


def _markdown(text) -> tuple[str, str]:
    from congressgen.markdown import BodyRenderer

    if not text:
        return "", ""
    body = BodyRenderer().render(str(text))
    return body.html, body.text


def _amount(value, reader: _Reader, path: tuple) -> str:
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        number = None
    if value is None or isinstance(value, bool) or number is None or not number.is_finite() or number < 0:
        reader.invalid(path, f"行政事业性收费应为金额（万元，不小于 0 的数），实际写的是 {value!r}")
        return "0"
    return str(value)


def parse_annual_report(raw: bytes, shown: str, year: int) -> AnnualReport:
    """One 年报. Raises DataProblems listing every malformed value; broken 勾稽关系 is kept in
    `reconciliation` (the check reports it, and the build refuses on it like any check error)."""
    fmt = national_format()
    try:
        text = raw.decode("utf-8-sig").replace("\r\n", "\n")
    except UnicodeDecodeError:
        raise DataProblems([DataProblem(Location(shown, 1, 1), "data-invalid",
                                        "年报文件不是 UTF-8 编码；请用记事本“另存为 UTF-8”后再试")]) from None
    try:
        doc = load_mapping(text, shown, what="年报文件")
    except CongressError as exc:
        raise DataProblems([DataProblem(exc.location, "data-invalid", exc.message)]) from None
    data = doc.data
    reader = _Reader(shown, doc.positions)
    reader.unknown_keys(data, TOP_KEYS, (), "年报文件")

    written_year = data.get("year", year)
    if written_year != year:
        reader.invalid(("year",), f"year 写的是 {written_year!r}，与文件名 {year}.yaml 不一致")
    organ = data.get("organ")
    if not isinstance(organ, str) or not organ.strip():
        reader.invalid(("organ",), "缺少 organ（发布年报的行政机关名称，如 示例县人民政府办公室）")
        organ = ""
    date = None
    if not isinstance(data.get("date"), str):
        reader.invalid(("date",), "缺少 date（年报的发布日期，如 2025-01-20）")
    else:
        try:
            date = dt.date.fromisoformat(data["date"].strip())
        except ValueError:
            reader.invalid(("date",), f"date 不是有效日期：“{data['date']}”；应写成 2025-01-20")

    active_data = reader.mapping(data, "active")
    active_keys = [row for _, _, rows in fmt.active for row in rows]
    reader.unknown_keys(active_data, active_keys, ("active",), "二、主动公开政府信息情况")
    active_tables = []
    for number, (heading, columns, rows) in enumerate(fmt.active, 1):
        body = []
        for row in rows:
            value = active_data.get(row)
            width = len(columns) - 1
            if row == "行政事业性收费":
                cells = (_amount(0 if value is None else value, reader, ("active", row)),)
            elif width == 1:
                cells = (str(reader.count(0 if value is None else value, ("active", row), row)),)
            else:
                numbers, _ = reader.counts(value, ("active", row), row, width)
                cells = tuple(map(str, numbers))
            body.append(TableRow((HeadCell(row),), cells))
        head = ((HeadCell(heading, colspan=len(columns), scope="colgroup"),),
                tuple(HeadCell(c, scope="col") for c in columns))
        active_tables.append(Table(f"nianbao-active-{number}", head, tuple(body), f"{fmt.sections['active']}：{heading}"))

    apps = fmt.applications
    app_data = reader.mapping(data, "applications")
    app_keys = ([apps["received"]["key"], apps["carried_in"]["key"]] + [r.key for r in fmt.results]
                + [apps["results_total"]["key"], apps["carried_out"]["key"]])
    reader.unknown_keys(app_data, app_keys, ("applications",), "三、收到和处理政府信息公开申请情况")
    rows: dict[str, tuple[int, ...]] = {}
    written_totals: dict[str, int | None] = {}
    for key in app_keys:
        rows[key], written_totals[key] = reader.counts(app_data.get(key), ("applications", key), key, APPLICANTS)

    review_data = reader.mapping(data, "reviews")
    groups = fmt.reviews["groups"]
    reader.unknown_keys(review_data, [g["key"] for g in groups], ("reviews",), "四、政府信息公开行政复议、行政诉讼情况")
    outcomes: dict[str, tuple[int, ...]] = {}
    outcome_totals: dict[str, int | None] = {}
    for g in groups:
        outcomes[g["key"]], outcome_totals[g["key"]] = reader.counts(review_data.get(g["key"]), ("reviews", g["key"]),
                                                                     g["key"], OUTCOMES)
    if reader.problems:
        raise DataProblems(reader.problems)

    overview_html, overview_text = _markdown(data.get("overview"))
    problems_html, problems_text = _markdown(data.get("problems"))
    other_html, other_text = _markdown(data.get("other"))
    reconciliation = _reconcile(reader, rows, written_totals, outcomes, outcome_totals)
    computed_total = tuple(sum(rows[r.key][c] for r in fmt.results) for c in range(APPLICANTS))
    return AnnualReport(
        year=year, organ=organ.strip(), date=date, source=shown,
        overview_html=overview_html, problems_html=problems_html, other_html=other_html,
        overview_text="\n".join(t for t in (overview_text, problems_text, other_text) if t),
        active=tuple(active_tables),
        applications=_applications_table(fmt, rows, computed_total),
        reviews=_reviews_table(fmt, outcomes),
        received_total=sum(rows[apps["received"]["key"]]),
        reconciliation=tuple(reconciliation), sections=dict(fmt.sections),
    )


def _reconcile(reader: _Reader, rows, written_totals, outcomes, outcome_totals) -> list[DataProblem]:
    """The 勾稽关系 an inspection checks, each broken one named with both sides."""
    fmt = national_format()
    apps = fmt.applications
    columns = [apps["natural"]] + list(apps["legal_columns"])
    received, carried_in = apps["received"], apps["carried_in"]
    total, carried_out = apps["results_total"], apps["carried_out"]
    computed = tuple(sum(rows[r.key][c] for r in fmt.results) for c in range(APPLICANTS))
    found: list[DataProblem] = []

    def problem(path: tuple, rule: str, message: str) -> None:
        found.append(DataProblem(reader.at(*path), rule, message))

    # A 总计 row the clerk wrote: the sum of every 办理结果 row, column by column.
    written = rows[total["key"]] if ("applications", total["key"]) in reader.positions else None
    if written is not None:
        for c, name in enumerate(columns):
            if written[c] != computed[c]:
                problem(("applications", total["key"], c), "nianbao-total",
                        f"“{name}”列 {total['label']} 写的是 {written[c]}，而各项办理结果之和是 {computed[c]}")
    # 本年新收 + 上年结转 = 办理结果总计 + 结转下年度, column by column and in the 总计 column.
    for c, name in list(enumerate(columns)) + [(None, apps["total"])]:
        pick = (lambda key: sum(rows[key])) if c is None else (lambda key, c=c: rows[key][c])
        left = pick(received["key"]) + pick(carried_in["key"])
        results = sum(computed) if c is None else computed[c]
        right = results + pick(carried_out["key"])
        if left != right:
            problem(("applications", received["key"]), "nianbao-unbalanced",
                    f"“{name}”列不平衡：{received['label']} {pick(received['key'])} + {carried_in['label']} "
                    f"{pick(carried_in['key'])} = {left}，而 {apps['results_label']}{total['label']} {results} + "
                    f"{carried_out['label']} {pick(carried_out['key'])} = {right}")
    # A 总计 column the clerk wrote (a 7th number): the sum of the six applicant columns.
    for key, value in written_totals.items():
        if value is not None and value != sum(rows[key]):
            label = next((r.label for r in fmt.results if r.key == key), None) or next(
                a["label"] for a in (received, carried_in, total, carried_out) if a["key"] == key)
            problem(("applications", key, APPLICANTS), "nianbao-total",
                    f"“{label}”行的{apps['total']}写的是 {value}，而{'、'.join(columns)}六列之和是 {sum(rows[key])}")
    for key, value in outcome_totals.items():
        if value is not None and value != sum(outcomes[key]):
            problem(("reviews", key, OUTCOMES), "nianbao-total",
                    f"“{key}”的{fmt.reviews['total']}写的是 {value}，而"
                    f"{'、'.join(fmt.reviews['columns'])}之和是 {sum(outcomes[key])}")
    return found


def _applications_table(fmt: NianbaoFormat, rows, computed_total) -> Table:
    apps = fmt.applications
    legal = apps["legal_columns"]
    head = (
        (HeadCell(apps["corner"], rowspan=3, colspan=3, scope="col"),
         HeadCell(apps["applicants"], colspan=2 + len(legal), scope="colgroup")),
        (HeadCell(apps["natural"], rowspan=2, scope="col"), HeadCell(apps["legal"], colspan=len(legal), scope="colgroup"),
         HeadCell(apps["total"], rowspan=2, scope="col")),
        tuple(HeadCell(name, scope="col") for name in legal),
    )

    def values(numbers: tuple[int, ...]) -> tuple[str, ...]:
        return tuple(map(str, numbers)) + (str(sum(numbers)),)

    body = [TableRow((HeadCell(apps["received"]["label"], colspan=3),), values(rows[apps["received"]["key"]])),
            TableRow((HeadCell(apps["carried_in"]["label"], colspan=3),), values(rows[apps["carried_in"]["key"]]))]
    group_sizes: dict[str, int] = {}
    for r in fmt.results:
        if r.group:
            group_sizes[r.group] = group_sizes.get(r.group, 0) + 1
    result_rows = len(fmt.results) + 1             # every 办理结果 row and （七）总计
    first = True
    seen_groups: set[str] = set()
    for r in fmt.results:
        heads = []
        if first:
            heads.append(HeadCell(apps["results_label"], rowspan=result_rows, scope="rowgroup"))
            first = False
        if r.group:
            if r.group not in seen_groups:
                seen_groups.add(r.group)
                heads.append(HeadCell(r.group, rowspan=group_sizes[r.group], scope="rowgroup"))
            heads.append(HeadCell(r.label))
        else:
            heads.append(HeadCell(r.label, colspan=2))
        body.append(TableRow(tuple(heads), values(rows[r.key])))
    body.append(TableRow((HeadCell(apps["results_total"]["label"], colspan=2),), values(computed_total), computed=True))
    body.append(TableRow((HeadCell(apps["carried_out"]["label"], colspan=3),), values(rows[apps["carried_out"]["key"]])))
    return Table("nianbao-applications", head, tuple(body), fmt.sections["applications"])


def _reviews_table(fmt: NianbaoFormat, outcomes) -> Table:
    rv = fmt.reviews
    width = len(rv["columns"]) + 1
    groups = rv["groups"]
    head = (
        (HeadCell(rv["review"], rowspan=2, colspan=width, scope="colgroup"),
         HeadCell(rv["litigation"], colspan=width * (len(groups) - 1), scope="colgroup")),
        tuple(HeadCell(g["label"], colspan=width, scope="colgroup") for g in groups[1:]),
        tuple(HeadCell(c, scope="col") for _ in groups for c in (*rv["columns"], rv["total"])),
    )
    cells: list[str] = []
    for g in groups:
        numbers = outcomes[g["key"]]
        cells += [*map(str, numbers), str(sum(numbers))]
    return Table("nianbao-reviews", head, (TableRow((), tuple(cells)),), fmt.sections["reviews"])


def load_annual_reports(root: Path, data_dir: str = "data") -> tuple[AnnualReport, ...]:
    """Every `data/nianbao/YEAR.yaml`, newest year first. Raises DataProblems for all bad files."""
    reports, problems = [], []
    for path in annual_report_files(root, data_dir):
        shown = path.relative_to(root).as_posix()
        try:
            reports.append(parse_annual_report(path.read_bytes(), shown, int(path.stem)))
        except DataProblems as exc:
            problems += exc.problems
    if problems:
        raise DataProblems(problems)
    return tuple(sorted(reports, key=lambda r: -r.year))
