"""The build cache and the page render memo: a warm build is byte for byte a cold build,
after every kind of edit, while parsing and rendering only what the edit touched."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

import pytest

import congressgen
from congressgen.model import datasources
from congressgen.build import BuildOptions, build
from congressgen.cache import BuildCache, decode_entry, encode_entry
from congressgen.model.types import Traffic

from conftest import report_text, write

TAGS = ["预算审查", "代表建议", "民生实事", "乡村振兴"]


def body(n: int) -> str:
    return (f"——2024年1月{n % 28 + 1}日在第{n}次会议上\n\n各位代表：\n\n第{n}篇报告的开头一段。一是加强监督。二是服务代表。\n\n"
            f"一、坚持依法履职，全面加强监督工作。今年以来，主席团听取报告{n}项。\n\n"
            f"（一）做深做实预算审查\n\n预算审查第{n}段。\n\n"
            f"| 序号 | 项目 |\n|---|---|\n| 1 | 道路{n} |\n\n"
            f"一、{2024 + n % 2}年工作安排\n\n新一年的任务第{n}段。\n")


def make_site(root: Path, count: int = 8) -> Path:
    for n in range(1, count + 1):
        column = "reports" if n % 3 else "news"
        fields = {"tags": f"[{TAGS[n % 4]}, {TAGS[(n + 1) % 4]}]", "id": f"r{n:02d}"}
        if n == 2:
            fields["attachments"] = "[{file: r02/项目表.csv, title: 项目表}]"
            write(root / "content" / column / "r02" / "项目表.csv", "序号,项目\n1,道路\n")
        text = report_text(f"第{n}号报告", f"2024-0{1 + n % 9}-{10 + n}", body(n), **fields)
        if n == 3:
            text += "\n参见[第一号报告](../reports/r01.md)。\n"
        write(root / "content" / column / f"r{n:02d}.md", text)
    return root


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def warm(site: Path, out: Path, **options):
    return build(BuildOptions(site, out, jobs=1, **options))


def assert_equals_cold(site: Path, out: Path, tmp: Path, **options) -> None:
    """The incremental output equals a from-scratch build that uses no cache at all."""
    cold = tmp / "cold"
    shutil.rmtree(cold, ignore_errors=True)
    build(BuildOptions(site, cold, jobs=1, cache=False, **options))
    assert snapshot(out) == snapshot(cold)


@pytest.fixture
def site(site_dir: Path) -> Path:
    return make_site(site_dir)


@pytest.fixture
def out(tmp_path: Path) -> Path:
    return tmp_path / "out"


def test_no_change_rebuild_parses_and_renders_nothing_and_equals_cold(site, out, tmp_path):
    first = warm(site, out)
    assert first.stats.compiled == 8 and first.stats.rendered == len(first.site.pages)
    again = warm(site, out)
    assert (again.stats.compiled, again.stats.cached) == (0, 8)
    assert again.stats.rendered == 0 and again.stats.reused == len(again.site.pages)
    assert again.written.written == 0
    assert_equals_cold(site, out, tmp_path)


def test_deleting_the_cache_gives_the_same_output(site, out, tmp_path):
    warm(site, out)
    before = snapshot(out)
    shutil.rmtree(site / ".congressgen-cache")
    result = warm(site, out)
    assert result.stats.compiled == 8
    assert snapshot(out) == before


def test_body_edit_reparses_one_file_and_renders_only_its_page(site, out, tmp_path):
    warm(site, out)
    path = site / "content" / "reports" / "r04.md"
    path.write_text(path.read_text(encoding="utf-8").replace("新一年的任务第4段。", "新一年的任务第4段，有修改。"),
                    encoding="utf-8")
    result = warm(site, out)
    assert result.stats.compiled == 1
    article = next(r.path for r in result.site.reports if r.id == "r04")
    assert article in result.stats.rendered_paths
    assert len(result.stats.rendered_paths) <= 3, result.stats.rendered_paths   # the article (+ feed)
    assert_equals_cold(site, out, tmp_path)


def test_title_edit_rerenders_lists_and_neighbours_not_everything(site, out, tmp_path):
    first = warm(site, out)
    path = site / "content" / "reports" / "r05.md"
    path.write_text(path.read_text(encoding="utf-8").replace("title: 第5号报告", "title: 第5号报告（修订稿）"),
                    encoding="utf-8")
    result = warm(site, out)
    rendered = set(result.stats.rendered_paths)
    assert "index.html" in rendered and "reports/index.html" in rendered
    assert len(rendered) < len(first.site.pages)
    assert_equals_cold(site, out, tmp_path)


def test_new_and_deleted_reports_update_navigation(site, out, tmp_path):
    warm(site, out)
    write(site / "content" / "reports" / "r20.md",
          report_text("第20号报告", "2024-12-30", body(20), tags=f"[{TAGS[0]}]", id="r20"))
    warm(site, out)
    assert_equals_cold(site, out, tmp_path)
    (site / "content" / "reports" / "r01.md").unlink()
    (site / "content" / "news" / "r03.md").write_text(report_text("第3号报告", "2024-04-13", body(3), id="r03"),
                                                         encoding="utf-8")
    warm(site, out)
    assert_equals_cold(site, out, tmp_path)


def test_template_edit_rerenders_the_pages_using_it(site, out, tmp_path):
    warm(site, out)
    builtin = Path(congressgen.__file__).resolve().parents[2] / "themes" / "default" / "templates" / "article.html"
    override = site / "themes" / "default" / "templates" / "article.html"
    write(override, builtin.read_text(encoding="utf-8").replace("{% block", "<!-- 本站覆盖 -->{% block", 1))
    result = warm(site, out)
    articles = {r.path for r in result.site.reports}
    assert articles <= set(result.stats.rendered_paths)
    assert result.stats.compiled == 0            # Markdown is not parsed again for a template change
    assert_equals_cold(site, out, tmp_path)


def test_config_edit_rerenders_every_page_but_parses_nothing(site, out, tmp_path):
    first = warm(site, out)
    config = site / "congressgen.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace("测试县人大常委会\n", "测试县人大常委会（新）\n", 1),
                      encoding="utf-8")
    result = warm(site, out)
    assert result.stats.compiled == 0
    assert result.stats.rendered == len(first.site.pages)
    assert_equals_cold(site, out, tmp_path)
    # base_url changes every absolute URL and QR code
    result = warm(site, out, base_url="https://www.example.gov.cn/rd/")
    assert result.stats.compiled == 0 and result.stats.rendered == len(first.site.pages)
    assert_equals_cold(site, out, tmp_path, base_url="https://www.example.gov.cn/rd/")


def test_author_in_config_is_part_of_the_report_key(site, out, tmp_path):
    warm(site, out)
    config = site / "congressgen.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace("author: 测试县人大常委会办公室", "author: 新的来源"),
                      encoding="utf-8")
    result = warm(site, out)
    assert result.stats.compiled == 8            # the default 来源 lives in each compiled report
    assert_equals_cold(site, out, tmp_path)


def test_data_file_change_rerenders_the_pages_showing_counts(site, out, tmp_path, monkeypatch):
    """Traffic comes from the data folder (the stats store); a change in it re-renders the
    pages that show those counts, and only pages that read them."""
    views = site / "data" / "views.txt"
    write(views, "r01 5\n")

    def traffic_from_data(root, config, today):
        counts = dict(line.split() for line in (config.root / "data" / "views.txt").read_text().splitlines())
        return Traffic(views={k: int(v) for k, v in counts.items()}, as_of="2024-12-31")

    monkeypatch.setattr(datasources, "load_traffic", traffic_from_data)
    first = warm(site, out)
    write(views, "r01 5\nr06 9\n")
    result = warm(site, out)
    assert 0 < result.stats.rendered
    assert result.stats.compiled == 0
    assert_equals_cold(site, out, tmp_path)
    assert result.stats.reused + result.stats.rendered == len(first.site.pages)


def test_package_upgrade_recompiles_and_rerenders_everything(site, out, tmp_path, monkeypatch):
    first = warm(site, out)
    monkeypatch.setattr(congressgen, "__version__", "99.0.0")
    result = warm(site, out)
    assert result.stats.compiled == 8
    assert result.stats.rendered == len(first.site.pages)


def test_drafts_build_and_normal_build_keep_separate_memos(site, out, tmp_path):
    write(site / "content" / "reports" / "draft.md", report_text("草稿", "2024-06-01", body(30), draft="true", id="d1"))
    warm(site, out)
    warm(site, out, drafts=True)
    assert_equals_cold(site, out, tmp_path, drafts=True)
    warm(site, out)
    assert_equals_cold(site, out, tmp_path)


def test_corrupted_cache_entries_are_ignored_and_rebuilt(site, out, tmp_path):
    warm(site, out)
    cache = site / ".congressgen-cache"
    pack = cache / BuildCache.PACK
    assert pack.is_file() and not [p for p in (cache / "reports").rglob("*") if p.is_file()]
    pack.write_bytes(pack.read_bytes()[:-7])                                   # torn write
    for memo in cache.glob("pages-*.pickle"):
        memo.write_bytes(memo.read_bytes()[:100])
    (cache / "qr.pickle").write_bytes(b"\x00" * 10)
    result = warm(site, out)
    assert result.stats.compiled == 8 and result.stats.cached == 0
    assert result.stats.rendered == len(result.site.pages)                  # memo unreadable: render all
    assert_equals_cold(site, out, tmp_path)
    again = warm(site, out)                                                    # and the cache is whole again
    assert again.stats.compiled == 0 and again.stats.rendered == 0


def test_corrupted_single_report_entries_are_misses(tmp_path, monkeypatch):
    """Reports not (yet) in reports.pack live one file each: a bad one is a miss, the others serve."""
    folder = tmp_path / "cache"
    keys = [f"{n:02x}" + "0" * 62 for n in range(4)]
    first = BuildCache(folder)
    first.put_report("ff" + "0" * 62, {"report": "packed"})
    first.save_reports()                                                        # a pack of one
    monkeypatch.setattr(BuildCache, "REPACK_SHARE", 1)                         # keep it: the rest one file each
    writer = BuildCache(folder)
    assert writer.get_report("ff" + "0" * 62) == {"report": "packed"}
    for n, key in enumerate(keys):
        writer.put_report(key, {"report": n})
    writer.save_reports()
    files = [folder / "reports" / key[:2] / key for key in keys]
    files[0].write_bytes(files[0].read_bytes()[:-7])                           # torn write
    data = bytearray(files[1].read_bytes())
    data[len(data) // 2] ^= 0x55                                                 # flipped bit
    files[1].write_bytes(bytes(data))
    files[2].write_bytes(b"not a cache file")
    reader = BuildCache(folder)
    assert [reader.get_report(key) for key in keys] == [None, None, None, {"report": 3}]
    assert reader.dropped == 2 and files[2].read_bytes() == b"not a cache file"   # never removes a stranger


def test_a_warm_build_after_one_edit_reads_the_pack_and_one_file(site, out, tmp_path, monkeypatch):
    """A few edits do not rewrite reports.pack (its entries serve, the edited reports come from
    their own files); many do, and the single files then go."""
    warm(site, out)
    cache = site / ".congressgen-cache"
    pack_bytes = (cache / BuildCache.PACK).read_bytes()
    monkeypatch.setattr(BuildCache, "REPACK_SHARE", 4)                        # 8 reports: 2 edits allowed
    source = site / "content/reports/r01.md"
    source.write_text(source.read_text(encoding="utf-8") + "\n补充一句。\n", encoding="utf-8")
    result = warm(site, out)
    assert result.stats.compiled == 1
    assert (cache / BuildCache.PACK).read_bytes() == pack_bytes
    singles = [p for p in (cache / "reports").rglob("*") if p.is_file()]
    assert len(singles) == 1
    assert_equals_cold(site, out, tmp_path)
    for name in ("r02.md", "r04.md", "r05.md"):
        source = site / "content/reports" / name
        source.write_text(source.read_text(encoding="utf-8") + "\n再补充一句。\n", encoding="utf-8")
    result = warm(site, out)
    assert result.stats.compiled == 3
    assert (cache / BuildCache.PACK).read_bytes() != pack_bytes
    assert not [p for p in (cache / "reports").rglob("*") if p.is_file()]
    assert warm(site, out).stats.compiled == 0
    assert_equals_cold(site, out, tmp_path)


def test_a_pack_in_parts_is_read_whole_and_a_lost_part_only_costs_its_reports(site, out, tmp_path, monkeypatch):
    monkeypatch.setattr(BuildCache, "PACK_PART", 3)                            # 8 reports: 3 parts
    warm(site, out)
    cache = site / ".congressgen-cache"
    names = sorted(p.name for p in cache.glob(BuildCache.PACK + "*"))
    assert names == [BuildCache.PACK, BuildCache.PACK + ".1", BuildCache.PACK + ".2"]
    assert warm(site, out, now=dt.date(2024, 12, 1)).stats.compiled == 0
    (cache / (BuildCache.PACK + ".1")).unlink()
    result = warm(site, out, now=dt.date(2024, 12, 2))
    assert result.stats.compiled == 3 and result.stats.cached == 5
    assert_equals_cold(site, out, tmp_path, now=dt.date(2024, 12, 2))
    monkeypatch.setattr(BuildCache, "PACK_PART", 256)                          # smaller again: old parts go
    for n in range(1, 9):
        source = next(site.glob(f"content/*/r{n:02d}.md"))
        source.write_text(source.read_text(encoding="utf-8") + "\n又一句。\n", encoding="utf-8")
    warm(site, out, now=dt.date(2024, 12, 2))
    assert sorted(p.name for p in cache.glob(BuildCache.PACK + "*")) == [BuildCache.PACK]


def test_a_valid_entry_under_the_wrong_key_is_not_trusted(site, out, tmp_path):
    """An entry whose content belongs to another source (e.g. copied by hand) is not used."""
    warm(site, out)
    cache = BuildCache(site / ".congressgen-cache")
    parts, pack = cache.load(BuildCache.PACK)
    keys = sorted(pack)
    pack[keys[0]] = pack[keys[1]]
    cache.store(BuildCache.PACK, (parts, pack))
    result = warm(site, out)
    assert result.stats.compiled == 1
    assert_equals_cold(site, out, tmp_path)

def test_cache_entry_format_checks_its_checksum():
    data = encode_entry({"a": 1})
    assert decode_entry(data) == {"a": 1}
    with pytest.raises(ValueError):
        decode_entry(data[:-1] + bytes([data[-1] ^ 1]))
    with pytest.raises(ValueError):
        decode_entry(data[:20])


def test_unchanged_files_keep_their_inode_and_mtime(site, out):
    warm(site, out)
    past = 1_600_000_000_000_000_000
    for path in out.rglob("*"):
        if path.is_file():
            os.utime(path, ns=(past, past))
    before = {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in out.rglob("*") if p.is_file()}
    path = site / "content" / "reports" / "r04.md"
    path.write_text(path.read_text(encoding="utf-8").replace("新一年的任务第4段。", "新一年的任务第4段，改过。"),
                    encoding="utf-8")
    result = warm(site, out)
    changed = {p for p in out.rglob("*") if p.is_file() and (p.stat().st_ino, p.stat().st_mtime_ns) != before.get(p)}
    article = out / next(r.path for r in result.site.reports if r.id == "r04")
    assert article in changed
    assert changed == {p for p in changed if p.read_bytes() != b""} and len(changed) == result.written.written
    pages = {p for p in changed if "search-index" not in p.parts}
    assert len(pages) <= 3                       # the article, perhaps atom.xml and a list page
    # the search index: its meta, this report's text and the shards of the new tokens only
    assert len(changed - pages) <= 6
    for p, (ino, mtime) in before.items():
        if p not in changed:
            assert p.stat().st_mtime_ns == past, p


def test_hand_edited_output_file_is_rewritten(site, out, tmp_path):
    warm(site, out)
    (out / "index.html").write_text("被手工改动", encoding="utf-8")
    result = warm(site, out)
    assert "index.html" in result.stats.rendered_paths
    assert_equals_cold(site, out, tmp_path)


def test_cli_build_uses_the_cache_and_no_cache_flag(site, tmp_path):
    from conftest import run_cli

    first = run_cli("build", "--source", str(site), cwd=site)
    assert first.returncode == 0, first.stderr
    assert (site / ".congressgen-cache" / BuildCache.PACK).is_file() and (site / ".congressgen-cache" / "bodies").is_dir()
    second = run_cli("build", "--source", str(site), cwd=site)
    assert "其中 0 个有变化" in second.stdout
    third = run_cli("build", "--source", str(site), "--no-cache", "--output", str(tmp_path / "nc"), cwd=site)
    assert third.returncode == 0, third.stderr
    assert snapshot(tmp_path / "nc") == snapshot(site / "build")


# --- skipping a build when no input changed (what `congressgen build` does) ----------------


def skip_build(site: Path, out: Path, **options):
    return build(BuildOptions(site, out, jobs=1, reuse_unchanged=True, **options))


def test_unchanged_inputs_skip_the_build_entirely(site, out):
    first = skip_build(site, out)
    assert not first.stats.unchanged and first.site is not None
    again = skip_build(site, out)
    assert again.stats.unchanged and again.site is None
    assert again.stats.reports == first.stats.reports and again.written.total == first.written.total
    assert [str(w) for w in again.warnings] == [str(w) for w in first.warnings]


@pytest.mark.parametrize("change", [
    "report", "static", "data", "theme", "root-file", "attachment-elsewhere", "output-deleted",
    "output-touched", "output-extra", "base-url", "version"])
def test_any_input_or_output_change_means_a_real_build(site, out, tmp_path, change, monkeypatch):
    write(site / "files" / "说明.txt", "附件正文\n")
    page = site / "content" / "reports" / "r04.md"
    page.write_text(page.read_text(encoding="utf-8").replace("id: r04", "id: r04\nattachments: [{file: ../../files/说明.txt}]"),
                    encoding="utf-8")
    write(site / "static" / "robots-extra.txt", "一\n")
    skip_build(site, out)
    options = {}
    if change == "report":
        page.write_text(page.read_text(encoding="utf-8") + "\n补充一句。\n", encoding="utf-8")
    elif change == "static":
        write(site / "static" / "robots-extra.txt", "二\n")
    elif change == "data":
        write(site / "data" / "note.txt", "x\n")
    elif change == "theme":
        write(site / "themes" / "default" / "static" / "css" / "extra.css", "a{}\n")
    elif change == "root-file":
        write(site / "congressgen.yaml", (site / "congressgen.yaml").read_text(encoding="utf-8") + "\n# 注释\n")
    elif change == "attachment-elsewhere":
        write(site / "files" / "说明.txt", "附件正文（修订）\n")
    elif change == "output-deleted":
        (out / "index.html").unlink()
    elif change == "output-touched":
        os.utime(out / "index.html", ns=(1, 1))
    elif change == "output-extra":
        write(out / "stray.html", "x")
    elif change == "base-url":
        options["base_url"] = "https://www.example.gov.cn/rd/"
    elif change == "version":
        monkeypatch.setattr(congressgen, "__version__", "99.0.0")
    result = skip_build(site, out, **options)
    assert not result.stats.unchanged
    assert_equals_cold(site, out, tmp_path, **options) if change != "output-extra" else None
    if change == "output-extra":
        assert not (out / "stray.html").exists()


def test_in_memory_reports_give_the_same_site_and_are_pruned(site, out, tmp_path):
    """`serve` keeps compiled reports in memory between builds: same output as from disk,
    and an edited report's old entry leaves memory."""
    memory: dict = {}

    def reports_in(memory):
        return {k for k in memory if isinstance(k, str)}      # beside ("stamp", …) and ("entry", …)

    first = build(BuildOptions(site, out, jobs=1, report_memory=memory))
    assert len(reports_in(memory)) == len(first.site.reports)
    path = site / "content" / "reports" / "r04.md"
    path.write_text(path.read_text(encoding="utf-8").replace("新一年的任务第4段。", "新一年的任务第4段，改过。"),
                    encoding="utf-8")
    keys_before = reports_in(memory)
    second = build(BuildOptions(site, out, jobs=1, report_memory=memory))
    assert second.stats.compiled == 1
    assert len(reports_in(memory)) == len(second.site.reports) and len(reports_in(memory) - keys_before) == 1
    assert_equals_cold(site, out, tmp_path)
