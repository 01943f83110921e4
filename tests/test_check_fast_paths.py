"""The check's fast paths find exactly what the straightforward patterns find."""

from __future__ import annotations

import os
import random
import re

from congressgen.check import privacy

EDGE = r"(?<![0-9A-Za-z])"
STRAIGHT_ID = re.compile(EDGE + r"([1-8]\d{5})((?:18|19|20)\d{2})(\d{2})(\d{2})(\d{3})([0-9Xx])" + privacy._EDGE_AFTER)
STRAIGHT_CARD = re.compile(EDGE + r"([3-6]\d{3})([- ]?)(\d{4})\2(\d{4})\2(\d{4})(?:\2(\d{1,3}))?" + privacy._EDGE_AFTER)


def _random_texts(count: int) -> list[str]:
    rng = random.Random(17)
    pieces = ["1", "2", "3", "4", "5", "6", "8", "9", "0", "X", "x", "a", "Z", " ", "-", "+", "86", "00",
              "１", "甲", "，", "\n", "13812345678", "110101199003074514", "6222020200112345678", "4111 1111 1111 1111",
              "1990", "2024年"]
    return ["".join(rng.choice(pieces) for _ in range(rng.randint(1, 40))) for _ in range(count)]


def _matches(pattern, text):
    return [(m.span(), m.groups()) for m in pattern.finditer(text)]


def test_id_and_card_patterns_match_what_an_edge_check_first_matches():
    texts = _random_texts(6000) + ["x110101199003074514", "a6222020200112345678", "6222020200112345678b",
                                   "身份证110101199003074514，卡号6222 0202 0011 2345 678。"]
    found = 0
    for text in texts:
        assert _matches(privacy._ID, text) == _matches(STRAIGHT_ID, text), text
        assert _matches(privacy._CARD, text) == _matches(STRAIGHT_CARD, text), text
        found += bool(_matches(STRAIGHT_ID, text)) + bool(_matches(STRAIGHT_CARD, text))
    assert found > 100


def test_every_mobile_number_contains_the_quick_hint():
    texts = _random_texts(6000) + ["+86 138-1234-5678", "0086138 1234 5678", "电话13812345678。"]
    found = 0
    for text in texts:
        for m in privacy._MOBILE.finditer(text):
            found += 1
            assert privacy._MOBILE_PART.search(m.group(0)), text
    assert found > 100


def test_gongwen_patterns_match_what_a_look_behind_first_matches():
    from congressgen.check import gongwen
    from congressgen.check.text import HAN

    opening, closing = re.escape(gongwen._OPEN), re.escape(gongwen._CLOSE)
    straight = {
        gongwen._BAD_YEAR: re.compile(f"(?<=[{HAN}])([{opening}〔]\\s*((?:19|20)\\d{{2}})\\s*[{closing}〕])\\s*第?\\d{{1,4}}\\s*号"),
        gongwen._CN_DATE: re.compile(r"(?<!\d)((?:19|20)\d{2})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日"),
        gongwen._ISO_DATE: re.compile(r"(?<![\d.-])((?:19|20)\d{2})[-.](\d{1,2})[-.](\d{1,2})(?![\d.-])"),
    }
    rng = random.Random(5)
    pieces = ["1", "2", "9", "0", "19", "20", "2024", "1999", "-", ".", " ", "年", "月", "日", "号", "第", "国办发", "a",
              "[", "]", "（", "）", "〔", "〕", "【", "】", "12", "30", "\n", "，"]
    texts = ["".join(rng.choice(pieces) for _ in range(rng.randint(1, 30))) for _ in range(8000)]
    texts += [before + middle + after for before in ("", "1", "a", ".", "-", "甲", "国办发", "示政发 ")
              for middle in ("2024年2月30日", "1999 年 1 月 1 日", "2024-02-30", "2024.1.1", "[2017]47号",
                             "（2024）第1号", "〔2024]3号", "【 2020 】 12 号")
              for after in ("", "1", ".", "-", "号")]
    found = 0
    for text in texts:
        for fast, slow in straight.items():
            assert _matches(fast, text) == _matches(slow, text), (slow.pattern, text)
            found += bool(_matches(slow, text))
    assert found > 100


def test_prose_skips_only_patterns_that_cannot_match():
    from congressgen.check.text import _EMAIL, _URL, _may_match

    for text in ["见 https://a.example/x", "ftp://a", "www.gov.cn", "写信 a@b.cn", "正文", "http:/x", "www-x"]:
        for pattern in (_URL, _EMAIL):
            assert _may_match(pattern, text) or not pattern.search(text), (pattern.pattern, text)


