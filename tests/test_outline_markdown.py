"""GB/T 9704 outline recognition and the Markdown rules Chinese official text needs."""

from congressgen.markdown import BodyRenderer, summarise
from congressgen.outline import numeral_value, prepare

PASTED = """\
各位代表：

现在，我代表镇人大主席团向大会报告工作，请予审议。

一、坚持依法履职，全面加强监督工作。今年以来，主席团紧紧围绕全镇中心工作，一是听取专项报告，二是开展执法检查，三是组织代表视察。

（一）聚焦经济发展，强化预算审查监督。镇人大主席团认真审查预算执行情况，
提出意见建议。

（二）聚焦民生实事，推行项目票决制。全年票决民生实事项目八件。

二、密切联系群众，充分发挥代表作用。全年组织代表进站接待选民三百余人次。

三、加强自身建设，提升履职能力。主席团坚持学习制度。

2025年工作安排

一、围绕中心大局，增强监督实效。主席团将紧扣发展目标开展监督。

（一）加强预算审查监督。重点关注民生支出。

二、践行全过程人民民主，做好代表工作。完善代表联络站运行机制。
"""


def test_run_in_headings_review_and_task_parts():
    _, outline = prepare(PASTED)
    assert outline.sections == ("坚持依法履职，全面加强监督工作", "密切联系群众，充分发挥代表作用", "加强自身建设，提升履职能力")
    assert outline.tasks == ("围绕中心大局，增强监督实效", "践行全过程人民民主，做好代表工作")
    anchors = [(e.level, e.anchor) for e in outline.entries]
    # the stand-alone "2025年工作安排" is the plan part's title (level 0), over 一、 and 二、
    assert anchors == [(1, "sec-1"), (2, "sec-1-1"), (2, "sec-1-2"), (1, "sec-2"), (1, "sec-3"),
                       (0, "part-plan"), (1, "task-1"), (2, "task-1-1"), (1, "task-2")]
    assert outline.entries[1].line == 7   # body line where （一） starts


def test_rendered_headings_keep_every_character_and_split_the_run_in_text():
    body = BodyRenderer().render(PASTED)
    html = body.html
    assert '<h2 class="outline-1" id="sec-1">一、坚持依法履职，全面加强监督工作。</h2>' in html
    assert '<h3 class="outline-2" id="sec-1-1">（一）聚焦经济发展，强化预算审查监督。</h3>' in html
    assert "<p>今年以来，主席团紧紧围绕全镇中心工作，" in html
    # CJK soft line break joined without a space
    assert "执行情况，提出意见建议。" in html
    # lead-ins emphasised
    assert '<strong class="leadin">一是</strong>听取专项报告' in html
    assert '<strong class="leadin">三是</strong>组织代表视察' in html
    # every character of the text reaches the page, in order
    assert "".join(body.text.split()) == "".join(PASTED.split())


def test_heading_on_its_own_line_and_lower_levels():
    text = "一、2024年工作回顾\n今年以来，全镇经济平稳增长。\n\n1.强化学习。增长1.5%。\n\n（1）细化任务\n\n一、2025年主要任务\n"
    _, outline = prepare(text)
    assert [(e.level, e.marker, e.title) for e in outline.entries] == [
        (1, "一、", "2024年工作回顾"), (3, "1.", "强化学习"), (4, "（1）", "细化任务"), (1, "一、", "2025年主要任务")]
    # a numbered heading that only names its part holds the part's items (issue 15)
    assert outline.sections == ("强化学习",) and outline.tasks == ("2025年主要任务",)
    assert [e.part for e in outline.entries] == ["review", "review", "review", "plan"]


def test_markdown_headings_with_numbering_join_the_outline():
    _, outline = prepare("## 一、工作回顾\n\n正文。\n\n## 二、工作安排\n")
    # 工作安排 announces the plan although the numbering goes on (issue 15)
    assert outline.sections == ("工作回顾",) and outline.tasks == ("工作安排",)


