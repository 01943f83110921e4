"""Address ledger: every address the site has published, so that none ever breaks.

`addresses.json` in the site folder (committed with the content) lists, per report id,
every address it was published under, its source file, the ids it had before and, when it
was withdrawn on purpose (撤稿), when and why. `publish` records each release into it;
`build` reads it and writes, at every old address of a report that moved, a redirect page
(and `redirects.nginx.conf` / `redirects.apache.conf` for real 301s), and at every address
of a withdrawn report a notice page.

Which current report is a ledger entry? (docs/document-life.md, "Same report, new id")
1. the one with the entry's id; else
2. the one that lists the entry's id in `former_ids:`; else
3. the one read from the entry's source file (an id renamed in place).
A report whose id and file name both changed needs `former_ids:`; without it the old
address is reported as dropped, and `publish` refuses.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import dataclass, field, replace
from pathlib import Path

from congressgen.errors import ContentError, Diagnostic, Location

LEDGER_FILE = "addresses.json"
LEDGER_FORMAT = 1
WITHDRAWALS_LOG = "logs/withdrawals.jsonl"
NGINX_SNIPPET = "redirects.nginx.conf"
APACHE_SNIPPET = "redirects.apache.conf"
_NOTE = "congressgen 记录的已发布网址（由 congressgen publish / withdraw 更新）。请随网站内容一起提交，不要删除条目。"


@dataclass(frozen=True)
class Withdrawal:
    date: str            # YYYY-MM-DD
    reason: str


@dataclass(frozen=True)
class LedgerEntry:
    id: str
    source: str
    addresses: tuple[str, ...]           # in the order they were first published
    former_ids: tuple[str, ...] = ()
    withdrawn: Withdrawal | None = None


@dataclass(frozen=True)
class Ledger:
    entries: tuple[LedgerEntry, ...] = ()

    def get(self, ident: str) -> LedgerEntry | None:
        return next((e for e in self.entries if e.id == ident), None)

    def with_entry(self, entry: LedgerEntry) -> "Ledger":
        others = tuple(e for e in self.entries if e.id != entry.id)
        return Ledger(tuple(sorted(others + (entry,), key=lambda e: e.id)))


@dataclass(frozen=True)
class Published:
    """A report as the ledger sees it (from the model, or from a build record)."""

    id: str
    source: str
    path: str
    former_ids: tuple[str, ...] = ()


def published_of(reports: list) -> list[Published]:
    return [Published(r.id, r.source, r.path, tuple(r.fm.former_ids)) for r in reports]


@dataclass(frozen=True)
class Redirect:
    old: str             # site path of the old address
    report: object       # the Report it moved to


@dataclass(frozen=True)
class Notice:
    path: str            # site path of a withdrawn report's address
    entry: LedgerEntry


@dataclass
class AddressPlan:
    """What the build must write for the ledger's addresses, and what it cannot keep."""

    redirects: list[Redirect] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
    dropped: list[tuple[str, LedgerEntry]] = field(default_factory=list)   # (address, entry)
    errors: list[Diagnostic] = field(default_factory=list)


# ---------------------------------------------------------------------------------------
# The file


def load_ledger(root: Path) -> Ledger:
    path = root / LEDGER_FILE
    if not path.is_file():
        return Ledger()
    text = path.read_text(encoding="utf-8")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ContentError(Location(LEDGER_FILE, exc.lineno, exc.colno), f"网址记录格式错误：{exc.msg}") from None
    reports = data.get("reports") if isinstance(data, dict) else None
    if not isinstance(reports, dict):
        raise ContentError(Location(LEDGER_FILE, 1, 1), "网址记录缺少 “reports” 映射")
    entries = []
    for ident, item in reports.items():
        try:
            withdrawn = item.get("withdrawn")
            entries.append(LedgerEntry(
                str(ident), str(item.get("source", "")), tuple(str(a) for a in item["addresses"]),
                tuple(str(i) for i in item.get("former_ids", ())),
                Withdrawal(str(withdrawn["date"]), str(withdrawn["reason"])) if withdrawn else None))
        except (AttributeError, KeyError, TypeError):
            line = next((n for n, row in enumerate(text.split("\n"), 1) if f'"{ident}"' in row), 1)
            raise ContentError(Location(LEDGER_FILE, line, 1),
                               f"网址记录中 “{ident}” 的条目不完整（需要 addresses 列表）") from None
    return Ledger(tuple(sorted(entries, key=lambda e: e.id)))


