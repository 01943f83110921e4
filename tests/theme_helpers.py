"""Helpers shared by the theme tests: the demo pages they look at, a small HTML scanner
(meta tags, links, dated list rows) and where the test-only JS/Java tools live."""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TOOLS = REPO / "tests" / "js" / "node_modules"
AXE = TOOLS / "axe-core" / "axe.min.js"
VNU = TOOLS / "vnu-jar" / "build" / "dist" / "vnu.jar"
SCREENSHOTS = REPO / "screenshots"

# Demo pages (content/ of this repository) chosen for what they carry:
# a report with a time, session, 政务公开 fields, outline in two parts and attachments ...
FULL_ARTICLE = "reports/202401/t20240119_qingshan-zxt-2024.html"
FULL_ARTICLE_TITLE = "青山镇人民代表大会主席团工作报告（2024年）"
# ... and a news item with a date only, no session and no 政务公开 fields.
PLAIN_ARTICLE = "news/202206/t20220615_qingshan-news-20220615.html"
OTHER_ARTICLE = "reports/202501/t20250124_shili-zfgzbg-2025.html"
COLUMN_LIST = "reports/index.html"

LOADED_LINKS = {"stylesheet", "icon", "preload", "modulepreload", "manifest"}   # <link>s a browser fetches
FOOTER_LABELS = ("主办单位", "承办单位", "联系电话", "地址", "网站标识码", "ICP备案号", "公安机关备案号",
                 "我为政府网站找错", "网站地图")


@dataclass
class PageScan:
    metas: dict[str, str] = field(default_factory=dict)
    refs: list[str] = field(default_factory=list)          # href/src of a, link, script, img
    assets: list[str] = field(default_factory=list)        # what a browser loads: scripts, images, CSS, icon
    list_rows: int = 0                                     # rows of .report-list
    undated_rows: int = 0                                  # ... without a <time>
    ids: list[str] = field(default_factory=list)


class _Scanner(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.scan = PageScan()
        self._list_depth = 0        # inside <ul class="report-list">
        self._row: dict | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if a.get("id"):
            self.scan.ids.append(a["id"])
        if tag == "meta" and a.get("name"):
            self.scan.metas[a["name"]] = a.get("content") or ""
        for key in ("href", "src"):
            if tag in ("a", "link", "script", "img") and a.get(key):
                self.scan.refs.append(a[key])
                if tag in ("script", "img") or (tag == "link" and a.get("rel") in LOADED_LINKS):
                    self.scan.assets.append(a[key])
        if tag == "ul" and "report-list" in (a.get("class") or "").split():
            self._list_depth += 1
        elif tag == "li" and self._list_depth and "empty" not in (a.get("class") or ""):
            self._row = {"time": False}
        elif tag == "time" and self._row is not None:
            self._row["time"] = True

    def handle_endtag(self, tag):
        if tag == "li" and self._row is not None:
            self.scan.list_rows += 1
            self.scan.undated_rows += 0 if self._row["time"] else 1
            self._row = None
        elif tag == "ul" and self._list_depth:
            self._list_depth -= 1


def scan_html(path: Path) -> PageScan:
    scanner = _Scanner()
    scanner.feed(path.read_text(encoding="utf-8"))
    return scanner.scan


def html_pages(root: Path) -> list[Path]:
    return sorted(root.rglob("*.html"))


def java() -> str | None:
    return shutil.which("java")


def run_vnu(*folders: Path) -> list[dict]:
    """The Nu Html Checker's messages (errors only) on every HTML file of these folders."""
    result = subprocess.run(["java", "-jar", str(VNU), "--errors-only", "--skip-non-html", "--format", "json",
                             *map(str, folders)], capture_output=True, text=True, encoding="utf-8", timeout=300)
    return json.loads(result.stderr or '{"messages": []}')["messages"]


def axe_violations(page) -> list[str]:
    """axe-core's serious and critical violations on the page open in a Playwright tab."""
    page.add_script_tag(path=str(AXE))
    found = page.evaluate("""async () => {
        const r = await axe.run(document, {resultTypes: ["violations"]});
        return r.violations.map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target.join(" ")).slice(0, 5)}));
    }""")
    return [f'{v["id"]} ({v["impact"]}): {v["nodes"]}' for v in found if v["impact"] in ("serious", "critical")]
