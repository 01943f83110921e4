"""The search index the build writes (no browser): what is indexed, what never is,
determinism, sharding, and `search: false`. The browser side is test_search_browser.py."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest

from congressgen.build import BuildOptions, build
from congressgen.search import (HAN, INDEX_DIR, document_tokens, index_files, normalise, query_tokens,
                                token_hash, token_text)
from conftest import MINIMAL_CONFIG, report_text, run_cli, write


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def load_index(out: Path) -> tuple[dict, dict[str, list[int]]]:
    """meta.json and every shard merged into one token -> postings mapping."""
    meta = json.loads((out / INDEX_DIR / "meta.json").read_text(encoding="utf-8"))
    postings: dict[str, list[int]] = {}
    for shard in sorted((out / INDEX_DIR / "index").glob("*.json")):
        postings.update(json.loads(shard.read_text(encoding="utf-8")))
    return meta, postings


def docs_with(token: str, meta: dict, postings: dict) -> dict[str, int]:
    """report id -> weighted count of a token."""
    flat, result, number = postings.get(token, []), {}, 0
    for gap, count in zip(flat[::2], flat[1::2]):
        number += gap
        result[meta["docs"][number][0]] = count
    return result


# ---------------------------------------------------------------- tokens


def test_han_text_gives_unigrams_and_overlapping_bigrams():
    tokens = document_tokens("人大主席团")
    assert {"人大", "大主", "主席", "席团"} <= set(tokens)
    assert {"人", "大", "主", "席", "团"} <= set(tokens)
    assert "人大主" not in tokens


def test_words_and_digits_touching_han_give_junction_tokens():
    tokens = document_tokens(normalise("２０２４年第4次会议，ICP备案"))
    assert tokens["2024"] == 1 and tokens["2024年"] == 1
    assert {"第4", "4次", "icp", "icp备"} <= set(tokens)


def reference_tokens(text: str) -> Counter:
    """The tokens of a normalised text, one at a time in plain Python (what the bulk
    counting in `document_tokens` must equal)."""
    counts: Counter = Counter()
    for run in re.findall(f"[{HAN}]+", text):
        counts.update(run)
        counts.update(run[i:i + 2] for i in range(len(run) - 1))
    word = f"[^\\W_{HAN}]+"
    counts.update(re.findall(word, text))
    counts.update(a + b for a, b in re.findall(f"({word})([{HAN}])", text))
    counts.update(a + b for a, b in re.findall(f"([{HAN}])({word})", text))
    return counts


TRICKY = ["人大主席团", "２０２４年第4次会议，ICP备案", "a年b年c", "Ａ_b　ｃ①⑴（一）㈠", "年", "", "\x01年\x01年",
          "年年年年", "\U00020000\U00020001x\U00020002", "ﬁ年ǅ ß年İ年", "第4", "二〇二四年々", "软\u00ad件", "Ⅻ条",
          "“全过程人民民主”——基层：实践！", "2024-2025年度", "x" * 3 + "年" * 3 + "\n\n" + "年x"]


@pytest.mark.parametrize("text", TRICKY)
def test_bulk_counting_equals_counting_one_token_at_a_time(text):
    assert document_tokens(normalise(text)) == reference_tokens(normalise(text))


@pytest.mark.parametrize("text", TRICKY)
def test_token_text_gives_the_tokens_normalise_gives(text):
    """token_text skips mappings that cannot change a token (full-width punctuation)."""
    assert document_tokens(token_text(text)) == document_tokens(normalise(text))


def test_query_needs_every_bigram_of_each_term_typed_without_spaces():
    assert query_tokens("全过程人民民主") == ["全过", "过程", "程人", "人民", "民民", "民主"]
    assert query_tokens("票决") == ["票决"]
    assert query_tokens("2024年") == ["2024", "年", "2024年"]
    assert query_tokens("  预算审查   民生 ") == ["预算", "算审", "审查", "民生"]
    assert query_tokens("，。！？") == []


def test_token_hash_is_32_bit_fnv1a_over_code_points():
    assert token_hash("") == 0x811C9DC5
    assert token_hash("a") == 0xE40C292C            # published FNV-1a test vector
    # one step per code point, not per UTF-16 unit: 𠀀 (U+20000) is a single step
    assert token_hash("𠀀") == ((0x811C9DC5 ^ 0x20000) * 0x01000193) & 0xFFFFFFFF


# ---------------------------------------------------------------- the index a build writes


@pytest.fixture(scope="module")
def small_site(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("search") / "site"
    write(root / "congressgen.yaml", MINIMAL_CONFIG)
    write(root / "content/reports/2024-zxt.md", report_text(
        title="青山镇人民代表大会主席团工作报告", date="2024-01-19", id="zxt-2024", doc_number="青人发〔2024〕3号",
        tags="[人大主席团, 民生实事]",
        body="一、做深做实预算审查监督\n\n主席团把预算审查监督作为重要抓手，组织代表视察饮水工程。\n"))
    write(root / "content/news/2024-news.md", report_text(
        title="县人大常委会召开会议", date="2024-03-01", id="news-2024", body="会议审议了２０２４年计划执行情况。\n"))
    write(root / "content/reports/2025-draft.md", report_text(
        title="征求意见稿", date="2025-02-10", id="draft-2025", draft="true", body="新引进连锁超市三十余家。\n"))
    return root


@pytest.fixture(scope="module")
def small_build(small_site: Path, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("search-out") / "build"
    build(BuildOptions(source=small_site, output=out, drafts=True))   # even a drafts preview
    return out


def test_index_holds_titles_bodies_outline_tags_and_metadata(small_build):
    meta, postings = load_index(small_build)
    assert [d[0] for d in meta["docs"]] == ["news-2024", "zxt-2024"]
    assert docs_with("审查", meta, postings)["zxt-2024"] >= 2 + 3          # body twice + section heading
    assert docs_with("席团", meta, postings)["zxt-2024"] >= 8              # title counts most
    assert docs_with("人大", meta, postings)["zxt-2024"] >= 3              # tag 人大主席团
    assert "zxt-2024" in docs_with("3号", meta, postings)                  # 发文字号
    assert docs_with("2024年", meta, postings).keys() == {"zxt-2024", "news-2024"}   # full-width digits too
    text = json.loads((small_build / INDEX_DIR / "text" / "zxt-2024.json").read_text(encoding="utf-8"))["text"]
    assert "组织代表视察饮水工程" in text


def test_page_chrome_is_never_indexed(small_build):
    """Footer, navigation and sidebar text is on every page but in no report."""
    meta, postings = load_index(small_build)
    page = next((small_build / "reports").rglob("*.html")).read_text(encoding="utf-8")
    for chrome in ("网站标识码", "主办单位", "公安机关备案号", "文章排行", "暂无阅读统计", "网站地图", "跳到主要内容"):
        assert chrome in page, chrome
        assert not all(t in postings for t in query_tokens(chrome)), chrome
    assert "icp" not in postings and "备案" not in postings


def test_drafts_never_reach_the_index_even_in_a_drafts_preview(small_build):
    meta, postings = load_index(small_build)
    assert next((small_build / "reports").rglob("*draft-2025*"))          # the preview shows the draft page
    assert "draft-2025" not in [d[0] for d in meta["docs"]]
    assert "超市" not in postings and "征求" not in postings
    assert not (small_build / INDEX_DIR / "text" / "draft-2025.json").exists()


def test_shards_hold_each_token_where_its_hash_says(small_site):
    site = build(BuildOptions(source=small_site, output=small_site.parent / "sharded")).site
    files = dict(index_files(site, shard_bytes=256))
    meta = json.loads(files[f"{INDEX_DIR}/meta.json"])
    shards = {path: json.loads(data) for path, data in files.items() if "/index/" in path}
    assert meta["shards"] == len(shards) > 4
    for path, tokens in shards.items():
        number = int(path.rsplit("/", 1)[1].split(".")[0])
        assert all(token_hash(t) % meta["shards"] == number for t in tokens), path


def test_two_builds_are_byte_identical_index_included(small_site, tmp_path):
    first, second = tmp_path / "one", tmp_path / "two"
    build(BuildOptions(source=small_site, output=first))
    build(BuildOptions(source=small_site, output=second))
    a, b = tree(first), tree(second)
    assert any(p.startswith(INDEX_DIR + "/index/") for p in a)
    assert a == b


def test_search_false_writes_no_index_no_page_and_no_search_box(small_site, tmp_path):
    config = small_site / "congressgen.yaml"
    original = config.read_text(encoding="utf-8")
    try:
        config.write_text(original + "search: false\n", encoding="utf-8")
        out = tmp_path / "off"
        build(BuildOptions(source=small_site, output=out))
    finally:
        config.write_text(original, encoding="utf-8")
    assert not (out / INDEX_DIR).exists() and not (out / "search.html").exists()
    assert 'id="search-q"' not in (out / "index.html").read_text(encoding="utf-8")
    pages = {p: data for p, data in tree(out).items() if p.endswith(".html")}
    assert pages and not [p for p, data in pages.items() if b"search.html" in data or b"search-index" in data]


def test_search_page_is_written_with_filters_from_the_site(small_build):
    html = (small_build / "search.html").read_text(encoding="utf-8")
    assert 'data-index="search-index/"' in html
    assert '<option value="reports">工作报告</option>' in html and '<option value="2024">2024年</option>' in html
    assert 'src="static/js/search.js"' in html and 'href="static/css/search.css"' in html
    assert (small_build / "static/js/search.js").is_file()


def test_a_bad_search_setting_is_reported_with_file_and_line(site_dir):
    config = site_dir / "congressgen.yaml"
    lines = config.read_text(encoding="utf-8").count("\n")
    config.write_text(config.read_text(encoding="utf-8") + "search: 开启\n", encoding="utf-8")
    result = run_cli("build", "--source", str(site_dir))
    assert result.returncode == 1
    assert f"congressgen.yaml:{lines + 1}:" in result.stderr and "search" in result.stderr
    assert not (site_dir / "build").exists()


def test_a_site_with_no_reports_gets_an_empty_index(site_dir, tmp_path):
    build(BuildOptions(source=site_dir, output=tmp_path / "empty"))
    meta, postings = load_index(tmp_path / "empty")
    assert meta["docs"] == [] and meta["shards"] == 1 and postings == {}
    assert (tmp_path / "empty" / "search.html").is_file()
