"""Pages from data files: 代表建议 (data/jianyi/YEAR.csv) and the 政府信息公开工作年度报告
(data/nianbao/YEAR.yaml) — reading them as Excel saves them, the totals and percentages, the
30号 format's labels cell by cell, every error a clerk can make refused with file:line:col,
the check rules (勾稽关系, deadlines, PII) and the rebuild of only what a change touches."""

from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from conftest import report_text, run_cli, write
from datapages_helpers import HEADER, NIANBAO, ROWS, csv_bytes, data_site

from congressgen.build import BuildOptions, build
from congressgen.check import run_check
from congressgen.check.privacy import id_check_digit
from congressgen.config import load_config
from congressgen.content import TZ
from congressgen.errors import BuildFailed
from congressgen.tables.jianyi import JianyiSettings, load_years, parse_year, shares
from congressgen.tables.nianbao import parse_annual_report
from congressgen.tables.problems import DataProblems

CSV = "data/jianyi/2024.csv"
NB = "data/nianbao/2024.yaml"


def problems_of(fn, *args) -> list[str]:
    with pytest.raises(DataProblems) as info:
        fn(*args)
    return [str(d) for d in info.value.diagnostics]


def col_of(text: str, line: int, needle: str) -> int:
    return text.split("\n")[line - 1].index(needle) + 1


# ---------------------------------------------------------------------------------------------
# Reading 建议 as Excel saves them


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "gb18030"])
def test_csv_in_utf8_with_bom_or_gb18030_with_crlf_reads_the_same(tmp_path, encoding):
    raw = csv_bytes(encoding=encoding)
    assert b"\r\n" in raw and raw.startswith(b"\xef\xbb\xbf") == (encoding == "utf-8-sig")
    year = parse_year(raw, CSV, 2024, JianyiSettings(), tmp_path)
    reference = parse_year(csv_bytes(encoding="utf-8-sig"), CSV, 2024, JianyiSettings(), tmp_path)
    assert year == reference
    first, second, third = year.suggestions
    assert (first.number, first.title, first.lead, first.co_signers) == ("001", "关于修缮中心小学操场的建议", "张某某", ("李某", "王某"))
    assert (first.assigned, first.answered, first.category, first.satisfaction) == (dt.date(2024, 3, 5), dt.date(2024, 5, 20), "A", "满意")
    assert first.reply_html == "<p>已列入计划。</p>\n<p>操场已于 5 月完工。</p>"
    assert second.category == "B"                       # "B类" means B
    assert year.lines == {"001": 2, "002": 5, "003": 6}  # a reply with line breaks spans lines 2–4
    assert year.units == ("县交通运输局", "县教育局", "县水利局", "县财政局")


def test_reply_as_markdown_file_beside_the_csv_and_yaml_form(tmp_path):
    root = data_site(tmp_path / "s")
    [year] = load_years(root, JianyiSettings())
    assert year.suggestions[1].reply_html == "<p>经研究，拟于 2025 年增设站点。</p>"
    write(root / "data/jianyi/2024.csv", b"")
    (root / "data/jianyi/2024.csv").unlink()
    write(root / "data/jianyi/2024.yaml", """\
        session: 测试县第一届人民代表大会第三次会议
        suggestions:
          - 编号: "7"
            标题: 关于路灯的建议
            领衔代表: 孙某
            主办单位: 县住房和城乡建设局
            协办单位: [县财政局, 县供电公司]
            交办日期: 2024-03-05
            答复日期: 2024-04-01
            类别: A
            满意度: 满意
            答复: |
              已更换路灯 30 盏。
        """)
    [year] = load_years(root, JianyiSettings())
    [s] = year.suggestions
    assert (s.number, s.assist_units, s.reply_html, year.session) == (
        "7", ("县财政局", "县供电公司"), "<p>已更换路灯 30 盏。</p>", "测试县第一届人民代表大会第三次会议")


