"""The search index with the build cache: a warm rebuild tokenises only the reports whose
searchable text changed and writes byte for byte what a cold build writes, and a missing
or corrupted cache entry is a miss, never a wrong index."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from congressgen import search
from congressgen.build import BuildOptions, build
from congressgen.cache import decode_entry, encode_entry
from congressgen.search import INDEX_DIR, _dumps, build_index, index_files, search_doc, searchable_reports, \
    shard_count, token_hash

from conftest import MINIMAL_CONFIG, report_text, write

WORDS = ["预算审查监督", "代表建议办理", "民生实事票决", "乡村振兴", "饮水工程", "ICP备案２０２４年"]


def body(n: int, extra: str = "") -> str:
    return (f"一、第{n}项工作\n\n主席团组织代表视察{WORDS[n % 6]}，听取报告{n}项。{WORDS[(n + 2) % 6]}。\n\n"
            f"二、下一步安排\n\n继续做好{WORDS[(n + 3) % 6]}工作。{extra}\n")


def write_report(root: Path, n: int, extra: str = "", **fields) -> None:
    column = "reports" if n % 3 else "news"
    write(root / "content" / column / f"r{n}.md",
          report_text(f"第{n}号{WORDS[n % 6]}报告", f"2024-0{1 + n}-1{n}", body(n, extra),
                      id=f"r{n}", tags=f"[{WORDS[(n + 1) % 6]}]", **fields))


@pytest.fixture
def site(tmp_path: Path) -> Path:
    root = tmp_path / "site"
    write(root / "congressgen.yaml", MINIMAL_CONFIG)
    for n in range(1, 8):
        write_report(root, n)
    return root


def index_tree(out: Path) -> dict[str, bytes]:
    folder = out / INDEX_DIR
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def warm_build(site: Path, out: Path) -> None:
    build(BuildOptions(site, out, jobs=1))


def cold_index(site: Path, tmp: Path) -> dict[str, bytes]:
    """The index of a build from a copy of the site without its cache folder."""
    copy = tmp / "cold-site"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(site, copy, ignore=shutil.ignore_patterns(".congressgen-cache"))
    build(BuildOptions(copy, tmp / "cold-out", jobs=1, cache=False))
    return index_tree(tmp / "cold-out")


@pytest.fixture
def tokenised(monkeypatch) -> list[str]:
    """Titles of the reports tokenised (not taken from the cache) in this test."""
    seen: list[str] = []
    real = search.doc_tokens

    def counting(doc):
        seen.append(doc.title)
        return real(doc)

    monkeypatch.setattr(search, "doc_tokens", counting)
    return seen


def cache_folder(site: Path) -> Path:
    return site / ".congressgen-cache"


def test_shards_joined_from_cached_parts_equal_json_of_the_whole_shard(site, tmp_path):
    warm_build(site, tmp_path / "out")
    from congressgen.build import load_site_config
    from congressgen.compile import compile_all
    from congressgen.model.assemble import build_site

    config, _ = load_site_config(BuildOptions(site))
    compiled, _ = compile_all(config)
    built = build_site(compiled, config, include_drafts=False)
    index = build_index([search_doc(r) for r in searchable_reports(built)])
    shards = shard_count(index.postings, 256)
    buckets = [{} for _ in range(shards)]
    for token, rows in index.postings.items():
        buckets[token_hash(token) % shards][token] = rows
    files = dict(index_files(built, 256))
    assert shards > 4
    assert [files[f"{INDEX_DIR}/index/{n:0{len(str(shards - 1))}d}.json"] for n in range(shards)] == \
        [_dumps(b) for b in buckets]


def test_one_report_edited_tokenises_only_it_and_equals_a_cold_build(site, tmp_path, tokenised):
    out = tmp_path / "out"
    warm_build(site, out)
    assert len(tokenised) == 7
    tokenised.clear()
    # new words, a word gone (饮水工程 only in this report's body), a changed title
    write(site / "content/reports/r4.md", report_text(
        "第四号报告（修订）", "2024-05-14", "一、新增内容\n\n全新的表述：数字化改革２０２５年。\n", id="r4", tags="[乡村振兴]"))
    warm_build(site, out)
    assert tokenised == ["第四号报告（修订）"]
    assert index_tree(out) == cold_index(site, tmp_path)


def test_unchanged_rebuild_tokenises_nothing(site, tmp_path, tokenised):
    warm_build(site, tmp_path / "out")
    tokenised.clear()
    warm_build(site, tmp_path / "out")
    assert tokenised == []


@pytest.mark.parametrize("edit", ["first_and_last", "added", "deleted", "moved_by_date"])
def test_other_edits_equal_a_cold_build(site, tmp_path, edit):
    out = tmp_path / "out"
    warm_build(site, out)
    if edit == "first_and_last":
        write_report(site, 1, "首篇新增一句。")
        write_report(site, 7, "末篇新增一句，民生实事。")
    elif edit == "added":
        write_report(site, 8, "新报告。")
    elif edit == "deleted":
        (site / "content/reports/r5.md").unlink()
    else:
        text = (site / "content/reports/r2.md").read_text(encoding="utf-8")
        (site / "content/reports/r2.md").write_text(text.replace("2024-03-12", "2024-09-30"), encoding="utf-8")
    warm_build(site, out)
    assert index_tree(out) == cold_index(site, tmp_path)


@pytest.mark.parametrize("damage", ["state_corrupt", "state_missing", "old_entry_corrupt", "all_entries_missing"])
def test_damaged_search_cache_is_survived(site, tmp_path, tokenised, damage):
    out = tmp_path / "out"
    warm_build(site, out)
    folder = cache_folder(site)
    state = folder / search.STATE_NAME
    entries = sorted((folder / "search").glob("*.pickle"))
    assert state.is_file() and stored_keys(site) and entries
    if damage == "state_corrupt":
        state.write_bytes(state.read_bytes()[:-10] + b"0123456789")
    elif damage == "state_missing":
        state.unlink()
    elif damage == "old_entry_corrupt":
        for entry in entries:
            entry.write_bytes(b"CGCACHE" + b"\0" * 40)
    else:
        shutil.rmtree(folder / "search")
    # the other reports' counts still come from the cache unless their entries were lost
    edit_twice_equals_cold(site, out, tmp_path, tokenised, 1 if damage.startswith("state") else 7)


def edit_twice_equals_cold(site: Path, out: Path, tmp: Path, tokenised: list[str], first_tokenised: int) -> None:
    """Edit report 4 and rebuild (`first_tokenised` reports tokenised), then report 5: the
    second rebuild is incremental again; both equal a cold build."""
    write_report(site, 4, "修改后新增一段。")
    tokenised.clear()
    warm_build(site, out)
    assert len(tokenised) == first_tokenised and "第4号饮水工程报告" in tokenised
    assert index_tree(out) == cold_index(site, tmp)
    tokenised.clear()
    write_report(site, 5, "再改一次。")
    warm_build(site, out)
    assert tokenised == ["第5号ICP备案２０２４年报告"]
    assert index_tree(out) == cold_index(site, tmp)


def stored_keys(site: Path) -> set[str]:
    keys: set[str] = set()
    for bucket in (cache_folder(site) / "search").glob("*.pickle"):
        keys |= set(decode_entry(bucket.read_bytes()))
    return keys


def test_the_edited_reports_old_counts_are_dropped_from_the_cache(site, tmp_path):
    out = tmp_path / "out"
    warm_build(site, out)
    before = stored_keys(site)
    write_report(site, 3, "改。")
    warm_build(site, out)
    after = stored_keys(site)
    assert len(before) == len(after) == 7 and len(before - after) == 1


def synthetic(n: int, text: str) -> search.SearchDoc:
    return search.SearchDoc(id=f"d{n}", path=f"d{n}.html", title=f"第{n}篇", date="2024-01-01", column="reports",
                            year=2024, text=text, outline=(), meta=())


def shards_of(state: search.IndexState) -> list[bytes]:
    return search._shard_files(state)[2]


@pytest.mark.parametrize("change", ["sentence_added", "word_gone_everywhere", "new_words", "shards_double",
                                    "shards_halve", "two_reports"])
def test_a_patched_state_equals_a_state_made_from_scratch(change):
    """`_patch` touches only the tokens whose counts changed; its shards (and the next patch's
    starting point) equal those of a state made from all reports' counts."""
    texts = [f"{WORDS[n % 6]}。主席团第{n}次会议听取报告。" + "审议通过" * (n % 3) for n in range(12)]
    if change == "shards_halve":
        texts[5] += "".join(chr(0x4E00 + i) for i in range(3000))
    edited = list(texts)
    if change == "sentence_added":
        edited[5] += "新增一句：民生实事票决。"
    elif change == "word_gone_everywhere":       # 饮水工程 only ever stood in this report
        edited[4] = edited[4].replace("饮水工程", "供水")
    elif change == "new_words":
        edited[0] = "全新的表述：数字化改革２０２５年，ＡＢＣ备案。"
    elif change in ("shards_double",):
        edited[7] += "".join(chr(0x4E00 + i) for i in range(3000))
    elif change == "shards_halve":
        edited[5] = texts[5][:40]
    else:
        edited[2] += "乡村振兴。"
        edited[11] = "预算"
    before = [synthetic(n, t) for n, t in enumerate(texts)]
    after = [synthetic(n, t) for n, t in enumerate(edited)]
    old_tokens, new_tokens = [search.doc_tokens(d) for d in before], [search.doc_tokens(d) for d in after]
    target = 512
    state = search.IndexState.made(range(12), [t.length for t in old_tokens], search._merge(old_tokens), target)
    changed = [n for n in range(12) if texts[n] != edited[n]]
    memo: dict = {}
    search._shard_files(state, memo)        # as `serve` keeps them: the patched state reuses untouched shards
    patched = search._patch(state, changed, [old_tokens[n] for n in changed], [new_tokens[n] for n in changed],
                            target, decoded={})
    from_memo = search._shard_files(patched, memo)[2]
    fresh = search.IndexState.made(range(12), [t.length for t in new_tokens], search._merge(new_tokens), target)
    assert (patched.shards, patched.total, patched.layout, patched.entries) == \
        (fresh.shards, fresh.total, fresh.layout, fresh.entries)
    assert from_memo == shards_of(patched) == shards_of(fresh)
    if change.startswith("shards"):
        assert patched.shards != state.shards
    assert shards_of(state) == shards_of(search.IndexState.made(
        range(12), [t.length for t in old_tokens], search._merge(old_tokens), target))   # left as it was


