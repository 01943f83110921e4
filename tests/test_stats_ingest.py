"""Ingestion into the store and what a build shows from it (in-process, small logs)."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import sqlite3
import zlib
from pathlib import Path

import pytest

from conftest import run_cli, write
from congressgen.build import BuildOptions, build
from congressgen.config import load_config
from congressgen.errors import CongressError
from congressgen.stats.ingest import REASONS, SHOWN_PROBLEMS, FileResult, ingest
from congressgen.stats.store import DB_NAME, StatsStore, db_path, read_daily, read_traffic
from congressgen.stats.urlmap import load_url_map
from stats_helpers import ALPHA, ALPHA_PDF, BETA, PDF_SIZE, line, make_site


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    """The site and its URL map, compiled once; each test gets its own store."""
    root = make_site(tmp_path_factory.mktemp("stats-ingest") / "site")
    config = load_config(root)[0]
    return config, load_url_map(config)


@pytest.fixture
def site(shared, tmp_path):
    """(config, ingest(*logs, format=...) -> results) with a store of this test's own."""
    config, urlmap = shared
    from dataclasses import replace

    config = replace(config, data_dir=str(tmp_path / "data"))     # absolute: root / abs == abs

    def run(*logs: Path, log_format: str = "combined") -> list[FileResult]:
        return ingest(config, list(logs), log_format, urlmap=urlmap)

    return config, run


def totals(config) -> dict:
    """{(id, 'views'|'downloads'): n} over all days."""
    out: dict = {}
    for _day, report, views, downloads in read_daily(db_path(config)):
        for kind, n in (("views", views), ("downloads", downloads)):
            if n:
                out[(report, kind)] = out.get((report, kind), 0) + n
    return out


def skipped(result: FileResult) -> dict:
    return {k: v for k, v in result.skipped.items() if v}


def test_counts_and_every_skip_reason(site, tmp_path):
    config, run = site
    log = write(tmp_path / "access.log", "".join([
        line(ALPHA),
        line(ALPHA + "?from=singlemessage"),
        line(BETA),
        line(ALPHA_PDF, size=PDF_SIZE),
        line(ALPHA_PDF, status=206, size=PDF_SIZE),              # the first range, carrying the whole file
        line(ALPHA_PDF, status=206, size=1000),                   # a later range
        line(ALPHA, status=206, size=10),                          # ranges of a page never count
        line(ALPHA, method="HEAD"),
        line(ALPHA, method="POST", status=405),
        line("/rd/nope.html", status=404),
        line(ALPHA, status=500),
        line(ALPHA, status=304, size=0),
        line(ALPHA, status=301),
        line("/rd/reports/"),
        line("/rd/static/css/site.css"),
        line("/elsewhere/page.html"),
        line(ALPHA, ua="Mozilla/5.0 (compatible; Baiduspider/2.0)"),
        line(ALPHA, ua="-"),
        "this is not a log line\n",
    ]))
    [result] = run(log)
    assert (result.lines, result.views, result.downloads) == (19, 3, 2)
    assert skipped(result) == {"malformed": 1, "method": 2, "error": 2, "status": 2, "partial": 2,
                               "page": 1, "asset": 1, "unknown": 1, "bot": 2}
    assert totals(config) == {("alpha", "views"): 2, ("beta", "views"): 1, ("alpha", "downloads"): 2}
    assert read_daily(db_path(config))[0][0] == "2024-04-26"


def test_same_log_again_overlapping_log_and_any_order_count_once(site, tmp_path):
    config, run = site
    lines = [line(ALPHA, when=f"26/Apr/2024:10:00:{s:02d} +0800") for s in range(10)]
    first = write(tmp_path / "first.log", "".join(lines[:6]))
    overlapping = write(tmp_path / "second.log", "".join(lines[4:]))
    [a] = run(overlapping)
    [b, c, d] = run(first, overlapping, first)
    assert (a.views, b.views, c.views, d.views) == (6, 4, 0, 0)
    assert (b.skipped["duplicate"], c.skipped["duplicate"], d.skipped["duplicate"]) == (2, 6, 6)
    assert totals(config) == {("alpha", "views"): 10}


def test_identical_lines_of_one_second_are_two_readers(site, tmp_path):
    config, run = site
    same = line(ALPHA)        # two readers behind one NAT, same second, same browser
    log = write(tmp_path / "access.log", same + same + line(BETA) + same)
    [first] = run(log)
    assert first.views == 4
    [again] = run(log)
    assert (again.views, again.skipped["duplicate"]) == (0, 4)
    assert totals(config) == {("alpha", "views"): 3, ("beta", "views"): 1}