def test_summary_counts_and_percentages_add_up_to_100(tmp_path):
    year = parse_year(csv_bytes(), CSV, 2024, JianyiSettings(), tmp_path)
    summary = year.summary
    assert [(s.key, s.count, s.percent) for s in summary.categories] == [
        ("A", 1, "33.4"), ("B", 1, "33.3"), ("C", 1, "33.3"), ("D", 0, "0.0")]
    assert [s.adjusted for s in summary.categories] == [True, False, False, False]   # 33.3 by plain rounding
    assert [(s.key, s.count, s.percent) for s in summary.satisfaction] == [
        ("满意", 2, "66.7"), ("基本满意", 1, "33.3"), ("不满意", 0, "0.0")]
    assert summary.sentence == (
        "共收到代表建议 3 件，已全部办结，其中 A 类（已解决或基本解决）1 件，占 33.4%；B 类（列入计划逐步解决）1 件，占 33.3%；"
        "C 类（因条件限制需以后解决）1 件，占 33.3%；D 类（留作参考）0 件，占 0.0%。"
        "代表对办理工作满意 2 件，占 66.7%，基本满意 1 件，占 33.3%，不满意 0 件，占 0.0%。")


@pytest.mark.parametrize("counts", [[1, 1, 1], [2, 2, 2, 1], [16, 10, 3, 2], [1, 0], [7, 5, 3, 1, 1, 1, 1], [0, 0]])
def test_shares_always_add_to_exactly_100_or_are_all_zero(counts):
    result = shares([(str(i), str(i), c) for i, c in enumerate(counts)], sum(counts))
    total = sum(round(float(s.percent) * 10) for s in result)
    assert total == (1000 if sum(counts) else 0)
    for s in result:   # never more than 0.1 point from the exact share
        exact = s.count * 100 / sum(counts) if sum(counts) else 0
        assert abs(float(s.percent) - exact) < 0.1 + 1e-9


def test_a_year_not_fully_answered_says_so(tmp_path):
    rows = (ROWS[0], "002,关于增设公交站点的建议,赵某,,青山镇代表团,县交通运输局,,2024-03-05,,,,,,")
    year = parse_year(csv_bytes(rows), CSV, 2024, JianyiSettings(), tmp_path)
    assert year.summary.sentence.startswith("共收到代表建议 2 件，已办结 1 件，正在办理 1 件；已办结的建议中，A 类（已解决或基本解决）1 件，占 100.0%；")


def test_categories_are_configurable(tmp_path):
    root = data_site(tmp_path / "s", rows=(ROWS[1].replace("B类", "乙"), ROWS[2].replace(",C,", ",A,")),
                     config_extra="jianyi:\n  categories: {甲: 已解决, 乙: 计划解决, 丙: 留作参考}\n")
    config, _ = load_config(root)
    from congressgen.tables.sources import jianyi_settings

    settings = jianyi_settings(config)
    lines = problems_of(load_years, root, settings)
    text = csv_bytes((ROWS[1].replace("B类", "乙"), ROWS[2].replace(",C,", ",A,"))).decode("utf-8-sig").replace("\r\n", "\n")
    assert lines == [f"{CSV}:3:{col_of(text, 3, ',A,') + 1}: 错误: jianyi-category: 类别 “A” 不在配置的类别中"
                     "（甲（已解决）、乙（计划解决）、丙（留作参考））"]


# ---------------------------------------------------------------------------------------------
# Malformed rows: each refused with file:line:col, the build leaves the old output as it was


def _csv_text(rows=ROWS, header=HEADER) -> str:
    return csv_bytes(rows, header).decode("utf-8-sig").replace("\r\n", "\n")


def test_missing_column_is_refused_at_the_header(tmp_path):
    header = HEADER.replace("交办日期,", "")
    rows = tuple(r.replace("2024/3/5,", "").replace("2024-03-05,", "") for r in ROWS)
    assert problems_of(parse_year, csv_bytes(rows, header), CSV, 2024, JianyiSettings(), tmp_path) == [
        f"{CSV}:1:1: 错误: data-invalid: 缺少 “交办日期” 列（表头应含：编号、标题、领衔代表、主办单位、交办日期）"]


