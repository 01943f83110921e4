"""Compiled reports keep their body HTML and plain text in the build cache's body files
(`cache.StoredBody`), read on demand and checked each time: what a page shows is the body as
compiled, a damaged body file is found and its reports compiled again, and a warm build reads
only the bodies of the pages it renders."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from congressgen.build import BuildOptions, build
from congressgen.cache import BODIES, BuildCache, StoredBody, store_bodies
from congressgen.errors import CongressError

from conftest import report_text, write
from test_cache import assert_equals_cold, body, make_site, snapshot, warm
from test_cache import out, site  # noqa: F401 - the same fixtures


def many_reports(root: Path, count: int) -> Path:
    for n in range(1, count + 1):
        write(root / "content" / "reports" / f"r{n:02d}.md",
              report_text(f"第{n}号报告", f"2024-{n % 12 + 1:02d}-{n % 28 + 1:02d}", body(n), id=f"r{n:02d}"))
    return root


def body_files(site: Path) -> list[Path]:
    return sorted((site / ".congressgen-cache" / BODIES).iterdir())


def test_workers_hand_back_light_reports_and_the_bodies_read_back_as_compiled(site_dir, tmp_path):
    """A cold build with workers: no file per report, one body file per chunk, the pack without
    the bodies' text, and every body read back equals the one compiled without a cache."""
    site = many_reports(site_dir, 60)
    result = build(BuildOptions(site, tmp_path / "out", jobs=2))
    assert result.stats.workers == 2 and result.stats.compiled == 60
    cache = site / ".congressgen-cache"
    assert not [p for p in (cache / "reports").rglob("*") if p.is_file()]
    assert len(body_files(site)) == 4                                  # 60 reports in chunks of 16
    sentence = "<td>道路37</td>".encode("utf-8")                   # a table cell: not in the summary
    assert not any(sentence in p.read_bytes() for p in cache.glob(BuildCache.PACK + "*"))
    assert sum(sentence in p.read_bytes() for p in body_files(site)) == 1
    plain = build(BuildOptions(site, tmp_path / "plain", jobs=1, cache=False))
    expected = {r.source: (r.compiled.body_html, r.compiled.text, r.body_html) for r in plain.site.reports}
    assert all(isinstance(r.compiled.body, StoredBody) for r in result.site.reports)
    assert {r.source: (r.compiled.body_html, r.compiled.text, r.body_html) for r in result.site.reports} == expected
    assert snapshot(tmp_path / "out") == snapshot(tmp_path / "plain")


