"""An edit build takes the search index's unchanged files from the previous output
(`output.PreviousFiles`): a report's text file is kept (same inode, not made again from its
body) only when its compiled report is the one that file was made from and the file is as the
last build left it; everything else is made again. The index is always byte for byte that of
a cold build."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from congressgen import search
from congressgen.build import BuildOptions, build

from conftest import write
from test_search_cache import cold_index, index_tree, site, warm_build, write_report  # noqa: F401 (fixture)


def text_inodes(out: Path) -> dict[str, int]:
    folder = out / search.INDEX_DIR / "text"
    return {p.name: p.stat().st_ino for p in folder.iterdir()}


@pytest.fixture
def made(monkeypatch) -> list[str]:
    """The texts made into text files (not kept from the previous output) in this test."""
    seen: list[str] = []
    real = search._text_file

    def counting(text):
        seen.append(text)
        return real(text)

    monkeypatch.setattr(search, "_text_file", counting)
    return seen


def test_an_edit_makes_only_the_edited_reports_text_file_and_equals_a_cold_build(site, tmp_path, made):
    out = tmp_path / "out"
    warm_build(site, out)
    # each made twice: for its digest (meta.json) and when written, never all held at once
    assert len(made) == 14 and len(set(made)) == 7
    before = text_inodes(out)
    made.clear()
    write_report(site, 4, "新增一句：数字化改革。")
    warm_build(site, out)
    assert len(made) == 2 and len(set(made)) == 1 and "数字化改革" in made[0]
    after = text_inodes(out)
    assert [name for name in before if before[name] != after[name]] == ["r4.json"]
    assert index_tree(out) == cold_index(site, tmp_path)


@pytest.mark.parametrize("edit", ["title", "deleted", "renamed", "id_swapped", "added"])
def test_other_edits_equal_a_cold_build(site, tmp_path, edit):
    out = tmp_path / "out"
    warm_build(site, out)
    if edit == "title":
        path = site / "content/reports/r2.md"
        path.write_text(path.read_text(encoding="utf-8").replace("第2号", "第二号（修订）"), encoding="utf-8")
    elif edit == "deleted":
        (site / "content/reports/r5.md").unlink()
    elif edit == "renamed":       # a new id: a new text file, the old one gone
        path = site / "content/reports/r5.md"
        path.write_text(path.read_text(encoding="utf-8").replace("id: r5", "id: r50"), encoding="utf-8")
    elif edit == "id_swapped":    # two reports trade ids: each text file now holds the other's text
        a, b = site / "content/reports/r1.md", site / "content/reports/r2.md"
        text_a, text_b = a.read_text(encoding="utf-8"), b.read_text(encoding="utf-8")
        a.write_text(text_a.replace("id: r1", "id: r2"), encoding="utf-8")
        b.write_text(text_b.replace("id: r2", "id: r1"), encoding="utf-8")
    else:
        write_report(site, 8, "新报告。")
    warm_build(site, out)
    assert index_tree(out) == cold_index(site, tmp_path)


def test_a_text_file_changed_by_hand_in_the_output_is_made_again(site, tmp_path, made):
    out = tmp_path / "out"
    warm_build(site, out)
    hand = out / search.INDEX_DIR / "text" / "r3.json"
    hand.write_bytes(b'{"text":"changed by hand"}')
    os.utime(hand, ns=(1, 1))
    made.clear()
    write_report(site, 4, "新增一句。")
    warm_build(site, out)
    # r4 (edited: for its digest, then its file) and r3 (not as the last build left it: its file)
    assert len(made) == 3 and len(set(made)) == 2 and "第3项" in made[2]
    assert index_tree(out) == cold_index(site, tmp_path)


def test_a_build_into_another_output_folder_makes_every_text_file(site, tmp_path, made):
    warm_build(site, tmp_path / "one")
    made.clear()
    write(site / "content/reports/r4.md", (site / "content/reports/r4.md").read_text(encoding="utf-8") + "\n补充。\n")
    build(BuildOptions(site, tmp_path / "two", jobs=1))
    assert len(set(made)) == 7 and len(made) == 8      # every file; r4's also for its new digest
    assert index_tree(tmp_path / "two") == cold_index(site, tmp_path)


def stored_state(site: Path):
    from congressgen.cache import decode_entry

    return decode_entry((site / ".congressgen-cache" / search.STATE_NAME).read_bytes())


def test_the_stored_index_state_holds_file_digests_not_files_and_edits_still_equal_a_cold_build(site, tmp_path):
    out = tmp_path / "out"
    warm_build(site, out)
    state = stored_state(site)
    assert state.files is None and len(state.digests) == state.shards
    shards = sorted((out / search.INDEX_DIR / "index").iterdir())
    assert [search._file_digest(p.read_bytes()) for p in shards] == state.digests
    for n, extra in enumerate(["新增一句：数字化改革。", "再改一次：乡村振兴饮水工程。"]):
        write_report(site, 4, extra)
        warm_build(site, out)
        assert index_tree(out) == cold_index(site, tmp_path), n


@pytest.mark.parametrize("damage", ["changed", "deleted"])
def test_a_shard_file_changed_or_deleted_in_the_output_is_not_trusted(site, tmp_path, damage):
    out = tmp_path / "out"
    warm_build(site, out)
    shard = sorted((out / search.INDEX_DIR / "index").iterdir())[0]
    if damage == "changed":
        shard.write_bytes(b"{}")
    else:
        shard.unlink()
    write_report(site, 4, "新增一句。")
    warm_build(site, out)
    assert index_tree(out) == cold_index(site, tmp_path)


def test_an_edit_built_into_another_output_folder_equals_a_cold_build(site, tmp_path):
    warm_build(site, tmp_path / "one")
    write_report(site, 4, "新增一句。")
    warm_build(site, tmp_path / "two")
    assert index_tree(tmp_path / "two") == cold_index(site, tmp_path)
    write_report(site, 5, "又一句。")
    warm_build(site, tmp_path / "one")
    assert index_tree(tmp_path / "one") == cold_index(site, tmp_path)


@pytest.fixture
def merged(monkeypatch) -> list[int]:
    """How many times the postings were merged whole from the token store (not patched)."""
    calls: list[int] = []
    real = search._merge

    def counting(tokens, **options):
        calls.append(1)
        return real(tokens, **options)

    monkeypatch.setattr(search, "_merge", counting)
    return calls


def shard_cache_files(site: Path) -> list[Path]:
    return sorted((site / ".congressgen-cache" / search.SHARD_FILES).iterdir())


def test_the_cache_holds_each_shard_once_by_digest_and_an_edit_patches_from_them(site, tmp_path, merged):
    out = tmp_path / "out"
    warm_build(site, out)
    assert [p.stem for p in shard_cache_files(site)] == sorted(set(stored_state(site).digests))
    merged.clear()
    write_report(site, 4, "新增一句：数字化改革。")
    warm_build(site, out)
    assert merged == []                               # patched, not merged again
    assert [p.stem for p in shard_cache_files(site)] == sorted(set(stored_state(site).digests))
    assert index_tree(out) == cold_index(site, tmp_path)


@pytest.fixture
def small_shards(monkeypatch) -> None:
    """Builds in this test spread the index over many small shards (an edit touches a few)."""
    real = search.index_files
    monkeypatch.setattr(search, "index_files", lambda site, **kw: real(site, shard_bytes=256, **kw))


@pytest.fixture
def shards_read(monkeypatch) -> list[str]:
    """The digests of the cache's shard files read in this test."""
    seen: list[str] = []
    real = search._read_shard

    def counting(folder, digest):
        seen.append(digest)
        return real(folder, digest)

    monkeypatch.setattr(search, "_read_shard", counting)
    return seen


