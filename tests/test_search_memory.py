"""The search index's cold path holds less at once (issue 17, memory): the merge encodes long
rows as it goes (`_merge(..., compact=True)`), the token store packs counts in the smallest
array that holds them, and neither changes a byte of the index."""

from __future__ import annotations

import random

import pytest

from congressgen import search
from congressgen.search import DocTokens, IndexState, PackedTokens, _merge, _pack, _pack_counts, _unpack


def random_tokens(count: int, seed: int) -> list[DocTokens]:
    """Reports with overlapping tokens: a few in nearly every report (long rows), many rare ones."""
    rng = random.Random(seed)
    common = [ord("一") + n for n in range(30)]
    reports = []
    for _ in range(count):
        han = {key: rng.randint(1, 400) for key in common if rng.random() < 0.9}
        han.update({rng.randint(0x4E00, 0x9FFF) | (rng.randint(0x4E00, 0x9FFF) << 32): rng.randint(1, 70000)
                    for _ in range(rng.randint(0, 20))})
        words = {f"w{rng.randint(0, 300)}": rng.randint(1, 9) for _ in range(rng.randint(0, 12))}
        reports.append(DocTokens(han, words, sum(han.values()) + sum(words.values())))
    return reports


def state_files(tokens, compact: bool, shard_bytes: int = 512) -> list[bytes]:
    return IndexState.made(range(len(tokens)), [t.length for t in tokens], _merge(tokens, compact=compact),
                           shard_bytes).files


@pytest.mark.parametrize("rows, every", [(4, 1), (16, 50), (64, 7)])
def test_the_compact_merge_encodes_long_rows_on_the_way_and_gives_the_same_shards(monkeypatch, rows, every):
    tokens = random_tokens(300, rows)
    plain = state_files(tokens, compact=False)
    monkeypatch.setattr(search, "COMPACT_ROWS", rows)
    monkeypatch.setattr(search, "COMPACT_EVERY", every)
    pieces = []
    real = search._RowParts.done

    def counting(self, r):
        pieces.append(len(self.pieces))            # encoded before the end of the merge
        return real(self, r)

    monkeypatch.setattr(search._RowParts, "done", counting)
    assert state_files(tokens, compact=True) == plain
    assert pieces and max(pieces) > 1


def test_the_compact_merge_of_few_reports_equals_the_plain_one_and_the_index_of_build_index():
    tokens = random_tokens(5, 1)
    assert state_files(tokens, compact=True) == state_files(tokens, compact=False)
    encoded = _merge(tokens, compact=True)
    plain = _merge(tokens)
    assert set(encoded) == set(plain)
    assert all(values == len(plain[token]) for token, (_, values) in encoded.items())


@pytest.mark.parametrize("counts, code", [([], b"B"), ([1, 255], b"B"), ([3, 256], b"H"), ([65536], b"I"),
                                          ([1 << 32, 2], b"q")])
def test_counts_are_packed_in_the_smallest_array_that_holds_them(counts, code):
    packed = _pack_counts(counts)
    assert packed[:1] == code
    tokens = DocTokens({n + 1: c for n, c in enumerate(counts)}, {f"w{n}": c for n, c in enumerate(counts)}, 7)
    assert _unpack(_pack(tokens)) == tokens
    unpacked = PackedTokens.of(_pack(tokens))
    assert list(unpacked.han_counts) == counts and list(unpacked.word_counts) == counts


@pytest.mark.parametrize("damage", [b"", b"Zabc", b"H\x01"])
def test_a_damaged_count_array_is_a_miss(damage):
    packed = list(_pack(DocTokens({5: 1}, {"a": 2}, 3)))
    packed[2] = damage
    assert PackedTokens.of(tuple(packed)) is None


def test_a_long_running_process_keeps_its_token_store_whole_after_a_merge(site_dir, monkeypatch):
    """A cold merge takes each report's counts out of the token store as it merges them
    (memory), but in a long-running process (`serve`: `report_memory`) the store is the
    cache's memory itself: after a merge (a new report: the stored state no longer fits) it
    still holds every report's counts, so the next edit tokenises only the edited report."""
    from congressgen.build import BuildOptions, build
    from test_cache import make_site

    site = make_site(site_dir, count=12)
    memory: dict = {}
    options = BuildOptions(site, site / "out", jobs=1, report_memory=memory)
    build(options)
    (site / "content" / "reports" / "r13.md").write_text(
        (site / "content" / "reports" / "r01.md").read_text(encoding="utf-8").replace("id: r01", "id: r13"),
        encoding="utf-8")
    build(options)                                  # 13 documents: merged anew
    counted = []
    monkeypatch.setattr(search, "doc_tokens", lambda doc: counted.append(doc.title) or _real_doc_tokens(doc))
    edited = site / "content" / "reports" / "r04.md"
    edited.write_text(edited.read_text(encoding="utf-8") + "\n补充一段新的内容。\n", encoding="utf-8")
    build(options)
    assert len(counted) == 1, counted


_real_doc_tokens = search.doc_tokens


def test_a_cold_build_makes_each_search_text_file_only_when_it_is_written(site_dir, tmp_path, monkeypatch):
    """With no previous output to keep them from, the text files are handed to the writer as
    `KeptFile.made` (no stamp), not as bytes: the index's text is never all held at once (about
    150 MB at 10,000 reports). Each is made twice (once for its digest in meta.json, once when
    written); the files and meta.json are those of a build without a cache."""
    from congressgen.build import BuildOptions, build
    from congressgen.output import KeptFile
    from test_cache import make_site, snapshot

    site = make_site(site_dir, count=6)
    handed = []
    real = search._text_files

    def spy(*args, **kwargs):
        files = real(*args, **kwargs)
        handed.extend(files)
        return files

    monkeypatch.setattr(search, "_text_files", spy)
    build(BuildOptions(site, tmp_path / "out", jobs=1))
    assert len(handed) == 6 and all(f.__class__ is KeptFile and f.stamp is None for f in handed)
    assert [f.data() for f in handed] == [search._text_file(f.of.text) for f in handed]
    build(BuildOptions(site, tmp_path / "cold", jobs=1, cache=False))
    assert snapshot(tmp_path / "out") == snapshot(tmp_path / "cold")
