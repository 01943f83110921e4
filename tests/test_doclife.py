"""A document's life: addresses that never break (ledger, redirects, 301 snippets, withdraw),
解读 ↔ 原文件, structured 有效性 with its state on the build day, 纠错 and 收藏."""

from __future__ import annotations

import json
import posixpath
import re
import shutil
import subprocess
import textwrap
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from conftest import report_text, run_cli, write

from congressgen.build import BuildOptions, build
from congressgen.errors import BuildFailed

A1 = "reports/202401/t20240119_qs-2024.html"        # first published
A2 = "reports/202402/t20240203_qs-2024.html"        # after the date was corrected
A3 = "reports/202402/t20240203_qs-zxt-2024.html"    # after the id was renamed
OTHER = "reports/202403/t20240301_other.html"


def cli_ok(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    done = run_cli(*args, cwd=cwd)
    assert done.returncode == 0, done.stdout + done.stderr
    return done


def publish(site: Path, target: Path) -> subprocess.CompletedProcess:
    target.mkdir(exist_ok=True)
    return run_cli("publish", str(target), cwd=site)


def set_front(path: Path, key: str, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert f"{key}: {old}\n" in text
    path.write_text(text.replace(f"{key}: {old}\n", f"{key}: {new}\n", 1), encoding="utf-8")


def ledger(site: Path) -> dict:
    return json.loads((site / "addresses.json").read_text(encoding="utf-8"))["reports"]


@pytest.fixture(scope="module")
def moved(tmp_path_factory):
    """A site published, then its report's date corrected and published, then its id renamed:
    (site, build, target)."""
    from conftest import MINIMAL_CONFIG

    site = tmp_path_factory.mktemp("moved") / "site"
    write(site / "congressgen.yaml", MINIMAL_CONFIG)
    source = write(site / "content/reports/qs.md", report_text("青山镇主席团工作报告", "2024-01-19", id="qs-2024"))
    write(site / "content/reports/other.md", report_text("另一篇报告", "2024-03-01", id="other"))
    target = site.parent / "www"
    cli_ok("build", "--quiet", cwd=site)
    assert publish(site, target).returncode == 0
    assert ledger(site)["qs-2024"]["addresses"] == [A1]
    set_front(source, "date", "2024-01-19", "2024-02-03")
    cli_ok("build", "--quiet", cwd=site)
    assert (site / "build" / A1).is_file() and (site / "build" / A2).is_file()
    assert publish(site, target).returncode == 0
    assert ledger(site)["qs-2024"]["addresses"] == [A1, A2]
    set_front(source, "id", "qs-2024", "qs-zxt-2024")
    cli_ok("build", "--quiet", cwd=site)
    return site, site / "build", target


def redirect_target(page: Path) -> tuple[str, str, str]:
    text = page.read_text(encoding="utf-8")
    refresh = re.search(r'<meta http-equiv="refresh" content="0; url=([^"]+)">', text).group(1)
    canonical = re.search(r'<link rel="canonical" href="([^"]+)">', text).group(1)
    visible = re.search(r'<a href="([^"]+)">', text).group(1)
    return refresh, canonical, visible


def test_date_then_id_change_leaves_a_redirect_at_both_old_addresses(moved):
    site, out, _ = moved
    assert (out / A3).is_file()
    for old in (A1, A2):
        refresh, canonical, visible = redirect_target(out / old)
        assert refresh == visible == posixpath.relpath(A3, posixpath.dirname(old))
        assert canonical == "https://rd.example.gov.cn/" + A3
        assert 'name="robots" content="noindex"' in (out / old).read_text(encoding="utf-8")
    nginx = (out / "redirects.nginx.conf").read_text(encoding="utf-8")
    assert f"location = /{A1} {{ return 301 /{A3}; }}" in nginx
    assert f"location = /{A2} {{ return 301 /{A3}; }}" in nginx
    apache = (out / "redirects.apache.conf").read_text(encoding="utf-8")
    assert f"Redirect 301 /{A1} /{A3}" in apache and f"Redirect 301 /{A2} /{A3}" in apache
    # the renamed id is the same report: found by its source file, and recorded as such
    assert publish(site, site.parent / "www").returncode == 0
    entry = ledger(site)["qs-zxt-2024"]
    assert entry["addresses"] == [A1, A2, A3] and entry["former_ids"] == ["qs-2024"]
    assert "qs-2024" not in ledger(site)


def test_ledger_is_deterministic_and_survives_a_fresh_clone(moved, tmp_path):
    site, out, _ = moved
    if not shutil.which("git"):
        pytest.skip("git missing")
    text = (site / "addresses.json").read_text(encoding="utf-8")
    from congressgen.model.ledger import dump_ledger, load_ledger

    assert dump_ledger(load_ledger(site)) == text
    from congressgen.scaffold import GITIGNORE

    (site / ".gitignore").write_text(GITIGNORE, encoding="utf-8")
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid"]
    subprocess.run(git + ["init", "-q", str(site)], check=True)
    subprocess.run(git + ["-C", str(site), "add", "-A"], check=True)
    subprocess.run(git + ["-C", str(site), "commit", "-qm", "site"], check=True)
    tracked = subprocess.run(["git", "-C", str(site), "ls-files"], capture_output=True, text=True).stdout.split()
    assert "addresses.json" in tracked and not any(t.startswith("build/") for t in tracked)
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(site), str(clone)], check=True)
    cli_ok("build", "--quiet", cwd=clone)
    for old in (A1, A2):
        assert (clone / "build" / old).read_bytes() == (out / old).read_bytes()


