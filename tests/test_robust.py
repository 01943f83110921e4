"""Issue 16: bad, hostile and careless input fails cleanly with `path:line:col`, and no
command destroys a clerk's file. Each test reproduces one item as the issue wrote it."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from congressgen import review
from congressgen.build import BuildOptions, build
from congressgen.cache import BuildCache
from congressgen.config import load_config
from congressgen.content import (MAX_BRACKETS_PER_PARAGRAPH, MAX_HEADINGS, MAX_NESTING, MAX_REPORT_BYTES,
                                 parse_source, read_source)
from congressgen.errors import BuildFailed, ConfigError, CongressError, ContentError
from congressgen.output import MARKER
from congressgen.scaffold import new_report
from conftest import MINIMAL_CONFIG, report_text, run_cli, write


def config_with(site_dir: Path, extra: str):
    write(site_dir / "congressgen.yaml", MINIMAL_CONFIG + extra)
    return load_config(site_dir)


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.split("\n"), 1) if needle in line)


def front(site_dir: Path, raw: bytes | str, name: str = "content/reports/a.md"):
    config = load_config(site_dir)[0]
    raw = raw.encode("utf-8") if isinstance(raw, str) else raw
    text, _ = read_source(raw, name)
    return parse_source(text, config)


def build_errors(site_dir: Path, **options) -> str:
    with pytest.raises((BuildFailed, CongressError)) as error:
        build(BuildOptions(site_dir, jobs=1, **options))
    exc = error.value
    return "\n".join(str(d) for d in exc.diagnostics)


# ---------------------------------------------------------------------------------------
# Config with positions (issue 14) and config URLs (issue 16 item 13)


def test_config_gives_the_line_of_any_nested_key(site_dir):
    config, _ = config_with(site_dir, "publish:\n  production:\n    path: /srv/www\n    keep: 3\n")
    text = (site_dir / "congressgen.yaml").read_text(encoding="utf-8")
    assert config.position("footer", "phone") == (line_of(text, "phone:"), 3)
    assert config.position("publish", "production", "keep") == (line_of(text, "keep:"), 5)
    # an unwritten key: its nearest written parent; nothing written: 1:1
    assert config.position("publish", "production", "ssh_options") == (line_of(text, "production:"), 3)
    assert config.position("stats") == (1, 1)
    assert str(config.location("columns", "news")).endswith(f"congressgen.yaml:{line_of(text, 'news:')}:3")


@pytest.mark.parametrize("section, key", [
    ("publish:\n  production:\n    path: /srv/www\n    kepe: 3\n", "kepe"),
    ("check:\n  rulez: {}\n", "rulez"),
    ("review:\n  requried: true\n", "requried"),
    ("stats:\n  bot: [x]\n", "bot"),
    ("qr:\n  wechat:\n    url: https://a.example/\n    titel: 公众号\n", "titel"),
    ("", "typ"),         # columns: written in MINIMAL_CONFIG
])
def test_a_typo_in_any_section_is_reported_by_build_with_its_line(site_dir, section, key):
    write(site_dir / "content/reports/a.md", report_text())
    text = (MINIMAL_CONFIG + section) if section else \
        MINIMAL_CONFIG.replace("news: {title: 人大动态}", "news: {title: 人大动态, typ: 动态}")
    write(site_dir / "congressgen.yaml", text)
    line = line_of(text, key + ":")
    result = run_cli("build", "--source", str(site_dir))
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"congressgen.yaml:{line}:" in result.stderr and key in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("bad_value, key", [
    ("pagination: 0\n", "pagination"),
    ("search: 是\n", "search"),
    ("review:\n  required: 是\n", "required"),
    ("check:\n  external_links: 1\n", "external_links"),
    ("footer2: x\nfooter:\n  phone: [1, 2]\n", "phone"),
])
def test_a_bad_value_in_any_section_names_its_line(site_dir, bad_value, key):
    with pytest.raises(ConfigError) as error:
        config_with(site_dir, bad_value)
    text = MINIMAL_CONFIG + bad_value
    # MINIMAL_CONFIG has its own footer: the last one written is the duplicate key
    if key == "phone":
        assert "重复的键" in error.value.message
    else:
        assert error.value.location.line == line_of(text, key + ":")


def test_footer_phone_error_points_at_the_phone_line(site_dir):
    text = MINIMAL_CONFIG.replace("  phone: 0000-0000000\n", "  # 联系电话写在下面\n  # phone 可写多个\n\n  phone: {a: 1}\n")
    write(site_dir / "congressgen.yaml", text)
    with pytest.raises(ConfigError) as error:
        load_config(site_dir)
    assert (error.value.location.line, error.value.location.col) == (line_of(text, "phone: {"), 3)


@pytest.mark.parametrize("where, value", [
    ("report_error_url", "javascript:alert(1)"),
    ("report_error_url", "JaVa\\tScript:alert(1)"),
    ("footer.icp_url", "data:text/html,<script>alert(1)</script>"),
    ("footer.police_record_url", "vbscript:msgbox"),
    ("qr.wechat.url", "javascript:alert(1)"),
])
def test_config_urls_refuse_active_content(site_dir, where, value):
    if where.startswith("footer."):
        text = MINIMAL_CONFIG.replace("footer:\n", f'footer:\n  {where[7:]}: "{value}"\n')
    elif where.startswith("qr."):
        text = MINIMAL_CONFIG + f'qr:\n  wechat:\n    title: 公众号\n    url: "{value}"\n'
    else:
        text = MINIMAL_CONFIG + f'{where}: "{value}"\n'
    write(site_dir / "congressgen.yaml", text)
    with pytest.raises(ConfigError) as error:
        load_config(site_dir)
    assert error.value.location.line == line_of(text, value)
    assert where in error.value.message and "javascript:" in error.value.message


def test_config_urls_accept_links(site_dir):
    config, _ = config_with(site_dir, 'report_error_url: "https://zfwzzc.www.gov.cn/check_web/errorInfo"\n'
                                      'qr:\n  mail: {url: "mailto:rd@example.gov.cn"}\n  page: {url: /about.html}\n')
    assert config.report_error_url.startswith("https://") and [q.url for q in config.qr][1] == "/about.html"


# ---------------------------------------------------------------------------------------
# Item 9: one file stops every build


@pytest.mark.parametrize("pattern, shown", [
    ("/{column}/{id.foo}.html", "{id.foo}"),
    ("/{column}/{id.upper}.html", "{id.upper}"),
    ("/{column}/{idd}/{id}.html", "{idd}"),
    ("/{column}/{id!r}.html", "{id!r}"),
    ("/{column}/{id:>9}.html", "{id:>9}"),
    ("/{column}/{id.html", "花括号不成对"),
    ("/{column}/{id}}.html", "花括号不成对"),
    ("/{column}/{0}{id}.html", "{0}"),
])
def test_bad_permalink_tokens_are_reported_with_their_line(site_dir, pattern, shown):
    write(site_dir / "content/reports/a.md", report_text())
    text = MINIMAL_CONFIG + f'permalink: "{pattern}"\n'
    write(site_dir / "congressgen.yaml", text)
    result = run_cli("build", "--source", str(site_dir))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert f"congressgen.yaml:{line_of(text, 'permalink')}:1" in result.stderr and shown in result.stderr
    assert not (site_dir / "build").exists()


@pytest.mark.parametrize("yaml_text", [
    "e: !!timestamp\n",
    "date: !!timestamp 去年\n",
    "x: !!bool maybe\n",
    "x: !!int 十\n",
    "x: !!float abc\n",
])
def test_odd_tags_are_errors_with_a_line_not_crashes(site_dir, yaml_text):
    raw = f"---\ntitle: 报告\n{yaml_text}---\n\n正文\n"
    try:
        fm, _ = front(site_dir, raw)
    except ContentError as exc:
        assert exc.location.path == "content/reports/a.md" and exc.location.line >= 2
    else:
        assert "e" in fm.meta or "x" in fm.meta


def test_timestamp_tag_on_date_is_reported_at_the_date_line(site_dir):
    with pytest.raises(ContentError) as error:
        front(site_dir, "---\ntitle: 报告\ndate: !!timestamp 去年\n---\n\n正文\n")
    assert error.value.location.line == 3 and "去年" in error.value.message


def test_mixed_type_keys_are_text_and_the_review_fingerprint_works(site_dir):
    fm, _ = front(site_dir, "---\ntitle: 报告\ndate: 2024-04-26\nx: {~: 1, b: 2, 3: c, true: d}\n---\n\n正文\n")
    assert fm.meta["x"] == {"~": 1, "b": 2, "3": "c", "true": "d"}
    assert review.fingerprint(fm.meta, "正文").startswith("sha256:")


def test_a_yaml_alias_bomb_is_refused_in_well_under_a_second(site_dir):
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 9)]
    raw = "---\ntitle: 报告\ndate: 2024-04-26\n" + "\n".join(lines) + "\n---\n\n正文\n"
    assert len(raw) < 1200
    started = time.perf_counter()
    with pytest.raises(ContentError) as error:
        front(site_dir, raw)
    assert time.perf_counter() - started < 1.0
    assert "100,000" in error.value.message and error.value.location.line > 3


def test_a_recursive_alias_is_refused(site_dir):
    with pytest.raises(ContentError) as error:
        front(site_dir, "---\ntitle: 报告\ndate: 2024-04-26\nx: &a [*a]\n---\n\n正文\n")
    assert error.value.location.line == 4


def test_deeply_nested_yaml_is_refused(site_dir):
    with pytest.raises(ContentError) as error:
        front(site_dir, "---\ntitle: 报告\ndate: 2024-04-26\nx: " + "[" * 10_000 + "]" * 10_000 + "\n---\n\n正文\n")
    assert "嵌套" in error.value.message


@pytest.mark.parametrize("marker", ["- ", "> ", "1. ", "* "])
def test_ten_thousand_nested_list_markers_are_refused_with_the_line(site_dir, marker):
    with pytest.raises(ContentError) as error:
        front(site_dir, report_text(body="正文\n\n" + marker * 10_000 + "x\n"))
    assert error.value.location.line == 8 and f"{MAX_NESTING} 层" in error.value.message


def test_deep_indentation_nesting_is_refused(site_dir):
    body = "\n".join("  " * i + "- x" for i in range(200))
    with pytest.raises(ContentError) as error:
        front(site_dir, report_text(body=body))
    assert "嵌套" in error.value.message


def test_nesting_within_the_limit_is_accepted(site_dir):
    fm, _ = front(site_dir, report_text(body="- " * (MAX_NESTING - 1) + "x\n"))
    assert fm.title == "测试报告"


def test_a_fifo_named_md_is_an_error_not_a_hang(site_dir):
    write(site_dir / "content/reports/a.md", report_text())
    os.mkfifo(site_dir / "content/reports/x.md")
    started = time.perf_counter()
    result = run_cli("build", "--source", str(site_dir))
    assert time.perf_counter() - started < 30
    assert result.returncode == 1 and "content/reports/x.md" in result.stderr and "Traceback" not in result.stderr
    check = run_cli("check", "--source", str(site_dir))
    assert "content/reports/x.md" in check.stdout + check.stderr and "Traceback" not in check.stderr


def test_a_directory_named_md_is_an_error_in_check_and_build(site_dir):
    write(site_dir / "content/reports/a.md", report_text())
    (site_dir / "content/reports/x.md").mkdir()
    check = run_cli("check", "--source", str(site_dir))
    assert "Traceback" not in check.stderr and "content/reports/x.md" in check.stdout + check.stderr
    assert "文件夹" in check.stdout + check.stderr
    assert "content/reports/x.md" in build_errors(site_dir)


@pytest.mark.parametrize("name", [".congressgen-cache", ".build.staging", ".build.old"])
def test_our_folder_names_existing_as_files_are_refused_and_kept(site_dir, name):
    write(site_dir / "content/reports/a.md", report_text())
    write(site_dir / name, "一个同名文件")
    result = run_cli("build", "--source", str(site_dir))
    assert result.returncode == 1 and name in result.stderr and "Traceback" not in result.stderr
    assert (site_dir / name).read_text(encoding="utf-8") == "一个同名文件"


# ---------------------------------------------------------------------------------------
# Item 10: limits


def test_sixty_kilobytes_of_brackets_are_refused_quickly(site_dir):
    started = time.perf_counter()
    with pytest.raises(ContentError) as error:
        front(site_dir, report_text(body="[" * 60_000))
    assert time.perf_counter() - started < 1.0
    assert "“[”" in error.value.message and error.value.location.line == 5


def test_a_paragraph_with_too_many_brackets_names_its_line(site_dir):
    body = "第一段。\n\n第二段。\n\n" + "[" * (MAX_BRACKETS_PER_PARAGRAPH + 1)
    with pytest.raises(ContentError) as error:
        front(site_dir, report_text(body=body))
    assert error.value.location.line == 10


def test_thirty_thousand_headings_are_refused(site_dir):
    body = "\n\n".join(f"一、标题{i}" for i in range(MAX_HEADINGS + 1))
    write(site_dir / "content/reports/a.md", report_text(body=body))
    assert f"超过每篇 {MAX_HEADINGS} 个" in build_errors(site_dir)


def test_an_oversized_report_is_refused(site_dir):
    write(site_dir / "content/reports/a.md", report_text(body="正" * (MAX_REPORT_BYTES // 3 + 10)))
    assert "content/reports/a.md: 错误: 文件有" in build_errors(site_dir)


# ---------------------------------------------------------------------------------------
# Items 5 and 6


def test_a_report_symlinked_from_outside_the_site_is_refused_with_the_path(site_dir, tmp_path):
    outside = write(tmp_path / "elsewhere" / "secret.md", report_text(title="外部文件"))
    write(site_dir / "content/reports/a.md", report_text())
    (site_dir / "content/reports/b.md").symlink_to(outside)
    errors = build_errors(site_dir)
    assert "content/reports/b.md" in errors and str(outside) in errors
    check = run_cli("check", "--source", str(site_dir))
    assert "content/reports/b.md" in check.stdout + check.stderr


def test_utf8_with_one_pasted_gbk_phrase_is_refused_at_the_bad_byte(site_dir):
    raw = report_text(body="一、工作回顾\n\n正文第一段。\n\n这里粘贴了" ).encode("utf-8") + "测试报告".encode("gbk") + "。\n".encode()
    with pytest.raises(ContentError) as error:
        front(site_dir, raw)
    assert (error.value.location.line, error.value.location.col) == (10, 6)
    assert "UTF-8" in error.value.message


def test_a_whole_gbk_file_is_still_read(site_dir):
    fm, warnings = front(site_dir, report_text(title="关于召开会议的通知").encode("gbk"))
    assert fm.title == "关于召开会议的通知"


# ---------------------------------------------------------------------------------------
# Wrong line in errors


def test_attachment_error_in_build_names_the_attachment_line(site_dir):
    text = report_text(attachments="\n  - {file: 有.csv, title: 有}\n  - {file: 没有.csv, title: 没有}")
    write(site_dir / "content/reports/a.md", text)
    write(site_dir / "content/reports/有.csv", "a,b\n")
    errors = build_errors(site_dir)
    assert f"content/reports/a.md:{line_of(text, '没有.csv')}:" in errors and "没有.csv" in errors


def test_a_date_year_out_of_range_blames_the_date_line(site_dir):
    with pytest.raises(ContentError) as error:
        front(site_dir, "---\ntitle: 报告\nsession: x\ndate: 1800-01-01\n---\n\n正文\n")
    assert error.value.location.line == 4 and "date" in error.value.message


# ---------------------------------------------------------------------------------------
# Item 1: `new` never overwrites


@pytest.mark.parametrize("old, edited", [
    ('id: "0001"', "id: diyi"),              # the README's advice: give the report its own id
    ("title:", "title: [未写完"),             # front matter half-edited: it does not parse
])
def test_new_never_overwrites_the_previous_report(site_dir, old, edited):
    first = new_report(site_dir, "第一篇", "reports")
    text = first.read_text(encoding="utf-8").replace(old, edited)
    first.write_text(text, encoding="utf-8")
    second = new_report(site_dir, "关于召开会议的通知", "reports")
    assert second != first and first.read_text(encoding="utf-8") == text


def test_new_skips_ids_used_by_files_and_front_matter(site_dir):
    write(site_dir / "content/reports/0001.md", report_text(id="'0002'"))
    write(site_dir / "content/news/2024-0003.md", report_text())
    path = new_report(site_dir, "新报告", "reports")
    assert path.name.endswith("-0004.md")


def test_new_refuses_when_the_path_exists(site_dir, monkeypatch):
    import congressgen.scaffold as scaffold

    monkeypatch.setattr(scaffold, "next_free_id", lambda content: "0001")
    first = new_report(site_dir, "第一篇", "reports")
    before = first.read_bytes()
    with pytest.raises(CongressError) as error:
        new_report(site_dir, "第二篇", "reports")
    assert "已存在" in error.value.message and first.read_bytes() == before


@pytest.mark.parametrize("title", ["x\\", 'a"b', "带\t制表符", "冒号: 井号 # 引号 '"])
def test_new_writes_front_matter_the_build_can_parse(site_dir, title):
    path = new_report(site_dir, title, "reports")
    fm, _ = front(site_dir, path.read_bytes(), path.relative_to(site_dir).as_posix())
    assert fm.title == title.strip()


# ---------------------------------------------------------------------------------------
# Item 2: build --output never empties a folder that is not a build output


def test_build_output_into_a_folder_of_the_clerks_files_is_refused(site_dir, tmp_path):
    write(site_dir / "content/reports/a.md", report_text())
    mydocs = write(tmp_path / "mydocs" / "述职报告.docx", b"PK\x03\x04 word").parent
    result = run_cli("build", "--source", str(site_dir), "--output", str(mydocs))
    assert result.returncode == 1 and MARKER in result.stderr and "Traceback" not in result.stderr
    assert sorted(p.name for p in mydocs.iterdir()) == ["述职报告.docx"]


def test_build_output_into_a_new_or_own_folder_works(site_dir, tmp_path):
    write(site_dir / "content/reports/a.md", report_text())
    out = tmp_path / "out"
    out.mkdir()                                     # an empty folder is fine
    build(BuildOptions(site_dir, output=out, jobs=1))
    assert (out / MARKER).is_file() and (out / "index.html").is_file()
    build(BuildOptions(site_dir, output=out, jobs=1))   # a previous output is replaced
    assert (out / MARKER).is_file()


# ---------------------------------------------------------------------------------------
# Item 3: the cache never deletes a clerk's files


@pytest.mark.parametrize("value", ["content", "content/reports", ".", "static", "../elsewhere", "/tmp/x", "themes"])
def test_cache_dir_overlapping_sources_is_refused_at_its_line(site_dir, value):
    with pytest.raises(ConfigError) as error:
        config_with(site_dir, f"cache_dir: {value}\n")
    assert error.value.location.line == line_of(MINIMAL_CONFIG + f"cache_dir: {value}\n", "cache_dir")


def test_cache_pruning_removes_only_its_own_entries(site_dir):
    folder = site_dir / ".congressgen-cache"
    clerk = write(folder / "reports" / "ab" / "附件.pdf", b"%PDF-1.4")
    cache = BuildCache(folder)
    cache.store("reports/ab/" + "ab" + "0" * 62, {"x": 1})        # single files, as an earlier build left them
    cache.store("reports/ab/" + "ab" + "1" * 62, {"x": 2})
    assert cache.get_report("ab" + "1" * 62) == {"x": 2}             # this build uses one of them
    # the unused entry goes, and the used one's single file once it is held in reports.pack
    assert cache.prune_reports() == 2
    assert clerk.read_bytes() == b"%PDF-1.4"
    assert sorted(p.name for p in clerk.parent.iterdir()) == ["附件.pdf"]
    assert BuildCache(folder).get_report("ab" + "1" * 62) == {"x": 2}
    assert BuildCache(folder).get_report("ab" + "0" * 62) is None


def test_cache_dir_content_build_keeps_attachments(site_dir):
    """The issue's reproduction: `cache_dir: content` refused before anything is pruned."""
    write(site_dir / "content/reports/a.md", report_text(attachments="[表.csv]"))
    csv = write(site_dir / "content/reports/表.csv", "a,b\n")
    write(site_dir / "congressgen.yaml", MINIMAL_CONFIG + "cache_dir: content\n")
    result = run_cli("build", "--source", str(site_dir))
    assert result.returncode == 1 and "cache_dir" in result.stderr
    assert csv.read_text(encoding="utf-8") == "a,b\n"


