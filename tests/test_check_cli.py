"""`congressgen check` and the check inside `congressgen build`, run as a clerk runs them:
the installed console script, exit status, text and JSON output, and the demo content."""

from __future__ import annotations

import json

from conftest import REPO, report_text, run_cli, write


def where(text: str, needle: str) -> tuple[int, int]:
    index = text.index(needle)
    return text.count("\n", 0, index) + 1, index - (text.rfind("\n", 0, index) + 1) + 1


def add(root, name: str, body: str, **front):
    text = report_text(body=body, **front)
    write(root / "content/reports" / f"{name}.md", text)
    return text


def test_demo_content_checks_clean_even_when_strict():
    result = run_cli("check", "--strict", "--source", str(REPO))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == ""
    assert "0 处错误，0 处警告" in result.stderr


def test_error_is_printed_as_path_line_col_severity_rule_and_exits_1(site_dir):
    add(site_dir, "b", "一、工作回顾\n\n正文。\n", id="b")
    text = add(site_dir, "a", "一、工作回顾\n\n请联系王*，电话13812345678。\n")
    result = run_cli("check", cwd=site_dir)
    line, col = where(text, "13812345678")
    assert result.returncode == 1
    [shown] = [x for x in result.stdout.splitlines() if x.startswith("content/")]
    assert shown.startswith(f"content/reports/a.md:{line}:{col}: error pii-mobile: ")
    assert "138****5678" in shown and "13812345678" not in result.stdout
    assert "1 处错误" in result.stderr


def test_warnings_pass_unless_strict(site_dir):
    add(site_dir, "a", "一、工作回顾\n\n全年完成投资,超过预期。\n")
    relaxed = run_cli("check", cwd=site_dir)
    strict = run_cli("check", "--strict", cwd=site_dir)
    assert relaxed.returncode == 0 and "warning typography-halfwidth" in relaxed.stdout
    assert strict.returncode == 1 and strict.stdout == relaxed.stdout


def test_json_output_is_a_list_of_findings(site_dir):
    text = add(site_dir, "a", "一、工作回顾\n\n坚持人民当家做主,发展全过程人民民主。\n")
    result = run_cli("check", "--format", "json", "--source", str(site_dir))
    findings = json.loads(result.stdout)
    assert result.returncode == 1
    assert all(set(f) == {"path", "line", "col", "severity", "rule", "message"} for f in findings)
    by_rule = {f["rule"]: f for f in findings}
    line, col = where(text, "当家做主")
    assert by_rule["formulation"] | {"message": ""} == {"path": "content/reports/a.md", "line": line, "col": col,
                                                         "severity": "error", "rule": "formulation", "message": ""}
    assert by_rule["typography-halfwidth"]["severity"] == "warning"


def test_paths_limit_the_report_to_those_files(site_dir):
    add(site_dir, "a", "一、工作回顾\n\n电话13812345678。\n")
    add(site_dir, "b", "一、工作回顾\n\n电话13912345678。\n")
    result = run_cli("check", "content/reports/b.md", cwd=site_dir)
    assert result.returncode == 1
    assert [line.split(":")[0] for line in result.stdout.splitlines()] == ["content/reports/b.md"]


def test_mistake_in_the_check_config_is_reported_where_written(site_dir):
    config = site_dir / "congressgen.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "check:\n  rules:\n    pii-mobil: off\n", encoding="utf-8")
    result = run_cli("check", cwd=site_dir)
    line, col = where(config.read_text(encoding="utf-8"), "pii-mobil")
    assert result.returncode == 1
    assert f"congressgen.yaml:{line}:{col}: 错误: 未知的检查规则 “pii-mobil”，是不是 “pii-mobile”？" in result.stderr


def test_build_refuses_on_an_error_keeps_the_output_and_no_check_lets_it_through(site_dir):
    add(site_dir, "a", "一、工作回顾\n\n正文。\n", id="a")
    first = run_cli("build", "--quiet", cwd=site_dir)
    assert first.returncode == 0, first.stderr
    out = site_dir / "build"
    before = {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()}

    text = add(site_dir, "leak", "一、工作回顾\n\n申请人身份证号110101199003071233。\n", id="leak")
    refused = run_cli("build", cwd=site_dir)
    line, col = where(text, "110101199003071233")
    assert refused.returncode == 1
    assert f"content/reports/leak.md:{line}:{col}: 错误: pii-id-number: " in refused.stderr
    assert "原有输出未改动" in refused.stderr
    after = {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert after == before

    forced = run_cli("build", "--no-check", "--quiet", cwd=site_dir)
    assert forced.returncode == 0, forced.stderr
    assert any(path.name.endswith("_leak.html") for path in out.rglob("*.html"))


def test_build_passes_with_warnings_only(site_dir):
    add(site_dir, "a", "一、工作回顾\n\n全年完成投资,超过预期。\n")
    result = run_cli("build", cwd=site_dir)
    assert result.returncode == 0, result.stderr


def test_impossible_date_fails_build_and_check_at_its_line_not_with_a_traceback(site_dir):
    write(site_dir / "content/reports/a.md", "---\ntitle: 报告\ndate: 2024-02-30\n---\n\n正文。\n")
    built = run_cli("build", cwd=site_dir)
    checked = run_cli("check", cwd=site_dir)
    assert built.returncode == 1 and checked.returncode == 1
    assert "content/reports/a.md:3:1: 错误: “date” 不是有效日期：“2024-02-30”" in built.stderr
    assert "content/reports/a.md:3:1: error frontmatter-date: “date” 不是有效日期：“2024-02-30”" in checked.stdout
    assert "Traceback" not in built.stderr + checked.stderr