@pytest.mark.parametrize("old", ["format_1_state", "other_object", "format_1_token_entries"])
def test_an_old_format_search_cache_is_ignored_and_rebuilt(site, tmp_path, tokenised, old):
    """A cache folder written by an earlier version of the search stage (same package version)
    is a miss, never a crash or a wrong index."""
    out = tmp_path / "out"
    warm_build(site, out)
    folder = cache_folder(site)
    if old == "format_1_state":           # version 1 kept encoded rows per token in `fragments`
        stale = object.__new__(search.IndexState)
        stale.__dict__.update(doc_keys=tuple(sorted(stored_keys(site))), lengths=(1,) * 7,
                              fragments={"人大": (b"[0,1]", 2)})
        (folder / search.STATE_NAME).write_bytes(encode_entry(stale))
    elif old == "other_object":
        (folder / search.STATE_NAME).write_bytes(encode_entry({"doc_keys": ()}))
    else:                                 # version 1 packed a report's counts as (tokens, counts, length)
        for bucket in (folder / "search").glob("*.pickle"):
            entries = decode_entry(bucket.read_bytes())
            bucket.write_bytes(encode_entry({key: ("人大\0主席", b"\1" * 16, 3) for key in entries}))
        (folder / search.STATE_NAME).unlink()
    edit_twice_equals_cold(site, out, tmp_path, tokenised, 7 if old == "format_1_token_entries" else 1)


