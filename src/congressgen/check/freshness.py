"""Column freshness (栏目不更新, a 单项否决 item of 国办秘函〔2019〕19号): a column whose newest item
is older than its update limit or than the site's fatal limit. Depends on the day
(`check --now`), so it does not run inside `build`. Empty columns (空白栏目) are the
typography family's `structure-empty-column`, a warning in `check`; `publish` refuses them
(the build records them: congressgen.freshness.empty_columns)."""

from __future__ import annotations

from congressgen.check.model import Finding, Rule
from congressgen.config import CONFIG_FILE
from congressgen.freshness import FATAL, STALE, column_statuses

IN_BUILD = False
RULES = (
    Rule("column-stale", "warning", "栏目最新内容早于更新期限（动态 2 周、通知公告和政策文件 6 个月，或栏目自设的 limit）"),
    Rule("column-stale-fatal", "error", "栏目超过网站设定的严重期限（site.stale_error）仍未更新"),
)


def check_site(ctx):
    if ctx.site is None:
        return
    today = ctx.now.date() if ctx.now else None
    if today is None:
        return
    for status in column_statuses(ctx.config, ctx.site.reports, today):
        line, col = ctx.config.position("columns", status.key)
        if status.state in (STALE, FATAL):
            rule = "column-stale-fatal" if status.state == FATAL else "column-stale"
            extra = f"，已超过网站设定的 {ctx.config.site.stale_error.text}" if status.state == FATAL else ""
            yield Finding(CONFIG_FILE, line, col, rule,
                          f"栏目 “{status.title}” 最新内容发布于 {status.newest}（{status.newest_title}），"
                          f"更新期限 {status.limit.text}，应在 {status.due} 前更新{extra}")

