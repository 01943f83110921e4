"""Why congressgen's search is a Han bigram index and not Pagefind: both engines run the
issue's queries on the demo site in headless Chromium, and each result set is compared
with the published reports that really contain the query (title, body or metadata).

    python benchmarks/pagefind_compare.py

Needs the optional `pagefind[extended]` package (its extended binary segments Chinese);
it is not a congressgen dependency. Pagefind indexes the built HTML (the article
template marks the report with data-pagefind-body); ours is the index the build writes.
"""

from __future__ import annotations

import functools
import http.server
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from congressgen.build import BuildOptions, build  # noqa: E402
from congressgen.search import search_doc, searchable_reports  # noqa: E402

QUERIES = ["人大主席团", "预算审查", "全过程人民民主", "民生实事", "票决", "扩班", "过程人民", "2024年",
           "网站标识码", "主办单位", "连锁超市"]   # the last three: footer-only, footer-only, draft-only

PAGEFIND = """async (q) => {
  const pf = await import('./_pagefind/pagefind.js');
  const found = await pf.search(q);
  return Promise.all(found.results.map(async r => (await r.data()).url));
}"""


def truth(site) -> dict[str, str]:
    """report path -> everything of it that is searchable, joined."""
    return {r.path: "\n".join((d.title, d.text, *d.outline, *d.meta))
            for r in searchable_reports(site) for d in [search_doc(r)]}


def serve(folder: Path) -> str:
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(folder)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{httpd.server_address[1]}/"


def describe(found: set[str], expected: set[str]) -> str:
    missed, extra = len(expected - found), len(found - expected)
    problems = ([f"misses {missed}"] if missed else []) + ([f"{extra} without it"] if extra else [])
    return f"{len(found):>2} ({', '.join(problems) or 'exact'})"


def main() -> None:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "build"
        site = build(BuildOptions(source=REPO, output=out)).site
        run = subprocess.run([sys.executable, "-m", "pagefind", "--site", str(out), "--output-subdir", "_pagefind"],
                             capture_output=True, text=True)
        banner = next((line for line in run.stdout.splitlines() if "Running Pagefind" in line), run.stderr.strip())
        print(banner)
        texts = truth(site)
        base = serve(out)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--headless", "--no-sandbox"])
            page = browser.new_page()
            print(f"{'query':<10} {'reports holding it':>18}   {'Pagefind':<24} {'bigram index':<24}")
            for query in QUERIES:
                expected = {path for path, text in texts.items() if query in text}
                page.goto(base + "index.html")
                pagefind = {u.lstrip("/") for u in page.evaluate(PAGEFIND, query)}
                page.goto(base + "search.html?q=" + query)
                page.wait_for_selector("#search-results[aria-busy=false]", state="attached")
                ours = set(page.eval_on_selector_all(".search-result-title a", "a => a.map(x => x.getAttribute('href'))"))
                print(f"{query:<10} {len(expected):>18}   {describe(pagefind, expected):<24} {describe(ours, expected):<24}")
            browser.close()


if __name__ == "__main__":
    main()