def test_crlf_copy_of_a_log_is_the_same_log(site, tmp_path):
    config, run = site
    text = line(ALPHA) + line(BETA)
    run(write(tmp_path / "a.log", text))
    [copy] = run(write(tmp_path / "b.log", text.replace("\n", "\r\n").encode()))
    assert (copy.views, copy.skipped["duplicate"]) == (0, 2)


def test_last_line_still_being_written_counts_next_time(site, tmp_path):
    config, run = site
    log = write(tmp_path / "access.log", line(ALPHA) + line(BETA).rstrip("\n"))
    [first] = run(log)
    assert (first.views, first.skipped["incomplete"]) == (1, 1)
    with open(log, "a", encoding="utf-8") as f:
        f.write("\n")
    [second] = run(log)
    assert (second.views, second.skipped["duplicate"]) == (1, 1)
    assert totals(config) == {("alpha", "views"): 1, ("beta", "views"): 1}


def test_malformed_lines_are_counted_and_the_first_reported_with_file_and_line(site, tmp_path):
    config, run = site
    no_such_day = line(ALPHA, when="31/Feb/2024:10:00:00 +0800")
    bad = [no_such_day] + ['garbage \x1b[2J\n', "\n", '1.2.3.4 - - [xx] "GET\n'] * 2 + [no_such_day] * 2
    log = write(tmp_path / "access.log", line(ALPHA) + "".join(bad) + line(BETA))
    [result] = run(log)
    assert (result.views, result.skipped["malformed"]) == (2, 9)
    assert [d.location.line for d in result.problems] == [2, 3, 4, 5, 6][:SHOWN_PROBLEMS]
    assert all(d.location.path == str(log) and d.severity == "warning" for d in result.problems)
    assert "时间无法识别" in result.problems[0].message
    assert "\x1b" not in str(result.problems[1]) and "\\x1b" in str(result.problems[1])   # no terminal escapes


def test_wrong_format_is_pointed_out(site, tmp_path):
    config, run = site
    [result] = run(write(tmp_path / "access.log", line(ALPHA) * 3), log_format="json")
    assert result.skipped["malformed"] == 3
    assert "--format" in result.problems[-1].message


def _gz_log(path: Path, count: int) -> list[str]:
    lines = [line(ALPHA if i % 2 else BETA, when=f"26/Apr/2024:10:{i // 60 % 60:02d}:{i % 60:02d} +0800",
                  ip=f"10.0.{i // 250}.{i % 250}") for i in range(count)]
    path.write_bytes(gzip.compress("".join(lines).encode(), mtime=0))
    return lines


def test_truncated_gz_keeps_what_was_read_and_is_reported(site, tmp_path):
    config, run = site
    whole = tmp_path / "access.log.2.gz"
    _gz_log(whole, 3000)
    damaged = tmp_path / "access.log.1.gz"
    damaged.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    readable = zlib.decompressobj(wbits=31).decompress(damaged.read_bytes())
    complete = readable.count(b"\n")
    assert 0 < complete < 3000
    [result] = run(damaged)
    assert result.views == complete
    [problem] = result.problems
    assert problem.location.path == str(damaged) and "已损坏或不完整" in problem.message
    assert sum(totals(config).values()) == complete
    [rest] = run(whole)                         # the intact copy brings the rest, nothing twice
    assert (rest.views, rest.skipped["duplicate"]) == (3000 - complete, complete)


