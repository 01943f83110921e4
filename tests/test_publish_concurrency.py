"""Publishes to one target at once (#16 item 8), with real `congressgen publish` processes, to a
local folder and over the test sshd: they queue on the target's lock (or refuse cleanly), `current`
only ever points at a whole release, release numbers never repeat, and the lock a killed publish
leaves behind is reported with how to clear it, never broken silently."""

from __future__ import annotations

import json
import os
import signal

import pytest

from publish_support import (CurrentWatcher, build, hold_lock, live_release, lock_holder_pid, make_site,
                             release_names, run_cli, sshd, start_cli, wait_until)  # noqa: F401 (sshd: a fixture)

WAITING = "另一个发布正在进行"
STALE = "发布锁是被中断的发布留下的"


@pytest.fixture(scope="module")
def builds(tmp_path_factory):
    """Two demo sites that differ on every page, built; `big` also carries a 48 MB file, so that
    uploading it takes long enough to kill the publish in the middle."""
    base = tmp_path_factory.mktemp("concurrent-sites")
    sites = {"a": make_site(base / "a", "甲县人大常委会"), "b": make_site(base / "b", "乙县人大常委会"),
             "big": make_site(base / "big", "丙县人大常委会")}
    (sites["big"] / "static").mkdir()
    (sites["big"] / "static" / "archive.bin").write_bytes(os.urandom(48 << 20))
    for site in sites.values():
        build(site)
    return sites


def publish_args(target: str, site, *extra: str) -> tuple[str, ...]:
    return ("publish", target, "--source", str(site), *extra)


def numbers(www) -> list[int]:
    return [int(n.rsplit("-", 1)[1]) for n in release_names(www)]


def assert_clean(www) -> None:
    """No lock, no partial release, no stray link left on the target."""
    assert not (www / "publish.lock").exists()
    assert not [p for p in (www / "releases").iterdir() if p.name.startswith(".")]
    assert not [p for p in www.iterdir() if p.name.startswith(".current")]


def two_at_once(www, target: str, builds, tmp_path, *extra: str) -> None:
    """Two publishes started while a third (this test, alive) holds the lock: both wait; once it is
    released they run one after the other."""
    held = hold_lock(www)
    with CurrentWatcher(www) as watch:
        first = start_cli(tmp_path / "logs", *publish_args(target, builds["a"], *extra))
        second = start_cli(tmp_path / "logs", *publish_args(target, builds["b"], *extra))
        wait_until(lambda: first.said(WAITING) and second.said(WAITING), what="both publishes to wait")
        assert first.process.poll() is None and second.process.poll() is None
        assert not (www / "releases").exists()            # nothing written while the lock is held
        (held / "owner.json").unlink()
        held.rmdir()
        done = [first.finish(), second.finish()]
    for result in done:
        assert result.returncode == 0, result.stderr
    assert sorted(numbers(www)) == [1, 2]
    assert watch.broken == [] and watch.seen
    assert live_release(www) == release_names(www)[-1]
    assert_clean(www)
    # The later one names the earlier one as its rollback target.
    earlier, last = release_names(www)
    later = next(r for r in done if f"版本 {last}\n" in r.stdout)
    assert f"上一版本 {earlier} 可用 --rollback 恢复" in later.stdout


def test_two_local_publishes_queue_on_the_lock(builds, tmp_path):
    www = tmp_path / "www"
    www.mkdir()
    two_at_once(www, str(www), builds, tmp_path)


def test_two_local_publishes_started_together(builds, tmp_path):
    """No help from the test: two processes race for the target; both succeed, one after the other."""
    www = tmp_path / "www"
    www.mkdir()
    with CurrentWatcher(www) as watch:
        running = [start_cli(tmp_path / "logs", *publish_args(str(www), builds[s])) for s in ("a", "b", "a")]
        done = [r.finish() for r in running]
    assert [r.returncode for r in done] == [0, 0, 0], [r.stderr for r in done]
    assert sorted(numbers(www)) == [1, 2, 3] and watch.broken == []
    assert_clean(www)


