"""政府信息公开专栏 items (政府 sites): the 目录 lists every item by its 索引号 (条例 第十二条), so
a published item of a 专栏 column — 政府信息公开制度, 法定主动公开内容 and its sub-columns,
政府信息公开年报 — without `index_number` leaves a hole in the 目录."""

from __future__ import annotations

from congressgen.check.model import Finding, Rule
from congressgen.sitetype import ZHUANLAN_TYPES

RULES = (Rule("gongkai-index-missing", "warning", "政府信息公开专栏中的文件没有索引号（index_number），目录中缺少索引"),)


def zhuanlan_columns(config) -> set[str]:
    """Keys of the 专栏's columns and of their sub-columns."""
    keys = {c.key for c in config.columns if c.type in ZHUANLAN_TYPES}
    return keys | {c.key for c in config.columns if c.parent in keys}


def check_site(ctx):
    if ctx.site is None or not ctx.config.site.government:
        return
    columns = zhuanlan_columns(ctx.config)
    for report in ctx.site.reports:
        if report.column.key in columns and not report.fm.draft and not report.fm.index_number:
            yield Finding(report.source, 1, 1, "gongkai-index-missing",
                          f"“{report.title}” 位于政府信息公开专栏（{report.column.title}），但没有索引号；"
                          "请在前置信息中写 index_number: 机构代码/年份-流水号")