def test_corrupt_gz_and_unreadable_files_never_abort_the_others(site, tmp_path):
    config, run = site
    corrupt = tmp_path / "corrupt.gz"
    _gz_log(corrupt, 400)
    data = bytearray(corrupt.read_bytes())
    data[len(data) // 2: len(data) // 2 + 40] = b"\xff" * 40
    corrupt.write_bytes(bytes(data))
    good = write(tmp_path / "good.log", line(ALPHA, when="27/Apr/2024:09:00:00 +0800"))
    results = run(corrupt, tmp_path / "missing.log", good)
    assert results[0].problems and not results[0].failed
    assert results[1].failed and "文件不存在" in results[1].problems[0].message
    assert results[2].views == 1


def test_206_is_counted_for_the_first_range_only_json(site, tmp_path):
    config, run = site

    def record(status, rng, size, path=ALPHA_PDF):
        return json.dumps({"time_local": "26/Apr/2024:10:00:00 +0800", "request": f"GET {path} HTTP/1.1",
                           "status": status, "body_bytes_sent": size, "http_user_agent": "Mozilla/5.0",
                           "http_range": rng, "remote_addr": "203.0.113.9"}) + "\n"

    log = write(tmp_path / "access.json", record(206, "bytes=0-", PDF_SIZE) + record(206, "bytes=0-1023", 1024)
                + record(206, "bytes=1024-", PDF_SIZE - 1024) + record(200, "", PDF_SIZE) + record(200, "", 10, ALPHA))
    [result] = run(log, log_format="json")
    assert (result.views, result.downloads, result.skipped["partial"]) == (1, 3, 1)


def test_hostile_paths_and_agents_store_nothing_but_ids_and_numbers(site, tmp_path):
    config, run = site
    xss = "<script>alert(1)</script>"
    log = write(tmp_path / "access.log", "".join([
        line(ALPHA + "?q=" + xss),
        line(ALPHA, ua="Mozilla/5.0 <img src=x onerror=alert(2)> \\x22quoted\\x22"),
        line("/rd/" + xss + ".html"),
        line(ALPHA, referer=xss),
    ]))
    [result] = run(log)
    assert (result.views, result.skipped["unknown"]) == (3, 1)
    dump = "\n".join(sqlite3.connect(db_path(config)).iterdump())
    assert "<" not in dump and "alert" not in dump and "onerror" not in dump


def test_site_bot_list_and_its_errors(tmp_path):
    root = make_site(tmp_path / "site", extra_config="stats:\n  bots: [KaipuyunInspector]\n")
    log = write(tmp_path / "access.log", line(ALPHA, ua="Mozilla/5.0 (compatible; KaipuyunInspector/1.0)") + line(ALPHA))
    [result] = ingest(load_config(root)[0], [log])
    assert (result.views, result.skipped["bot"]) == (1, 1)
    for bad in ("stats:\n  bots: KaipuyunInspector\n", "stats:\n  bot: [x]\n"):
        write(root / "congressgen.yaml", (root / "congressgen.yaml").read_text(encoding="utf-8").split("stats:")[0] + bad)
        with pytest.raises(CongressError, match="stats.bot") as error:
            ingest(load_config(root)[0], [log])
        assert error.value.location.path.endswith("congressgen.yaml")


def test_store_refuses_ids_a_page_could_render_unescaped(tmp_path):
    store = StatsStore(tmp_path / DB_NAME)
    with pytest.raises(sqlite3.IntegrityError):
        store.report_numbers(["<script>"])
    store.close()


def test_store_from_a_newer_version_is_refused(tmp_path):
    path = tmp_path / DB_NAME
    sqlite3.connect(path).execute("PRAGMA user_version = 99").connection.close()
    with pytest.raises(CongressError, match="版本"):
        StatsStore(path)


def test_build_reads_a_snapshot_while_an_ingestion_writes(site, tmp_path):
    config, run = site
    run(write(tmp_path / "a.log", line(ALPHA)))
    path = db_path(config)
    assert sqlite3.connect(path).execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    reader = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True, isolation_level=None)
    reader.execute("BEGIN")
    count = "SELECT sum(n) FROM counts"
    assert reader.execute(count).fetchone()[0] == 1
    [result] = run(write(tmp_path / "b.log", line(BETA)))       # the writer is not blocked by the reader
    assert result.views == 1
    assert reader.execute(count).fetchone()[0] == 1               # the reader keeps its snapshot
    reader.execute("COMMIT")
    assert reader.execute(count).fetchone()[0] == 2
    reader.close()


# --- what a build reads ----------------------------------------------------------------

def _store_with(path: Path, rows: list[tuple[str, int, int, int]]) -> None:
    """rows of (id, YYYYMMDD, kind, n) through the store's own API."""
    store = StatsStore(path)
    numbers = store.report_numbers(sorted({r[0] for r in rows}))
    store.begin()
    batch, fp = [], 0
    for report, day, kind, n in rows:
        for _ in range(n):
            fp += 1
            batch.append((fp, day, numbers[report], kind))
    store.add(batch)
    store.commit()
    store.close()


def test_traffic_as_of_now_with_30_day_and_per_year_windows(tmp_path):
    path = tmp_path / DB_NAME
    _store_with(path, [("alpha", 20231231, 0, 5), ("alpha", 20240301, 0, 2), ("alpha", 20240302, 0, 3),
                       ("beta", 20240331, 0, 7), ("alpha", 20240331, 1, 4), ("beta", 20240401, 0, 100)])
    traffic = read_traffic(path, dt.date(2024, 3, 31))
    assert traffic.as_of == "2024-03-31"                     # the newest day counted, not the build's date
    assert traffic.views == {"alpha": 10, "beta": 7}          # 2024-04-01 is after --now: not yet
    assert traffic.downloads == {"alpha": 4}
    assert traffic.recent_views == {"alpha": 3, "beta": 7}   # 2024-03-02 … 2024-03-31
    assert traffic.views_by_year == {2023: {"alpha": 5}, 2024: {"alpha": 5, "beta": 7}}
    assert read_traffic(path, dt.date(2023, 1, 1)).measured is False
    assert read_traffic(tmp_path / "none.sqlite3", dt.date(2024, 1, 1)).measured is False


