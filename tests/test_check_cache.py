"""The build's check keeps each document's local findings in the build cache: a rebuild
re-runs the document-local rules only on what changed, and its findings are exactly those
of a run without the cache. Runs the build's own stages in-process on small sites."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from conftest import report_text, write
from congressgen.compile import compile_all
from congressgen.cache import BuildCache
from congressgen.check import engine
from congressgen.check.privacy import id_check_digit
from congressgen.config import load_config
from congressgen.content import TZ
from congressgen.model.assemble import build_site

NOW = dt.datetime(2025, 6, 1, 12, 0, tzinfo=TZ)
# Every rule that fires below is raised to error, so that the build's check reports it.
RULES_CONFIG = """
check:
  rules: {typography-halfwidth: error, typography-doubled: error, check-ignore-unknown: error,
          frontmatter-unknown-key: error, structure-empty-section: error, formulation-order: error,
          gongwen-index-number: error}
"""


def errors(root: Path, cached: bool = True, now: dt.datetime = NOW) -> list[str]:
    config, _ = load_config(root)
    cache = BuildCache(root / config.cache_dir) if cached else None
    compiled, _ = compile_all(config, cache=cache)
    site = build_site(compiled, config)
    return [f"{d.location.path}:{d.location.line}:{d.location.col}: {d.message}"
            for d in engine.errors_for_build(config, compiled, site, now=now, cache=cache)]


@pytest.fixture
def site(site_dir: Path) -> Path:
    (site_dir / "congressgen.yaml").write_text((site_dir / "congressgen.yaml").read_text(encoding="utf-8")
                                               + RULES_CONFIG, encoding="utf-8")
    write(site_dir / "content/reports/a.md", report_text(
        index_number="bad", titel="x", body="一、工作回顾\n\n联系人13812345678,请来电。。\n\n二、空的\n\n"
        "热线13912345678。<!-- check-ignore: pii-mobile -->\n热线13712345678。<!-- check-ignore: pii-mobil -->\n"
        "[坏链接](nowhere.html)\n"))
    write(site_dir / "content/reports/b.md", report_text(
        title="乙", body="一、工作回顾\n\n今年2月30日召开会议，坚持党的二十大精神。\n\n附件见 b/list.txt。\n",
        attachments="[{title: 名单, file: list.txt}]"))
    write(site_dir / "content/reports/b/list.txt", "名单\n张三 13612345678\n")
    write(site_dir / "content/reports/c.md", report_text(title="丙", body="一、工作回顾\n\n正文。\n"))
    return site_dir


class Counting:
    """Which documents the document-local rules actually ran on."""

    def __init__(self, monkeypatch):
        self.paths: list[str] = []
        original = engine.local_facts

        def counted(doc, *args, **kwargs):
            self.paths.append(doc.path)
            return original(doc, *args, **kwargs)

        monkeypatch.setattr(engine, "local_facts", counted)


def by_file(found: list[str], path: str) -> list[str]:
    return [f for f in found if f.startswith(path + ":")]


def test_second_run_takes_every_document_from_the_cache_with_identical_findings(site, monkeypatch):
    uncached = errors(site, cached=False)
    assert any("pii-mobile" in f for f in by_file(uncached, "content/reports/a.md"))
    assert any("check-ignore-unknown" in f for f in uncached)
    assert any("pii-mobile" in f for f in by_file(uncached, "content/reports/b/list.txt"))
    assert any("link-broken" in f for f in uncached)
    first = errors(site)
    counting = Counting(monkeypatch)
    second = errors(site)
    assert first == second == uncached
    assert counting.paths == []


def test_editing_one_document_recomputes_and_changes_only_its_findings(site, monkeypatch):
    before = errors(site)
    path = site / "content/reports/c.md"
    path.write_text(path.read_text(encoding="utf-8").replace("正文。", "正文,内容。。"), encoding="utf-8")
    counting = Counting(monkeypatch)
    after = errors(site)
    assert counting.paths == ["content/reports/c.md"]
    assert by_file(before, "content/reports/c.md") == []
    assert len(by_file(after, "content/reports/c.md")) == 2
    assert [f for f in after if "reports/c.md" not in f] == before
    assert after == errors(site, cached=False)


def test_editing_a_text_attachment_recomputes_its_report(site, monkeypatch):
    before = errors(site)
    write(site / "content/reports/b/list.txt", "名单\n张三\n")
    counting = Counting(monkeypatch)
    after = errors(site)
    assert counting.paths == ["content/reports/b.md"]
    assert by_file(before, "content/reports/b/list.txt") and not by_file(after, "content/reports/b/list.txt")


def test_a_severity_change_in_the_config_invalidates_cached_findings(site, monkeypatch):
    before = errors(site)
    config = site / "congressgen.yaml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("typography-doubled: error", "typography-doubled: off"), encoding="utf-8")
    counting = Counting(monkeypatch)
    after = errors(site)
    assert sorted(counting.paths) == ["content/reports/a.md", "content/reports/b.md", "content/reports/c.md"]
    assert any("typography-doubled" in f for f in before) and not any("typography-doubled" in f for f in after)
    assert after == errors(site, cached=False)


def test_the_sites_formulations_dictionary_invalidates_cached_findings(site):
    assert not any("formulation" in f for f in errors(site))
    write(site / "data/formulations.yaml", "formulations:\n  - canonical: 正式文本\n    wrong: [正文]\n")
    after = errors(site)
    assert any("formulation:" in f for f in by_file(after, "content/reports/c.md"))
    assert after == errors(site, cached=False)


def test_a_corrupt_or_foreign_cache_entry_is_survived(site):
    expected = errors(site, cached=False)
    errors(site)
    config, _ = load_config(site)
    entry = site / config.cache_dir / "check-build.pickle"
    assert entry.is_file()
    entry.write_bytes(entry.read_bytes()[:-7] + b"garbage")
    assert errors(site) == expected
    BuildCache(entry.parent).store(entry.name, {"content/reports/a.md": ("key", "not facts")})
    assert errors(site) == expected


def test_an_id_number_counts_once_its_birth_date_has_come(site_dir):
    """The ID rule depends on the day (a birth date in the future is not an ID): a cached
    result holds only until the earliest such date."""
    born_later = "11010120250701123"
    number = born_later + id_check_digit(born_later)
    write(site_dir / "content/reports/a.md", report_text(body=f"一、工作回顾\n\n号码{number}。\n"))
    assert errors(site_dir, now=NOW) == []
    later = NOW + dt.timedelta(days=40)
    found = errors(site_dir, now=later)
    assert any("pii-id-number" in f for f in found)
    assert found == errors(site_dir, cached=False, now=later)