def dump_ledger(ledger: Ledger) -> str:
    reports = {}
    for e in sorted(ledger.entries, key=lambda e: e.id):
        item: dict = {"source": e.source, "addresses": list(e.addresses)}
        if e.former_ids:
            item["former_ids"] = list(e.former_ids)
        if e.withdrawn:
            item["withdrawn"] = {"date": e.withdrawn.date, "reason": e.withdrawn.reason}
        reports[e.id] = item
    data = {"format": LEDGER_FORMAT, "note": _NOTE, "reports": reports}
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def save_ledger(root: Path, ledger: Ledger) -> Path:
    """Write the ledger (only when its text changes), atomically."""
    path = root / LEDGER_FILE
    text = dump_ledger(ledger)
    if path.is_file() and path.read_text(encoding="utf-8") == text:
        return path
    temporary = path.with_name(f".{LEDGER_FILE}.tmp-{os.getpid()}")
    temporary.write_text(text, encoding="utf-8", newline="\n")
    os.replace(temporary, path)
    return path


# ---------------------------------------------------------------------------------------
# Reports and entries


def match(ledger: Ledger, reports: list[Published]) -> dict[str, Published]:
    """Ledger entry id → the current report it is (see the module's rules)."""
    by_id = {r.id: r for r in reports}
    by_former = {f: r for r in reports for f in r.former_ids}
    by_source = {r.source: r for r in reports}
    matched: dict[str, object] = {}
    taken: set[int] = set()
    for rule in ("id", "former", "source"):
        for entry in ledger.entries:
            if entry.id in matched:
                continue
            if rule == "id":
                report = by_id.get(entry.id)
            elif rule == "former":
                report = by_former.get(entry.id)
            else:
                report = by_source.get(entry.source)
                # an entry whose id another report still uses is that report's, not this file's
                if report is not None and ledger.get(report.id) is not None and report.id != entry.id:
                    report = None
            if report is not None and id(report) not in taken:
                matched[entry.id] = report
                taken.add(id(report))
    return matched


def plan(ledger: Ledger, reports: list, locate=None) -> AddressPlan:
    """Redirects, withdrawal notices and dropped addresses for this set of reports."""
    result = AddressPlan()
    if not ledger.entries:        # nothing published yet: nothing to keep (no pass over the reports)
        return result
    current = {r.path for r in reports}
    by_id = {r.id: r for r in reports}
    matched = {entry: by_id[p.id] for entry, p in match(ledger, published_of(reports)).items()}
    for entry in ledger.entries:
        report = matched.get(entry.id)
        if entry.withdrawn is not None:
            if report is not None and not report.fm.draft:   # (check's model includes drafts)
                where = locate(report) if locate else Location(report.source, 1, 1)
                result.errors.append(Diagnostic(where, f"“{entry.id}” 已于 {entry.withdrawn.date} 撤稿（{WITHDRAWALS_LOG}），"
                                                       "但源文件仍在；请删除源文件，或设 draft: true"))
                continue
            result.notices += [Notice(a, entry) for a in entry.addresses if a not in current]
            continue
        for address in entry.addresses:
            if address in current:
                continue
            if report is None:
                result.dropped.append((address, entry))
            else:
                result.redirects.append(Redirect(address, report))
    result.redirects.sort(key=lambda r: r.old)
    result.notices.sort(key=lambda n: n.path)
    return result


