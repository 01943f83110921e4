"""The shortcuts of an edit's build stay exact: a page's own reads are skipped only while its
page state (its fields and its report's state) is unchanged, a list of reports is digested by
its ids, and every edit that reaches a page through them re-renders it: the warm output
equals a cold build byte for byte."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from congressgen import render, renderdeps
from congressgen.build import BuildOptions, build
from congressgen.cache import BuildCache
from congressgen.model.types import Column, Page, Pager, Report
from congressgen.renderdeps import PageMemo, digest, page_state, report_states

from test_cache import assert_equals_cold, make_site, warm


@pytest.fixture
def site(site_dir):
    return make_site(site_dir)


@pytest.fixture
def out(tmp_path):
    return tmp_path / "out"


def test_page_state_assumption_is_reviewed_for_every_page_field_and_property():
    """page_state() treats an article page's attribute reads as unchanged while its template,
    path, title, kind and its report's state are (crumbs reads the report's column title and
    path, which report_state covers). A new field or property must be checked against that
    rule — and page_state extended if it reads further — then listed."""
    fields = {f.name for f in dataclasses.fields(Page)}
    properties = {n for n, v in vars(Page).items() if isinstance(v, property)}
    assert fields == {"template", "path", "title", "kind", "report", "column", "items", "pager", "extra"}
    assert properties == {"crumbs"}


def test_page_state_only_for_pages_of_one_report_and_it_follows_what_it_covers(site, out):
    result = warm(site, out)
    built = result.site
    states = report_states(built.reports, {r.source: "key-" + r.id for r in built.reports}, built.pages)
    articles = [p for p in built.pages if p.kind == "article"]
    assert articles and all(states[("page", p.path)] is not None for p in articles)
    others = [p for p in built.pages if p.kind != "article"]
    assert others and all(states[("page", p.path)] is None for p in others)
    page = articles[0]
    report = page.report
    base = page_state(page, states)
    assert page_state(dataclasses.replace(page, title=page.title + "x"), states) != base
    assert page_state(dataclasses.replace(page, template="other.html"), states) != base
    assert page_state(dataclasses.replace(page, path="x/" + page.path), states) != base
    assert page_state(page, {**states, report.id: b"another state"}) != base
    assert page_state(page, {**states, report.id: None}) is None
    assert page_state(dataclasses.replace(page, extra={"k": 1}), states) is None
    assert page_state(dataclasses.replace(page, items=[report]), states) is None
    assert page_state(dataclasses.replace(page, pager=Pager(1, 1, [page.path])), states) is None
    stranger = Column("other", "其他", report.column.config)
    assert page_state(dataclasses.replace(page, column=stranger), states) is None


def test_report_lists_digest_by_their_ids_in_order(site, out):
    reports = warm(site, out).site.reports
    a, b, c = reports[:3]
    assert digest([a, b]) == digest([a, b])
    assert len({digest([a, b]), digest([b, a]), digest([a]), digest([a, b, c]), digest([]),
                digest((a, b)), digest(["r", a])}) == 7
    # the same list digested by shape (the path for any other list) differs: two encodings never meet
    assert digest([a, b]) != renderdeps.hashlib.sha256(renderdeps._encoded(renderdeps.shape([a, b]))).digest()[:16]


def test_a_memo_grouped_before_page_groups_is_regrouped():
    memo = PageMemo(keys=[("a", ("page", "x.html"), "crumbs"), ("a", ("report", "r1"), "title")],
                    digests=[b"1", b"2"])
    memo._classify()
    assert memo.groups == {("page", "x.html"): [0], "r1": [1]} and memo.others == []
    old = PageMemo(keys=list(memo.keys), digests=list(memo.digests), groups={"r1": [1]}, others=[0], grouped=2)
    del old.__dict__["grouping"]                  # as pickled by the version before
    old._classify()
    assert old.groups == memo.groups and old.others == []


def _edit(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_a_neighbours_title_edit_rerenders_the_pages_that_show_it(site, out, tmp_path):
    """Article pages are skipped by their page state, but a neighbour's changed title (shown in
    上一篇/下一篇 and in 推荐阅读) still reaches them through the neighbour's own reads."""
    first = warm(site, out)
    edited = next(r for r in first.site.reports if r.id == "r04")
    neighbours = {r.path for r in first.site.reports
                  if r is not edited and (r.previous is edited or r.next is edited or edited in r.related)}
    assert neighbours
    _edit(site / "content" / "reports" / "r04.md", "title: 第4号报告", "title: 第4号报告（修订稿）")
    result = warm(site, out)
    assert neighbours <= set(result.stats.rendered_paths)
    assert_equals_cold(site, out, tmp_path)


def test_a_column_title_edit_reaches_every_article_crumb(site, out, tmp_path):
    """Page.crumbs reads the report's column title: a config edit of it changes every article
    page of the column (here through the template digest too) and the warm output is the cold one."""
    first = warm(site, out)
    _edit(site / "congressgen.yaml", "reports: {title: 工作报告}", "reports: {title: 工作报告汇编}")
    result = warm(site, out)
    articles = {r.path for r in first.site.reports if r.column.key == "reports"}
    assert articles <= set(result.stats.rendered_paths)
    assert_equals_cold(site, out, tmp_path)