EDIT = "新增一句：数字化改革。"


def shards_the_edit_changes(site: Path, tmp_path: Path) -> tuple[list[str], set[int]]:
    """The digests of the shards before `EDIT` to report 4, and the numbers of the shards it
    changes: found by making the edit in a copy of the site (with its cache)."""
    import shutil

    probe = tmp_path / "probe"
    shutil.copytree(site, probe)
    write_report(probe, 4, EDIT)
    build(BuildOptions(probe, tmp_path / "probe-out", jobs=1))
    before, after = stored_state(site).digests, stored_state(probe).digests
    assert len(before) == len(after)
    return before, {n for n, (a, b) in enumerate(zip(before, after)) if a != b}


def damage(path: Path, stamp: str) -> None:
    """A digit of the file changed; with `stamp == "kept"`, its size and mtime as they were."""
    data = bytearray(path.read_bytes())
    at = next(n for n, c in enumerate(data) if chr(c).isdigit())
    data[at] = ord("7") if data[at] != ord("7") else ord("8")
    st = path.stat()
    path.write_bytes(bytes(data))
    if stamp == "kept":
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
        assert (path.stat().st_size, path.stat().st_mtime_ns) == (st.st_size, st.st_mtime_ns)
    else:
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000_000))


def cached_shard(site: Path, digest: str) -> Path:
    return site / ".congressgen-cache" / search.SHARD_FILES / f"{digest}.json"


