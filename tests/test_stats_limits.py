"""Hostile logs for `stats ingest` (issue 16, item 12 and the log-lines item of "Wrong line
in errors"): a gzip bomb is read in bounded memory, 5,000-deep JSON is a malformed line, and
identical lines out of order (A t0, B t1, A t0) are three requests."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
import textwrap
import zlib
from dataclasses import replace
from pathlib import Path

import pytest

from conftest import write
from congressgen.config import load_config
from congressgen.stats.ingest import ingest
from congressgen.stats.logparse import LINE_LIMIT
from congressgen.stats.urlmap import load_url_map
from stats_helpers import ALPHA, BETA, line, make_site


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    root = make_site(tmp_path_factory.mktemp("stats-limits") / "site")
    config = load_config(root)[0]
    return root, config, load_url_map(config)


@pytest.fixture
def run(shared, tmp_path):
    _root, config, urlmap = shared
    config = replace(config, data_dir=str(tmp_path / "data"))
    return lambda *logs, log_format="combined": ingest(config, list(logs), log_format, urlmap=urlmap)


def test_identical_lines_out_of_order_count_three_not_two(run, tmp_path):
    a = line(ALPHA, when="26/Apr/2024:10:00:00 +0800")
    b = line(BETA, when="26/Apr/2024:10:00:01 +0800")
    log = write(tmp_path / "access.log", a + b + a)       # nginx workers write out of time order
    [result] = run(log)
    assert (result.views, result.skipped["duplicate"]) == (3, 0)
    [again] = run(log)                                     # and it is still never counted twice
    assert (again.views, again.skipped["duplicate"]) == (0, 3)


def test_5000_deep_json_line_is_a_malformed_line(run, tmp_path):
    good = json.dumps({"time_local": "26/Apr/2024:10:00:00 +0800", "request": f"GET {ALPHA} HTTP/1.1",
                       "status": "200", "body_bytes_sent": "5120", "http_user_agent": "Mozilla/5.0"}) + "\n"
    deep = "[" * 5000 + "]" * 5000 + "\n"
    deep_object = '{"a":' * 5000 + "1" + "}" * 5000 + "\n"
    log = write(tmp_path / "access.json", good + deep + deep_object + good.replace("10:00:00", "10:00:01"))
    [result] = run(log, log_format="json")
    assert (result.views, result.skipped["malformed"]) == (2, 2)
    assert [d.location.line for d in result.problems] == [2, 3]


def test_overlong_line_is_malformed_and_the_next_lines_still_count(run, tmp_path):
    long = line(ALPHA).replace("Mozilla", "M" * (3 * LINE_LIMIT))
    log = write(tmp_path / "access.log", line(BETA) + long + line(ALPHA))
    [result] = run(log)
    assert (result.lines, result.views, result.skipped["malformed"]) == (3, 2, 1)
    assert result.problems[0].location.line == 2 and "过长" in result.problems[0].message


def _gzip_bomb(path: Path, inflated: int) -> Path:
    """Concatenated gzip members of zeros (a valid .gz): ~1,000:1, one endless line."""
    piece = 64 * 1024 * 1024
    member = gzip.compress(b"\0" * piece, compresslevel=9, mtime=0)
    path.write_bytes(member * (inflated // piece))
    return path


PEAK_RSS = textwrap.dedent("""\
    import json, resource, subprocess, sys
    done = subprocess.run(sys.argv[1:], capture_output=True, text=True, encoding="utf-8")
    print(json.dumps({"rc": done.returncode, "out": done.stdout, "err": done.stderr,
                      "peak_kib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}))
""")


def test_gzip_bomb_is_read_in_bounded_memory(shared, tmp_path):
    root, _config, _urlmap = shared
    bomb = _gzip_bomb(tmp_path / "access.log.1.gz", 4608 * 1024 * 1024)     # 4.5 GiB of zeros
    assert bomb.stat().st_size < 6 * 1024 * 1024
    site = tmp_path / "site"
    subprocess.run(["cp", "-r", str(root), str(site)], check=True)
    probe = write(tmp_path / "peak.py", PEAK_RSS)
    cli = [sys.executable, "-m", "congressgen", "stats", "ingest", str(bomb), "--source", str(site)]
    done = subprocess.run([sys.executable, str(probe), *cli], capture_output=True, text=True, timeout=600)
    report = json.loads(done.stdout)
    assert report["peak_kib"] < 300 * 1024, report        # 2.1 GB before; generous for Python + imports
    assert "过长" in report["out"] + report["err"] or "不完整" in report["out"] + report["err"], report
    assert report["rc"] in (0, 1)