def test_a_body_edit_renders_only_its_article_and_equals_cold(site, out, tmp_path):
    warm(site, out)
    _edit(site / "content" / "reports" / "r05.md", "新一年的任务第5段。", "新一年的任务第5段，补充一句。")
    result = warm(site, out)
    edited = next(r.path for r in result.site.reports if r.id == "r05")
    assert edited in result.stats.rendered_paths and len(result.stats.rendered_paths) <= 3
    assert_equals_cold(site, out, tmp_path)
    again = warm(site, out)
    assert again.stats.rendered == 0


def test_the_same_site_named_relatively_or_absolutely_keeps_its_memo(site, out, tmp_path, monkeypatch):
    """`cd site && congressgen build` and `congressgen build -s /path/to/site` are one site:
    the second build renders nothing, where it used to render every page again."""
    monkeypatch.chdir(site)
    first = build(BuildOptions(Path("."), out, jobs=1))
    assert first.stats.rendered > 0
    again = build(BuildOptions(site.resolve(), out, jobs=1))
    assert again.stats.rendered == 0 and again.stats.reused == first.stats.rendered
    assert_equals_cold(site, out, tmp_path)


def test_the_memo_key_table_is_written_only_when_it_changed_and_a_mismatch_is_a_miss(site, out, tmp_path):
    from congressgen.cache import decode_entry, encode_entry

    warm(site, out)
    cache = site / ".congressgen-cache"
    (table,) = cache.glob("pages-*.pickle" + renderdeps.KEYS_SUFFIX)
    memo_file = table.with_name(table.name[:-len(renderdeps.KEYS_SUFFIX)])
    assert decode_entry(memo_file.read_bytes()).keys is None          # the table is not in the memo's file
    before = table.stat()
    _edit(site / "content" / "reports" / "r05.md", "新一年的任务第5段。", "新一年的任务第5段，补充一句。")
    result = warm(site, out)
    assert 0 < result.stats.rendered <= 3
    after = table.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)   # no new read: not rewritten
    token, form, *keys = decode_entry(table.read_bytes())
    table.write_bytes(encode_entry(("another token", form, *keys)))      # e.g. a build stopped between the two
    _edit(site / "content" / "reports" / "r05.md", "补充一句。", "补充两句。")
    result = warm(site, out)
    assert result.stats.rendered == len(result.site.pages)              # a miss: every page, nothing stale
    assert_equals_cold(site, out, tmp_path)
    assert decode_entry(table.read_bytes())[0] != "another token"      # written anew with the new memo
    again = warm(site, out)
    assert again.stats.rendered == 0


def test_an_edit_build_unpacks_only_the_keys_it_checks(site, out, tmp_path, monkeypatch):
    """The key table is loaded as stored bytes (`renderdeps.KeyTable`): an edit's build unpacks
    the keys of the changed report, of no one report (lists, templates) and of the pages it
    renders again, never another report's reads that no rendered page made; the output is the
    cold build's."""
    warm(site, out)
    _edit(site / "content" / "reports" / "r07.md", "新一年的任务第7段。", "新一年的任务第7段，补充一句。")
    warm(site, out)          # the first build after a cold one groups the keys by report (all of them)
    unpacked = []
    real = renderdeps.unpack_key
    monkeypatch.setattr(renderdeps, "unpack_key", lambda data: unpacked.append(real(data)) or unpacked[-1])
    _edit(site / "content" / "reports" / "r05.md", "新一年的任务第5段。", "新一年的任务第5段，补充一句。")
    result = warm(site, out)
    assert 0 < result.stats.rendered <= 3
    memo = renderdeps.load_memo(BuildCache(site / ".congressgen-cache"), render.memo_name(out, False))
    assert isinstance(memo.keys, renderdeps.KeyTable)
    monkeypatch.setattr(renderdeps, "unpack_key", real)

    rendered = {memo.keys[i] for path in result.stats.rendered_paths for i in memo.pages[path].reads}
    others = {key for key in memo.keys if key[0] == "a" and key[1][0] == "report" and key[1][1] != "r05"
              and key not in rendered}
    assert others                                           # other reports' reads are in the table …
    assert unpacked and not others & set(unpacked)          # … and were left packed
    assert_equals_cold(site, out, tmp_path)


def test_a_read_key_packs_and_unpacks_to_itself_even_with_a_str_subclass_in_it():
    from markupsafe import Markup

    keys = [("a", ("report", "r1"), "title"), ("i", ("page", "x.html"), Markup("<b>")),
            ("call", ("m", ("report", "r1"), "section_anchor"), ("T", "一、", "part", 1.5, None, True), ("T",))]
    table = renderdeps.KeyTable([renderdeps.pack_key(k) for k in keys])
    assert list(table) == keys and len(table) == 3
    table.append(("t", "base.html"))
    assert [renderdeps.unpack_key(b) for b in table.stored()] == keys + [("t", "base.html")]


