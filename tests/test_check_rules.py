"""Every rule of `congressgen check`: it fires on a positive case at the exact line and
column of the Markdown source, and stays silent on its near misses. Runs the check stage
in-process on small temporary sites (the CLI is covered in test_check_cli.py)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from conftest import report_text, write
from congressgen.check import run_check
from congressgen.check.privacy import id_check_digit, luhn_ok
from congressgen.config import load_config
from congressgen.content import TZ
from congressgen.errors import ConfigError

NOW = dt.datetime(2025, 6, 1, 12, 0, tzinfo=TZ)
VALID_ID = "11010119900307123" + id_check_digit("11010119900307123")          # 110101199003071233
WRONG_ID = VALID_ID[:-1] + str((int(VALID_ID[-1]) + 1) % 10)                  # check digit off by one
CARD = "6222021234567894"                                                     # passes Luhn


def check(root: Path, **options):
    config, _ = load_config(root)
    return run_check(config, now=NOW, **options).findings


def where(path: Path, needle: str, nth: int = 0) -> tuple[int, int]:
    """Line and column (1-based, in characters) where `needle` is written in a file."""
    text = path.read_text(encoding="utf-8")
    index = -1
    for _ in range(nth + 1):
        index = text.index(needle, index + 1)
    return text.count("\n", 0, index) + 1, index - (text.rfind("\n", 0, index) + 1) + 1


def hits(findings, rule: str) -> list[tuple[str, int, int]]:
    return [(f.path, f.line, f.col) for f in findings if f.rule == rule]


def add(root: Path, name: str, body: str = "一、工作回顾\n\n正文。\n", column: str = "reports", **front) -> Path:
    return write(root / "content" / column / f"{name}.md", report_text(body=body, **front))


def rel(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix()


# ---------------------------------------------------------------------------------------
# front matter


def test_missing_title_is_reported_and_the_body_is_still_checked(site_dir):
    path = write(site_dir / "content/reports/a.md", "---\ndate: 2024-04-26\n---\n\n联系人电话13812345678。\n")
    findings = check(site_dir)
    assert hits(findings, "frontmatter-invalid") == [("content/reports/a.md", 2, 1)]
    assert "title" in next(f.message for f in findings if f.rule == "frontmatter-invalid")
    assert hits(findings, "pii-mobile") == [("content/reports/a.md", *where(path, "138"))]


@pytest.mark.parametrize("written", ["2024-02-30", "\"2024-13-01\"", "2024年2月1日"])
def test_impossible_or_misformatted_date_is_reported_at_the_date(site_dir, written):
    path = write(site_dir / "content/reports/a.md", f"---\ntitle: 报告\ndate: {written}\n---\n\n正文。\n")
    assert hits(check(site_dir), "frontmatter-date") == [("content/reports/a.md", *where(path, "date:"))]


def test_a_real_leap_day_is_a_date(site_dir):
    add(site_dir, "a", date="2024-02-29")
    assert hits(check(site_dir), "frontmatter-date") == []


def test_typo_of_a_known_key_suggests_it_and_other_keys_are_kept_silently(site_dir):
    path = add(site_dir, "a", tgas="[预算]", custom_note="自定义字段")
    findings = check(site_dir)
    assert hits(findings, "frontmatter-unknown-key") == [("content/reports/a.md", *where(path, "tgas"))]
    assert "是不是 “tags”" in next(f.message for f in findings if f.rule == "frontmatter-unknown-key")


def test_future_publish_date_warns_but_not_for_a_draft(site_dir):
    path = add(site_dir, "a", date="2199-01-01")
    add(site_dir, "b", date="2199-01-01", draft="true")
    add(site_dir, "c", date="2025-06-01")
    findings = check(site_dir)
    assert hits(findings, "frontmatter-future-date") == [("content/reports/a.md", *where(path, "2199"))]
    assert next(f for f in findings if f.rule == "frontmatter-future-date").severity == "warning"


def test_duplicate_id_points_at_the_second_id(site_dir):
    add(site_dir, "a", id="same")
    second = add(site_dir, "b", id="same")
    findings = check(site_dir)
    assert hits(findings, "frontmatter-duplicate-id") == [("content/reports/b.md", *where(second, "same"))]
    assert "content/reports/a.md" in next(f.message for f in findings if f.rule == "frontmatter-duplicate-id")


def test_distinct_ids_are_not_duplicates(site_dir):
    add(site_dir, "a", id="one")
    add(site_dir, "b", id="two")
    assert hits(check(site_dir), "frontmatter-duplicate-id") == []


def test_duplicate_url_from_a_permalink_pattern(site_dir):
    config = site_dir / "congressgen.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "permalink: /{column}{id}.html\n", encoding="utf-8")
    add(site_dir, "a", column="new", id="sab")          # new + sab
    second = add(site_dir, "b", column="news", id="ab")  # news + ab: the same newsab.html
    assert hits(check(site_dir), "frontmatter-duplicate-url") == [("content/news/b.md", *where(second, "ab"))]


def test_gbk_file_warns_about_its_encoding(site_dir):
    write(site_dir / "content/reports/a.md", report_text(title="报告").encode("gbk"))
    assert hits(check(site_dir), "file-encoding") == [("content/reports/a.md", 1, 1)]


# ---------------------------------------------------------------------------------------
# links


@pytest.fixture
def linked(site_dir):
    """Two reports, one with a bundle folder holding an image and an attachment; one draft."""
    target = add(site_dir, "target", body="一、工作回顾\n\n正文。\n\n一、今后工作\n\n任务。\n", id="target")
    write(site_dir / "content/reports/target/photo.png", b"\x89PNG")
    write(site_dir / "content/reports/target/table.csv", "序号,项目\n1,道路\n")
    add(site_dir, "draft", id="draft", draft="true")
    write(site_dir / "content/reports/loose.png", b"\x89PNG")
    return site_dir, target


def test_links_that_resolve_are_silent(linked):
    site_dir, _ = linked
    add(site_dir, "a", body=("一、工作回顾\n\n见[目标](target.md)、[第一部分](target.md#sec-1)、[任务](target.md#task-1)、"
                             "[本页](#sec-1)、![照片](a/photo.png)、[首页](../../index.html)、"
                             "[栏目](/reports/index.html)、[邮件](mailto:rd@example.gov.cn)。\n"))
    write(site_dir / "content/reports/a/photo.png", b"\x89PNG")
    findings = check(site_dir)
    assert [f for f in findings if f.rule.startswith("link-")] == []


def test_escaped_brackets_are_text_not_a_link(site_dir):
    add(site_dir, "a", body="一、工作回顾\n\n原文写作 \\[1\\](x)，按原样显示。\n")
    assert [f for f in check(site_dir) if f.rule.startswith("link-")] == []


def test_link_to_nothing_and_image_of_nothing(linked):
    site_dir, _ = linked
    path = add(site_dir, "a", body="一、工作回顾\n\n见[报告](nothing.md)和![图](missing.png)。\n")
    found = hits(check(site_dir), "link-broken")
    assert found == [("content/reports/a.md", *where(path, "nothing.md")), ("content/reports/a.md", *where(path, "missing.png"))]


def test_link_to_a_draft_is_broken(linked):
    site_dir, _ = linked
    path = add(site_dir, "a", body="一、工作回顾\n\n见[草稿](draft.md)。\n")
    findings = check(site_dir)
    assert hits(findings, "link-broken") == [("content/reports/a.md", *where(path, "draft.md"))]
    assert "草稿" in next(f.message for f in findings if f.rule == "link-broken")


def test_file_outside_the_bundle_folder_is_not_published(linked):
    site_dir, _ = linked   # another report's bundle is published beside that report, not this one
    path = add(site_dir, "a", body="一、工作回顾\n\n![图片](loose.png)\n\n![照片](target/photo.png)\n")
    findings = check(site_dir)
    assert hits(findings, "link-broken") == [("content/reports/a.md", *where(path, "loose.png")),
                                             ("content/reports/a.md", *where(path, "target/photo.png"))]
    assert "附件目录" in next(f.message for f in findings if f.rule == "link-broken")


def test_missing_anchor_on_the_target_points_at_the_fragment(linked):
    site_dir, _ = linked
    path = add(site_dir, "a", body="一、工作回顾\n\n见[第九部分](target.md#sec-9)和[本页](#nowhere)。\n")
    found = hits(check(site_dir), "link-anchor")
    assert found == [("content/reports/a.md", *where(path, "#sec-9")), ("content/reports/a.md", *where(path, "#nowhere"))]


def test_missing_attachment_points_at_its_line(linked):
    site_dir, _ = linked
    path = write(site_dir / "content/reports/a.md",
                 "---\ntitle: 报告\ndate: 2024-04-26\nattachments:\n  - file: target/table.csv\n"
                 "    title: 表\n  - file: a/缺少的附件.pdf\n    title: 缺\n---\n\n一、工作回顾\n\n正文。\n")
    assert hits(check(site_dir), "link-attachment") == [("content/reports/a.md", *where(path, "a/缺少的附件.pdf"))]


def test_http_link_warns_and_https_does_not(linked):
    site_dir, _ = linked
    path = add(site_dir, "a", body="一、工作回顾\n\n见[旧站](http://old.example.gov.cn/)和[新站](https://www.gov.cn/)。\n")
    findings = check(site_dir)
    assert hits(findings, "link-http") == [("content/reports/a.md", *where(path, "http://old"))]
    assert hits(findings, "link-external") == []        # listed only on request


def test_external_links_are_listed_on_request(linked):
    site_dir, _ = linked
    path = add(site_dir, "a", body="一、工作回顾\n\n见[新站](https://www.gov.cn/)。\n")
    config = site_dir / "congressgen.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "check:\n  external_links: true\n", encoding="utf-8")
    findings = check(site_dir)
    assert hits(findings, "link-external") == [("content/reports/a.md", *where(path, "https://www.gov.cn/"))]
    assert [f.severity for f in findings if f.rule == "link-external"] == ["info"]
    assert "https://www.gov.cn/" in next(f.message for f in findings if f.rule == "link-external")


# ---------------------------------------------------------------------------------------
# personal information


def test_id_number_with_a_valid_check_digit_is_an_error_with_the_masked_form(site_dir):
    path = add(site_dir, "a", body=f"一、工作回顾\n\n申请人身份证号{VALID_ID}，已公示。\n")
    findings = check(site_dir)
    assert hits(findings, "pii-id-number") == [("content/reports/a.md", *where(path, VALID_ID))]
    message = next(f.message for f in findings if f.rule == "pii-id-number")
    assert "110101********1233" in message and VALID_ID not in message


def test_id_number_near_misses_are_silent(site_dir):
    add(site_dir, "a", body=f"一、工作回顾\n\n号码{WRONG_ID}校验码不对；编号9{VALID_ID}更长。\n")
    findings = check(site_dir)
    assert [f for f in findings if f.rule.startswith("pii-")] == []


def test_mobile_number_is_an_error_with_the_masked_form(site_dir):
    path = add(site_dir, "a", body="一、工作回顾\n\n联系人：张*，电话 138-1234-5678。\n")
    findings = check(site_dir)
    assert hits(findings, "pii-mobile") == [("content/reports/a.md", *where(path, "138-"))]
    assert "138****5678" in next(f.message for f in findings if f.rule == "pii-mobile")


def test_mobile_near_misses_and_hotlines_are_silent(site_dir):
    config = site_dir / "congressgen.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "check:\n  hotlines: [\"13900001111\"]\n", encoding="utf-8")
    add(site_dir, "a", body=("一、工作回顾\n\n服务热线13900001111；座机0571-88881234；流水号20138123456789；"
                             "12345便民热线。\n"))
    assert [f for f in check(site_dir) if f.rule.startswith("pii-")] == []


def test_bank_card_passing_luhn_is_an_error_and_failing_luhn_is_silent(site_dir):
    bad = CARD[:-1] + str((int(CARD[-1]) + 1) % 10)
    assert not luhn_ok(bad)
    path = add(site_dir, "a", body=f"一、工作回顾\n\n补助打入账户{CARD}；另一账户{bad}。\n")
    findings = check(site_dir)
    assert hits(findings, "pii-bank-card") == [("content/reports/a.md", *where(path, CARD))]
    assert "6222********7894" in next(f.message for f in findings if f.rule == "pii-bank-card")


def test_personal_information_in_front_matter_and_text_attachments(site_dir):
    path = add(site_dir, "a", summary="联系电话13812345678",
               attachments="[{file: a/名单.csv, title: 名单}]")
    csv = write(site_dir / "content/reports/a/名单.csv", f"姓名,身份证号\n王*,{VALID_ID}\n")
    findings = check(site_dir)
    assert hits(findings, "pii-mobile") == [("content/reports/a.md", *where(path, "138"))]
    assert hits(findings, "pii-id-number") == [("content/reports/a/名单.csv", *where(csv, VALID_ID))]


# ---------------------------------------------------------------------------------------
# official formulations


def test_wrong_formulation_names_wrong_and_canonical_text(site_dir):
    path = add(site_dir, "a", body="一、工作回顾\n\n坚持人民当家做主，发展全过程人民民主。\n")
    findings = check(site_dir)
    assert hits(findings, "formulation") == [("content/reports/a.md", *where(path, "当家做主"))]
    message = next(f.message for f in findings if f.rule == "formulation")
    assert "“当家做主”" in message and "“当家作主”" in message


def test_wrong_formulation_across_a_line_break_and_in_the_title(site_dir):
    path = add(site_dir, "a", title="中华人民共合国成立75周年", body="一、工作回顾\n\n坚持以习近平为核心\n的党中央的领导。\n")
    found = hits(check(site_dir), "formulation")
    assert found == [("content/reports/a.md", *where(path, "中华人民共合国")),
                     ("content/reports/a.md", *where(path, "以习近平为核心"))]


def test_correct_text_and_longer_correct_phrases_do_not_fire(site_dir):
    add(site_dir, "a", body=("一、工作回顾\n\n坚持以习近平新时代中国特色社会主义思想为指导，坚持党的领导、人民当家作主、"
                             "依法治国有机统一，发展全过程人民民主。会见台湾国民党人士。\n"))
    assert [f for f in check(site_dir) if f.rule.startswith("formulation")] == []


def test_site_dictionary_adds_entries_and_a_covering_canonical_form_silences(site_dir):
    write(site_dir / "data/formulations.yaml",
          "formulations:\n  - canonical: 民生实事项目人大代表票决制\n    wrong: [人大代表票决制]\n")
    path = add(site_dir, "a", body="一、工作回顾\n\n推行民生实事项目人大代表票决制。另推行人大代表票决制。\n")
    assert hits(check(site_dir), "formulation") == [("content/reports/a.md", *where(path, "人大代表票决制", 1))]


def test_series_out_of_order_warns_and_in_order_is_silent(site_dir):
    path = add(site_dir, "a", body=("一、工作回顾\n\n增强政治意识、大局意识、看齐意识、核心意识。"
                                    "增强政治意识、大局意识、核心意识、看齐意识。\n"))
    findings = check(site_dir)
    assert hits(findings, "formulation-order") == [("content/reports/a.md", *where(path, "政治意识"))]
    assert next(f for f in findings if f.rule == "formulation-order").severity == "warning"


def test_bad_site_dictionary_is_a_config_error_naming_the_file(site_dir):
    write(site_dir / "data/formulations.yaml", "formulations:\n  - wrong: [x]\n")
    with pytest.raises(ConfigError) as info:
        check(site_dir)
    assert info.value.location.path == "data/formulations.yaml" and info.value.location.line == 1


# ---------------------------------------------------------------------------------------
# 公文 details


def test_doc_number_year_in_wrong_brackets(site_dir):
    path = add(site_dir, "a", doc_number="示政发[2024]1号",
               body="一、工作回顾\n\n根据国办发（2017）47号文件和国办发〔2019〕54号文件。\n")
    found = hits(check(site_dir), "gongwen-doc-number")
    assert found == [("content/reports/a.md", *where(path, "[2024]")), ("content/reports/a.md", *where(path, "（2017）"))]


def test_doc_number_in_hexagonal_brackets_is_silent(site_dir):
    add(site_dir, "a", doc_number="示政发〔2024〕1号", index_number="11330000MB0000003X/2024-00001")
    findings = check(site_dir)
    assert [f for f in findings if f.rule.startswith("gongwen-")] == []


def test_doc_number_and_index_number_formats(site_dir):
    path = add(site_dir, "a", doc_number="示政发2024年1号", index_number="2024-12")
    findings = check(site_dir)
    assert hits(findings, "gongwen-doc-number-format") == [("content/reports/a.md", *where(path, "示政发2024"))]
    assert hits(findings, "gongwen-index-number") == [("content/reports/a.md", *where(path, "2024-12"))]


def test_date_that_does_not_exist_in_the_body(site_dir):
    path = add(site_dir, "a", body="一、工作回顾\n\n会议于2024年2月30日召开，2024年2月29日闭幕。\n")
    assert hits(check(site_dir), "gongwen-date") == [("content/reports/a.md", *where(path, "2024年2月30日"))]


def test_written_date_after_publish_date(site_dir):
    path = add(site_dir, "a", date="2024-04-26", written_date="2024-05-01")
    add(site_dir, "b", date="2024-04-26", written_date="2024-04-20")
    assert hits(check(site_dir), "gongwen-written-date") == [("content/reports/a.md", *where(path, "written_date"))]


# ---------------------------------------------------------------------------------------
# typography and structure


def test_halfwidth_punctuation_between_chinese_characters(site_dir):
    path = add(site_dir, "a", body="一、工作回顾\n\n全年完成投资,超过预期;报告(草案)已印发。\n")
    found = hits(check(site_dir), "typography-halfwidth")
    assert found == [("content/reports/a.md", *where(path, ",")), ("content/reports/a.md", *where(path, ";")),
                     ("content/reports/a.md", *where(path, "("))]


def test_halfwidth_punctuation_near_misses_are_silent(site_dir):
    add(site_dir, "a", attachments="[{file: a/项目表.csv, title: 项目表}]",
        body=("一、工作回顾\n\n增长3.5个百分点，见 https://www.gov.cn/a,b;c 和 `代码,示例`。"
              "时间9:30，English, text.\n"))
    write(site_dir / "content/reports/a/项目表.csv", "a\n")
    assert hits(check(site_dir), "typography-halfwidth") == []


def test_doubled_punctuation(site_dir):
    path = add(site_dir, "a", body="一、工作回顾\n\n完成投资，，超过预期。……“十四五”——规划。\n")
    assert hits(check(site_dir), "typography-doubled") == [("content/reports/a.md", *where(path, "，，"))]


def test_image_without_alt(site_dir):
    path = add(site_dir, "a", body='一、工作回顾\n\n![](a/photo.png)\n\n![会场照片](a/photo.png)\n\n<img src="a/photo.png">\n')
    write(site_dir / "content/reports/a/photo.png", b"\x89PNG")
    assert hits(check(site_dir), "image-alt") == [("content/reports/a.md", *where(path, "![](")),
                                                  ("content/reports/a.md", *where(path, "<img"))]


def test_empty_section_but_not_a_numbered_sentence(site_dir):
    path = add(site_dir, "a", body=("一、工作回顾\n\n二、主要做法\n\n（一）到联络站填写建议表。\n\n（二）拨打热线。\n\n"
                                    "三、下一步打算\n"))
    found = hits(check(site_dir), "structure-empty-section")
    assert found == [("content/reports/a.md", *where(path, "一、工作回顾")),
                     ("content/reports/a.md", *where(path, "三、下一步打算"))]


def test_declared_sections_must_be_in_the_outline(site_dir):
    path = write(site_dir / "content/reports/a.md",
                 "---\ntitle: 报告\ndate: 2024-04-26\nsections:\n  - 工作回顾\n  - 不存在的标题\ntasks: [今后工作]\n---\n\n"
                 "一、工作回顾\n\n正文。\n\n一、今后工作\n\n任务。\n")
    found = hits(check(site_dir), "structure-sections")
    assert found == [("content/reports/a.md", *where(path, "不存在的标题"))]


def test_configured_column_with_no_published_item(site_dir):
    add(site_dir, "a")
    add(site_dir, "b", column="news", draft="true")
    config = site_dir / "congressgen.yaml"
    assert hits(check(site_dir), "structure-empty-column") == [("congressgen.yaml", *where(config, "news"))]


# ---------------------------------------------------------------------------------------
# site configuration


def test_footer_items_inspectors_require(site_dir):
    config = site_dir / "congressgen.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace("  icp: 测ICP备00000000号-1\n", ""), encoding="utf-8")
    add(site_dir, "a")
    findings = check(site_dir)
    assert hits(findings, "site-footer-missing") == [("congressgen.yaml", *where(config, "footer:"))]
    assert "ICP备案号" in next(f.message for f in findings if f.rule == "site-footer-missing")


def test_complete_footer_is_silent_and_a_bad_site_code_warns(site_dir):
    add(site_dir, "a")
    assert [f for f in check(site_dir) if f.rule.startswith("site-")] == []
    config = site_dir / "congressgen.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace('"0000000000"', '"12345"'), encoding="utf-8")
    assert hits(check(site_dir), "site-code-format") == [("congressgen.yaml", *where(config, "site_code"))]


# ---------------------------------------------------------------------------------------
# settings: severities in config, inline markers


def test_config_changes_severity_and_turns_rules_off(site_dir):
    config = site_dir / "congressgen.yaml"
    config.write_text(config.read_text(encoding="utf-8")
                      + "check:\n  rules:\n    pii-mobile: warning\n    typography-halfwidth: off\n", encoding="utf-8")
    add(site_dir, "a", body="一、工作回顾\n\n电话13812345678,请联系。\n")
    findings = check(site_dir)
    assert [(f.rule, f.severity) for f in findings if f.rule in ("pii-mobile", "typography-halfwidth")] == [
        ("pii-mobile", "warning")]


def test_unknown_rule_in_config_is_a_config_error_with_a_suggestion(site_dir):
    config = site_dir / "congressgen.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "check:\n  rules:\n    pii-mobil: off\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        check(site_dir)
    assert "pii-mobile" in info.value.message
    assert (info.value.location.path, info.value.location.line) == ("congressgen.yaml", where(config, "pii-mobil")[0])


def test_inline_markers_silence_one_rule_on_one_line(site_dir):
    path = add(site_dir, "a", doc_number="示政发[2024]1号  # check-ignore: gongwen-doc-number",
               body=("一、工作回顾\n\n热线13812345678。<!-- check-ignore: pii-mobile -->\n\n"
                     "热线13912345678。<!-- check-ignore: typography-doubled -->\n\n"
                     "<!-- check-ignore-next-line: pii-mobile -->\n热线13712345678。\n\n"
                     "热线13612345678。<!-- check-ignore: pii-mobil -->\n"))
    findings = check(site_dir)
    assert hits(findings, "gongwen-doc-number") == []
    assert hits(findings, "pii-mobile") == [("content/reports/a.md", *where(path, "13912345678")),
                                           ("content/reports/a.md", *where(path, "13612345678"))]
    assert hits(findings, "check-ignore-unknown") == [("content/reports/a.md", *where(path, "pii-mobil -->"))]


def test_every_rule_id_is_documented():
    from congressgen.check import RULES

    docs = (Path(__file__).resolve().parents[1] / "docs/check.md").read_text(encoding="utf-8")
    for rule_id in RULES:
        assert f"`{rule_id}`" in docs, rule_id
