"""congressgen publish over SSH against a real sshd on 127.0.0.1 (Debian openssh-server) with a
throwaway key made here: incremental rsync --link-dest upload under live traffic, list, rollback."""

from __future__ import annotations

import re

import pytest

from publish_support import (CHANGED_FROM, CHANGED_PAGE, CHANGED_TO, ClientLoop, Nginx, build, change_report,
                             copied_files, fetch, live_release, make_site, release_names, run_cli,
                             sshd, version_runs, versions_of)  # noqa: F401 (sshd: a fixture)


@pytest.fixture(scope="module")
def nginx(tmp_path_factory):
    server = Nginx(tmp_path_factory.mktemp("nginx-ssh"))
    yield server
    server.stop()


def sent_bytes(stdout: str) -> int:
    return int(re.search(r"（(\d+) 字节；", stdout).group(1))


def test_publish_over_ssh_incremental_under_traffic_then_list_and_rollback(sshd, nginx, tmp_path):
    user, port, options = sshd
    www = tmp_path / "www"          # "the server's" document root, reached only through ssh
    www.mkdir()
    site = make_site(tmp_path / "site", extra_config=(
        f"publish:\n  production:\n    path: {user}@127.0.0.1:{www}\n"
        f"    base_url: https://rd.example.gov.cn/\n    keep: 2\n    ssh_options: \"{options}\"\n"))
    before = build(site, output=tmp_path / "before")
    first = run_cli("publish", "production", "--source", str(site), "--output", str(before))
    assert first.returncode == 0, first.stderr
    assert f"已发布到 production（{user}@127.0.0.1:{www}）" in first.stdout
    base = nginx.serve(www / "current")
    assert CHANGED_FROM in fetch(base + CHANGED_PAGE)[1].decode()

    change_report(site)
    after = build(site)
    with ClientLoop(base, clients=2) as loop:
        second = run_cli("publish", "production", "--source", str(site))
    assert second.returncode == 0, second.stderr
    assert f"修改 {CHANGED_PAGE}" in second.stdout and "新增 0 个" in second.stdout

    # rsync --link-dest sent the changed page only; everything else is a hard link to the first release.
    one, two = release_names(www)
    copied = copied_files(www / "releases" / one / "site", www / "releases" / two / "site")
    total = sum(p.stat().st_size for p in after.rglob("*") if p.is_file())
    assert [p for p in copied if not p.startswith("search-index/")] == [CHANGED_PAGE]
    assert sent_bytes(second.stdout) < total * 0.1
    # rsync sends only the delta against the old copy of that page, plus its file list.
    assert sent_bytes(second.stdout) < sum(copied.values()) + 4096

    # Under traffic: no error, every response a whole file of one build, no going back to old.
    builds = {"old": before, "new": after}
    assert [r for r in loop.records if r.status != 200] == []
    assert all(versions_of(r, builds) for r in loop.records)
    for client in range(2):
        assert version_runs(loop.records, builds, client) in (["old", "new"], ["new"])
    assert CHANGED_TO in fetch(base + CHANGED_PAGE)[1].decode()

    listing = run_cli("publish", "production", "--source", str(site), "--list")
    assert listing.returncode == 0, listing.stderr
    files = [p for p in after.rglob("*") if p.is_file()]
    counts = rf"\s{sum(p.suffix == '.html' for p in files)}\s+{len(files)}\s"     # pages and files
    assert re.search(rf"{two}\s.*{counts}.*← 当前", listing.stdout)
    assert re.search(rf"{one}\s.*{counts}", listing.stdout)

    back = run_cli("publish", "production", "--source", str(site), "--rollback")
    assert back.returncode == 0, back.stderr
    assert live_release(www) == one
    body = fetch(base + CHANGED_PAGE)[1].decode()
    assert CHANGED_FROM in body and CHANGED_TO not in body
    assert not [p for p in www.iterdir() if p.name.startswith(".current")]

    # keep: 2 (from the target's config) prunes on the server by history (#16 item 7): the release
    # rolled back from (the bad one) goes; the one that was live before this publish stays, and
    # the hint and --rollback name it.
    third = run_cli("publish", "production", "--source", str(site))
    assert third.returncode == 0, third.stderr
    assert f"已删除旧版本（保留最近 2 个）：{two}" in third.stdout
    assert f"上一版本 {one} 可用 --rollback 恢复" in third.stdout
    names = release_names(www)
    assert len(names) == 2 and names[0] == one and live_release(www) == names[1]
    back = run_cli("publish", "production", "--source", str(site), "--rollback")
    assert back.returncode == 0 and live_release(www) == one, back.stderr
    history = (www / "history.jsonl").read_text(encoding="utf-8").splitlines()
    assert [line.split('"action":"')[1].split('"')[0] for line in history] == \
        ["publish", "publish", "rollback", "publish", "rollback"]


def test_ssh_bad_targets_give_clear_errors(sshd, tmp_path):
    user, port, options = sshd
    site = make_site(tmp_path / "site")
    (site / "build").mkdir()
    (site / "build" / "index.html").write_text("<!doctype html>", encoding="utf-8")  # targets are checked first
    missing = run_cli("publish", f"{user}@127.0.0.1:{tmp_path / 'nope'}", "--source", str(site),
                      "--ssh-options", options)
    assert missing.returncode == 1
    assert f"服务器上的目标目录不存在或无法进入：{tmp_path / 'nope'}" in missing.stderr
    wrong_key = run_cli("publish", f"{user}@127.0.0.1:{tmp_path}", "--source", str(site), "--ssh-options",
                        options.replace("user_key", "host_key"))
    assert wrong_key.returncode == 1 and "无法连接服务器" in wrong_key.stderr and "Permission denied" in wrong_key.stderr
    assert not (tmp_path / "releases").exists()
