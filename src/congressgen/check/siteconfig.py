"""Site configuration: the footer items every page of a government site must show
(网站标识码, 主办单位, 联系方式, ICP备案号, 公安机关备案号) and the form of the 网站标识码."""

from __future__ import annotations

import re

from congressgen.check.model import Finding, Rule
from congressgen.config import CONFIG_FILE

RULES = (
    Rule("site-footer-missing", "warning", "页脚缺少政府网站检查必查项（网站标识码、主办单位、联系方式、ICP备案号、公安机关备案号）"),
    Rule("site-code-format", "warning", "网站标识码应为 10 位：数字，或 bm 加 8 位数字"),
)

# (footer keys, any of which satisfies the item; label inspectors look for)
REQUIRED = ((("site_code",), "网站标识码"), (("organizer",), "主办单位"), (("phone", "email"), "联系方式"),
            (("icp",), "ICP备案号"), (("police_record",), "公安机关备案号"))
# A column embedded in a larger portal (site.embedded) does not own the site's identity: the
# portal's 网站标识码, ICP and 公安机关 filings cover it, so only these stay required.
EMBEDDED_REQUIRED = tuple(item for item in REQUIRED if item[1] in ("主办单位", "联系方式"))
_SITE_CODE = re.compile(r"^(?:\d{10}|bm\d{8})$")


def check_site(ctx):
    footer = ctx.config.footer
    for keys, label in (EMBEDDED_REQUIRED if ctx.config.site.embedded else REQUIRED):
        if not any(getattr(footer, k, "") for k in keys):
            line, col = ctx.config.position("footer", keys[0])
            names = " 或 ".join(f"footer.{k}" for k in keys)
            yield Finding(CONFIG_FILE, line, col, "site-footer-missing",
                          f"页脚缺少“{label}”（在 congressgen.yaml 中填写 {names}）；政府网站检查要求每页底部列明")
    if footer.site_code and not _SITE_CODE.match(footer.site_code):
        line, col = ctx.config.position("footer", "site_code")
        yield Finding(CONFIG_FILE, line, col, "site-code-format",
                      f"网站标识码 “{footer.site_code}” 应为 10 位：数字（如 1304000009），或 bm 加 8 位数字；"
                      "请照网站标识码通知书填写，并加引号")
