"""The preview's in-memory site (`serve.LiveSite`): after every kind of save, the preview folder
is byte for byte what a cold `congressgen build` (no cache, same base_url) writes — while only
the changed reports are parsed again and only the pages that read what changed are rendered.
And `serve` never answers 404 for a page during its first build."""

from __future__ import annotations

import shutil
import socket
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from congressgen.build import BuildOptions, build
from congressgen.errors import CongressError
from congressgen.serve import LiveSite

from conftest import MINIMAL_CONFIG, REPO, report_text, write
from test_cache import make_site, snapshot
from test_seams import TEMPLATE, registered  # noqa: F401 - the fixture registers a data source, a page kind, an output
from test_serve import ServeProcess

URL = "http://127.0.0.1:8123/"


@pytest.fixture
def site(site_dir: Path) -> Path:
    make_site(site_dir)
    write(site_dir / "data" / "proposals.yaml", "items:\n  - {num: 1, title: 修缮村道, status: 已办结}\n")
    write(site_dir / "themes" / "default" / "templates" / "proposals.html", TEMPLATE)
    return site_dir


def cold(site: Path, tmp: Path) -> dict[str, bytes]:
    folder = tmp / "cold"
    shutil.rmtree(folder, ignore_errors=True)
    build(BuildOptions(site, folder, base_url=URL, jobs=1, cache=False))
    return snapshot(folder)


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def change(site: Path, what: str) -> None:
    reports = site / "content" / "reports"
    if what == "report":
        edit(reports / "r04.md", "新一年的任务第4段。", "新一年的任务第4段，改过。")
    elif what == "new-report":
        write(reports / "r09.md", report_text("第9号报告", "2024-09-30", "一、工作回顾\n\n新增的一篇。\n",
                                              id="r09", tags="[预算审查]"))
    elif what == "deleted-report":
        (reports / "r05.md").unlink()
    elif what == "template":
        edit(site / "themes/default/templates/proposals.html", "<ul>", "<ul class=\"list\">")
    elif what == "shared-template":   # the base every page extends, copied into the site's theme
        base = (REPO / "themes/default/templates/base.html").read_text(encoding="utf-8")
        write(site / "themes/default/templates/base.html", base.replace("</head>", "<!-- 本站 -->\n</head>", 1))
    elif what == "config":
        edit(site / "congressgen.yaml", "title: 测试县人大常委会", "title: 测试县第二人大常委会")
    elif what == "data":
        edit(site / "data/proposals.yaml", "已办结", "办理中")
    elif what == "attachment":
        write(reports / "r02" / "项目表.csv", "序号,项目\n1,道路\n2,桥梁\n")
    else:
        raise AssertionError(what)


CHANGES = ["report", "new-report", "deleted-report", "template", "shared-template", "config", "data", "attachment"]


@pytest.mark.parametrize("what", CHANGES)
def test_in_memory_preview_equals_a_cold_build_after_each_kind_of_save(site, tmp_path, registered, what):  # noqa: F811
    live = LiveSite(site, tmp_path / "preview", URL)
    live.build()
    assert snapshot(live.output) == cold(site, tmp_path)
    pages = live.rendered.rendered
    change(site, what)
    live.build()
    assert snapshot(live.output) == cold(site, tmp_path)
    if what == "report":           # one report parsed; the others come from memory, unread
        assert (live.compiled.compiled, live.compiled.cached) == (1, 7)
        assert 0 < live.rendered.rendered < pages
    if what in ("data", "template"):   # only the page that reads the data file / loads the template
        assert live.rendered.rendered_paths == ["proposals.html"]
    if what == "shared-template":  # the pages that extend base.html (they show its new comment), no other
        marked = {path for path, data in snapshot(live.output).items() if "<!-- 本站 -->".encode() in data}
        assert set(live.rendered.rendered_paths) == marked and 0 < len(marked) < pages
    live.build()                   # and a save that changed nothing rewrites nothing
    assert live.rendered.rendered == 0 and live.compiled.compiled == 0


