"""congressgen publish to a local folder served by a real nginx: releases, atomic switch under
live traffic, incremental copies, rollback, keep, refusals and bad targets."""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from congressgen import publish as stage
from congressgen.config import load_config
from congressgen.errors import ConfigError, Diagnostic, Location
from publish_support import (CHANGED_FROM, CHANGED_PAGE, CHANGED_TO, ClientLoop, Nginx, build, change_report,
                             copied_files, fetch, live_release, make_site, release_names, run_cli, version_runs,
                             versions_of)

OLD_TITLE, NEW_TITLE = "旧版示例县人大常委会", "新版示例县人大常委会"


@pytest.fixture(scope="module")
def sites(tmp_path_factory):
    """Three builds of the demo: `old` and `new` differ on every page (the site title);
    `changed` is `new` with one paragraph of one report edited."""
    base = tmp_path_factory.mktemp("publish-sites")
    old = make_site(base / "old", OLD_TITLE)
    new = make_site(base / "new", NEW_TITLE)
    changed = make_site(base / "changed", NEW_TITLE)
    change_report(changed)
    for site in (old, new, changed):
        build(site)
    return {"old": old, "new": new, "changed": changed}


@pytest.fixture(scope="module")
def nginx(tmp_path_factory):
    server = Nginx(tmp_path_factory.mktemp("nginx"))
    yield server
    server.stop()


def publish(target, site: Path, *extra: str) -> subprocess.CompletedProcess:
    return run_cli("publish", str(target), "--source", str(site), *extra)


def setup_publish(target: Path, site: Path) -> None:
    """A publish that only prepares a test, in-process (the CLI path is what the tests check)."""
    config, _ = load_config(site)
    stage.publish(stage.PublishOptions(str(target), site), config)


def published(target, site: Path, *extra: str) -> subprocess.CompletedProcess:
    done = publish(target, site, *extra)
    assert done.returncode == 0, done.stderr
    return done


def test_publish_under_live_traffic_never_errors_or_mixes(sites, nginx, tmp_path):
    target = tmp_path / "www"
    target.mkdir()
    setup_publish(target, sites["old"])
    base = nginx.serve(target / "current")
    builds = {"old": sites["old"] / "build", "new": sites["new"] / "build"}
    events = {}
    with ClientLoop(base, clients=3) as loop:
        events["publish"] = time.monotonic()
        published(target, sites["new"])
        events["published"] = time.monotonic()
        time.sleep(0.3)
        events["rollback"] = time.monotonic()
        assert run_cli("publish", str(target), "--rollback").returncode == 0
        events["rolled_back"] = time.monotonic()

    records = loop.records
    assert len(records) > 100
    assert [r for r in records if r.status != 200] == []
    for record in records:
        seen = versions_of(record, builds)
        assert seen, f"{record.path}: response is neither the old nor the new file (a mixture)"
        if record.path.endswith(".html"):
            assert len(seen) == 1, record.path     # every page carries its build's title
            # Whole releases in time order: old until the switch, new after it, old after rollback.
            if record.finished < events["publish"]:
                assert seen == {"old"}
            elif events["published"] < record.started and record.finished < events["rollback"]:
                assert seen == {"new"}
            elif events["rolled_back"] < record.started:
                assert seen == {"old"}
    during = [r for r in records if events["publish"] <= r.started <= events["published"]]
    assert len(during) > 10, "the client loop must be fetching while the publish runs"
    # Each client, fetching pages one after another, sees old pages, then new, then old again after
    # the rollback: never an old page after a new one within a release's time (pages of two releases mixed).
    for client in range(3):
        assert version_runs(records, builds, client) == ["old", "new", "old"]
    # The stylesheet a page links to is the same file in both builds, so any page+CSS pair is consistent.
    assert (builds["old"] / "static/css/site.css").read_bytes() == (builds["new"] / "static/css/site.css").read_bytes()


