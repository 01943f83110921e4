"""Data files (`data/jianyi/`, `data/nianbao/`): what an inspection checks on the 代表建议办理
公开 and the 政府信息公开工作年度报告 — malformed rows, 类别/满意度 outside the configured sets,
a 代表's personal information in anything published (the PII rules of `privacy`, applied to
every published field and reply), replies and publication later than the configured limits,
the 年报's 勾稽关系, and a 年报 published after 31 January of the following year."""

from __future__ import annotations

import datetime as dt
import re

from congressgen.check import privacy
from congressgen.check.model import Finding, Rule, Segment
from congressgen.tables.problems import DataProblem, DataProblems

RULES = (
    Rule("data-invalid", "error", "数据文件（代表建议、年报）格式错误：缺列、日期无效、数字无效、编号重复等"),
    Rule("jianyi-category", "error", "建议的办理结果类别不在配置的类别中（jianyi.categories），或已答复却未填类别"),
    Rule("jianyi-satisfaction", "error", "代表满意度不在配置的选项中（jianyi.satisfaction）"),
    Rule("jianyi-pii-address", "error", "建议或答复中写有代表的住址"),
    Rule("jianyi-late-answer", "warning", "建议交办后超过规定期限（jianyi.answer_within_months，默认 3 个月）才答复或仍未答复"),
    Rule("jianyi-late-publish", "warning", "建议答复后超过规定天数（jianyi.publish_within_days，默认 30 天）才公开"),
    Rule("nianbao-unbalanced", "error", "年报申请情况表不平衡：本年新收 + 上年结转 ≠ 办理结果总计 + 结转下年度"),
    Rule("nianbao-total", "error", "年报中写出的总计与各分项之和不符"),
    Rule("nianbao-late", "warning", "年报晚于次年 1 月 31 日发布，或（按 --now 这一天）逾期未发布"),
)

# 住址/家住/地址：… followed by a place with a house number: a person's address, not a unit's.
_ADDRESS = re.compile(r"(?:家庭住址|住址|家住|居住地|现住|通讯地址|联系地址)[：:\s]*"
                      r"([^\s，。；、]{0,30}?(?:路|街|巷|村|组|小区|号楼|栋|幢|单元|室)[^\s，。；]{0,12})")


def _data(ctx):
    """The site's data (as the build loaded it), else loaded here; problems become findings."""
    from congressgen.tables.sources import jianyi_load, nianbao_load

    root = ctx.config.root
    data = getattr(ctx.site, "data", None) if ctx.site is not None else None
    findings: list[Finding] = []
    values = {}
    for name, load in (("jianyi", jianyi_load), ("nianbao", nianbao_load)):
        if data is not None and hasattr(data, name):
            values[name] = getattr(data, name)
            continue
        try:
            values[name] = load(root, ctx.config)
        except DataProblems as exc:
            findings += [_finding(p) for p in exc.problems]
            values[name] = ()
    return values["jianyi"], values["nianbao"], findings


def _finding(problem: DataProblem) -> Finding:
    at = problem.location
    return Finding(at.path, max(at.line, 1), max(at.col, 1), problem.rule, problem.message)


def _pii(text_field, hotlines, today):
    """PII findings in one published field, positioned in the file it was written in."""
    segment = Segment(text_field.path, text_field.text, text_field.line, "file")
    found = list(privacy.scan(segment, hotlines, today))
    for m in _ADDRESS.finditer(text_field.text):
        found.append(segment.finding(m.start(), "jianyi-pii-address",
                                     f"“{text_field.name}”中写有住址（{m.group(0)[:6]}……）；代表的联系方式不得公开"))
    for f in found:
        if f.line == text_field.line:      # the field starts mid-line (a CSV cell, a YAML value)
            f = Finding(f.path, f.line, f.col + text_field.col - 1, f.rule, f.message)
        yield f


def check_site(ctx):
    years, reports, findings = _data(ctx)
    yield from findings
    now = ctx.now or dt.datetime.now()
    today = now.date()
    if years:        # the parser and its settings only for a site with 建议 files (tables.sources)
        from congressgen.tables.jianyi import add_months
        from congressgen.tables.sources import jianyi_settings

        settings = jianyi_settings(ctx.config)
    for year in years:
        for field in year.texts:
            yield from _pii(field, ctx.settings.hotlines, today)
        for s in year.suggestions:
            line = year.lines.get(s.number, 1)
            deadline = add_months(s.assigned, settings.answer_within_months)
            if s.answered is not None and s.answered > deadline:
                yield Finding(year.source, line, 1, "jianyi-late-answer",
                              f"第 {s.number} 号建议 {s.assigned} 交办、{s.answered} 才答复，超过 "
                              f"{settings.answer_within_months} 个月的期限（{deadline}）")
            elif s.answered is None and today > deadline:
                yield Finding(year.source, line, 1, "jianyi-late-answer",
                              f"第 {s.number} 号建议 {s.assigned} 交办，至 {today} 仍未答复，已超过 "
                              f"{settings.answer_within_months} 个月的期限（{deadline}）")
            if s.answered is not None:
                published = s.published or today
                late = (published - s.answered).days
                if late > settings.publish_within_days:
                    when = f"{published} 才公开" if s.published else f"至 {today} 仍未公开（未填公开日期）"
                    yield Finding(year.source, line, 1, "jianyi-late-publish",
                                  f"第 {s.number} 号建议 {s.answered} 答复，{when}，超过答复后 "
                                  f"{settings.publish_within_days} 天的期限")
    for report in reports:
        yield from (_finding(p) for p in report.reconciliation)
        if report.date > report.due:
            yield Finding(report.source, 1, 1, "nianbao-late",
                          f"{report.year} 年年报 {report.date} 发布，晚于《政府信息公开条例》规定的 {report.due}")
    if reports and ctx.now_given:     # "still missing" depends on the day: only as of an explicit --now
        wanted = today.year - 1
        if today > dt.date(today.year, 1, 31) and max(r.year for r in reports) < wanted:
            folder = reports[0].source.rsplit("/", 1)[0]
            yield Finding(f"{folder}/{wanted}.yaml", 1, 1, "nianbao-late",
                          f"{wanted} 年年报应在 {today.year}-01-31 前发布，至 {today} 尚无 {folder}/{wanted}.yaml")