def test_every_kind_of_save_in_a_row_then_a_failed_build_leaves_the_preview_as_it_was(site, tmp_path, registered):  # noqa: F811
    live = LiveSite(site, tmp_path / "preview", URL)
    live.build()
    for what in CHANGES:
        change(site, what)
        live.build()
    good = snapshot(live.output)
    assert good == cold(site, tmp_path)
    write(site / "content/reports/r01.md", "---\ntitle: [不成对\n---\n正文\n")
    with pytest.raises(Exception):
        live.build()
    assert snapshot(live.output) == good
    assert not (tmp_path / ".preview.pending").exists()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_no_404_for_an_existing_page_during_the_first_build(tmp_path):
    """Asked at once and then again and again while the first build runs, the home page and an
    article answer 503 with a page that says the site is being built and reloads itself, then 200."""
    site = tmp_path / "site"
    write(site / "congressgen.yaml", MINIMAL_CONFIG)
    for n in range(150):                # enough reports for a first build that takes a while
        write(site / "content/reports" / f"r{n:03d}.md",
              report_text(f"第{n}号报告", f"2024-{1 + n % 12:02d}-{1 + n % 28:02d}",
                          "一、工作回顾\n\n" + f"第{n}篇报告的正文。" * 40 + "\n", id=f"r{n:03d}"))
    port = free_port()
    server = ServeProcess("--source", str(site), "--port", str(port), tmpdir=tmp_path)
    seen: dict[str, list[int]] = {"": [], "reports/202402/t20240202_r001.html": []}
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not all(s and s[-1] == 200 for s in seen.values()):
            for path, statuses in seen.items():
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/{path}", timeout=5) as response:
                        statuses.append(response.status)
                except urllib.error.HTTPError as exc:
                    statuses.append(exc.code)
                    if exc.code == 503:
                        body = exc.read().decode("utf-8")
                        assert "正在生成预览" in body and 'http-equiv="refresh"' in body
                except (ConnectionError, urllib.error.URLError):
                    statuses.append(0)    # not listening yet
            time.sleep(0.05)
    finally:
        server.stop()
    for path, statuses in seen.items():
        assert 404 not in statuses, (path, statuses)
        assert 503 in statuses and statuses[-1] == 200, (path, statuses)


def test_successive_edits_of_reports_patch_the_kept_search_index_exactly(site, tmp_path, registered):  # noqa: F811
    """The search index kept in memory is patched save after save (its decoded rows reused):
    each result still equals a cold build."""
    live = LiveSite(site, tmp_path / "preview", URL)
    live.build()
    reports = site / "content" / "reports"
    for n, (name, old, new) in enumerate([("r04", "预算审查第4段。", "预算审查第4段，加上监督。"),
                                          ("r07", "新一年的任务第7段。", "新一年的任务第7段和预算审查。"),
                                          ("r04", "加上监督。", "加上监督和代表建议。"),
                                          ("r01", "第1篇报告的开头一段。", "开头一段。")]):
        edit(reports / f"{name}.md", old, new)
        live.build()
        assert snapshot(live.output) == cold(site, tmp_path), n


def article_of(site, report_id: str) -> str:
    return next(p.path for p in site.pages if p.kind == "article" and p.report is not None and p.report.id == report_id)


def first_pages(paths, seen: list, output: Path):
    """A FirstPages whose `shown` records what the preview folder holds at that moment."""
    from congressgen.serve import FirstPages

    return FirstPages(frozenset(paths), lambda shown: seen.append((list(shown), snapshot(output))))


