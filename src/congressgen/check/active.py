"""Active content in report bodies: scripts, frames, plug-ins, event attributes and
`javascript:` / `vbscript:` / `data:` URLs (see `congressgen.activecontent`)."""

from __future__ import annotations

from congressgen.activecontent import find_active, html_active
from congressgen.check.model import Document, Rule

RULES = (
    Rule("body-active-content", "error",
         "正文中的可执行内容：<script>、<iframe>、<object>、<embed>、on*= 事件属性、javascript:/vbscript:/data: 网址"),
)
_ADVICE = "网站页面不得嵌入脚本或可执行的链接（可被用来篡改页面、窃取信息），请删除；链接请写 https:// 地址，图片请放入附件目录"


def check_document(doc: Document, ctx):
    if doc.source is None or not ctx.settings.enabled("body-active-content"):
        return
    found = find_active(doc.body.text, doc.body.code_masked)    # the same masking the prose rules use
    for item in found:
        yield doc.body.finding(item.start, "body-active-content", f"正文中有{item.what}：{_ADVICE}")
    if not found and doc.compiled is not None:
        # Backstop: what the page would carry although the source scan saw nothing there.
        for what in dict.fromkeys(html_active(doc.compiled.body_html)):
            yield doc.body.finding(0, "body-active-content", f"正文生成的页面中有{what}：{_ADVICE}")