def test_an_edit_reads_only_the_cache_shards_it_patches(site, tmp_path, small_shards, shards_read, merged):
    out = tmp_path / "out"
    warm_build(site, out)
    digests, touched = shards_the_edit_changes(site, tmp_path)
    assert len(digests) >= 8 and 0 < len(touched) < len(digests)
    shards_read.clear()
    merged.clear()
    write_report(site, 4, EDIT)
    warm_build(site, out)
    assert merged == [] and sorted(shards_read) == sorted(digests[n] for n in touched)
    assert index_tree(out) == cold_index(site, tmp_path)


@pytest.mark.parametrize("stamp", ["kept", "changed"])
def test_a_damaged_cache_shard_the_edit_patches_is_found_by_its_digest_and_merged_again(
        site, tmp_path, small_shards, merged, stamp):
    """Whatever its stamp, a cache shard file is checked against its digest when it is read:
    the patch is refused, the postings are merged again and the cache's files written again."""
    out = tmp_path / "out"
    warm_build(site, out)
    digests, touched = shards_the_edit_changes(site, tmp_path)
    damage(cached_shard(site, digests[min(touched)]), stamp)
    merged.clear()
    write_report(site, 4, EDIT)
    warm_build(site, out)
    assert merged == [1]
    assert index_tree(out) == cold_index(site, tmp_path)
    for digest in stored_state(site).digests:                     # the damaged file written again
        assert search._file_digest(cached_shard(site, digest).read_bytes()) == digest


@pytest.mark.parametrize("stamp", ["kept", "changed"])
def test_a_damaged_cache_shard_the_edit_does_not_patch_is_not_read_until_the_output_needs_it(
        site, tmp_path, small_shards, merged, shards_read, stamp):
    """A shard the edit leaves as it was is kept in the output by the output file's stamp, and
    its cache file is not read, so its damage does no harm there. When that output file is gone
    later, the cache's file is read, found damaged by its digest, and the index merged again."""
    out = tmp_path / "out"
    warm_build(site, out)
    digests, touched = shards_the_edit_changes(site, tmp_path)
    untouched = next(n for n in range(len(digests)) if n not in touched and digests.count(digests[n]) == 1)
    damage(cached_shard(site, digests[untouched]), stamp)
    merged.clear()
    shards_read.clear()
    write_report(site, 4, EDIT)
    warm_build(site, out)
    assert merged == [] and digests[untouched] not in shards_read
    assert index_tree(out) == cold_index(site, tmp_path)
    shard = sorted((out / search.INDEX_DIR / "index").iterdir())[untouched]
    shard.unlink()
    shards_read.clear()
    merged.clear()
    warm_build(site, out)                    # nothing changed, but that file must be written again
    assert digests[untouched] in shards_read and merged == [1]
    assert index_tree(out) == cold_index(site, tmp_path)
    assert search._file_digest(cached_shard(site, digests[untouched]).read_bytes()) == digests[untouched]