def test_bad_date_is_refused_at_its_cell(tmp_path):
    rows = (ROWS[0], ROWS[1].replace("2024-03-05", "2024-02-30"), ROWS[2])
    col = col_of(_csv_text(rows), 5, "2024-02-30")
    assert problems_of(parse_year, csv_bytes(rows), CSV, 2024, JianyiSettings(), tmp_path) == [
        f"{CSV}:5:{col}: 错误: data-invalid: “交办日期” 不是有效日期：“2024-02-30”；应写成 2024-03-05"]


def test_unknown_category_is_refused_at_its_cell(tmp_path):
    rows = (ROWS[0], ROWS[1].replace(",B类,", ",E,"), ROWS[2])
    col = col_of(_csv_text(rows), 5, ",E,") + 1
    assert problems_of(parse_year, csv_bytes(rows), CSV, 2024, JianyiSettings(), tmp_path) == [
        f"{CSV}:5:{col}: 错误: jianyi-category: 类别 “E” 不在配置的类别中"
        "（A（已解决或基本解决）、B（列入计划逐步解决）、C（因条件限制需以后解决）、D（留作参考））"]


def test_unknown_satisfaction_is_refused_at_its_cell(tmp_path):
    rows = (ROWS[0], ROWS[1].replace("基本满意", "很满意"), ROWS[2])
    col = col_of(_csv_text(rows), 5, "很满意")
    assert problems_of(parse_year, csv_bytes(rows), CSV, 2024, JianyiSettings(), tmp_path) == [
        f"{CSV}:5:{col}: 错误: jianyi-satisfaction: 满意度 “很满意” 不在配置的选项中（满意、基本满意、不满意）"]


def test_duplicate_number_is_refused_naming_the_first_row(tmp_path):
    rows = (ROWS[0], ROWS[1], ROWS[2].replace("003,", "001,", 1))
    assert problems_of(parse_year, csv_bytes(rows), CSV, 2024, JianyiSettings(), tmp_path) == [
        f"{CSV}:6:1: 错误: data-invalid: 编号 “001” 重复（第 2 行已有这一编号）"]


