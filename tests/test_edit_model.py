"""The edit build's shortcuts in the model and the cache stay exact: an unpickled outline reads
as the outline it was (its entries made on first use), a list of reports is shaped by its ids
(and comes back as those reports), the render memo's group lists are never changed under a memo
that shares them, bundle folders are found as isdir finds them, and the dependency versions in
the cache keys are importlib.metadata's."""

from __future__ import annotations

import copy
import pickle

from congressgen.model.types import Column, Report
from congressgen.outline import Outline, OutlineEntry
from congressgen.renderdeps import PageMemo, shape, unshape


def _outline() -> Outline:
    entries = (OutlineEntry(0, "", "过去一年工作回顾", "part-1", "review", 3, kind="part"),
               OutlineEntry(1, "一、", "坚持依法履职", "s-1", "review", 5),
               OutlineEntry(2, "（一）", "加强监督", "s-1-1", "review", 9, depth=2, parent=1))
    return Outline(entries, ("坚持依法履职",), ("今年的主要任务",))


def test_an_unpickled_outline_is_the_outline_it_was_and_makes_its_entries_on_first_use():
    outline = _outline()
    again = pickle.loads(pickle.dumps(outline, protocol=pickle.HIGHEST_PROTOCOL))
    assert "entries" not in vars(again)                 # not made while unpickling
    assert again.sections is outline.sections or again.sections == outline.sections
    assert again.tasks == outline.tasks
    assert again.entries == outline.entries and all(type(e) is OutlineEntry for e in again.entries)
    assert again == outline and hash(again) == hash(outline) and repr(again) == repr(outline)
    assert again.anchor_of("加强监督", "review") == "s-1-1" and again.toc_groups == outline.toc_groups
    # pickled again before or after its entries were made: still the same outline
    twice = pickle.loads(pickle.dumps(pickle.loads(pickle.dumps(outline))))
    assert twice == outline and copy.deepcopy(twice) == outline
    assert Outline().entries == () and pickle.loads(pickle.dumps(Outline())) == Outline()
    # another outline differs as before
    other = Outline(outline.entries[:2], outline.sections, outline.tasks)
    assert pickle.loads(pickle.dumps(other)) != outline


def test_a_list_of_reports_is_shaped_by_its_ids_and_a_mixed_one_element_by_element():
    column = Column("reports", "工作报告", None)
    reports = [Report(None, f"r{i}", f"p{i}.html", f"u{i}", column, "") for i in range(3)]
    assert shape(reports) == ("I", "r0", "r1", "r2")
    assert shape([reports[0], "x", 2]) == ("L", ("@", "report", "r0"), "x", 2)
    assert shape([reports[0], [reports[1]]]) == ("L", ("@", "report", "r0"), ("I", "r1"))
    assert shape([[reports[0]], ["r0"]]) == ("L", ("I", "r0"), ("L", "r0"))     # never the same shape

    class Index:             # call arguments come back as the reports of this build
        def resolve(self, ref):
            return {("report", r.id): r for r in reports}[ref]

    assert unshape(shape([reports[2], reports[0]]), Index()) == [reports[2], reports[0]]
    assert unshape(shape(([reports[1]], "x")), Index()) == ([reports[1]], "x")


def test_classifying_new_keys_replaces_group_lists_and_never_appends_to_a_shared_one():
    memo = PageMemo(keys=[("a", ("report", "r1"), "title")])
    memo._classify()
    shared_groups, shared_others = memo.groups["r1"], memo.others
    copy_ = PageMemo(keys=list(memo.keys), groups=dict(memo.groups), others=memo.others,
                     grouped=memo.grouped, grouping=memo.grouping)
    copy_.keys += [("a", ("report", "r1"), "date"), ("t", "base.html")]
    copy_._classify()
    assert copy_.groups["r1"] == [0, 1] and copy_.others == [2]
    assert shared_groups == [0] and shared_others == [] and memo.groups["r1"] == [0]


def test_installed_versions_are_the_ones_importlib_metadata_gives():
    """The cache keys hold the dependencies' versions, read without importlib.metadata."""
    from importlib.metadata import PackageNotFoundError, version

    from congressgen.cache import DEPENDENCIES, installed_version

    for name in DEPENDENCIES + ("click", "PyYAML", "Jinja2", "pip", "no-such-package-here"):
        try:
            expected = version(name)
        except PackageNotFoundError:
            expected = None
        assert installed_version(name) == expected