def test_second_publish_copies_only_the_changed_report(sites, nginx, tmp_path):
    target = tmp_path / "www"
    target.mkdir()
    setup_publish(target, sites["new"])
    done = published(target, sites["changed"])
    first, second = release_names(target)
    old_site, new_site = target / "releases" / first / "site", target / "releases" / second / "site"
    copied = copied_files(old_site, new_site)
    total = sum(p.stat().st_size for p in new_site.rglob("*") if p.is_file())
    # the changed page, and the few search-index files its changed words live in
    assert [p for p in copied if not p.startswith("search-index/")] == [CHANGED_PAGE]
    assert len(copied) <= 8
    assert sum(copied.values()) < total * 0.1
    assert "传输 " in done.stdout and f"（{sum(copied.values())} 字节" in done.stdout
    assert f"修改 {CHANGED_PAGE}" in done.stdout and "新增 0 个" in done.stdout and "删除 0 个" in done.stdout
    status, body = fetch(nginx.serve(target / "current") + CHANGED_PAGE)
    assert status == 200 and CHANGED_TO in body.decode()
    # The manifest beside the site records every file; it is not under the web root.
    manifest = stage.Manifest.from_json((target / "releases" / second / "release.json").read_text())
    assert manifest.entries[CHANGED_PAGE].size == copied[CHANGED_PAGE]
    assert fetch(nginx.serve(target / "current") + "release.json")[0] == 404


def test_rollback_brings_the_old_page_back_and_list_shows_it(sites, nginx, tmp_path):
    target = tmp_path / "www"
    target.mkdir()
    setup_publish(target, sites["new"])
    setup_publish(target, sites["changed"])
    base = nginx.serve(target / "current")
    assert CHANGED_TO in fetch(base + CHANGED_PAGE)[1].decode()
    first, second = release_names(target)

    done = run_cli("publish", str(target), "--rollback")
    assert done.returncode == 0, done.stderr
    assert f"从版本 {second} 切换回 {first}" in done.stdout
    body = fetch(base + CHANGED_PAGE)[1].decode()
    assert CHANGED_FROM in body and CHANGED_TO not in body
    assert live_release(target) == first

    listing = run_cli("publish", str(target), "--list").stdout
    rows = {name: line for line in listing.splitlines() for name in (first, second) if line.strip().startswith(name)}
    assert rows[first].endswith("← 当前") and "← 当前" not in rows[second]
    release_site = target / "releases" / second / "site"
    files = [p for p in release_site.rglob("*") if p.is_file()]
    pages = [p for p in files if p.suffix == ".html"]
    assert re.search(rf"\s{len(pages)}\s+{len(files)}\s", rows[second])       # pages and files of that release
    # Nothing older to go back to: a clear error, and the live release stays.
    again = run_cli("publish", str(target), "--rollback")
    assert again.returncode == 1 and "没有比当前版本" in again.stderr
    assert live_release(target) == first