def test_every_bad_row_is_listed_at_once_and_the_build_keeps_the_old_output(tmp_path):
    root = data_site(tmp_path / "s")
    out = tmp_path / "out"
    build(BuildOptions(root, out, jobs=1))
    before = {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    rows = (ROWS[0], ROWS[1].replace("2024-03-05", "2024-3-40"), ROWS[2].replace("003,", "001,", 1).replace(",C,", ",Z,"))
    write(root / CSV, csv_bytes(rows))
    with pytest.raises(BuildFailed) as info:
        build(BuildOptions(root, out, jobs=1))
    shown = [str(d) for d in info.value.diagnostics]
    assert [s.split(": 错误: ")[1].split(":")[0] for s in shown] == ["data-invalid", "data-invalid", "jianyi-category"]
    assert [s.split(":")[1] for s in shown] == ["5", "6", "6"]
    after = {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert after == before
    result = run_cli("build", "--source", str(root), "--output", str(out))
    assert result.returncode == 1
    assert f"{CSV}:5:" in result.stderr and "data-invalid" in result.stderr


def test_unclosed_quote_and_too_many_cells(tmp_path):
    rows = (ROWS[1] + ',"多出的一格', )
    lines = problems_of(parse_year, csv_bytes(rows), CSV, 2024, JianyiSettings(), tmp_path)
    assert lines == [f"{CSV}:2:{len(ROWS[1]) + 2}: 错误: data-invalid: 引号没有闭合（这一格从这里开始）"]
    rows = (ROWS[1] + ",多出的一格",)
    lines = problems_of(parse_year, csv_bytes(rows), CSV, 2024, JianyiSettings(), tmp_path)
    assert lines == [f"{CSV}:2:{len(ROWS[1]) + 2}: 错误: data-invalid: 这一行有 15 格，比表头多（表头 14 列）；文字中的逗号要放在引号里"]


# ---------------------------------------------------------------------------------------------
# The 年报: computed totals, each 勾稽关系 broken once, malformed values


def _reconciliation(text: str) -> list[str]:
    report = parse_annual_report(text.encode(), NB, 2024)
    return [str(p.diagnostic()) for p in report.reconciliation]


def test_balanced_report_computes_every_total(tmp_path):
    report = parse_annual_report(NIANBAO.encode(), NB, 2024)
    assert report.reconciliation == ()
    rows = {row.heads[-1].text: row.values for row in report.applications.body}
    assert rows["一、本年新收政府信息公开申请数量"] == ("10", "2", "0", "0", "1", "0", "13")
    assert rows["（七）总计"] == ("9", "2", "0", "0", "1", "0", "12")
    assert rows["四、结转下年度继续办理"] == ("2", "0", "0", "0", "0", "0", "2")
    assert report.reviews.body[0].values == ("1", "0", "0", "0", "1") + ("0",) * 10
    assert report.active[3].body[0].values == ("12.5",)


def test_received_plus_carried_in_must_equal_results_plus_carried_out():
    text = NIANBAO.replace("本年新收: [10,", "本年新收: [11,")
    at = f"{NB}:14:3"
    assert _reconciliation(text) == [
        f"{at}: 错误: nianbao-unbalanced: “自然人”列不平衡：一、本年新收政府信息公开申请数量 11 + 二、上年结转政府信息公开申请数量 1 = 12，"
        "而 三、本年度办理结果（七）总计 9 + 四、结转下年度继续办理 2 = 11",
        f"{at}: 错误: nianbao-unbalanced: “总计”列不平衡：一、本年新收政府信息公开申请数量 14 + 二、上年结转政府信息公开申请数量 1 = 15，"
        "而 三、本年度办理结果（七）总计 12 + 四、结转下年度继续办理 2 = 14"]


def test_a_written_results_total_row_must_be_the_sum_of_the_results():
    text = NIANBAO.replace("  结转下年度:", "  总计: [9, 2, 0, 0, 1, 1]\n  结转下年度:")
    line = 19
    col = col_of(text, line, "1]")
    assert _reconciliation(text) == [
        f"{NB}:{line}:{col}: 错误: nianbao-total: “其他”列 （七）总计 写的是 1，而各项办理结果之和是 0"]


def test_a_written_total_column_must_be_the_sum_of_the_six_applicant_columns():
    text = NIANBAO.replace("本年新收: [10, 2, 0, 0, 1, 0]", "本年新收: [10, 2, 0, 0, 1, 0, 14]")
    col = col_of(text, 14, "14]")
    assert _reconciliation(text) == [
        f"{NB}:14:{col}: 错误: nianbao-total: “一、本年新收政府信息公开申请数量”行的总计写的是 14，"
        "而自然人、商业企业、科研机构、社会公益组织、法律服务机构、其他六列之和是 13"]


def test_a_written_review_total_must_be_the_sum_of_the_outcomes():
    text = NIANBAO.replace("行政复议: [1, 0, 0, 0]", "行政复议: [1, 0, 0, 0, 2]")
    col = col_of(text, 21, "2]")
    assert _reconciliation(text) == [
        f"{NB}:21:{col}: 错误: nianbao-total: “行政复议”的总计写的是 2，而结果维持、结果纠正、其他结果、尚未审结之和是 1"]


@pytest.mark.parametrize("change, expected", [
    (("上年结转: [1, 0, 0, 0, 0, 0]", "上年结转: [1, 0, 0]"), ("15:3", "上年结转应写成 6 个数的列表（可再加第 7 个：总计，用于核对），实际写的是 [1, 0, 0]")),
    (("行政许可: 120", "行政许可: -1"), ("9:3", "行政许可应为不小于 0 的整数，实际写的是 -1")),
    (("予以公开: [5,", "予以公开: [five,"), ("16:10", "予以公开第 1 个数应为不小于 0 的整数，实际写的是 'five'")),
    (("部分公开:", "部份公开:"), ("17:3", "三、收到和处理政府信息公开申请情况中没有 “部份公开” 这一项，是不是 “部分公开”？")),
    (("date: 2025-01-20", "date: 2025-01-32"), ("3:1", "date 不是有效日期：“2025-01-32”；应写成 2025-01-20")),
])
def test_malformed_report_values_are_refused_where_written(change, expected):
    text = NIANBAO.replace(*change)
    position, message = expected
    assert problems_of(parse_annual_report, text.encode(), NB, 2024) == [f"{NB}:{position}: 错误: data-invalid: {message}"]


# ---------------------------------------------------------------------------------------------
# The 30号 format, cell by cell


class _Tables(HTMLParser):
    """Every <table> of a page as rows of (tag, text, rowspan, colspan)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tables, self._cell = [], None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "table":
            self.tables.append([])
        elif tag == "tr" and self.tables:
            self.tables[-1].append([])
        elif tag in ("th", "td") and self.tables:
            self._cell = [tag, "", int(a.get("rowspan", 1)), int(a.get("colspan", 1))]

    def handle_data(self, data):
        if self._cell is not None:
            self._cell[1] += data

    def handle_endtag(self, tag):
        if tag in ("th", "td") and self._cell is not None:
            self.tables[-1][-1].append(tuple(self._cell))
            self._cell = None


def page_tables(path: Path) -> list[list[list[tuple]]]:
    parser = _Tables()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser.tables


# Typed from the annex of 国办公开办函〔2021〕30号 (independently of the package's label file).
ACTIVE_30 = [
    ("第二十条第（一）项", ["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"], ["规章", "行政规范性文件"]),
    ("第二十条第（五）项", ["信息内容", "本年处理决定数量"], ["行政许可"]),
    ("第二十条第（六）项", ["信息内容", "本年处理决定数量"], ["行政处罚", "行政强制"]),
    ("第二十条第（八）项", ["信息内容", "本年收费金额（单位：万元）"], ["行政事业性收费"]),
]
APPLICATION_HEAD_30 = [
    ["（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", "申请人情况"],
    ["自然人", "法人或其他组织", "总计"],
    ["商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"],
]
APPLICATION_ROWS_30 = [
    ["一、本年新收政府信息公开申请数量"],
    ["二、上年结转政府信息公开申请数量"],
    ["三、本年度办理结果", "（一）予以公开"],
    ["（二）部分公开（区分处理的，只计这一情形，不计其他情形）"],
    ["（三）不予公开", "1.属于国家秘密"], ["2.其他法律行政法规禁止公开"], ["3.危及“三安全一稳定”"],
    ["4.保护第三方合法权益"], ["5.属于三类内部事务信息"], ["6.属于四类过程性信息"], ["7.属于行政执法案卷"],
    ["8.属于行政查询事项"],
    ["（四）无法提供", "1.本机关不掌握相关政府信息"], ["2.没有现成信息需要另行制作"], ["3.补正后申请内容仍不明确"],
    ["（五）不予处理", "1.信访举报投诉类申请"], ["2.重复申请"], ["3.要求提供公开出版物"], ["4.无正当理由大量反复申请"],
    ["5.要求行政机关确认或重新出具已获取信息"],
    ["（六）其他处理", "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"],
    ["2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"], ["3.其他"],
    ["（七）总计"],
    ["四、结转下年度继续办理"],
]
REVIEW_HEAD_30 = [
    ["行政复议", "行政诉讼"],
    ["未经复议直接起诉", "复议后起诉"],
    ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"] * 3,
]
SECTIONS_30 = ["一、总体情况", "二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况",
               "四、政府信息公开行政复议、行政诉讼情况", "五、存在的主要问题及改进情况", "六、其他需要报告的事项"]


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    root = data_site(tmp_path_factory.mktemp("data") / "site")
    out = root / "build"
    build(BuildOptions(root, out, jobs=1))
    return out


def test_annual_report_tables_match_the_30hao_format_cell_by_cell(built):
    page = built / "nianbao/2024.html"
    html = page.read_text(encoding="utf-8")
    assert re.findall(r"<h2 id=\"nb-\w+\">([^<]+)</h2>", html) == SECTIONS_30
    tables = page_tables(page)
    assert len(tables) == 6
    for table, (heading, columns, rows) in zip(tables[:4], ACTIVE_30):
        assert [c[1] for c in table[0]] == [heading] and table[0][0][:1] == ("th",)
        assert [c[1] for c in table[1]] == columns and all(c[0] == "th" for c in table[1])
        assert [[c[1] for c in r if c[0] == "th"] for r in table[2:]] == [[name] for name in rows]
    applications, reviews = tables[4], tables[5]
    assert [[c[1] for c in r] for r in applications[:3]] == APPLICATION_HEAD_30
    body = applications[3:]
    assert [[c[1] for c in r if c[0] == "th"] for r in body] == APPLICATION_ROWS_30
    assert all(sum(1 for c in r if c[0] == "td") == 7 for r in body)     # 6 applicant columns + 总计
    # every row spans the three label columns: 10 columns in all
    widths = _grid_widths(applications)
    assert set(widths) == {10}
    assert [[c[1] for c in r] for r in reviews[:3]] == REVIEW_HEAD_30
    assert [c[1] for c in reviews[3]] == ["1", "0", "0", "0", "1"] + ["0"] * 10
    assert set(_grid_widths(reviews)) == {15}


def _grid_widths(table) -> list[int]:
    """Width of each row of a table once rowspans are carried down (a table-model sanity check)."""
    carried: dict[int, int] = {}
    widths = []
    for row in table:
        col, width = 0, 0
        occupied = {c for c, left in carried.items() if left > 0}
        for cell in row:
            while col in occupied:
                col += 1
            for k in range(cell[3]):
                if cell[2] > 1:
                    carried[col + k] = cell[2]
            col += cell[3]
        width = max([col] + [c + 1 for c in occupied])
        widths.append(width)
        carried = {c: left - 1 for c, left in carried.items() if left - 1 > 0}
    return widths


def test_jianyi_pages_show_list_summary_and_reply_never_the_contact_details(built):
    listing = (built / "jianyi/2024/index.html").read_text(encoding="utf-8")
    assert "共收到代表建议 3 件，已全部办结，其中 A 类（已解决或基本解决）1 件，占 33.4%" in listing
    assert "33.4%<sup class=\"adjusted\">*</sup>" in listing
    assert listing.count('<tr data-unit=') == 3
    item = (built / "jianyi/2024/001.html").read_text(encoding="utf-8")
    assert "<p>操场已于 5 月完工。</p>" in item and "李某、王某" in item
    everything = "".join(p.read_text(encoding="utf-8", errors="replace") for p in built.rglob("*") if p.is_file()
                         and p.suffix in (".html", ".xml", ".json"))
    assert "13812345678" not in everything          # 联系电话 column: never read, never published


def test_home_sitemap_feed_and_search_index_carry_the_data_pages(built):
    home = (built / "index.html").read_text(encoding="utf-8")
    assert 'href="jianyi/index.html"' in home and 'href="nianbao/index.html"' in home
    sitemap = (built / "sitemap.xml").read_text(encoding="utf-8")
    for path in ("jianyi/2024/index.html", "jianyi/2024/001.html", "nianbao/2024.html", "nianbao/index.html"):
        assert f"<loc>https://rd.example.gov.cn/{path}</loc>" in sitemap
    assert "<lastmod>2024-05-25</lastmod>" in sitemap       # 001's 公开日期, not the build day
    feed = (built / "atom.xml").read_text(encoding="utf-8")
    assert "<title>测试县人民政府办公室2024年政府信息公开工作年度报告</title>" in feed
    assert "<title>2024年代表建议办理情况</title>" in feed
    import json

    meta = json.loads((built / "search-index/meta.json").read_text(encoding="utf-8"))
    paths = {d[1] for d in meta["docs"]}
    assert {"jianyi/2024/001.html", "nianbao/2024.html"} <= paths
    assert ["jianyi", "建议办理", "data"] in meta["columns"]


# ---------------------------------------------------------------------------------------------
# Check rules: deadlines (as of --now), PII in any 建议 field or reply


def _findings(root: Path, day: str | None = None) -> list[str]:
    config, _ = load_config(root)
    now = dt.datetime.combine(dt.date.fromisoformat(day), dt.time(12), TZ) if day else None
    outcome = run_check(config, now=now)
    return [str(f) for f in outcome.findings if f.path.startswith("data/")]


def test_late_answer_late_publication_and_late_annual_report_are_warnings(tmp_path):
    rows = (ROWS[0].replace("2024/5/20,2024-05-25", "2024-06-20,2024-06-25"),
            ROWS[1].replace("2024-06-01,2024-06-10", "2024-06-01,2024-07-15"),
            "003,关于整治河道的建议,钱某,,白水乡代表团,县水利局,,2024-03-05,,,,,,")
    root = data_site(tmp_path / "s", rows=rows, nianbao=NIANBAO.replace("date: 2025-01-20", "date: 2025-02-05"))
    assert _findings(root, "2024-07-01") == [
        f"{CSV}:2:1: warning jianyi-late-answer: 第 001 号建议 2024-03-05 交办、2024-06-20 才答复，超过 3 个月的期限（2024-06-05）",
        f"{CSV}:5:1: warning jianyi-late-publish: 第 002 号建议 2024-06-01 答复，2024-07-15 才公开，超过答复后 30 天的期限",
        f"{CSV}:6:1: warning jianyi-late-answer: 第 003 号建议 2024-03-05 交办，至 2024-07-01 仍未答复，已超过 3 个月的期限（2024-06-05）",
        f"{NB}:1:1: warning nianbao-late: 2024 年年报 2025-02-05 发布，晚于《政府信息公开条例》规定的 2025-01-31",
    ]
    write(root / "congressgen.yaml", (root / "congressgen.yaml").read_text(encoding="utf-8")
          + "jianyi:\n  answer_within_months: 4\n  publish_within_days: 60\n")
    assert _findings(root, "2024-07-01") == [f"{NB}:1:1: warning nianbao-late: 2024 年年报 2025-02-05 发布，晚于《政府信息公开条例》规定的 2025-01-31"]


def test_a_missing_annual_report_is_a_warning_as_of_now(tmp_path):
    root = data_site(tmp_path / "s")
    assert _findings(root, "2026-01-31") == []
    assert _findings(root, "2026-02-01") == [
        "data/nianbao/2025.yaml:1:1: warning nianbao-late: 2025 年年报应在 2026-01-31 前发布，至 2026-02-01 尚无 data/nianbao/2025.yaml"]
    result = run_cli("check", "--now", "2026-02-01", "--source", str(root))
    assert "nianbao-late" in result.stdout and result.returncode == 0


def test_pii_in_a_field_or_reply_is_an_error_and_refuses_the_build(tmp_path):
    first17 = "11010519491231002"
    id_number = first17 + id_check_digit(first17)
    rows = (ROWS[0].replace("关于修缮中心小学操场的建议", "关于修缮操场的建议（联系13912345678）"),
            ROWS[1], ROWS[2].replace("经研究，列入明年计划。", f"经研究，列入明年计划。身份证{id_number}。"))
    root = data_site(tmp_path / "s", rows=rows)
    write(root / "data/jianyi/2024/002.md", "经研究，拟增设站点。\n\n请与代表联系：家住青山镇幸福路12号。\n")
    text = _csv_text(rows)
    found = _findings(root)
    assert found == [
        f"data/jianyi/2024.csv:2:{col_of(text, 2, '13912345678')}: error pii-mobile: 手机号码属于个人信息，公开时应写成 139****5678；"
        "如是公开的服务热线，请加入 congressgen.yaml 的 check.hotlines",
        f"data/jianyi/2024.csv:6:{col_of(text, 6, id_number)}: error pii-id-number: 身份证号码未脱敏；公开时应写成 "
        f"{id_number[:6]}********{id_number[-4:]}",
        "data/jianyi/2024/002.md:3:8: error jianyi-pii-address: “答复”中写有住址（家住青山镇幸……）；代表的联系方式不得公开",
    ]
    with pytest.raises(BuildFailed) as info:
        build(BuildOptions(root, tmp_path / "out", jobs=1))
    assert {d.message.split(":")[0] for d in info.value.diagnostics} == {"pii-mobile", "pii-id-number", "jianyi-pii-address"}
    assert not (tmp_path / "out").exists()


# ---------------------------------------------------------------------------------------------
# Rebuilds: a one-row change renders only the pages that read that row


def test_one_row_change_rebuilds_only_the_pages_that_read_it(tmp_path):
    root = data_site(tmp_path / "s")
    out = tmp_path / "out"
    first = build(BuildOptions(root, out, jobs=1))
    assert first.stats.rendered == len(first.site.pages)
    again = build(BuildOptions(root, out, jobs=1))
    assert again.stats.rendered_paths == []

    rows = (ROWS[0], ROWS[1], ROWS[2].replace("经研究，列入明年计划。", "经研究，已列入明年计划，年内开工。"))
    write(root / CSV, csv_bytes(rows))
    reply = build(BuildOptions(root, out, jobs=1))
    # the 建议's own page, the year's list (it holds the year), and the two whole-site lists of pages
    assert sorted(reply.stats.rendered_paths) == ["atom.xml", "jianyi/2024/003.html", "jianyi/2024/index.html", "sitemap.xml"]
    assert "经研究，已列入明年计划，年内开工。" in (out / "jianyi/2024/003.html").read_text(encoding="utf-8")

    rows = (ROWS[0], ROWS[1], rows[2].replace(",C,满意,", ",C,不满意,"))
    write(root / CSV, csv_bytes(rows))
    rated = build(BuildOptions(root, out, jobs=1))
    # the summary sentence changed too: the all-years list quotes it
    assert sorted(rated.stats.rendered_paths) == ["atom.xml", "jianyi/2024/003.html", "jianyi/2024/index.html",
                                                  "jianyi/index.html", "sitemap.xml"]
    assert rated.stats.reused == len(rated.site.pages) - 5


# ---------------------------------------------------------------------------------------------
# congressgen init --with-data


def test_init_with_data_adds_an_example_of_each_that_builds_and_checks_without_error(tmp_path):
    root = tmp_path / "site"
    result = run_cli("init", "--with-data", str(root))
    assert result.returncode == 0, result.stderr
    for rel in ("data/jianyi/2025.csv", "data/jianyi/2025/2.md", "data/nianbao/2025.yaml"):
        assert f"已创建 {root / rel}" in result.stdout
    assert (root / "data/jianyi/2025.csv").read_bytes().startswith(b"\xef\xbb\xbf")     # as Excel saves it
    outcome = build(BuildOptions(root, root / "build", jobs=1))
    assert {"jianyi/2025/index.html", "jianyi/2025/2.html", "nianbao/2025.html"} <= {p.path for p in outcome.site.pages}
    assert "经研究，现答复如下" in (root / "build/jianyi/2025/2.html").read_text(encoding="utf-8")
    assert not [f for f in _findings(root) if " error " in f]


def test_init_with_data_in_an_existing_site_adds_only_missing_files(site_dir):
    write(site_dir / "data/nianbao/2025.yaml", "year: 2025\n")
    config_before = (site_dir / "congressgen.yaml").read_bytes()
    result = run_cli("init", "--with-data", str(site_dir))
    assert result.returncode == 0, result.stderr
    assert (site_dir / "data/nianbao/2025.yaml").read_text(encoding="utf-8") == "year: 2025\n"   # the clerk's file
    assert (site_dir / "data/jianyi/2025.csv").is_file()
    assert (site_dir / "congressgen.yaml").read_bytes() == config_before
    assert run_cli("init", str(site_dir)).returncode == 1     # without --with-data: refused as before


def test_a_report_linking_to_data_pages_checks_clean_and_a_bad_data_file_is_still_reported(tmp_path):
    root = data_site(tmp_path / "s")
    write(root / "content/reports/a.md", report_text(
        title="测试报告", id="a", body="一、工作回顾\n\n见[建议办理](../../jianyi/2024/001.html)和[年报](../../nianbao/2024.html)。\n"))
    config, _ = load_config(root)
    outcome = run_check(config)
    assert [f for f in outcome.findings if f.rule.startswith("link")] == []
    write(root / CSV, csv_bytes((ROWS[0], ROWS[0])))
    assert [f.rule for f in run_check(config).findings if f.path == CSV] == ["data-invalid"]