def test_tokens_counted_in_the_worker_pool_give_the_same_index(site, tmp_path, tokenised, monkeypatch):
    """With --jobs 2 and the cache, the build tokenises in its worker pool (`tokenise_ahead`),
    not in the main process, and the index is that of a serial build without a cache."""
    from congressgen import compile as compile_module

    monkeypatch.setattr(compile_module, "MIN_PARALLEL", 2)
    result = build(BuildOptions(site, tmp_path / "out", jobs=2))
    assert result.stats.workers == 2 and tokenised == []
    assert index_tree(tmp_path / "out") == cold_index(site, tmp_path)
    assert len(stored_keys(site)) == 7


def test_the_state_keeps_its_shards_as_bytes_and_a_patch_parses_only_the_shards_it_touches():
    """A warm build loads the postings as the shard files' bytes; patching one report parses
    (and joins again) only the shards of the tokens whose counts changed."""
    texts = [f"{WORDS[n % 6]}。主席团第{n}次会议听取报告。" + "审议通过" * (n % 3) + f"第{n}段" * 40 for n in range(40)]
    docs = [synthetic(n, t) for n, t in enumerate(texts)]
    tokens = [search.doc_tokens(d) for d in docs]
    state = search.IndexState.made(range(40), [t.length for t in tokens], search._merge(tokens), 256)
    assert state.shards >= 8
    loaded = decode_entry(encode_entry(state))
    assert loaded.parsed == {} and loaded.files == state.files and "entries" not in vars(loaded)
    edited = synthetic(3, texts[3] + "民生")
    new = search.doc_tokens(edited)
    patched = search._patch(loaded, [3], [tokens[3]], [new], 256)
    touched = {search.token_hash(search._token(k)) % state.shards for k in search._changed_keys(tokens[3], new)}
    assert set(patched.parsed) == touched and len(touched) < state.shards
    assert all(patched.files[n] is loaded.files[n] for n in range(state.shards) if n not in touched)
    tokens[3] = new
    fresh = search.IndexState.made(range(40), [t.length for t in tokens], search._merge(tokens), 256)
    assert patched.files == fresh.files and patched.total == fresh.total


def test_shard_entries_read_back_exactly_also_by_the_json_path():
    entries = {t: search._entry(t, r) for t, r in [("人大", b"[0,3,2,1]"), ("2024年", b"[1,2]"), ("ab", b"[4,1]")]}
    data = search._join_shard(entries, sorted(entries))
    assert search._shard_entries(data) == {t: entries[t] for t in sorted(entries)}
    assert search._shard_entries(b"{}") == {}
    odd = {'a"b': search._entry('a"b', b"[0,1]"), "c]": search._entry("c]", b"[1,1]")}   # escapes: the JSON path
    data = search._join_shard(odd, sorted(odd))
    assert search._shard_entries(data) == {t: odd[t] for t in sorted(odd)}
    assert b",".join(search._shard_entries(data).values()) == data[1:-1]
    unusual = {"c]": search._entry("c]", b"[1,1]"), 'd],"e': search._entry('d],"e', b"[2,1]")}   # no backslash
    data = search._join_shard(unusual, sorted(unusual))
    assert search._shard_entries(data) == {t: unusual[t] for t in sorted(unusual)}