@pytest.mark.parametrize("what", CHANGES)
def test_the_open_page_is_shown_first_and_the_finished_preview_still_equals_a_cold_build(site, tmp_path, registered, what):  # noqa: F811
    """The page open in the browser is put in place (and the reload sent) once the site passed
    its check, before the other pages: at that moment it already holds its final bytes, and
    the static files are final too; after the rest of the build the folder is a cold build's."""
    live = LiveSite(site, tmp_path / "preview", URL)
    model, _ = live.build()
    before = snapshot(live.output)
    opened = {article_of(model, "r04"), "proposals.html", "index.html"}
    change(site, what)
    seen: list = []
    live.build(first=first_pages(opened, seen, live.output))
    final = snapshot(live.output)
    assert final == cold(site, tmp_path)
    if any(before.get(path) != final.get(path) for path in opened):   # an open page changed
        (shown, folder), = seen
        assert opened <= set(shown)
        for path in shown:                               # what was shown first is final
            assert folder[path] == final[path], path
        if what == "report":                             # and the rest came after
            assert any(folder.get(path) != data for path, data in final.items() if path not in shown)
    else:                                                # no open page changed: shown with the rest
        assert seen == []
    assert what in ("deleted-report", "attachment") or seen   # (every other kind changes one of them)


def test_a_build_failing_after_the_open_page_was_shown_puts_it_back(site, tmp_path, registered):  # noqa: F811
    """A save whose open page renders but another page's template fails: the page shown first is
    replaced by its old file again, so the preview is exactly the last good build."""
    live = LiveSite(site, tmp_path / "preview", URL)
    model, _ = live.build()
    good = snapshot(live.output)
    open_path = article_of(model, "r04")
    change(site, "report")
    edit(site / "themes/default/templates/proposals.html", "<ul>", "<ul>{{ page.no_such_field }}")
    seen: list = []
    with pytest.raises(Exception):
        live.build(first=first_pages({open_path}, seen, live.output))
    (shown, folder), = seen
    assert "改过" in folder[open_path].decode("utf-8")   # it was shown …
    assert snapshot(live.output) == good                 # … and is the last good build's again
    edit(site / "themes/default/templates/proposals.html", "{{ page.no_such_field }}", "")
    live.build(first=first_pages({open_path}, [], live.output))
    assert snapshot(live.output) == cold(site, tmp_path)


def test_requests_wait_while_a_save_finishes_except_for_what_is_already_final():
    from congressgen.serve import BuildOutcome, PreviewState, site_path_of

    state = PreviewState()
    state.update(BuildOutcome(True, 0.1))
    assert state.current() == 1 and not state.waits("a.html")
    state.first_shown(["reports/a.html", "static/site.css"])    # a save's open page is in place
    assert state.current() == 2
    assert not state.waits("reports/a.html") and not state.waits("static/site.css")
    assert state.waits("index.html") and state.waits("search-index/meta.json")
    assert state.update(BuildOutcome(True, 0.2)) is False       # done: no second reload, same generation
    assert state.current() == 2 and not state.waits("index.html")
    state.first_shown(["reports/a.html"])
    assert state.update(BuildOutcome(False, 0.2)) is True       # failed after all: reload, overlay
    assert state.current() == 4 and not state.waits("index.html")
    assert site_path_of("http://127.0.0.1:8000/") == "index.html"
    assert site_path_of("http://127.0.0.1:8000/reports/?q=1#x") == "reports/index.html"
    assert site_path_of("http://127.0.0.1:8000/reports/%E6%8A%A5%E5%91%8A.html") == "reports/报告.html"


def test_a_collision_found_after_the_open_page_was_shown_puts_it_back(site, tmp_path, registered):  # noqa: F811
    """Collisions are refused once the outputs are generated, after the open page was shown:
    the build fails with the usual error and the preview is the last good build again."""
    live = LiveSite(site, tmp_path / "preview", URL)
    model, _ = live.build()
    good = snapshot(live.output)
    open_path = article_of(model, "r04")
    change(site, "report")
    write(site / "static" / "proposals.csv", "序号\n")      # the registered output writes this path too
    seen: list = []
    with pytest.raises(CongressError, match="proposals.csv"):
        live.build(first=first_pages({open_path}, seen, live.output))
    assert seen and "改过" in seen[0][1][open_path].decode("utf-8")
    assert snapshot(live.output) == good


