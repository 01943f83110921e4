"""The hot-spot replacements give exactly what the straightforward code gives: QR codes
identical to segno's, Markdown identical to stock Python-Markdown, related reports identical
to the pair-by-pair ranking."""

from __future__ import annotations

import random
from collections import defaultdict
from pathlib import Path

import markdown as md_lib
import segno

from congressgen import qr
from congressgen.markdown import EXTENSIONS, BodyRenderer, LiteralAsteriskExtension
from congressgen.outline import prepare
from congressgen.model.related import RelatedIndex, related_pairwise as _related_pairwise

from congressgen.model.assemble import build_site

from conftest import report_text, write

REPO = Path(__file__).resolve().parents[1]


def test_fast_qr_codes_are_segnos_codes():
    rng = random.Random(7)
    texts = [f"https://rd.example.gov.cn/reports/{rng.randint(2000, 2030)}{rng.randint(1, 12):02d}/"
             f"t2024{rng.randint(100, 999)}_r{i:05d}.html" for i in range(150)]
    texts += ["https://x.cn/" + "a" * n for n in range(0, 400, 9)]                 # versions 1 … 15
    texts += ["https://例子.政务.cn/" + "报告" * n for n in range(1, 30, 4)] + ["12345", "HELLO", "a"]
    for text in texts:
        ours, theirs = qr.make_code(text), segno.make(text, error="m", micro=False)
        assert (ours.version, ours.error, ours.mask) == (theirs.version, theirs.error, theirs.mask), text
        assert ours.matrix == theirs.matrix, text
    assert qr.qr_svg(texts[0], "标题") == qr.qr_svg(texts[0], "标题")


INLINE_TORTURE = """\
一是`代码` 与 \\*转义\\* 与 [链接](https://example.com) 与 ![图](a.png) 与 <https://auto.link> 与
<mail@example.com> 与 &amp; &#123; 与 **加粗** 与 *单星号* 与 _下划线_ 与 __双下划线__ 与 <span>行内</span>。

参考式链接[文字][ref]和脚注[^1]，行尾两个空格  
换行。

[ref]: https://example.com/ref
[^1]: 脚注内容，含 **加粗** 与 `代码`。

| 表头 `a` | **b** |
|---|---|
| [x](y.md) | <b>粗</b> |

<div markdown="1">
块内 *文字* 与 **加粗**
</div>
"""


def test_fast_inline_pass_renders_what_stock_python_markdown_renders():
    stock = md_lib.Markdown(extensions=list(EXTENSIONS) + [LiteralAsteriskExtension()],
                            extension_configs={"footnotes": {"BACKLINK_TITLE": "返回正文第 %d 处注释", "SEPARATOR": "-"}},
                            output_format="html")
    ours = BodyRenderer()._md
    bodies = [INLINE_TORTURE] + [p.read_text(encoding="utf-8").split("---", 2)[2]
                                 for p in sorted((REPO / "content").rglob("*.md"))]
    for text in bodies:
        prepared = prepare(text)[0]
        stock.reset()
        ours.reset()
        assert ours.convert(prepared) == stock.convert(prepared)


def test_related_index_matches_pairwise_ranking(site_dir):
    rng = random.Random(3)
    tags = ["甲", "乙", "丙", "丁", "戊"]
    for n in range(60):
        chosen = rng.sample(tags, rng.randint(0, 3))
        column = rng.choice(["reports", "news"])
        date = f"20{rng.randint(21, 24)}-0{rng.randint(1, 9)}-1{rng.randint(0, 2)}"   # many equal dates
        write(site_dir / "content" / column / f"x{n:02d}.md",
              report_text(f"报告{n}", date, "正文。\n", tags="[" + ", ".join(chosen) + "]", id=f"x{n:02d}"))
    from congressgen.build import BuildOptions, load_site_config
    from congressgen.compile import compile_all

    config, _ = load_site_config(BuildOptions(site_dir))
    site = build_site(compile_all(config)[0], config)
    by_tag = defaultdict(list)
    for r in site.reports:
        for t in r.fm.tags:
            by_tag[t].append(r)
    index = RelatedIndex(site.reports)
    for report in site.reports:
        assert [r.id for r in index.related(report)] == [r.id for r in _related_pairwise(report, by_tag)]


def test_report_state_assumption_is_reviewed_for_every_report_property():
    """renderdeps.report_state() treats a report's reads as unchanged when its own fields, its
    compiled report and its column's fields are. That holds for these properties and methods
    (category_name reads column.title, the rest read the report's own data). A new one must be
    checked against that rule — and report_state extended if it reads further — then listed."""
    from congressgen.model.types import Report

    properties = {n for n, v in vars(Report).items() if isinstance(v, property)}
    methods = {n for n, v in vars(Report).items() if callable(v) and not n.startswith("__")}
    assert properties == {"body_html", "category_name", "date_text", "day", "fm", "has_open_metadata", "outline",
                          "pubdate", "source", "summary"}
    assert methods == {"section_anchor"}
