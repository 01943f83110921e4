"""A small site with 代表建议 and a 年报, for the data-page tests: the files as a clerk writes
them (a CSV as Excel saves it, a 年报 YAML with only raw figures)."""

from __future__ import annotations

import textwrap
from pathlib import Path

from conftest import MINIMAL_CONFIG, report_text, write

HEADER = "编号,标题,领衔代表,附议代表,代表团,主办单位,协办单位,交办日期,答复日期,公开日期,类别,满意度,联系电话,答复"
ROWS = (
    '001,关于修缮中心小学操场的建议,张某某,"李某、王某",青山镇代表团,县教育局,县财政局,2024/3/5,2024/5/20,2024-05-25,A,满意,13812345678,"已列入计划。\n\n操场已于 5 月完工。"',
    "002,关于增设公交站点的建议,赵某,,青山镇代表团,县交通运输局,,2024-03-05,2024-06-01,2024-06-10,B类,基本满意,,",
    "003,关于整治河道的建议,钱某,,白水乡代表团,县水利局,县教育局,2024-03-05,2024-05-30,2024-06-05,C,满意,,经研究，列入明年计划。",
)

NIANBAO = textwrap.dedent("""\
    year: 2024
    organ: 测试县人民政府办公室
    date: 2025-01-20
    overview: |
      2024年，测试县人民政府办公室认真贯彻落实《中华人民共和国政府信息公开条例》。
    active:
      规章: [0, 0, 0]
      行政规范性文件: [3, 1, 25]
      行政许可: 120
      行政处罚: 35
      行政强制: 2
      行政事业性收费: 12.5
    applications:
      本年新收: [10, 2, 0, 0, 1, 0]
      上年结转: [1, 0, 0, 0, 0, 0]
      予以公开: [5, 1, 0, 0, 1, 0]
      部分公开: [2, 0, 0, 0, 0, 0]
      本机关不掌握相关政府信息: [2, 1, 0, 0, 0, 0]
      结转下年度: [2, 0, 0, 0, 0, 0]
    reviews:
      行政复议: [1, 0, 0, 0]
    problems: |
      信息发布不够及时。
    """)


def csv_bytes(rows=ROWS, header=HEADER, encoding="utf-8-sig") -> bytes:
    """As Excel saves it: CRLF line ends, a BOM for "CSV UTF-8", or the GB18030 code page."""
    return ("\r\n".join((header, *rows)) + "\r\n").encode(encoding)


def data_site(root: Path, *, rows=ROWS, encoding="utf-8-sig", nianbao: str | None = NIANBAO,
              config_extra: str = "", base_url: str | None = None) -> Path:
    config = MINIMAL_CONFIG + config_extra
    if base_url:
        config = config.replace("base_url: https://rd.example.gov.cn/", f"base_url: {base_url}")
    write(root / "congressgen.yaml", config)
    write(root / "content/reports/a.md", report_text(title="测试报告", id="a"))
    write(root / "data/jianyi/2024.csv", csv_bytes(rows, encoding=encoding))
    write(root / "data/jianyi/2024/002.md", "经研究，拟于 2025 年增设站点。\n")
    if nianbao is not None:
        write(root / "data/nianbao/2024.yaml", nianbao)
    return root
