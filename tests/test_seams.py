"""The worked example of docs/architecture.md: a site adds a page kind fed by a YAML data file
(a 代表建议办理 list) and an extra output file (the same list as CSV).

Registration: the test extends the three declared tuples with `monkeypatch.setattr` —
`congressgen.model.datasources.DATA_SOURCES`, `congressgen.model.pagekinds.PAGE_KINDS` and
`congressgen.outputs.OUTPUTS` — which is what a built-in one does by adding one line to the
tuple; the template lives in the site's own theme folder (themes/default/templates/)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from congressgen.build import BuildOptions, build
from congressgen.check import run_check
from congressgen.config import load_config
from congressgen.model import datasources, pagekinds
from congressgen.model.types import Page, Site
from congressgen import outputs

from conftest import report_text, write


# --- the three pieces a site (or a built-in feature) writes ----------------------------------

def proposal_inputs(root: Path, config) -> list[Path]:
    return [root / config.data_dir / "proposals.yaml"]


def load_proposals(root: Path, config) -> list[dict]:
    return yaml.safe_load((root / config.data_dir / "proposals.yaml").read_text(encoding="utf-8"))["items"]


def proposal_pages(site: Site) -> list[Page]:
    return [Page("proposals.html", "proposals.html", "代表建议办理情况", "proposals")]


def proposal_csv(site: Site, cache=None):
    rows = ["编号,标题,状态"] + [f"{p['num']},{p['title']},{p['status']}" for p in site.data.proposals]
    yield "proposals.csv", ("\n".join(rows) + "\n").encode("utf-8")


TEMPLATE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{{ page.title }}</title></head>
<body><ul>{% for p in site.data.proposals %}<li>{{ p.num }} {{ p.title }}：{{ p.status }}</li>{% endfor %}</ul></body></html>
"""


@pytest.fixture
def registered(monkeypatch):
    monkeypatch.setattr(datasources, "DATA_SOURCES", datasources.DATA_SOURCES + (
        datasources.DataSource("proposals", proposal_inputs, load_proposals),))
    monkeypatch.setattr(pagekinds, "PAGE_KINDS", pagekinds.PAGE_KINDS + (proposal_pages,))
    monkeypatch.setattr(outputs, "OUTPUTS", outputs.OUTPUTS + (
        outputs.Output("proposals-csv", lambda site: ["proposals.csv"], proposal_csv),))


@pytest.fixture
def site(site_dir: Path) -> Path:
    write(site_dir / "data" / "proposals.yaml",
          "items:\n  - {num: 1, title: 修缮村道, status: 已办结}\n  - {num: 2, title: 增设路灯, status: 办理中}\n")
    write(site_dir / "themes" / "default" / "templates" / "proposals.html", TEMPLATE)
    for n in (1, 2):
        write(site_dir / "content" / "reports" / f"r{n}.md",
              report_text(f"第{n}号报告", f"2024-03-0{n}", f"一、工作回顾\n\n正文{n}，见[办理清单](/proposals.csv)。\n", id=f"r{n}"))
    return site_dir


def test_a_page_kind_from_a_data_file_and_an_extra_output_are_built(site, tmp_path, registered):
    out = tmp_path / "out"
    result = build(BuildOptions(site, out, jobs=1))
    page = (out / "proposals.html").read_text(encoding="utf-8")
    assert "<li>1 修缮村道：已办结</li><li>2 增设路灯：办理中</li>" in page
    assert (out / "proposals.csv").read_text(encoding="utf-8") == "编号,标题,状态\n1,修缮村道,已办结\n2,增设路灯,办理中\n"
    assert result.site.data.proposals[1]["title"] == "增设路灯"
    assert [p.path for p in result.site.pages][-1] == "proposals.html"    # after the built-in kinds


def test_check_knows_the_extra_output_path(site, registered, monkeypatch):
    outcome = run_check(load_config(site)[0])
    assert [f for f in outcome.findings if f.rule == "link-broken"] == []
    monkeypatch.setattr(outputs, "OUTPUTS", outputs.OUTPUTS[:1])          # the CSV output gone
    broken = [f for f in run_check(load_config(site)[0]).findings if f.rule == "link-broken"]
    assert [f.path for f in broken] == ["content/reports/r1.md", "content/reports/r2.md"]


def test_a_changed_data_file_re_renders_only_the_pages_that_read_it(site, tmp_path, registered):
    out = tmp_path / "out"
    build(BuildOptions(site, out, jobs=1))
    write(site / "data" / "proposals.yaml", "items:\n  - {num: 1, title: 修缮村道, status: 已办结}\n")
    again = build(BuildOptions(site, out, jobs=1))
    assert again.stats.rendered_paths == ["proposals.html"]
    assert "增设路灯" not in (out / "proposals.html").read_text(encoding="utf-8")
    assert (out / "proposals.csv").read_text(encoding="utf-8") == "编号,标题,状态\n1,修缮村道,已办结\n"