def test_numbers_that_are_not_headings():
    # a hard-wrapped line starting with a decimal, a Markdown ordered list, and 统一是
    text = "全年增长\n1.5%，好于预期。\n\n1. 第一项\n2. 第二项\n\n思想统一是前提。\n"
    md, outline = prepare(text)
    assert outline.entries == ()
    html = BodyRenderer().render(text).html
    assert "<ol>" in html and "leadin" not in html and "增长1.5%" in html


def test_single_asterisks_and_underscores_are_literal_double_is_bold():
    html = BodyRenderer().render("我受*镇人民政府委托，镇长*名……助力*经济发展，**重点**工作，文件_1_号。\n").html
    assert "我受*镇人民政府委托，镇长*名……助力*经济发展" in html
    assert "<em>" not in html
    assert "<strong>重点</strong>" in html
    assert "文件_1_号" in html


def test_tables_and_footnotes():
    html = BodyRenderer().render("| 指标 | 完成 |\n|---|---|\n| 收入 | 5% |\n\n说明[^1]\n\n[^1]: 快报数。\n").html
    assert "<table>" in html and "<td>收入</td>" in html
    assert 'class="footnote"' in html and "快报数。" in html


def test_code_fences_are_left_alone():
    md, outline = prepare("```\n一、不是标题\n```\n")
    assert outline.entries == () and "一、不是标题" in md


def test_numeral_values():
    assert [numeral_value(t) for t in ("一", "九", "十", "十二", "二十", "二十三", "7")] == [1, 9, 10, 12, 20, 23, 7]


def test_summary_cut_at_a_sentence_end():
    html = "<p>第一句话说完了。第二句话也说完了。第三句很长很长很长很长很长很长很长很长很长。</p>"
    assert summarise(html, 20) == "第一句话说完了。第二句话也说完了。"
    assert summarise("<p>短。</p>", 120) == "短。"
    assert summarise("<p>" + "没有标点" * 20 + "</p>", 10).endswith("……")


def test_run_in_text_that_looks_like_markdown_stays_text():
    body = BodyRenderer().render("（一）土地出让。#3号地块年内出让。\n\n（二）项目。1. 第一批开工。\n\n（三）其他。- 不是列表\n")
    assert "<h1>" not in body.html and "<ol>" not in body.html and "<ul>" not in body.html
    assert "#3号地块年内出让。" in body.text and "1. 第一批开工。" in body.text and "- 不是列表" in body.text


def test_a_numbered_paragraph_with_a_space_is_a_heading_unless_in_a_list():
    _, outline = prepare("一、回顾\n\n1. 项目建设：重点项目十二个。\n\n（1）工业项目七个；\n")
    assert [e.marker for e in outline.entries] == ["一、", "1.", "（1）"]
    _, outline = prepare("一、回顾\n\n1. 第一项\n2. 第二项\n\n1. 松散列表\n\n2. 第二项\n")
    assert [e.marker for e in outline.entries] == ["一、"]


def test_summary_leaves_out_footnotes():
    html = BodyRenderer().render("短文。[^1]\n\n[^1]: 注释内容。\n").html
    assert summarise(html, 120) == "短文。"


def test_heading_levels_never_skip():
    html = BodyRenderer().render("一、回顾\n\n1.学习。\n\n（1）细化。\n\n（一）监督。\n\n二、任务\n").html
    assert '<h2 class="outline-1" id="sec-1">一、回顾</h2>' in html
    assert '<h3 class="outline-3" id="sec-1-0-1">1.学习。</h3>' in html
    assert '<h4 class="outline-4" id="sec-1-0-1-1">（1）细化。</h4>' in html
    assert '<h3 class="outline-2" id="sec-1-1">（一）监督。</h3>' in html
    assert '<h2 class="outline-1" id="sec-2">二、任务</h2>' in html
