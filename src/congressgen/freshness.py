"""Column freshness: each column's newest published item, its update limit and the day it
must next be updated; used by `check` (column-stale, column-empty), `status` and `publish`.

A limit of 2 weeks on an item dated 1 March means a newer item is due by 15 March: on
15 March the column is still in time, from 16 March it is stale. Limits apply on typed
sites (`site.type` 人大 or 政府) by column type (sitetype.DEFAULT_LIMITS) and on any site to a
column that sets `limit:` itself; generic sites keep the behaviour they had before types."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from congressgen.config import ColumnConfig, SiteConfig
from congressgen.sitetype import DEFAULT_LIMITS, OFF, Limit

OK, STALE, FATAL, EMPTY, UNLIMITED = "ok", "stale", "fatal", "empty", "unlimited"
STATE_TEXT = {OK: "按期", STALE: "超期未更新", FATAL: "严重超期", EMPTY: "空白栏目", UNLIMITED: "不限期"}


@dataclass(frozen=True)
class ColumnStatus:
    config: ColumnConfig
    newest: dt.date | None       # day of the newest published item (the column's and its sub-columns')
    newest_title: str
    count: int
    limit: Limit | None
    due: dt.date | None          # last day a new item is in time
    state: str
    children: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        return self.config.key

    @property
    def title(self) -> str:
        return self.config.title


def column_limit(column: ColumnConfig, config: SiteConfig) -> Limit | None:
    if column.limit == OFF:
        return None
    if isinstance(column.limit, Limit):
        return column.limit
    return DEFAULT_LIMITS.get(column.type) if config.site.typed else None


def column_statuses(config: SiteConfig, reports, today: dt.date) -> list[ColumnStatus]:
    """One status per configured column, in configured order. `reports`: the site model's
    reports (drafts and items dated after `today` do not count as published)."""
    by_column: dict[str, list] = {}
    for report in reports:
        if report.fm.draft or report.fm.date.date() > today:
            continue
        by_column.setdefault(report.column.key, []).append(report)
    children: dict[str, list[str]] = {}
    for column in config.columns:
        if column.parent:
            children.setdefault(column.parent, []).append(column.key)
    result = []
    for column in config.columns:
        kids = tuple(children.get(column.key, ()))
        items = [r for key in (column.key, *kids) for r in by_column.get(key, ())]
        newest = max(items, key=lambda r: (r.fm.date, r.id), default=None)
        day = newest.fm.date.date() if newest else None
        limit = None if kids else column_limit(column, config)
        due = limit.due(day) if limit and day else None
        if newest is None:
            state = EMPTY
        elif limit is None:
            state = UNLIMITED
        elif today <= due:
            state = OK
        else:
            fatal = config.site.stale_error
            state = FATAL if fatal is not None and today > fatal.due(day) else STALE
        result.append(ColumnStatus(column, day, newest.title if newest else "", len(items), limit, due, state, kids))
    return result



def empty_columns(config: SiteConfig, reports) -> tuple[str, ...]:
    """“title（key）” of each configured column with no published item in it or its sub-columns
    (空白栏目): recorded by the build, refused by `publish`. Only on a typed site (`site.type`):
    there every configured column is linked as part of the structure an inspection expects,
    while a generic site links only columns that have items (an empty one is not shown), so
    its empty column stays a `check` warning (structure-empty-column)."""
    if not config.site.type:
        return ()
    return tuple(f"{s.title}（{s.key}）" for s in column_statuses(config, reports, dt.date.max) if s.state == EMPTY)