def test_build_check_in_worker_processes_reports_what_one_process_reports(site_dir, tmp_path, monkeypatch):
    """With --jobs 2 the per-report rules run in the build's workers; the diagnostics (and
    their order and places) are those of a run in one process, cold and from the cache."""
    import pytest

    from congressgen import compile as compile_module
    from congressgen.build import BuildOptions, build
    from congressgen.check import engine
    from congressgen.errors import BuildFailed

    from conftest import report_text, write

    bodies = ["一、工作回顾\n\n正文<script>x()</script>。\n", "一、工作回顾\n\n身份证 110101199003074514。\n",
              "一、工作回顾\n\n于2024年2月30日召开。\n", "一、工作回顾\n\n依据国办发[2017]47号。\n",
              "一、工作回顾\n\n[报名](javascript:go())\n", "一、工作回顾\n\n正文。<!-- check-ignore: pii-id-number -->\n"]
    for n in range(12):
        write(site_dir / "content/reports" / f"w{n:02d}.md",
              report_text(f"第{n}号", f"2024-03-{n + 1:02d}", bodies[n % len(bodies)], id=f"w{n:02d}"))
    monkeypatch.setattr(compile_module, "MIN_PARALLEL", 2)
    results = []
    for jobs, cache in ((1, False), (2, False), (2, True), (2, True)):
        if jobs == 2:   # the workers are other processes (forked ones inherit this patch)
            def refuse(*args, main=os.getpid(), real=engine.local_facts, **kwargs):
                if os.getpid() == main:
                    raise AssertionError("local facts made in the main process")
                return real(*args, **kwargs)
            monkeypatch.setattr(engine, "local_facts", refuse)
        with pytest.raises(BuildFailed) as caught:
            build(BuildOptions(site_dir, tmp_path / f"out{len(results)}", jobs=jobs, cache=cache))
        results.append([str(d) for d in caught.value.diagnostics])
    assert results[0] == results[1] == results[2] == results[3]
    assert sum("body-active-content" in m for m in results[0]) == 4
    assert any("gongwen-date" in m for m in results[0]) and any("pii-id-number" in m for m in results[0])


def test_cjk_line_breaks_are_those_between_two_cjk_characters():
    from congressgen.check.text import _CJK_BREAK
    from congressgen.outline import is_cjk

    rng = random.Random(3)
    pieces = ["\n", "\n\n", "字", "。", "，", "a", "1", " ", "（", "）", "\u3000", "ｑ", "\u2e80", "-"]
    for _ in range(5000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 20)))
        expected = [i for i, ch in enumerate(text) if ch == "\n" and 0 < i < len(text) - 1
                    and is_cjk(text[i - 1]) and is_cjk(text[i + 1])]
        assert [m.start() for m in _CJK_BREAK.finditer(text)] == expected, repr(text)


def test_check_reads_active_content_through_the_shared_code_masking(site_dir):
    import json

    from conftest import report_text, run_cli, write

    body = ("一、工作回顾\n\n示例：`<script>x()</script>`\n\n```\n<iframe src=x></iframe>\n```\n\n"
            "    <embed src=y>\n\n正文<object data=z></object>。\n")
    text = report_text(id="a1", body=body)
    write(site_dir / "content/reports/a1.md", text)
    result = run_cli("check", "--source", str(site_dir), "--format", "json")
    found = [f for f in json.loads(result.stdout) if f["rule"] == "body-active-content"]
    line = text.split("\n").index("正文<object data=z></object>。") + 1
    assert [(f["line"], f["col"]) for f in found] == [(line, 3)], found


def test_link_searches_are_skipped_only_where_they_cannot_match():
    from congressgen.check.text import _DEFINITION, _INLINE

    rng = random.Random(9)
    pieces = ["[", "]", "(", ")", ":", "!", " ", "\n", "<", ">", "a", "x.md", "甲", "\\", '"', "^", "[a](b)", "\n[r]: u"]
    found = 0
    for _ in range(6000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 24)))
        for pattern, needed in ((_INLINE, "]("), (_DEFINITION, "]:")):
            for m in pattern.finditer(text):
                found += 1
                assert needed in m.group(0), (pattern.pattern, text)
    assert found > 100


def test_unknown_front_matter_key_is_read_when_the_rule_is_on(site_dir, tmp_path):
    from conftest import report_text, run_cli, write

    write(site_dir / "content/reports/a1.md", report_text(id="a1", tilte="拼错的键"))
    assert run_cli("build", "--source", str(site_dir), "--output", str(tmp_path / "a")).returncode == 0
    checked = run_cli("check", "--source", str(site_dir))
    assert "frontmatter-unknown-key" in checked.stdout + checked.stderr
    config = site_dir / "congressgen.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "check:\n  rules:\n    frontmatter-unknown-key: error\n",
                      encoding="utf-8")
    refused = run_cli("build", "--source", str(site_dir), "--output", str(tmp_path / "b"))
    assert refused.returncode == 1 and "content/reports/a1.md:5:1: 错误: frontmatter-unknown-key" in refused.stderr, refused.stderr
    assert "frontmatter-unknown-key" in refused.stderr


def test_wrong_writings_guard_finds_every_text_with_a_wrong_writing(site_dir):
    from congressgen.check import formulations
    from congressgen.config import load_config

    config, _ = load_config(site_dir)
    dictionary = formulations.load_dictionary(config)
    assert dictionary.wrongs
    for wrong in dictionary.wrongs:
        text = f"正文，{wrong.text}，正文。"
        assert dictionary.any_wrong.search(text)
        assert formulations.wrong_writings(text, dictionary) or any(c in text for c in dictionary.covers)
    assert formulations.wrong_writings("正文中没有错误表述。", dictionary) == []
    empty = formulations.Dictionary((), (), ())
    assert empty.any_wrong.search("任何文字") is None