def test_publish_refuses_a_dropped_address_and_accepts_after_withdraw(moved, tmp_path):
    site, _, target = moved
    copy = tmp_path / "site"
    shutil.copytree(site, copy, ignore=shutil.ignore_patterns("build", ".congressgen-cache", ".git"))
    (copy / "content/reports/other.md").unlink()
    built = run_cli("build", cwd=copy)
    assert built.returncode == 0 and OTHER in built.stderr + built.stdout     # a warning names it
    www = tmp_path / "www"
    refused = publish(copy, www)
    assert refused.returncode != 0
    assert OTHER in refused.stderr and "withdraw other" in refused.stderr
    assert not (www / "current").exists()

    done = cli_ok("withdraw", "other", "--reason", "内容有误，已另行发布更正", cwd=copy)
    assert OTHER in done.stdout
    [line] = (copy / "logs/withdrawals.jsonl").read_text(encoding="utf-8").splitlines()
    record = json.loads(line)
    assert record["id"] == "other" and record["reason"] == "内容有误，已另行发布更正"
    assert record["addresses"] == [OTHER] and record["source"] == "content/reports/other.md"
    assert ledger(copy)["other"]["withdrawn"]["reason"] == "内容有误，已另行发布更正"

    cli_ok("build", "--quiet", cwd=copy)
    notice = (copy / "build" / OTHER).read_text(encoding="utf-8")
    assert "本文已撤稿" in notice and "内容有误，已另行发布更正" in notice
    assert '<meta name="robots" content="noindex">' in notice
    assert publish(copy, www).returncode == 0
    assert "本文已撤稿" in (www / "current" / OTHER).read_text(encoding="utf-8")


def test_withdraw_refuses_an_unpublished_id_and_a_present_source_fails_the_build(moved, tmp_path):
    site, _, _ = moved
    copy = tmp_path / "site"
    shutil.copytree(site, copy, ignore=shutil.ignore_patterns("build", ".congressgen-cache", ".git"))
    unknown = run_cli("withdraw", "never-published", "--reason", "x", cwd=copy)
    assert unknown.returncode == 1 and "never-published" in unknown.stderr
    assert not (copy / "logs/withdrawals.jsonl").exists()
    cli_ok("withdraw", "other", "--reason", "重复发布", cwd=copy)
    failed = run_cli("build", "--quiet", cwd=copy)            # the source is still there
    assert failed.returncode == 1 and "content/reports/other.md:" in failed.stderr and "撤稿" in failed.stderr


def test_former_ids_ties_a_renamed_file_and_id_to_its_addresses(moved, tmp_path):
    site, _, _ = moved
    copy = tmp_path / "site"
    shutil.copytree(site, copy, ignore=shutil.ignore_patterns("build", ".congressgen-cache", ".git"))
    (copy / "content/reports/other.md").unlink()
    write(copy / "content/reports/renamed.md", report_text("另一篇报告", "2024-03-01", id="other-2024",
                                                           former_ids="[other]"))
    cli_ok("build", "--quiet", cwd=copy)
    refresh, _, _ = redirect_target(copy / "build" / OTHER)
    assert refresh == "t20240301_other-2024.html"
    assert publish(copy, tmp_path / "www").returncode == 0


NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