def test_build_without_store_shows_no_counts(tmp_path):
    root = make_site(tmp_path / "site")
    result = build(BuildOptions(root, tmp_path / "out"))
    assert not result.site.traffic.measured
    article = (tmp_path / "out/reports/202404/t20240426_alpha.html").read_text(encoding="utf-8")
    assert "阅读：" not in article and "下载量" not in article
    assert "暂无阅读统计数据" in (tmp_path / "out/ranking.html").read_text(encoding="utf-8")


def test_build_shows_counts_and_breaks_ranking_ties_by_date_then_id(tmp_path):
    root = make_site(tmp_path / "site")
    write(root / "content/news/2023-delta.md", "---\ntitle: 丁动态\ndate: 2023-03-10\nid: delta\n---\n\n正文。\n")
    _store_with(root / "data" / DB_NAME, [("alpha", 20240427, 0, 2), ("beta", 20240427, 0, 2),
                                         ("delta", 20240427, 0, 2), ("alpha", 20240427, 1, 1)])
    build(BuildOptions(root, tmp_path / "out", now=dt.date(2024, 4, 28)))
    article = (tmp_path / "out/reports/202404/t20240426_alpha.html").read_text(encoding="utf-8")
    assert '阅读：<span class="views">2</span>' in article and '下载量：<span class="downloads">1</span>' in article
    ranking = (tmp_path / "out/ranking.html").read_text(encoding="utf-8")
    table = ranking.split("<caption>总阅读排行</caption>")[1].split("</table>")[0]
    order = [t for t in ("甲报告", "乙动态", "丁动态") if t in table]
    assert sorted(order, key=table.index) == ["甲报告", "乙动态", "丁动态"]   # newest first; beta < delta by id
    assert "截至 2024-04-27" in ranking
    listing = (tmp_path / "out/reports/index.html").read_text(encoding="utf-8")
    assert '<span class="count">阅读 2</span>' in listing


def test_build_now_option_is_checked(tmp_path):
    from click.testing import CliRunner

    from congressgen.cli import cli

    root = make_site(tmp_path / "site")
    result = CliRunner().invoke(cli, ["build", "--source", str(root), "--now", "2024-13-01"])
    assert result.exit_code == 2 and "YYYY-MM-DD" in result.stderr


def cli_run(*args: str) -> str:
    """The click command in-process (the console script itself is run in the ingest test)."""
    from click.testing import CliRunner

    from congressgen.cli import cli

    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


def test_show_and_export_commands(tmp_path):
    root = make_site(tmp_path / "site")
    _store_with(root / "data" / DB_NAME, [("alpha", 20240427, 0, 3), ("beta", 20240428, 0, 1),
                                         ("alpha", 20240428, 1, 2)])
    csv_text = cli_run("stats", "export", "--source", str(root))
    assert csv_text == ("date,id,views,downloads\n2024-04-27,alpha,3,0\n"
                        "2024-04-28,alpha,0,2\n2024-04-28,beta,1,0\n")
    out = tmp_path / "all.json"
    cli_run("stats", "export", "--format", "json", "-o", str(out), "--source", str(root))
    assert json.loads(out.read_text(encoding="utf-8"))[0] == {"date": "2024-04-27", "id": "alpha", "views": 3,
                                                             "downloads": 0}
    shown = cli_run("stats", "show", "--source", str(root))
    assert "共阅读 4 次，下载 2 次" in shown
    assert shown.index("甲报告（alpha）") < shown.index("乙动态（beta）")
    since = cli_run("stats", "show", "--since", "2024-04-28", "--top", "1", "--source", str(root))
    assert "共阅读 1 次" in since and "甲报告" not in since


def test_ingest_command_reports_per_reason_and_fails_on_missing_file(tmp_path):
    root = make_site(tmp_path / "site")
    log = write(tmp_path / "access.log", line(ALPHA) + line(ALPHA, method="HEAD"))
    result = run_cli("stats", "ingest", str(log), str(tmp_path / "missing.log"), "--source", str(root))
    assert result.returncode == 1
    assert "新计入阅读 1 次、下载 0 次" in result.stdout and f"{REASONS['method']} 1" in result.stdout
    assert "missing.log: 错误: 无法打开日志文件：文件不存在" in result.stderr
    assert (root / "data" / DB_NAME).is_file()


def test_ingest_base_url_option_for_a_site_published_elsewhere(tmp_path):
    root = make_site(tmp_path / "site")                 # configured under /rd/, served here at the root
    log = write(tmp_path / "access.log", line(ALPHA.removeprefix("/rd")) + line(ALPHA))
    out = cli_run("stats", "ingest", str(log), "--base-url", "http://127.0.0.1:8080/", "--source", str(root))
    assert "新计入阅读 1 次" in out and f"{REASONS['unknown']} 1" in out
    assert totals(load_config(root)[0]) == {("alpha", "views"): 1}