def test_rollback_after_a_later_publish_goes_by_history(sites, nginx, tmp_path):
    """#16 item 7: publish A, publish B (bad), roll back to A, publish C. --rollback now restores A
    (live before C), not B (the release rolled back from); the hint says so; --keep 2 removes B and
    keeps A; release numbers are never reused."""
    target = tmp_path / "www"
    target.mkdir()
    published(target, sites["old"])
    published(target, sites["new"])
    a, b = release_names(target)
    assert f"从版本 {b} 切换回 {a}" in run_cli("publish", str(target), "--rollback").stdout
    third = published(target, sites["changed"], "--keep", "2")
    c = release_names(target)[-1]
    assert f"上一版本 {a} 可用 --rollback 恢复" in third.stdout
    assert f"已删除旧版本（保留最近 2 个）：{b}" in third.stdout
    assert release_names(target) == [a, c]

    base = nginx.serve(target / "current")
    back = run_cli("publish", str(target), "--rollback")
    assert back.returncode == 0 and f"从版本 {c} 切换回 {a}" in back.stdout, back.stderr
    assert live_release(target) == a and OLD_TITLE in fetch(base + "index.html")[1].decode()
    again = run_cli("publish", str(target), "--rollback")
    assert again.returncode == 1 and "没有比当前版本" in again.stderr and live_release(target) == a

    # B's number (2) stays used: the next release is 4, and the rollback from it goes to A.
    fourth = published(target, sites["new"])
    d = release_names(target)[-1]
    assert d.endswith("-4") and f"上一版本 {a} 可用 --rollback 恢复" in fourth.stdout
    history = [stage.parse_history(line)[0] for line in
               (target / "history.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [(s.action, s.release, s.previous) for s in history] == [
        ("publish", a, None), ("publish", b, a), ("rollback", a, b), ("publish", c, a), ("rollback", a, c),
        ("publish", d, a)]


def test_rollback_target_without_history_and_with_a_torn_line():
    """A target published by an older congressgen has no history: the previous release by number
    stands in. A history line torn by a killed publish is skipped."""
    releases = tuple(stage.Release(f"20250101T00000{i}Z-{i}", None) for i in (1, 2, 3))
    old_style = stage.TargetState(releases, releases[2].name)
    assert old_style.previous().name == releases[1].name
    lines = "\n".join(stage.Switch(*args).to_json() for args in (
        ("publish", releases[0].name), ("publish", releases[1].name, releases[0].name),
        ("rollback", releases[0].name, releases[1].name), ("publish", releases[2].name, releases[0].name)))
    history = stage.parse_history(lines + '\n{"time":"2025-01-01T00:00:09+00:00","action":"pub')
    assert len(history) == 4
    state = stage.TargetState(releases, releases[2].name, history=history)
    assert state.previous().name == releases[0].name
    assert stage.releases_to_remove(state, "20250102T000000Z-4", 2) == [releases[1].name, releases[0].name]
    # --keep 1 still keeps the release --rollback would restore.
    assert stage.releases_to_remove(state, "20250102T000000Z-4", 1) == [releases[1].name, releases[0].name]
    # `current` switched but the history line was never written (killed in between): still right.
    unlogged = stage.TargetState(releases, releases[1].name, history=history[:1])
    assert unlogged.previous().name == releases[0].name


def test_keep_two_leaves_two_releases(sites, tmp_path):
    target = tmp_path / "www"
    target.mkdir()
    for site in ("old", "new", "changed"):
        published(target, sites[site], "--keep", "2")
    names = release_names(target)
    assert len(names) == 2 and [int(n.rsplit("-", 1)[1]) for n in names] == [2, 3]
    assert live_release(target) == names[-1]
    assert not [p for p in (target / "releases").iterdir() if p.name.startswith(".")]


def test_dry_run_writes_nothing(sites, tmp_path):
    target = tmp_path / "www"
    target.mkdir()
    done = published(target, sites["new"], "--dry-run")
    assert "演练" in done.stdout and "（首次发布到该目标）" in done.stdout
    assert list(target.iterdir()) == []


def test_release_is_readable_by_the_web_server_whatever_the_umask(sites, tmp_path):
    target = tmp_path / "www"
    target.mkdir()
    previous = os.umask(0o077)
    try:
        setup_publish(target, sites["new"])
    finally:
        os.umask(previous)
    site = (target / "current").resolve()
    modes = {p.relative_to(site).as_posix(): p.stat().st_mode & 0o777 for p in site.rglob("*")}
    assert modes["index.html"] == 0o644 and modes["reports"] == 0o755 and modes["reports/202401"] == 0o755
    assert set(modes.values()) == {0o644, 0o755}
    assert {p.stat().st_mode & 0o777 for p in (site, site.parent, target / "releases")} == {0o755}


def test_named_target_from_config(tmp_path):
    www = tmp_path / "www"
    www.mkdir()
    site = make_site(tmp_path / "site", extra_config=f"publish:\n  production:\n    path: {www}\n    keep: 3\n"
                                                      "    base_url: https://rd.example.gov.cn/\n")
    build(site)
    done = published("production", site)
    assert f"已发布到 production（{www}）" in done.stdout
    assert (www / "current" / "index.html").is_file()


# --- refusals, each with its override --------------------------------------------------


def test_refuses_a_build_older_than_the_content(sites, tmp_path):
    target = tmp_path / "www"
    target.mkdir()
    report = sites["new"] / "content/news/2025-hexi-minsheng-piaojue.md"
    original = report.read_bytes()
    before = report.stat()
    # Exact, not by date: a file touched but unchanged is not a change.
    later = dt.datetime.now().timestamp() + 60
    os.utime(report, (later, later))
    try:
        assert published(target, sites["new"], "--dry-run").returncode == 0
        report.write_bytes(original + "\n补记一句。\n".encode())
        done = publish(target, sites["new"])
        assert done.returncode == 1
        assert "构建结果早于网站内容：content/news/2025-hexi-minsheng-piaojue.md 在构建之后有改动" in done.stderr
        assert "--allow-stale" in done.stderr and "未发布：线上网站未改动" in done.stderr
        assert list(target.iterdir()) == []
        assert published(target, sites["new"], "--allow-stale", "--dry-run").returncode == 0
    finally:
        report.write_bytes(original)
        os.utime(report, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert published(target, sites["new"], "--dry-run").returncode == 0      # the same bytes again: fresh


def test_refuses_a_build_without_a_record_or_changed_after_it(sites, tmp_path):
    """The record is what publish trusts: no record, or an output edited after the build, is refused."""
    target = tmp_path / "www"
    target.mkdir()
    copy = tmp_path / "copied-build"
    shutil.copytree(sites["new"] / "build", copy)        # a build folder no build wrote there
    done = run_cli("publish", str(target), "--source", str(sites["new"]), "--output", str(copy))
    assert done.returncode == 1
    assert f"找不到 {copy} 的构建记录" in done.stderr and "--allow-stale" in done.stderr
    assert list(target.iterdir()) == []
    forced = run_cli("publish", str(target), "--source", str(sites["new"]), "--output", str(copy),
                     "--allow-stale", "--dry-run")
    assert forced.returncode == 0 and "没有构建记录" in forced.stderr

    edited = build(sites["new"], output=tmp_path / "edited")
    (edited / "index.html").write_bytes((edited / "index.html").read_bytes() + b"<!-- hand edit -->")
    done = run_cli("publish", str(target), "--source", str(sites["new"]), "--output", str(edited))
    assert done.returncode == 1 and "在构建之后被改动过" in done.stderr


def test_preflight_reads_the_record_and_compiles_nothing(sites, tmp_path, monkeypatch):
    """publish no longer compiles the site: with Markdown rendering, the compile unit and check all
    made to fail, preflight still decides from the build record, and still refuses a stale build."""
    import congressgen.check
    import congressgen.compile
    import congressgen.loading
    import congressgen.markdown

    def boom(*args, **kwargs):
        raise AssertionError("publish compiled the site")

    for module, name in ((congressgen.markdown.BodyRenderer, "render"), (congressgen.compile, "compile_report"),
                         (congressgen.compile, "compile_all"), (congressgen.loading, "load_site"),
                         (congressgen.loading, "site_model"), (congressgen.check, "run_check")):
        monkeypatch.setattr(module, name, boom)
    config, _ = load_config(sites["new"])
    target = stage.Target(str(tmp_path))
    refused, notes, record = stage.preflight(sites["new"] / "build", config, target, stage.Overrides())
    assert refused == [] and record.base_url == config.base_url and record.check.ran
    assert record.draft_reports == () and not record.drafts
    preview = build(sites["new"], "--base-url", "http://127.0.0.1:8000/", output=tmp_path / "preview")
    refused, _, _ = stage.preflight(preview, config, target, stage.Overrides())
    assert [r.reason for r in refused] == ["base_url"]
    report = sites["new"] / "content/news/2025-hexi-minsheng-piaojue.md"
    original = report.read_bytes()
    try:
        report.write_bytes(original.replace("。".encode(), "；".encode(), 1))
        refused, _, _ = stage.preflight(sites["new"] / "build", config, target, stage.Overrides())
        assert [r.reason for r in refused] == ["stale"]
    finally:
        report.write_bytes(original)


def test_refuses_a_build_made_with_drafts(sites, tmp_path):
    target = tmp_path / "www"
    target.mkdir()
    drafts = build(sites["new"], "--drafts", output=tmp_path / "with-drafts")
    done = run_cli("publish", str(target), "--source", str(sites["new"]), "--output", str(drafts))
    assert done.returncode == 1
    assert "包含 1 篇草稿（content/reports/2025-hexi-zhengfu.md）" in done.stderr and "--allow-drafts" in done.stderr
    assert run_cli("publish", str(target), "--source", str(sites["new"]), "--output", str(drafts),
                   "--allow-drafts", "--dry-run").returncode == 0


def test_refuses_a_build_for_another_base_url(sites, tmp_path):
    target = tmp_path / "www"
    target.mkdir()
    preview = build(sites["new"], "--base-url", "http://127.0.0.1:8000/", output=tmp_path / "preview")
    args = ("publish", str(target), "--source", str(sites["new"]), "--output", str(preview))
    done = run_cli(*args)
    assert done.returncode == 1
    assert "构建使用的网址是 http://127.0.0.1:8000/，而congressgen.yaml 中的 base_url是 https://rd.example.gov.cn/" \
        in done.stderr
    assert "congressgen build --base-url https://rd.example.gov.cn/" in done.stderr
    assert run_cli(*args, "--allow-base-url", "--dry-run").returncode == 0


def test_named_target_base_url_is_compared(sites, tmp_path):
    config, _ = load_config(sites["new"])
    target = stage.Target(str(tmp_path), "portal", base_url="https://www.example.gov.cn/rd/")
    refused, _, _ = stage.preflight(sites["new"] / "build", config, target, stage.Overrides())
    assert [r.reason for r in refused] == ["base_url"]
    assert "发布目标 portal 配置的网址是 https://www.example.gov.cn/rd/" in refused[0].message


def test_refuses_a_build_made_without_check(sites, tmp_path):
    target = tmp_path / "www"
    target.mkdir()
    unchecked = build(sites["new"], "--no-check", output=tmp_path / "unchecked")
    args = ("publish", str(target), "--source", str(sites["new"]), "--output", str(unchecked))
    done = run_cli(*args)
    assert done.returncode == 1
    assert "构建时加了 --no-check，未做内容检查" in done.stderr and "--allow-check-errors" in done.stderr
    allowed = run_cli(*args, "--allow-check-errors", "--dry-run")
    assert allowed.returncode == 0 and "已按 --allow-check-errors 跳过内容检查" in allowed.stderr


# --- bad targets: a clear error, and the live site untouched --------------------------


@pytest.fixture
def live(sites, nginx, tmp_path):
    """A target with one published release being served; returns (target, base URL, index bytes)."""
    target = tmp_path / "www"
    target.mkdir()
    setup_publish(target, sites["old"])
    base = nginx.serve(target / "current")
    return target, base, fetch(base + "index.html")[1]


def assert_untouched(target: Path, base: str, index: bytes, releases: list[str]) -> None:
    assert release_names(target) == releases
    assert live_release(target) == releases[-1]
    assert fetch(base + "index.html") == (200, index)


def test_missing_target_directory(sites, tmp_path):
    missing = tmp_path / "no-such-dir"
    done = publish(missing, sites["new"])
    assert done.returncode == 1 and f"目标目录不存在：{missing}" in done.stderr
    assert not missing.exists()
    under_file = tmp_path / "a-file"
    under_file.write_text("x")
    done = publish(under_file / "www", sites["new"])
    assert done.returncode == 1 and "目标目录不存在" in done.stderr


def test_read_only_target_leaves_live_site(sites, live):
    target, base, index = live
    releases = release_names(target)
    if os.geteuid() == 0:
        # Root ignores permission bits; a read-only bind mount is what refuses root.
        if shutil.which("mount") is None or subprocess.run(["mount", "--bind", str(target), str(target)]).returncode:
            pytest.skip("running as root without mount rights: no way to deny root a write")
        subprocess.run(["mount", "-o", "remount,bind,ro", str(target)], check=True)
        undo = ["umount", str(target)]
    else:
        for folder in (target, target / "releases"):
            folder.chmod(0o555)
        undo = ["chmod", "-R", "u+w", str(target)]
    try:
        done = publish(target, sites["new"])
        assert done.returncode == 1
        assert "没有写入权限（或目录只读）" in done.stderr and "未发布：线上网站未改动" in done.stderr
        assert_untouched(target, base, index, releases)
        rollback = run_cli("publish", str(target), "--rollback")
        assert rollback.returncode == 1
    finally:
        subprocess.run(undo, check=True)
    assert_untouched(target, base, index, releases)


def test_unreachable_host_leaves_live_site(sites, live):
    from publish_support import free_port

    target, base, index = live
    releases = release_names(target)
    done = publish("root@127.0.0.1:/srv/www/rd", sites["new"], "--ssh-options",
                   f"-p {free_port()} -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null")
    assert done.returncode == 1
    assert "无法连接服务器 root@127.0.0.1" in done.stderr and "Connection refused" in done.stderr
    assert_untouched(target, base, index, releases)


def test_current_as_plain_directory_is_refused(sites, tmp_path):
    target = tmp_path / "www"
    (target / "current").mkdir(parents=True)
    (target / "current" / "index.html").write_text("老网站")
    done = publish(target, sites["new"])
    assert done.returncode == 1 and "是普通目录而不是 congressgen 管理的链接" in done.stderr
    assert (target / "current" / "index.html").read_text() == "老网站"
    assert not (target / "releases").exists()


# --- pieces -----------------------------------------------------------------------------


def test_switch_by_rename_fallback(tmp_path):
    """The Windows fallback (two renames), exercised with POSIX symlinks."""
    for name in ("a", "b"):
        (tmp_path / "releases" / name / "site").mkdir(parents=True)
        (tmp_path / "releases" / name / "site" / "index.html").write_text(name)

    def link(text, at):
        os.symlink(text, at, target_is_directory=True)

    stage.switch_by_rename(tmp_path, "releases/a/site", link)
    assert (tmp_path / "current" / "index.html").read_text() == "a"
    stage.switch_by_rename(tmp_path, "releases/b/site", link)
    assert (tmp_path / "current" / "index.html").read_text() == "b"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["current", "releases"]


def test_release_names_and_pruning():
    state = stage.TargetState(tuple(stage.Release(f"20250101T00000{i}Z-{i}", None) for i in (1, 2, 3)), None)
    name = stage.new_release_name(state, dt.datetime(2025, 1, 2, 8, 0, tzinfo=dt.timezone(dt.timedelta(hours=8))))
    assert name == "20250102T000000Z-4"
    assert stage.releases_to_remove(state, name, 2) == ["20250101T000002Z-2", "20250101T000001Z-1"]
    assert stage.releases_to_remove(state, name, 5) == []
    assert stage.split_remote("deploy@www.example.gov.cn:/srv/www") == ("deploy@www.example.gov.cn", "/srv/www")
    assert stage.split_remote(r"C:\www") is None and stage.split_remote("/srv/www") is None


@pytest.mark.parametrize("target_yaml, line, col, message", [
    # line: counted from the `publish:` line appended to the config
    ("    path: /srv/www\n    kep: 3\n", 3, 5, "未知的配置项 “kep”，是不是 “keep”？"),
    ("    path: /srv/www\n    keep: 0\n", 3, 5, "keep 应为不小于 1 的整数"),
    ("    keep: 3\n", 1, 3, "发布目标 “production” 缺少 path"),
    ("    path: deploy@host:www\n", 2, 5, "服务器上的目录须写绝对路径"),
    ("    path: /srv/www\n    base_url: rd.example.gov.cn\n", 3, 5, "base_url 必须是完整网址"),
    ("    path: /srv/www\n    ssh_options: 22\n", 3, 5, "ssh_options 应为文字"),
])
def test_target_config_errors_name_the_line(site_dir, target_yaml, line, col, message):
    config_path = site_dir / "congressgen.yaml"
    text = config_path.read_text(encoding="utf-8")
    publish_line = len(text.splitlines()) + 1
    config_path.write_text(text + "publish:\n  production:\n" + target_yaml, encoding="utf-8")
    config, _ = load_config(site_dir)
    with pytest.raises(ConfigError) as error:
        stage.resolve_target("production", config)
    assert (error.value.location.line, error.value.location.col) == (publish_line + line, col)
    assert error.value.location.path.endswith("congressgen.yaml")
    assert message in error.value.message


def test_target_config_shorthand_and_options(site_dir):
    config_path = site_dir / "congressgen.yaml"
    config_path.write_text(config_path.read_text(encoding="utf-8") + "publish:\n  staging: /srv/www/test\n"
                           "  production:\n    path: deploy@gov:/srv/www/rd\n    ssh_options: -p 2222 -i key\n",
                           encoding="utf-8")
    config, _ = load_config(site_dir)
    assert stage.resolve_target("staging", config) == stage.Target("/srv/www/test", "staging")
    production = stage.resolve_target("production", config, keep=2)
    assert production.remote == ("deploy@gov", "/srv/www/rd")
    assert production.ssh_options == ("-p", "2222", "-i", "key") and production.keep == 2