def recorded(ledger: Ledger, reports: list[Published]) -> Ledger:
    """The ledger once these reports are published: each report's entry (found by `match`,
    renamed to its current id) gains its current address; new reports get an entry."""
    matched = {id(r): ident for ident, r in match(ledger, reports).items()}
    entries = {e.id: e for e in ledger.entries}
    for report in reports:
        old_id = matched.get(id(report))
        entry = entries.pop(old_id) if old_id is not None else LedgerEntry(report.id, report.source, ())
        former = entry.former_ids + ((entry.id,) if entry.id != report.id else ())
        former = tuple(dict.fromkeys(f for f in former + tuple(report.former_ids) if f != report.id))
        addresses = entry.addresses + (() if report.path in entry.addresses else (report.path,))
        entries[report.id] = replace(entry, id=report.id, source=report.source, addresses=addresses,
                                     former_ids=former)
    return Ledger(tuple(sorted(entries.values(), key=lambda e: e.id)))


def withdrawn(ledger: Ledger, ident: str, reason: str, day: dt.date) -> Ledger:
    entry = ledger.get(ident) or next((e for e in ledger.entries if ident in e.former_ids), None)
    if entry is None:
        known = "、".join(e.id for e in ledger.entries[:8]) or "（网址记录为空：还没有发布过）"
        raise ContentError(Location(LEDGER_FILE), f"网址记录中没有 “{ident}”，只能撤下已发布过的文件；已记录的有：{known}")
    if not reason.strip():
        raise ContentError(Location(LEDGER_FILE), "撤稿必须写明原因（--reason）")
    return ledger.with_entry(replace(entry, withdrawn=Withdrawal(day.isoformat(), reason.strip())))


def log_withdrawal(root: Path, entry: LedgerEntry, when: dt.datetime, who: str) -> Path:
    """Append one line to the audit log `logs/withdrawals.jsonl`."""
    path = root / WITHDRAWALS_LOG
    path.parent.mkdir(parents=True, exist_ok=True)
    line = json.dumps({"time": when.isoformat(timespec="seconds"), "id": entry.id, "source": entry.source,
                       "addresses": list(entry.addresses), "reason": entry.withdrawn.reason, "by": who},
                      ensure_ascii=False)
    with path.open("a", encoding="utf-8", newline="\n") as f:
        f.write(line + "\n")
    return path


# ---------------------------------------------------------------------------------------
# Server snippets (for sites that want real 301s instead of redirect pages)


def _web_path(base_path: str, site_path: str) -> str:
    return "/" + base_path.strip("/") + ("/" if base_path.strip("/") else "") + site_path


def nginx_snippet(redirects: list[Redirect], base_path: str) -> str:
    """`location = /old { return 301 /new; }` lines, to include inside a `server { }` block."""
    lines = ["# congressgen: 已迁移网址的 301 转向。在 nginx 的 server { } 中 include 本文件。",
             "# congressgen: 301 redirects of moved addresses; include inside a server { } block."]
    for r in redirects:
        old, new = _web_path(base_path, r.old), _web_path(base_path, r.report.path)
        lines.append(f"location = {old} {{ return 301 {new}; }}")
    return "\n".join(lines) + "\n"


def apache_snippet(redirects: list[Redirect], base_path: str) -> str:
    """mod_alias `Redirect 301` lines, for the virtual host or a .htaccess file."""
    lines = ["# congressgen: 已迁移网址的 301 转向（Apache mod_alias；可放入虚拟主机配置或 .htaccess）。"]
    for r in redirects:
        lines.append(f"Redirect 301 {_web_path(base_path, r.old)} {_web_path(base_path, r.report.path)}")
    return "\n".join(lines) + "\n"


def dropped_refusals(build: Path, root: Path) -> list[str]:
    """For `publish`: each previously published address that this build no longer serves
    (no page, no redirect, no withdrawal notice), with the reason in words."""
    ledger = load_ledger(root)
    problems = []
    for entry in ledger.entries:
        for address in entry.addresses:
            if not (build / address).is_file():
                problems.append(f"已发布的网址 {address}（{entry.id}，{entry.source}）在本次构建中不存在，"
                                f"也没有转向页面：访问者会看到 404。若文件改了 id 和文件名，请在前置信息中写 "
                                f"former_ids: [{entry.id}]；若有意撤下，请运行 congressgen withdraw {entry.id} --reason 原因")
    return problems