def test_a_busy_target_is_refused_cleanly_without_waiting(builds, tmp_path):
    www = tmp_path / "www"
    www.mkdir()
    for site in ("a", "b"):
        assert run_cli(*publish_args(str(www), builds[site])).returncode == 0
    before = release_names(www)
    held = hold_lock(www)
    done = run_cli(*publish_args(str(www), builds["a"], "--wait", "0"))
    assert done.returncode == 1
    assert WAITING in done.stderr and "--break-lock" in done.stderr and "未发布：线上网站未改动" in done.stderr
    assert str(os.getpid()) in done.stderr                     # who holds it
    assert held.is_dir()                                       # a live owner's lock is never removed
    forced = run_cli(*publish_args(str(www), builds["a"], "--wait", "0", "--break-lock"))
    assert forced.returncode == 1 and "不能清除发布锁" in forced.stderr and "仍在运行" in forced.stderr
    assert held.is_dir()
    rollback = run_cli("publish", str(www), "--rollback", "--wait", "0")
    assert rollback.returncode == 1 and WAITING in rollback.stderr
    assert release_names(www) == before and live_release(www) == before[-1]


def killed_mid_publish(www, target: str, site, tmp_path, *extra: str) -> int:
    """Start a publish and kill -9 it (and its ssh/rsync children) while it holds the lock."""
    running = start_cli(tmp_path / "logs", *publish_args(target, site, *extra))
    pid = lock_holder_pid(www)
    assert pid == running.process.pid, running.finish().stderr
    os.killpg(running.process.pid, signal.SIGKILL)
    running.process.wait(timeout=10)
    return pid


def stale_lock_is_reported_then_broken(www, target: str, builds, tmp_path, *extra: str) -> None:
    assert run_cli(*publish_args(target, builds["a"], *extra)).returncode == 0
    first = release_names(www)
    pid = killed_mid_publish(www, target, builds["big"], tmp_path, *extra)
    assert (www / "publish.lock").is_dir() and live_release(www) == first[0]

    again = run_cli(*publish_args(target, builds["b"], *extra))
    assert again.returncode == 1
    assert STALE in again.stderr and f"进程 {pid}" in again.stderr and "--break-lock" in again.stderr
    assert "publish.lock" in again.stderr
    assert json.loads((www / "publish.lock" / "owner.json").read_text())["pid"] == pid   # not broken
    assert release_names(www) == first and live_release(www) == first[0]

    broken = run_cli(*publish_args(target, builds["b"], *extra, "--break-lock"))
    assert broken.returncode == 0, broken.stderr
    assert "已按 --break-lock 清除发布锁" in broken.stderr and f"进程 {pid}" in broken.stderr
    assert numbers(www) == [1, 2] and live_release(www) == release_names(www)[-1]
    assert_clean(www)                                           # the killed publish's partial is gone too


def test_a_killed_local_publish_leaves_a_stale_lock_that_is_reported(builds, tmp_path):
    www = tmp_path / "www"
    www.mkdir()
    stale_lock_is_reported_then_broken(www, str(www), builds, tmp_path)


# --- over SSH ---------------------------------------------------------------------------------


def test_two_publishes_over_ssh_queue_on_the_servers_lock(sshd, builds, tmp_path):
    user, _, options = sshd
    www = tmp_path / "www"
    www.mkdir()
    two_at_once(www, f"{user}@127.0.0.1:{www}", builds, tmp_path, "--ssh-options", options)


def test_a_killed_publish_over_ssh_leaves_a_stale_lock_that_is_reported(sshd, builds, tmp_path):
    user, _, options = sshd
    www = tmp_path / "www"
    www.mkdir()
    stale_lock_is_reported_then_broken(www, f"{user}@127.0.0.1:{www}", builds, tmp_path, "--ssh-options", options)
