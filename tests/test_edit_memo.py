"""The shortcuts of an edit's build stay exact: a page's own reads are skipped only while its
page state (its fields and its report's state) is unchanged, a list of reports is digested by
its ids, and every edit that reaches a page through them re-renders it: the warm output
equals a cold build byte for byte."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from congressgen import renderdeps
from congressgen.build import BuildOptions, build
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
    assert digest([a, b]) != renderdeps.hashlib.blake2b(repr(renderdeps.shape([a, b])).encode(),
                                                        digest_size=16).digest()


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
    token, keys = decode_entry(table.read_bytes())
    table.write_bytes(encode_entry(("another token", keys)))            # e.g. a build stopped between the two
    _edit(site / "content" / "reports" / "r05.md", "补充一句。", "补充两句。")
    result = warm(site, out)
    assert result.stats.rendered == len(result.site.pages)              # a miss: every page, nothing stale
    assert_equals_cold(site, out, tmp_path)
    assert decode_entry(table.read_bytes())[0] != "another token"      # written anew with the new memo
    again = warm(site, out)
    assert again.stats.rendered == 0


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