@pytest.mark.slow
@pytest.mark.skipif(not Path(NGINX).exists(), reason="needs Debian's nginx")
def test_nginx_snippet_is_valid_and_a_real_nginx_answers_301(moved, tmp_path):
    from test_stats_nginx import Nginx

    _, out, _ = moved
    server = Nginx(tmp_path, out)
    text = server.conf.read_text(encoding="utf-8")
    assert "error_page 404 /rd/404.html;" in text
    server.conf.write_text(text.replace("error_page 404 /rd/404.html;",
                                        f"include {out / 'redirects.nginx.conf'};"), encoding="utf-8")
    tested = subprocess.run([NGINX, "-t", "-e", str(tmp_path / "error.log"), "-c", str(server.conf)],
                            capture_output=True, text=True)
    assert tested.returncode == 0, tested.stderr
    server.start()
    try:
        for old in (A1, A2):
            response = server.request("/" + old)
            assert response.status == 301
            assert urlsplit(response.getheader("Location")).path == "/" + A3
        assert server.request("/" + A3).status == 200
    finally:
        server.stop()


# ---------------------------------------------------------------------------------------------
# 解读 ↔ 原文件, 有效性


def test_interprets_links_both_ways(site_dir):
    write(site_dir / "content/reports/policy.md", report_text("某某办法", "2024-03-01", id="policy"))
    write(site_dir / "content/reports/policy2.md", report_text("另一办法", "2024-03-02", id="policy2"))
    write(site_dir / "content/news/jiedu.md", report_text("《某某办法》解读", "2024-03-05", id="jiedu",
                                                        interprets="[policy, policy2]"))
    result = build(BuildOptions(site_dir))
    paths = {r.id: r.path for r in result.site.reports}
    jiedu = (site_dir / "build" / paths["jiedu"]).read_text(encoding="utf-8")
    section = jiedu.split('id="originals-title">原文件</h2>', 1)[1].split("</section>", 1)[0]
    assert "某某办法" in section and "另一办法" in section and "../../reports/" in section
    for ident in ("policy", "policy2"):
        original = (site_dir / "build" / paths[ident]).read_text(encoding="utf-8")
        section = original.split('id="interpretations-title">相关解读</h2>', 1)[1].split("</section>", 1)[0]
        assert "《某某办法》解读" in section and "../../news/202403/t20240305_jiedu.html" in section
        assert "原文件</h2>" not in original


@pytest.mark.parametrize("target, draft, why", [("nothing", False, "不存在"), ("draft-policy", True, "草稿")])
def test_interprets_a_missing_or_unpublished_document_is_an_error_with_its_line(site_dir, target, draft, why):
    write(site_dir / "content/reports/draft.md", report_text("草稿办法", "2024-03-01", id="draft-policy", draft="true"))
    write(site_dir / "content/news/jiedu.md", report_text("解读", "2024-03-05", summary="摘要", interprets=target))
    with pytest.raises(BuildFailed) as info:
        build(BuildOptions(site_dir))
    [error] = [d for d in info.value.diagnostics if d.severity == "error"]
    assert str(error.location) == "content/news/jiedu.md:5:1" and target in error.message and why in error.message
    checked = run_cli("check", cwd=site_dir)
    assert checked.returncode == 1 and "content/news/jiedu.md:5:1" in checked.stdout


VALIDITY = """\
    ---
    title: {title}
    date: 2024-01-10
    id: {ident}
    validity:
      effective: 2024-02-01
      expires: 2025-12-31
    {more}
    ---

    正文。
    """


def validity_site(site_dir: Path) -> dict[str, str]:
    write(site_dir / "content/reports/old.md", VALIDITY.format(title="旧办法", ident="old", more="  abolished: 2025-06-30\n      replaced_by: new"))
    write(site_dir / "content/reports/new.md", report_text("新办法", "2025-06-20", id="new"))
    write(site_dir / "content/reports/timed.md", VALIDITY.format(title="限时办法", ident="timed", more=""))
    write(site_dir / "content/reports/plain.md", report_text("旧写法", "2024-01-01", id="plain", validity="有效"))
    return {r.id: r.path for r in build(BuildOptions(site_dir, site_dir / "probe", check=False)).site.reports}


def state_shown(html: str) -> str:
    return re.search(r'<dt>有效性</dt><dd[^>]*>([^<（]+)', html).group(1)