def test_the_preview_knows_which_pages_are_open_from_each_tabs_reload_socket():
    from congressgen.serve import HostPolicy, LiveReloadAdapter, PreviewState

    adapter = LiveReloadAdapter(PreviewState(), HostPolicy.for_bind("127.0.0.1", 8000))
    one, two = object(), object()
    adapter.opened(one, "http://127.0.0.1:8000/reports/202401/a.html")
    adapter.opened(two, "http://127.0.0.1:8000/")
    assert adapter.open_pages() == {"reports/202401/a.html", "index.html"}
    adapter.opened(one, "http://127.0.0.1:8000/tags/")        # the tab navigated
    adapter.closed(two)
    assert adapter.open_pages() == {"tags/index.html"}


# -- a saved report shown from the kept model, before the whole build (`LiveSite._show_early`)


def neighbours_of(model, report_id: str) -> list[str]:
    """The article pages that show this report's title (its previous and next in its column)."""
    report = next(r for r in model.reports if r.id == report_id)
    return [other.path for other in (report.previous, report.next) if other is not None]


def test_a_saved_report_is_shown_from_the_kept_model_before_the_build_and_is_final(site, tmp_path, registered):  # noqa: F811
    """A body edit (front matter unchanged) of the report whose page is open: its page and
    the home page (which lists it) are rendered from the kept model with the report patched
    in and shown before anything else of the build; at that moment they already hold their
    final bytes, the rest (the search index) comes after, the report is parsed once, and
    the finished preview is a cold build's."""
    live = LiveSite(site, tmp_path / "preview", URL)
    model, _ = live.build()
    opened = {article_of(model, "r04"), "index.html"}
    saved = site / "content" / "reports" / "r04.md"
    edit(saved, "新一年的任务第4段。", "新一年的任务第4段，改过。")
    seen: list = []
    live.build(first=first_pages(opened, seen, live.output), changed={saved})
    assert live.early
    final = snapshot(live.output)
    assert final == cold(site, tmp_path)
    (shown, folder), = seen
    assert opened <= set(shown)
    assert "改过" in folder[article_of(model, "r04")].decode("utf-8")
    for path in shown:
        assert folder[path] == final[path], path
    assert any(folder.get(path) != data for path, data in final.items() if path not in shown)
    assert (live.compiled.compiled, live.compiled.cached) == (0, 8)   # parsed early, taken from memory after
    edit(saved, "改过。", "又改过。")                                    # and again, from the model kept this time
    seen = []
    live.build(first=first_pages(opened, seen, live.output), changed={saved})
    assert live.early and seen and snapshot(live.output) == cold(site, tmp_path)


def test_a_body_edit_that_also_changes_the_title_waits_for_the_whole_build(site, tmp_path, registered):  # noqa: F811
    """A title is front matter: its neighbours' pages, the lists and the feeds show it, so the
    open page is not shown from the kept model; the build shows it once the site is checked,
    and every page showing the title (the neighbour articles among them) is rendered again."""
    live = LiveSite(site, tmp_path / "preview", URL)
    model, _ = live.build()
    opened = {article_of(model, "r04")}
    neighbours = neighbours_of(model, "r04")
    assert neighbours
    saved = site / "content" / "reports" / "r04.md"
    edit(saved, "新一年的任务第4段。", "新一年的任务第4段，改过。")
    edit(saved, "title: 第4号报告", "title: 第4号报告（修订）")
    seen: list = []
    live.build(first=first_pages(opened, seen, live.output), changed={saved})
    assert not live.early and seen
    final = snapshot(live.output)
    assert final == cold(site, tmp_path)
    for path in neighbours:
        assert "第4号报告（修订）" in final[path].decode("utf-8") and path in live.rendered.rendered_paths