def test_an_edit_build_does_not_import_importlib_metadata(tmp_path):
    """Start-up of a fresh `congressgen build`: neither the cache keys nor Markdown's extensions
    read the installed packages' metadata (about 50 ms)."""
    import subprocess
    import sys

    from conftest import report_text, write

    write(tmp_path / "congressgen.yaml", "title: 测试\nbase_url: https://example.gov.cn\n")
    write(tmp_path / "content/reports/a.md", report_text("报告一", "2024-03-01"))
    code = ("import sys; from pathlib import Path; from congressgen.build import build, BuildOptions; "
            f"build(BuildOptions(Path({str(tmp_path)!r}), jobs=1)); "
            "print('importlib.metadata' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "False"


def test_bundle_folders_are_found_from_one_listing_exactly_as_isdir_finds_them(tmp_path):
    import os

    from congressgen.model.attachments import _has_folder

    reports = tmp_path / "content/reports"
    (reports / "a").mkdir(parents=True)
    (reports / "b").write_text("x")
    (tmp_path / "elsewhere").mkdir()
    os.symlink(tmp_path / "elsewhere", reports / "c")
    os.symlink(tmp_path / "missing", reports / "d")
    folders: dict = {}
    for rel in ("content/reports/a", "content/reports/b", "content/reports/c", "content/reports/d",
                "content/reports/e", "content/nowhere/a", "content/reports"):
        assert _has_folder(tmp_path, rel, folders) == os.path.isdir(tmp_path / rel), rel
    assert set(folders) == {"content/reports", "content/nowhere", "content"}


class _MemoryCache:
    def __init__(self):
        self.entries: dict = {}

    def load(self, name):
        return self.entries.get(name)

    def store(self, name, value):
        self.entries[name] = value
        return True


def test_related_lists_are_reused_only_while_what_they_rank_by_is_unchanged(site_dir):
    import dataclasses

    from congressgen.loading import load_site
    from congressgen.model.related import RelatedIndex, RelatedMemo

    from test_cache import make_site

    site = load_site(make_site(site_dir, 12)).site
    reports = site.reports
    fresh = RelatedIndex(reports)
    cache = _MemoryCache()
    first = RelatedMemo(cache)
    assert first.lists(reports) == [fresh.related(r) for r in reports] and first.changed
    first.save()
    again = RelatedMemo(cache)
    assert again.lists(reports) == [fresh.related(r) for r in reports] and not again.changed
    # each input of the ranking gives another signature: tags, year, column, id, order
    base = RelatedMemo.signature(reports)
    r = reports[3]
    for changed in (dataclasses.replace(r.compiled.fm, tags=r.compiled.fm.tags + ("新标签",)),
                    dataclasses.replace(r.compiled.fm, year=r.compiled.fm.year - 3)):
        other = dataclasses.replace(r, compiled=dataclasses.replace(r.compiled, fm=changed))
        assert RelatedMemo.signature(reports[:3] + [other] + reports[4:]) != base
    other = dataclasses.replace(r, column=next(c for c in site.columns if c is not r.column))
    assert RelatedMemo.signature(reports[:3] + [other] + reports[4:]) != base
    assert RelatedMemo.signature(reports[:3] + [dataclasses.replace(r, id="x9")] + reports[4:]) != base
    assert RelatedMemo.signature(reports[1:] + reports[:1]) != base
    assert RelatedMemo.signature(reports[:-1]) != base


def _replace(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def _related_ids(site):
    return {r.id: [x.id for x in r.related] for r in site.reports}


def test_a_warm_edit_build_equals_cold_after_tag_date_add_delete_and_config_edits(site_dir, tmp_path):
    """The memos of this round (related lists, outline entries made on use, report states by one
    repr, list shapes by ids) never leave a page stale: after each kind of edit the warm output
    is the cold one byte for byte, and the related lists are the ones a fresh model makes."""
    from congressgen.loading import load_site

    from test_cache import assert_equals_cold, make_site, warm

    site = make_site(site_dir, 12)
    out = tmp_path / "out"
    warm(site, out)
    reports = site / "content" / "reports"
    edits = [
        lambda: _replace(reports / "r04.md", "tags: [", "tags: [新标签, "),                  # related lists move
        lambda: _replace(reports / "r05.md", "date: 2024-", "date: 2019-"),                  # another year and place
        lambda: _replace(reports / "r07.md", "title: 第7号报告", "title: 第7号报告（修订稿）"),   # a neighbour's title
        lambda: (reports / "r08.md").unlink(),                                               # a report deleted
        lambda: (reports / "r99.md").write_text((reports / "r01.md").read_text(encoding="utf-8")
                                                .replace("id: r01", "id: r99"), encoding="utf-8"),   # one added
        lambda: _replace(site / "congressgen.yaml", "reports: {title: 工作报告}", "reports: {title: 工作报告汇编}"),
    ]
    for edit in edits:
        edit()
        result = warm(site, out)
        assert _related_ids(result.site) == _related_ids(load_site(site).site)
        assert_equals_cold(site, out, tmp_path)