def test_a_damaged_body_file_is_found_and_its_reports_compiled_again(site_dir, tmp_path):
    site = make_site(site_dir)
    out = tmp_path / "out"
    warm(site, out)
    [blob] = body_files(site)                                           # 8 reports: one chunk
    data = bytearray(blob.read_bytes())
    data[len(data) // 2] ^= 0x01                                        # one body's bytes changed
    blob.write_bytes(bytes(data))
    result = warm(site, out)
    assert result.stats.compiled == 1 and result.stats.cached == 7
    assert_equals_cold(site, out, tmp_path)
    assert warm(site, out).stats.compiled == 0
    blob.unlink(missing_ok=True)                                        # a lost body file: all its reports
    assert warm(site, out).stats.compiled == 7
    assert_equals_cold(site, out, tmp_path)


def test_a_body_damaged_after_it_was_loaded_is_refused_and_its_file_removed(tmp_path):
    """The stamp check at load can miss a same-size rewrite within one clock tick; each read
    checks the body's SHA-256 again, so a changed body is never shown."""
    folder = tmp_path / "cache"
    first, second = store_bodies(folder, [("<p>甲乙丙</p>", "甲乙丙"), ("<p>丁戊</p>", "丁戊")])
    assert (first.html(), first.text(), second.html(), second.text()) == ("<p>甲乙丙</p>", "甲乙丙", "<p>丁戊</p>", "丁戊")
    path = Path(second.path)
    data = path.read_bytes()
    path.write_bytes(data.replace("丁".encode("utf-8"), "甲".encode("utf-8")))   # same size
    with pytest.raises(CongressError) as err:
        second.text()
    assert "构建缓存" in str(err.value)
    assert not path.exists()                                            # the next build compiles again
    with pytest.raises(CongressError):
        first.html()


def test_a_moved_site_reads_its_own_body_files(site_dir, tmp_path):
    """Body references are resolved in the cache folder where it is now: a copied site serves
    its compiled reports (the copies' changed stamps only cost a check of each body)."""
    site = make_site(site_dir)
    warm(site, tmp_path / "out")
    moved = tmp_path / "moved"
    shutil.copytree(site, moved)
    shutil.rmtree(site)
    result = warm(moved, tmp_path / "out2")
    assert result.stats.compiled == 0 and result.stats.cached == 8
    assert_equals_cold(moved, tmp_path / "out2", tmp_path)


def test_a_copied_cache_checks_each_body_file_once_then_trusts_its_new_stamp(site_dir, tmp_path, monkeypatch):
    """After a copy every body file's stamp differs from the one it was written with: the first
    build checks each file whole (by its name, the SHA-256 of its bytes) and keeps the settled
    stamp it found it whole at, so later builds do not check every body again; a file damaged
    after that (a new stamp) is checked again and its damaged report compiled again."""
    import congressgen.cache as cache_module

    site = make_site(site_dir)
    warm(site, tmp_path / "out")
    moved = tmp_path / "moved"
    shutil.copytree(site, moved)
    checked: list[str] = []
    original = StoredBody.intact
    monkeypatch.setattr(StoredBody, "intact", lambda self: checked.append(self.name) or original(self))
    monkeypatch.setattr(cache_module, "SETTLED_NS", -1)             # the copies count as settled at once
    first = warm(moved, tmp_path / "out2")
    assert first.stats.compiled == 0 and not checked                  # whole files: no body checked alone
    assert (moved / ".congressgen-cache" / BuildCache.BODY_STAMPS).is_file()
    whole: list[str] = []
    real_whole = cache_module._whole
    monkeypatch.setattr(cache_module, "_whole", lambda path, name: whole.append(name) or real_whole(path, name))
    again = warm(moved, tmp_path / "out2")
    assert again.stats.compiled == 0 and not checked and not whole   # trusted by the stamp kept
    [blob] = body_files(moved)
    data = bytearray(blob.read_bytes())
    data[len(data) // 2] ^= 0x01
    blob.write_bytes(bytes(data))
    damaged = warm(moved, tmp_path / "out2")
    assert damaged.stats.compiled == 1 and damaged.stats.cached == 7
    assert whole == [blob.name] and set(checked) == {blob.name} and len(checked) >= 8   # each body checked
    assert_equals_cold(moved, tmp_path / "out2", tmp_path)


def test_a_warm_edit_reads_only_the_bodies_of_the_pages_it_renders(site, out, tmp_path, monkeypatch):
    warm(site, out)
    read: list[str] = []
    original = StoredBody.html

    def html(self):
        read.append(self.name + str(self.offset))
        return original(self)

    monkeypatch.setattr(StoredBody, "html", html)
    source = site / "content/reports/r04.md"
    source.write_text(source.read_text(encoding="utf-8") + "\n补充一句。\n", encoding="utf-8")
    result = warm(site, out)
    # the pages rendered, and the bodies whose links the model rewrites (r03 links to r01)
    needed = {r.compiled.body.name + str(r.compiled.body.offset) for r in result.site.reports
              if r.path in result.stats.rendered_paths or r.rewritten_body is not None}
    assert result.stats.compiled == 1 and len(needed) == 2
    assert read and set(read) == needed
    assert_equals_cold(site, out, tmp_path)


def test_body_files_no_entry_refers_to_are_pruned(site, out, tmp_path, monkeypatch):
    warm(site, out)
    [old] = body_files(site)
    for n in range(1, 9):
        source = next(site.glob(f"content/*/r{n:02d}.md"))
        source.write_text(source.read_text(encoding="utf-8") + "\n又一句。\n", encoding="utf-8")
    result = warm(site, out)
    assert result.stats.compiled == 8
    kept = sorted({r.compiled.body.name for r in result.site.reports})
    assert old.name not in kept and [p.name for p in body_files(site)] == sorted(kept + [old.name])
    # a recent one may belong to a build still running beside this one: it goes once older
    monkeypatch.setattr(BuildCache, "BODY_GRACE_S", -60)
    assert warm(site, out).stats.compiled == 0
    assert [p.name for p in body_files(site)] == kept
    assert_equals_cold(site, out, tmp_path)



def test_a_long_running_process_keeps_bodies_in_memory_and_the_disk_cache_whole(site, out, tmp_path, monkeypatch):
    """`serve` (a report memory) holds each body in memory, so a build of the same site pruning
    body files cannot take a page's body away from it; its own prune keeps the files the
    cache's entries refer to, so a later `build` compiles nothing."""
    monkeypatch.setattr(BuildCache, "BODY_GRACE_S", -60)
    warm(site, out)
    memory: dict = {}
    live = build(BuildOptions(site, out, jobs=1, report_memory=memory))
    assert all(not isinstance(r.compiled.body, StoredBody) for r in live.site.reports)
    shutil.rmtree(site / ".congressgen-cache" / BODIES)               # another build pruned them
    source = site / "content/reports/r04.md"
    source.write_text(source.read_text(encoding="utf-8") + "\n补充一句。\n", encoding="utf-8")
    again = build(BuildOptions(site, out, jobs=1, report_memory=memory))
    assert again.stats.compiled == 1
    assert_equals_cold(site, out, tmp_path)
    fresh = warm(site, tmp_path / "out2")
    assert fresh.stats.compiled == 7                                     # what was pruned; r04's body survives
    assert warm(site, tmp_path / "out2").stats.compiled == 0


def test_a_long_running_process_writes_only_the_reports_a_save_compiled(site, out, tmp_path):
    """`serve` keeps no pack: its compiled reports are single files under reports/. A save must
    write the one report it compiled, not every report again (each save once rewrote them all)."""
    memory: dict = {}
    build(BuildOptions(site, out, jobs=1, report_memory=memory))
    entries = site / ".congressgen-cache" / "reports"

    def files() -> dict[str, tuple[int, int]]:
        return {p.name: (p.stat().st_ino, p.stat().st_mtime_ns) for p in entries.rglob("*") if p.is_file()}

    before = files()
    assert len(before) == 8
    source = site / "content/reports/r04.md"
    source.write_text(source.read_text(encoding="utf-8") + "\n补充一句。\n", encoding="utf-8")
    again = build(BuildOptions(site, out, jobs=1, report_memory=memory))
    assert again.stats.compiled == 1
    after = files()
    added = set(after) - set(before)
    assert len(added) == 1 and len(set(before) - set(after)) == 1       # the edited report's old entry pruned
    assert {k: v for k, v in after.items() if k not in added} == {k: v for k, v in before.items() if k in after}
    assert_equals_cold(site, out, tmp_path)