@pytest.mark.parametrize("day, old, timed", [
    ("2024-01-20", "尚未生效", "尚未生效"),
    ("2024-02-01", "有效", "有效"),
    ("2025-06-30", "已废止", "有效"),
    ("2025-12-31", "已废止", "有效"),
    ("2026-01-01", "已废止", "已失效"),
])
def test_each_validity_state_on_the_right_day(site_dir, day, old, timed):
    paths = validity_site(site_dir)
    run = run_cli("build", "--quiet", "--now", day, cwd=site_dir)
    assert run.returncode == 0, run.stderr
    out = site_dir / "build"
    old_html = (out / paths["old"]).read_text(encoding="utf-8")
    timed_html = (out / paths["timed"]).read_text(encoding="utf-8")
    assert state_shown(old_html) == old and state_shown(timed_html) == timed
    assert state_shown((out / paths["plain"]).read_text(encoding="utf-8")) == "有效"     # free text, as written
    banner = re.compile(r'<p class="validity-banner" role="note">(.*?)</p>', re.S)
    assert bool(banner.search(old_html)) == (old == "已废止")
    assert bool(banner.search(timed_html)) == (timed == "已失效")
    lapsed = (out / "lapsed.html").read_text(encoding="utf-8")
    rows = re.findall(r"<tr><td><a href=\"([^\"]+)\">", lapsed)
    assert rows == [p for p, shown in ((paths["old"], old), (paths["timed"], timed)) if shown in ("已废止", "已失效")]
    if old == "已废止":
        found = banner.search(old_html).group(1)
        assert "2025年06月30日 废止" in found and 'href="../202506/t20250620_new.html">新办法</a>' in found
        assert "新办法</a>" in lapsed and "<td>已废止</td><td>2025-06-30</td>" in lapsed
    if timed == "已失效":
        assert "<td>已失效</td><td>2025-12-31</td>" in lapsed


@pytest.mark.parametrize("more, line, words", [
    ("  abolished: 2024-01-15", 8, "废止日期"),
    ("  replaced_by: nobody", 8, "nobody"),
    ("  replaced_by: old", 8, "本文件"),
])
def test_each_impossible_validity_is_refused_with_its_line(site_dir, more, line, words):
    write(site_dir / "content/reports/old.md", VALIDITY.format(title="旧办法", ident="old", more=more))
    checked = run_cli("check", cwd=site_dir)
    assert checked.returncode == 1 and f"content/reports/old.md:{line}:" in checked.stdout and words in checked.stdout
    built = run_cli("build", "--quiet", cwd=site_dir)
    assert built.returncode == 1 and f"content/reports/old.md:{line}:" in built.stderr


def test_expiry_before_effective_is_refused_with_its_line(site_dir):
    write(site_dir / "content/reports/x.md", textwrap.dedent("""\
        ---
        title: 办法
        date: 2024-01-10
        validity:
          effective: 2024-02-01
          expires: 2024-01-31
        ---

        正文。
        """))
    checked = run_cli("check", cwd=site_dir)
    assert checked.returncode == 1 and "content/reports/x.md:6:3:" in checked.stdout and "失效日期" in checked.stdout


def test_check_warns_when_a_document_expires_within_30_days(site_dir):
    write(site_dir / "content/reports/t.md", VALIDITY.format(title="限时办法", ident="timed", more=""))
    soon = run_cli("check", "--now", "2025-12-05", cwd=site_dir)
    assert "content/reports/t.md:7:3: warning validity-expiring" in soon.stdout
    for day in ("2025-11-20", "2026-01-01"):
        assert "validity-expiring" not in run_cli("check", "--now", day, cwd=site_dir).stdout


# ---------------------------------------------------------------------------------------------
# 纠错, 收藏 (markup; behaviour in a browser: test_doclife_browser.py)


def test_error_report_link_carries_the_page_address_and_honours_the_config(site_dir):
    write(site_dir / "content/reports/a.md", report_text("报告", "2024-04-26", id="a"))
    out = build(BuildOptions(site_dir)).output
    html = (out / "reports/202404/t20240426_a.html").read_text(encoding="utf-8")
    href = re.search(r'<a class="jiucuo-link" href="([^"]+)"', html).group(1).replace("&amp;", "&")
    parts = urlsplit(href)
    assert parts.netloc == "zfwzgl.www.gov.cn"
    assert parse_qs(parts.query) == {"site_code": ["0000000000"], "url": ["https://rd.example.gov.cn/reports/202404/t20240426_a.html"]}
    config = site_dir / "congressgen.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "report_error_url: https://rd.example.gov.cn/jiucuo/?from=site\n",
                      encoding="utf-8")
    out = build(BuildOptions(site_dir)).output
    html = (out / "reports/202404/t20240426_a.html").read_text(encoding="utf-8")
    href = re.search(r'<a class="jiucuo-link" href="([^"]+)"', html).group(1).replace("&amp;", "&")
    assert href == "https://rd.example.gov.cn/jiucuo/?from=site&url=https%3A%2F%2Frd.example.gov.cn%2Freports%2F202404%2Ft20240426_a.html"