def test_a_shard_changed_in_the_output_and_damaged_in_the_cache_is_made_again(
        site, tmp_path, small_shards, merged):
    """The output file the build meant to keep was changed by hand and the cache's file of the
    same shard is damaged: the file is made again from the token counts, not taken from either."""
    out = tmp_path / "out"
    warm_build(site, out)
    digests, touched = shards_the_edit_changes(site, tmp_path)
    untouched = next(n for n in range(len(digests)) if n not in touched and digests.count(digests[n]) == 1)
    damage(cached_shard(site, digests[untouched]), "kept")
    damage(sorted((out / search.INDEX_DIR / "index").iterdir())[untouched], "changed")
    merged.clear()
    write_report(site, 4, EDIT)
    warm_build(site, out)
    assert merged == [1]                     # (`remade`: the postings merged from the token store)
    assert search._file_digest(cached_shard(site, digests[untouched]).read_bytes()) == digests[untouched]
    assert index_tree(out) == cold_index(site, tmp_path)


@pytest.mark.parametrize("damage", ["changed", "deleted"])
def test_a_damaged_or_missing_shard_in_the_cache_makes_the_index_merge_again(site, tmp_path, merged, damage):
    """(One shard: the edit patches it.)"""
    out = tmp_path / "out"
    warm_build(site, out)
    assert len(stored_state(site).digests) == 1
    shard = shard_cache_files(site)[0]
    if damage == "changed":
        shard.write_bytes(b'{"x":[1,1]}')
    else:
        shard.unlink()
    merged.clear()
    write_report(site, 4, "新增一句。")
    warm_build(site, out)
    assert merged == [1]
    assert index_tree(out) == cold_index(site, tmp_path)


def test_a_long_running_process_patches_from_the_state_a_build_left(site, tmp_path, merged):
    """`serve`'s first build reads the state a `build` stored (shards from the cache's files)
    and keeps its own in memory."""
    warm_build(site, tmp_path / "out")
    merged.clear()
    write_report(site, 4, "新增一句。")
    memory: dict = {}
    build(BuildOptions(site, tmp_path / "preview", jobs=1, report_memory=memory))
    assert merged == []
    assert index_tree(tmp_path / "preview") == cold_index(site, tmp_path)
    write_report(site, 5, "又一句。")
    merged.clear()                                   # (the cold build merges)
    build(BuildOptions(site, tmp_path / "preview", jobs=1, report_memory=memory))
    assert merged == []
    assert index_tree(tmp_path / "preview") == cold_index(site, tmp_path)


def version_of_files(out: Path) -> tuple[str, str]:
    """meta.json's version, and the version its shard and text files on disk give."""
    import hashlib
    import json

    folder = out / search.INDEX_DIR
    meta = json.loads((folder / "meta.json").read_bytes())
    shards = [hashlib.sha256((folder / "index" / f"{n:0{meta['width']}d}.json").read_bytes()).hexdigest()[:32]
              for n in range(meta["shards"])]
    texts = [hashlib.sha256((folder / "text" / f"{doc[0]}.json").read_bytes()).hexdigest()[:32]
             for doc in meta["docs"]]
    return meta["version"], search.index_version(shards, texts)


def test_the_index_version_names_the_files_on_disk_after_edits_and_changes_with_them(site, tmp_path):
    """The version is made from each file's digest; an edit's build takes the kept texts'
    digests from the cache instead of hashing them: it must still name exactly the files
    written, change when one does and come back when the edit is undone."""
    out = tmp_path / "out"
    warm_build(site, out)
    first, on_disk = version_of_files(out)
    assert first == on_disk
    original = (site / "content/news/r3.md").read_text(encoding="utf-8")
    write_report(site, 3, "新增一句：基层治理。")        # its text file and some shards change
    warm_build(site, out)
    edited, on_disk = version_of_files(out)
    assert edited == on_disk and edited != first
    path = site / "content/reports/r2.md"    # the title: a new report key, the same text, other shards
    path.write_text(path.read_text(encoding="utf-8").replace("第2号", "第二号"), encoding="utf-8")
    warm_build(site, out)
    retitled, on_disk = version_of_files(out)
    assert retitled == on_disk and retitled not in (first, edited)
    path.write_text(path.read_text(encoding="utf-8").replace("第二号", "第2号"), encoding="utf-8")
    (site / "content/news/r3.md").write_text(original, encoding="utf-8")
    warm_build(site, out)
    assert version_of_files(out) == (first, first)
    assert index_tree(out) == cold_index(site, tmp_path)
