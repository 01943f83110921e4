"""Start-up of a build (issue 17, one edit): what a build of a site without data tables
imports, and the code-point tests that replaced large compiled character classes."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from congressgen.outline import CJK, is_cjk
from congressgen.redactions import _is_han

from conftest import report_text, write

_PROBE = """
import json, sys
from pathlib import Path
from congressgen.build import BuildOptions, build
build(BuildOptions(Path(sys.argv[1]), jobs=1))
print(json.dumps(sorted(sys.modules)))
"""


def _modules_of_a_build(site: Path) -> set[str]:
    done = subprocess.run([sys.executable, "-c", _PROBE, str(site)], capture_output=True, text=True,
                          encoding="utf-8", check=True)
    return set(json.loads(done.stdout.splitlines()[-1]))


def test_a_site_without_data_files_builds_without_the_table_parsers_or_importlib_resources(site_dir):
    write(site_dir / "content/reports/a.md", report_text(id="a1"))
    modules = _modules_of_a_build(site_dir)
    assert (site_dir / "build/index.html").is_file()
    assert "congressgen.tables.sources" in modules          # the data sources were asked
    assert not {"congressgen.tables.jianyi", "congressgen.tables.nianbao", "importlib.resources"} & modules


def test_a_site_with_an_annual_report_file_loads_it(site_dir):
    """The parser is imported when a file is there: its problems are still reported."""
    write(site_dir / "content/reports/a.md", report_text(id="a1"))
    write(site_dir / "data/nianbao/2024.yaml", "year: [1\n")
    done = subprocess.run([sys.executable, "-m", "congressgen", "build", "--source", str(site_dir)],
                          capture_output=True, text=True, encoding="utf-8")
    assert done.returncode == 1
    assert "data/nianbao/2024.yaml" in done.stderr


def test_is_cjk_and_is_han_agree_with_the_character_classes_they_replace():
    cjk = re.compile(f"[{CJK}]")
    han = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
    codes = [c for c in range(0x10000) if not 0xD800 <= c <= 0xDFFF] + [0x10000, 0x20000, 0x2A6DF, 0x10FFFF]
    assert [c for c in codes if is_cjk(chr(c) + "x") != bool(cjk.match(chr(c) + "x"))] == []
    assert [c for c in codes if _is_han(chr(c)) != bool(han.match(chr(c)))] == []
    assert not is_cjk("") and not _is_han("")
