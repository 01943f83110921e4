"""三审三校: sign-offs bound to the text as approved."""

import datetime as dt
import json

import pytest

from congressgen import review
from congressgen.build import BuildOptions, build
from congressgen.content import TZ, read_source
from congressgen.errors import BuildFailed, CongressError
from conftest import MINIMAL_CONFIG, report_text, run_cli, write

POLICY = review.ReviewPolicy(required=True)
NOW = dt.datetime(2025, 1, 10, 9, 0, tzinfo=TZ)


@pytest.fixture
def reviewed_site(site_dir):
    write(site_dir / "congressgen.yaml", MINIMAL_CONFIG + "review: {required: true, show_on_page: true}\n")
    path = write(site_dir / "content/reports/a.md",
                 report_text("2025年工作报告", "2025-01-10", id="a", body="一、工作回顾\n\n全年完成各项任务。\n"))
    return site_dir, path


def sign_all(path, names=("张三", "李四", "王五")):
    for stage, name in zip(review.DEFAULT_STAGES, names):
        review.record(path, "content/reports/a.md", stage, name, POLICY, now=NOW)


def test_signed_in_order_passes_and_builds(reviewed_site):
    site_dir, path = reviewed_site
    sign_all(path)
    result = build(BuildOptions(site_dir))
    html = (site_dir / "build" / result.site.reports[0].path).read_text(encoding="utf-8")
    assert "初审：张三" in html and "终审：王五" in html   # show_on_page
    status = run_cli("review", "--status", "--source", str(site_dir))
    assert "终审：王五 2025-01-10 09:00（一致）" in status.stdout


def test_out_of_order_and_duplicate_sign_offs_are_refused(reviewed_site):
    _, path = reviewed_site
    with pytest.raises(CongressError, match="不能跳过初审"):
        review.record(path, "a.md", "复审", "李四", POLICY, now=NOW)
    review.record(path, "a.md", "初审", "张三", POLICY, now=NOW)
    with pytest.raises(CongressError, match="已由 张三"):
        review.record(path, "a.md", "初审", "赵六", POLICY, now=NOW)
    review.record(path, "a.md", "初审", "赵六", POLICY, now=NOW, force=True)
    states = review.state_of(read_source(path.read_bytes(), "a.md")[0])
    assert [(s.stage, s.by) for s in states.signed] == [("初审", "赵六")]
    with pytest.raises(CongressError, match="未知的审核环节"):
        review.record(path, "a.md", "四审", "某", POLICY, now=NOW)


@pytest.mark.parametrize("old, new", [("全年完成各项任务。", "全年完成各项任务！"), ("2025年工作报告", "2025年工作报吿")])
def test_a_changed_character_after_final_review_fails_naming_stage_and_signer(reviewed_site, old, new):
    site_dir, path = reviewed_site
    sign_all(path)
    path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    with pytest.raises(BuildFailed) as err:
        build(BuildOptions(site_dir))
    message = str(err.value)
    assert "content/reports/a.md" in message and "终审" in message and "王五" in message and "2025-01-10 09:00" in message


def test_whitespace_at_line_ends_and_crlf_do_not_void_approval(reviewed_site):
    site_dir, path = reviewed_site
    sign_all(path)
    text = path.read_text(encoding="utf-8")
    path.write_bytes(text.replace("\n", "  \r\n").encode("utf-8"))
    build(BuildOptions(site_dir))


def test_recording_changes_only_the_review_block(reviewed_site):
    _, path = reviewed_site
    original = "\ufeff---\r\ntitle: 报告\r\ndate: 2025-01-10\r\ntags: [甲,   乙]   # 注释\r\n---\r\n\r\n正文  \r\n"
    path.write_bytes(original.encode("utf-8"))
    review.record(path, "a.md", "初审", "张三", POLICY, now=NOW)
    after_first = path.read_bytes()
    assert after_first.startswith(b"\xef\xbb\xbf---\r\ntitle: \xe6\x8a\xa5\xe5\x91\x8a\r\n")
    review.record(path, "a.md", "复审", "李四", POLICY, now=NOW, note="同意")
    data = path.read_bytes().decode("utf-8-sig")
    # remove the review block: what is left is the original, byte for byte
    lines = data.split("\r\n")
    start = lines.index("review:")
    end = next(i for i in range(start + 1, len(lines)) if not lines[i].startswith(" "))
    assert "\r\n".join(lines[:start] + lines[end:]) == original.lstrip("\ufeff")
    assert '    note: "同意"' in lines


def test_a_draft_needs_no_review(reviewed_site):
    site_dir, path = reviewed_site
    path.write_text(report_text("草稿", "2025-01-10", draft="true"), encoding="utf-8")
    build(BuildOptions(site_dir))


def test_build_refuses_unapproved_and_the_override_is_logged(reviewed_site):
    site_dir, _ = reviewed_site
    result = run_cli("build", "--source", str(site_dir))
    assert result.returncode == 1 and "尚未完成初审" in result.stderr and not (site_dir / "build").exists()
    result = run_cli("build", "--source", str(site_dir), "--allow-unreviewed")
    assert result.returncode == 0 and "--allow-unreviewed" in result.stderr
    entry = json.loads((site_dir / "logs/build-log.jsonl").read_text(encoding="utf-8").splitlines()[-1])
    assert entry["flag"] == "--allow-unreviewed" and "初审" in entry["problems"][0]


def test_review_off_by_default(site_dir):
    write(site_dir / "content/reports/a.md", report_text("甲"))
    build(BuildOptions(site_dir))


def test_review_cli_records(reviewed_site):
    site_dir, path = reviewed_site
    result = run_cli("review", str(path), "--stage", "初审", "--by", "张三", "--source", str(site_dir))
    assert result.returncode == 0 and "已记录" in result.stdout
    result = run_cli("review", str(path), "--stage", "终审", "--by", "王五", "--source", str(site_dir))
    assert result.returncode == 1 and "不能跳过复审" in result.stderr
    assert run_cli("review", "--source", str(site_dir)).returncode == 2


def test_publish_refuses_unapproved_and_the_override_is_logged(reviewed_site, tmp_path):
    site_dir, path = reviewed_site
    assert run_cli("build", "--source", str(site_dir), "--allow-unreviewed").returncode == 0
    target = tmp_path / "www"
    target.mkdir()
    common = ("publish", str(target), "--source", str(site_dir), "--allow-check-errors")
    result = run_cli(*common)
    assert result.returncode == 1 and "尚未完成初审" in result.stderr and "--allow-unreviewed" in result.stderr
    assert list(target.iterdir()) == []
    result = run_cli(*common, "--allow-unreviewed")
    assert result.returncode == 0, result.stderr
    assert (target / "current/index.html").is_file()
    entries = (site_dir / "logs/build-log.jsonl").read_text(encoding="utf-8").splitlines()
    assert json.loads(entries[-1])["command"].startswith("publish") and len(entries) == 2
    # once approved, publish goes through without the flag
    sign_all(path)
    assert run_cli("build", "--source", str(site_dir)).returncode == 0
    assert run_cli(*common).returncode == 0
