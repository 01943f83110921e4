"""有效性: a document's validity, as free text (as before) or as dates, and its state on a day.

`validity: 有效` stays free text, shown as written. A mapping is structured:

    validity:
      effective: 2024-02-01      # 生效日期
      expires: 2026-12-31        # 有效期至 (the last valid day)
      abolished: 2025-06-30      # 废止日期 (no longer valid from that day)
      replaced_by: new-policy-id # the document that replaces it

The content stage reads it (`content.parse_validity`, refusing impossible combinations with
their line); whether `replaced_by` names a real document is known only with the whole site
(model/doclife.py).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

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
