"""有效性: a document's validity, as free text (as before) or as dates, and its state on a day.

`validity: 有效` stays free text, shown as written. A mapping is structured:

    validity:
      effective: 2024-02-01      # 生效日期
      expires: 2026-12-31        # 有效期至 (the last valid day)
      abolished: 2025-06-30      # 废止日期 (no longer valid from that day)
      replaced_by: new-policy-id # the document that replaces it

Impossible combinations are refused here, with the line they are written on; whether
`replaced_by` names a real document is known only with the whole site (model/doclife.py).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from congressgen.errors import ContentError, Location

VALIDITY_KEYS = ("effective", "expires", "abolished", "replaced_by")

VALID, PENDING, EXPIRED, ABOLISHED = "有效", "尚未生效", "已失效", "已废止"
EXPIRY_WARNING_DAYS = 30


@dataclass(frozen=True)
class Validity:
    effective: dt.date | None = None
    expires: dt.date | None = None
    abolished: dt.date | None = None
    replaced_by: str = ""


def state_on(validity: Validity, day: dt.date) -> str:
    """有效 / 尚未生效 / 已失效 / 已废止 on `day`. Abolition wins over expiry; a document is
    valid on its `effective` day and on its `expires` day, abolished from its `abolished` day."""
    if validity.abolished is not None and day >= validity.abolished:
        return ABOLISHED
    if validity.expires is not None and day > validity.expires:
        return EXPIRED
    if validity.effective is not None and day < validity.effective:
        return PENDING
    return VALID


def expires_soon(validity: Validity, day: dt.date, days: int = EXPIRY_WARNING_DAYS) -> bool:
    """Still valid on `day` and expiring within `days` days of it."""
    return (validity.expires is not None and state_on(validity, day) == VALID
            and (validity.expires - day).days <= days)


def parse_validity(value, doc, shown: str) -> tuple[str, Validity | None]:
    """(free text, None) for the old form; ("", Validity) for the structured one."""
    from congressgen.content import ID_PATTERN, parse_date

    if not isinstance(value, dict):
        if value is None or value == "":
            return "", None
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            raise ContentError(doc.location(shown, "validity"),
                               "“validity” 应为文字（如 有效），或写成 effective / expires / abolished / replaced_by 的映射")
        return str(value).strip(), None

    def at(sub: str) -> Location:
        return doc.nested_location(shown, "validity", sub)

    for key in value:
        if key not in VALIDITY_KEYS:
            raise ContentError(at(str(key)), f"“validity” 中有未知的键 “{key}”；可用：{' '.join(VALIDITY_KEYS)}")
    dates = {}
    for key in ("effective", "expires", "abolished"):
        if value.get(key) not in (None, ""):
            dates[key] = parse_date(value[key], at(key), f"validity.{key}")[0].date()
    replaced = value.get("replaced_by")
    replaced = "" if replaced is None else str(replaced).strip()
    if replaced and not ID_PATTERN.match(replaced):
        raise ContentError(at("replaced_by"), f"“validity.replaced_by” 应为另一篇文件的 id，实际写的是 “{replaced}”")
    effective = dates.get("effective")
    for key, words in (("abolished", "废止日期"), ("expires", "失效日期")):
        if effective is not None and key in dates and dates[key] < effective:
            raise ContentError(at(key), f"{words} {dates[key]} 早于生效日期 {effective}，不可能；请核对日期")
    return "", Validity(effective, dates.get("expires"), dates.get("abolished"), replaced)
