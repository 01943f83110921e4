"""The command line through the installed console script, as a clerk runs it."""

import datetime as dt
import re

from conftest import report_text, run_cli, write


def test_version_and_help():
    result = run_cli("--version")
    assert result.returncode == 0 and re.search(r"congressgen, version \d+\.\d+", result.stdout)
    result = run_cli("build", "--help")
    assert result.returncode == 0 and "--base-url" in result.stdout and "--drafts" in result.stdout


def test_usage_error_exits_2():
    result = run_cli("build", "--no-such-option")
    assert result.returncode == 2 and "no-such-option" in result.stderr


def test_init_then_build_then_new(tmp_path):
    result = run_cli("init", "s", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    site = tmp_path / "s"
    config = (site / "congressgen.yaml").read_text(encoding="utf-8")
    for key in ("title:", "base_url:", "permalink:", "columns:", "footer:", "site_code:", "icp:", "police_record:", "qr:", "search:"):
        assert key in config, key
    assert (site / ".gitignore").read_text(encoding="utf-8").startswith("build/")
    result = run_cli("build", cwd=site)
    assert result.returncode == 0, result.stderr
    assert "已生成 1 篇报告" in result.stdout
    assert (site / "build/index.html").is_file()
    # init refuses to overwrite an existing site
    again = run_cli("init", "s", cwd=tmp_path)
    assert again.returncode == 1 and "congressgen.yaml" in again.stderr
    # new: today's date and the next free id, printed path
    result = run_cli("new", "2026年工作报告", cwd=site)
    assert result.returncode == 0, result.stderr
    path = site / result.stdout.strip()
    text = path.read_text(encoding="utf-8")
    assert 'title: "2026年工作报告"' in text and 'id: "0002"' in text
    assert f"date: {dt.date.today().year}" in text
    second = run_cli("new", "又一篇", "--column", "news", cwd=site)
    assert 'id: "0003"' in (site / second.stdout.strip()).read_text(encoding="utf-8")
    # the new report is a draft: the site still builds and does not publish it
    result = run_cli("build", cwd=site)
    assert result.returncode == 0 and "已生成 1 篇报告" in result.stdout


def test_content_error_exits_1_with_location_and_keeps_output(site_dir):
    write(site_dir / "content/reports/a.md", report_text("甲"))
    assert run_cli("build", "--source", str(site_dir)).returncode == 0
    index = (site_dir / "build/index.html").read_bytes()
    write(site_dir / "content/reports/b.md", "---\ntitle: 乙\ndate: 2024-02-30\n---\n")
    result = run_cli("build", "--source", str(site_dir))
    assert result.returncode == 1
    assert "content/reports/b.md:3:1: 错误:" in result.stderr and "不是有效日期" in result.stderr
    assert "原有输出未改动" in result.stderr
    assert (site_dir / "build/index.html").read_bytes() == index


def test_build_options_output_base_url_quiet(site_dir, tmp_path):
    write(site_dir / "content/reports/a.md", report_text("甲", id="a"))
    out = tmp_path / "out"
    result = run_cli("build", "--source", str(site_dir), "--output", str(out), "--quiet",
                     "--base-url", "https://www.example.gov.cn/rd/")
    assert result.returncode == 0 and result.stdout == ""
    assert "https://www.example.gov.cn/rd/reports/202404/t20240426_a.html" in (out / "sitemap.xml").read_text(encoding="utf-8")


def test_python_dash_m_works(site_dir):
    import subprocess
    import sys
    result = subprocess.run([sys.executable, "-m", "congressgen", "--version"], capture_output=True, text=True)
    assert result.returncode == 0 and "congressgen" in result.stdout


def test_progress_bar_appears_only_after_a_second(monkeypatch, capsys):
    from congressgen import cli

    clock = iter([0.0, 0.5, 1.5, 1.6])
    monkeypatch.setattr(cli.time, "perf_counter", lambda: next(clock))
    bar = cli.ProgressBar(enabled=True)          # started at 0.0
    bar("生成", 1, 10)                            # 0.5 s: nothing yet
    assert capsys.readouterr().err == ""
    bar("生成", 5, 10)                            # 1.5 s: shown
    assert "生成 [###############...............] 5/10" in capsys.readouterr().err
    assert not cli.ProgressBar(enabled=False).shown