def test_a_build_leaves_the_collector_as_it_found_it(site, out, monkeypatch):
    """build() disables the collector while it loads and freezes the loaded heap for the rest of
    the build; afterwards both are as the caller had them (serve keeps its own heap frozen).
    Only this thread's calls are counted: a preview left running by another test may settle its
    heap (unfreeze, collect, freeze) at any moment."""
    import gc
    import threading

    me, calls = threading.get_ident(), []
    for name in ("freeze", "unfreeze"):
        real = getattr(gc, name)
        monkeypatch.setattr(gc, name, lambda real=real, name=name: (
            calls.append(name) if threading.get_ident() == me else None, real())[1])

    warm(site, out)
    assert gc.isenabled()
    assert "freeze" in calls and calls[-1] == "unfreeze"     # frozen for the build, let go after
    calls.clear()
    gc.freeze()
    try:
        calls.clear()
        warm(site, out)
        assert gc.isenabled() and "freeze" in calls
        assert "unfreeze" not in calls                        # the caller's frozen heap stays frozen
    finally:
        gc.unfreeze()


def test_report_states_field_by_field_equal_report_state_and_follow_every_field(site, out):
    """report_states() works a field over all reports at once: the same digests as
    report_state() report by report, also for unusual values, and a change of any field (the
    QR code, a neighbour, a related list, an attachment) changes that report's state only."""
    from congressgen.model.types import AttachmentFile

    reports = warm(site, out).site.reports
    keys = {r.source: "key-" + r.id for r in reports}
    odd = reports[1]
    odd.sections = ("不是大纲自己的",)                     # not the compiled outline's own tuple
    odd.previous = None
    odd.related = [reports[2], "not a report"]
    odd.attachments = [AttachmentFile("附件", "a.pdf", 10, "pdf")]
    odd.review_names = (("审核", "张三"),)
    fast = report_states(reports, keys)
    shared: dict = {}
    assert fast == {r.id: renderdeps.report_state(r, keys[r.source], shared) for r in reports}
    assert report_states(reports, {**keys, odd.source: ""})[odd.id] is None
    for field, value in [("qr_svg", odd.qr_svg + " "), ("next", reports[3]), ("related", [reports[2]]),
                         ("attachments", []), ("views", odd.views + 1), ("sections", ()),
                         ("error_report_url", odd.error_report_url + "x")]:
        before = getattr(odd, field)
        setattr(odd, field, value)
        changed = report_states(reports, keys)
        setattr(odd, field, before)
        assert {rid for rid in fast if changed[rid] != fast[rid]} == {odd.id}, field


def test_the_memo_is_stored_packed_and_loads_as_it_was_and_damage_is_a_miss(site, out):
    """The memo's digests, pages, states and groups are pickled as a few arrays
    (`PageMemo.__getstate__`): they load as the values they were; a table that does not add
    up, or a memo pickled in another form, loads as no memo (every page renders)."""
    import pickle

    warm(site, out)
    cache = BuildCache(site / ".congressgen-cache")
    name = render.memo_name(out, False)
    memo = renderdeps.load_memo(cache, name)
    assert isinstance(memo.digests, renderdeps.DigestList) and len(memo.digests) == len(memo.keys)
    again = pickle.loads(pickle.dumps(memo))
    assert list(again.digests) == list(memo.digests) and again.pages == memo.pages
    assert again.report_states == memo.report_states and again.groups == memo.groups
    state = memo.__getstate__()
    tag, paths, bases, stamps, reads, offsets = state["pages"]
    damaged = PageMemo.__new__(PageMemo)
    damaged.__setstate__(dict(state, pages=(tag, paths, bases[:-1], stamps, reads, offsets)))
    assert vars(damaged) == {"unreadable": True}
    older = PageMemo.__new__(PageMemo)
    older.__setstate__({k: v for k, v in state.items() if k != "packing"})
    assert vars(older) == {"unreadable": True}
    cache.store(name, older)
    assert renderdeps.load_memo(cache, name) is None


def test_digest_list_works_as_the_list_it_stands_for():
    values = renderdeps.DigestList([b"a" * 16, None])
    values.append(b"b" * 16)
    assert list(values) == [b"a" * 16, None, b"b" * 16] and None in values and values.missing() == {1}
    copy_ = values.copy()
    copy_[1] = b"c" * 16
    assert values[1] is None and copy_[1] == b"c" * 16 and None not in copy_
    with pytest.raises(ValueError):
        values[0] = b"short"
    # the writer's digests: the old list is left as it is, the updates and new keys applied
    grown = renderdeps._updated_digests(values, 4, {0: None, 3: b"d" * 16})
    assert list(grown) == [None, None, b"b" * 16, b"d" * 16] and list(values)[0] == b"a" * 16
    assert renderdeps._updated_digests(values, 3, {}) is values
    assert list(renderdeps._updated_digests(renderdeps.DigestList(), 2, {1: b"e" * 16})) == [None, b"e" * 16]
    assert renderdeps._updated_digests([b"1"], 2, {1: b"2"}) == [b"1", b"2"]      # not digests: a list