def test_ledger_matching_rules_and_snippet_paths_under_a_sub_path():
    from types import SimpleNamespace

    from congressgen.model.ledger import Ledger, LedgerEntry, match, nginx_snippet, plan, published_of, recorded

    def report(ident, source, path, former=()):
        return SimpleNamespace(id=ident, source=source, path=path, fm=SimpleNamespace(former_ids=former, draft=False))

    ledger = Ledger((LedgerEntry("a", "content/r/a.md", ("r/1/a.html",)),
                     LedgerEntry("b", "content/r/b.md", ("r/1/b.html",)),
                     LedgerEntry("c", "content/r/c.md", ("r/1/c.html",))))
    a = report("a", "content/r/moved-a.md", "r/2/a.html")           # same id, file moved: by id
    b2 = report("b2", "content/r/b.md", "r/1/b2.html")               # id renamed in place: by source
    c2 = report("c2", "content/r/c2.md", "r/1/c2.html", ("c",))      # both changed: by former_ids
    assert {k: v.id for k, v in match(ledger, published_of([a, b2, c2])).items()} == {"a": "a", "b": "b2", "c": "c2"}
    moved = plan(ledger, [a, b2, c2])
    assert [(r.old, r.report.id) for r in moved.redirects] == [("r/1/a.html", "a"), ("r/1/b.html", "b2"),
                                                               ("r/1/c.html", "c2")]
    assert moved.dropped == []
    # without former_ids the third is not guessed: its address is dropped
    c3 = report("c3", "content/r/c3.md", "r/1/c3.html")
    assert plan(ledger, [a, b2, c3]).dropped == [("r/1/c.html", ledger.entries[2])]
    after = recorded(ledger, published_of([a, b2, c2]))
    assert [(e.id, e.addresses, e.former_ids) for e in after.entries] == [
        ("a", ("r/1/a.html", "r/2/a.html"), ()), ("b2", ("r/1/b.html", "r/1/b2.html"), ("b",)),
        ("c2", ("r/1/c.html", "r/1/c2.html"), ("c",))]
    assert "location = /rd/r/1/a.html { return 301 /rd/r/2/a.html; }" in nginx_snippet(moved.redirects, "/rd/")


def test_a_broken_ledger_is_an_error_with_its_line_and_the_output_stays(site_dir):
    write(site_dir / "content/reports/a.md", report_text("报告", "2024-04-26", id="a"))
    cli_ok("build", "--quiet", cwd=site_dir)
    before = (site_dir / "build/index.html").read_bytes()
    write(site_dir / "addresses.json", '{"format": 1,\n "reports": {\n  "a": {"addresses": [}\n}}\n')
    failed = run_cli("build", "--quiet", cwd=site_dir)
    assert failed.returncode == 1 and "addresses.json:3:" in failed.stderr
    assert (site_dir / "build/index.html").read_bytes() == before
    assert (site_dir / "addresses.json").read_text(encoding="utf-8").startswith('{"format": 1,')


def test_the_same_build_publishes_to_a_second_target_after_the_ledger_was_written(site_dir, tmp_path):
    write(site_dir / "content/reports/a.md", report_text("报告", "2024-04-26", id="a"))
    cli_ok("build", "--quiet", cwd=site_dir)
    assert publish(site_dir, tmp_path / "staging").returncode == 0
    assert (site_dir / "addresses.json").is_file()
    second = publish(site_dir, tmp_path / "production")
    assert second.returncode == 0, second.stderr
    # a hand edit that does change the build's inputs is still caught: by the address check
    text = (site_dir / "addresses.json").read_text(encoding="utf-8")
    (site_dir / "addresses.json").write_text(text.replace('"addresses": [', '"addresses": [\n        "reports/gone.html",', 1),
                                             encoding="utf-8")
    refused = publish(site_dir, tmp_path / "production")
    assert refused.returncode == 1 and "reports/gone.html" in refused.stderr