@pytest.mark.parametrize("what", ["data", "attachment", "new-report", "config"])
def test_a_save_of_anything_but_a_known_report_takes_the_whole_build(site, tmp_path, registered, what):  # noqa: F811
    """Only report files the kept model has may be patched into it: a data file, an
    attachment, a new report or the config (even saved with a report) go the usual way."""
    live = LiveSite(site, tmp_path / "preview", URL)
    model, _ = live.build()
    saved = site / "content" / "reports" / "r04.md"
    edit(saved, "新一年的任务第4段。", "新一年的任务第4段，改过。")
    change(site, what)
    others = {"data": site / "data/proposals.yaml", "attachment": site / "content/reports/r02/项目表.csv",
              "new-report": site / "content/reports/r09.md", "config": site / "congressgen.yaml"}
    live.build(first=first_pages({article_of(model, "r04")}, [], live.output), changed={saved, others[what]})
    assert not live.early
    assert snapshot(live.output) == cold(site, tmp_path)


def test_a_saved_report_the_check_refuses_is_never_shown_early(site, tmp_path, registered):  # noqa: F811
    """A body edit that adds what the check refuses (an ID card number): nothing is shown,
    the build fails with the usual error, and the preview stays the last good build."""
    live = LiveSite(site, tmp_path / "preview", URL)
    model, _ = live.build()
    good = snapshot(live.output)
    saved = site / "content" / "reports" / "r04.md"
    edit(saved, "新一年的任务第4段。", "新一年的任务第4段，申请人身份证号110101199003074514。")
    seen: list = []
    with pytest.raises(Exception, match="身份证|pii"):
        live.build(first=first_pages({article_of(model, "r04")}, seen, live.output), changed={saved})
    assert seen == [] and snapshot(live.output) == good
    edit(saved, "申请人身份证号110101199003074514。", "")
    live.build(first=first_pages({article_of(model, "r04")}, [], live.output), changed={saved})
    assert not live.early                                 # the failed build kept no model to patch
    assert snapshot(live.output) == cold(site, tmp_path)


def test_a_page_shown_early_with_other_bytes_than_the_build_made_is_marked_for_another_reload(
        site, tmp_path, registered, monkeypatch):  # noqa: F811
    """The early page is a patched model's: should it ever differ from what the whole build
    writes, the build's bytes stand and the save is marked stale (the preview then reloads
    the browsers once more instead of trusting what it showed first)."""
    import congressgen.serve as serve_module
    from congressgen.render import render_first

    class Marked:            # the staged output, with every page written early altered
        def __init__(self, staged):
            self.staged = staged

        def write(self, path, data):
            return self.staged.write(path, data + b"<!-- early -->")

        def __getattr__(self, name):
            return getattr(self.staged, name)

    monkeypatch.setattr(serve_module, "render_first",
                        lambda site_, renderer, staged, static, first: render_first(site_, renderer, Marked(staged),
                                                                                    static, first))
    live = LiveSite(site, tmp_path / "preview", URL)
    model, _ = live.build()
    saved = site / "content" / "reports" / "r04.md"
    edit(saved, "新一年的任务第4段。", "新一年的任务第4段，改过。")
    seen: list = []
    first = first_pages({article_of(model, "r04")}, seen, live.output)
    live.build(first=first, changed={saved})
    assert live.early and seen and b"<!-- early -->" in seen[0][1][article_of(model, "r04")]
    assert first.stale
    assert snapshot(live.output) == cold(site, tmp_path)


def test_the_rebuilder_hands_the_saved_files_to_the_kept_site(site, tmp_path, registered):  # noqa: F811
    """What the watcher saw change reaches `LiveSite.build`: a body edit is shown early."""
    import threading

    from congressgen.serve import Rebuilder, ServeOptions

    rebuilder = Rebuilder(ServeOptions(site), tmp_path / "preview", URL, threading.Event())
    assert rebuilder.rebuild(set()).ok
    saved = site / "content" / "reports" / "r04.md"
    edit(saved, "新一年的任务第4段。", "新一年的任务第4段，改过。")
    model = rebuilder.live.site
    seen: list = []
    outcome = rebuilder.rebuild({saved}, first_pages({article_of(model, "r04")}, seen, rebuilder.output), {saved})
    assert outcome.ok and rebuilder.live.early and seen
    assert snapshot(rebuilder.output) == cold(site, tmp_path)