def test_a_template_that_is_not_utf8_names_the_file(site_dir):
    write(site_dir / "content/reports/a.md", report_text())
    template = write(site_dir / "themes/default/templates/article.html",
                     "{% extends \"builtin/article.html\" %}\n{# 注释 #}\n".encode("gbk"))
    errors = build_errors(site_dir)
    assert f"{template}:2:" in errors and "UTF-8" in errors


def test_project_errors_survive_a_worker_process_boundary():
    """Errors raised in build workers are pickled back to the parent: they keep their place."""
    import pickle

    from congressgen.errors import Location, ThemeError

    error = pickle.loads(pickle.dumps(ThemeError(Location("themes/x/a.html", 2, 3), "模板文件不是 UTF-8 编码")))
    assert isinstance(error, ThemeError) and str(error.location) == "themes/x/a.html:2:3"
    assert error.message == "模板文件不是 UTF-8 编码"


def test_the_previous_output_is_removed_in_the_background_and_leftovers_next_time(site_dir):
    write(site_dir / "content/reports/a.md", report_text())
    build(BuildOptions(site_dir))
    build(BuildOptions(site_dir, now=None, drafts=True))     # a second build retires the first output
    deadline = time.monotonic() + 20
    while any(p.name.startswith(".build.old") for p in site_dir.iterdir()) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not [p.name for p in site_dir.iterdir() if p.name.startswith(".build.old")]
    # a deleter that never finished left our trash (with the output marker): the next build removes it;
    # a folder of that name without the marker is someone's and is kept
    ours = write(site_dir / ".build.old.trash-1-2" / MARKER, "x").parent
    theirs = write(site_dir / ".build.old.trash-3-4" / "报告.docx", "clerk").parent
    build(BuildOptions(site_dir))
    assert not ours.exists()
    assert (theirs / "报告.docx").read_text(encoding="utf-8") == "clerk"
    assert (site_dir / "build" / MARKER).is_file()
