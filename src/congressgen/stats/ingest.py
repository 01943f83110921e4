"""`congressgen stats ingest`: access logs → per-day counts in the store.

What counts: a GET answered 200 for an article page (阅读) or an attachment (下载量) —
or answered 206 for the first range of an attachment download. nginx's and Apache's
combined format do not log the Range header, so from those a 206 counts only when the
bytes sent equal the attachment's whole size: that response began at byte 0 and carried
the file to the end, the first and only range. Later ranges (a PDF viewer fetching pages,
a download manager's parallel parts, a resumed download) are shorter and do not count. With
`--format json` and `$http_range` logged, a 206 counts when its Range starts `bytes=0-`.

Every other line is skipped under the first reason that applies, in the order of REASONS.

Never twice: every counted line gets a request key, a 64-bit BLAKE2b hash of the raw line
(without its line ending) and of its occurrence number among identical lines of the same
second in the file (two readers behind one NAT can send byte-identical lines; nginx workers
write lines out of time order, so "A t0, B t1, A t0" is three requests). The request keys live
in the store; a line whose request key is already there is a duplicate. The identity is
the line itself, not the file, its name or its offset, so re-reading a log, a log that
overlaps another (copytruncate's copy and the truncated file; logs fetched twice), or one
that logrotate renamed or compressed adds nothing; files can be given in any order. Each
file is one transaction: a file is counted whole or not at all, except that a damaged
`.gz` keeps what was read before the damage. A last line without its newline is still
being written: it is left for the next ingestion.

The limits, by construction: byte-identical lines of the same second on both sides of a
file boundary (a rotation at that very second) are taken for one request — an undercount
by one, never a double count; and occurrence numbers are remembered for the latest
LINES_REMEMBERED counted lines, so an identical line that comes back after more than that
many others is taken for the earlier one (the same undercount). A line longer than
`logparse.LINE_LIMIT` is read in pieces and skipped as malformed (memory stays bounded). The store keeps one 8-byte request key per counted request
(about 21 bytes on disk with its day and the index).
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass, field
from hashlib import blake2b
from pathlib import Path
from typing import Callable, Iterable

from congressgen.config import SiteConfig
from congressgen.errors import CongressError, Diagnostic, Location
from congressgen.stats.bots import bot_pattern, is_bot
from congressgen.stats.logparse import (FAST_PATTERNS, LINE_LIMIT, PARSERS, Parser, day_of, log_lines, open_log,
                                        read_errors)
from congressgen.stats.store import StatsStore, db_path
from congressgen.stats.urlmap import DOWNLOAD, Target, UrlMap, load_url_map

REASONS = {
    "malformed": "无法解析的行",
    "incomplete": "末行不完整（正在写入，下次导入时再计）",
    "method": "非 GET 请求（HEAD、POST 等）",
    "error": "错误响应（4xx、5xx）",
    "status": "其他状态（跳转、304 未修改等）",
    "partial": "分段下载的后续部分（206）",
    "page": "首页、栏目、排行等非文章页面",
    "asset": "样式、脚本、图片等资源文件",
    "unknown": "不属于本站的路径",
    "bot": "爬虫和程序访问",
    "duplicate": "已统计过（重复或重叠的日志）",
}
SHOWN_PROBLEMS = 5          # malformed lines reported with file:line per file
LINES_REMEMBERED = 200_000  # counted lines whose occurrence numbers are kept (8-byte keys; see `scan`)
BATCH = 20_000              # counted lines held in memory before they go to the store
CACHE_LIMIT = 100_000       # distinct paths / user agents remembered (hostile logs have many)

Sink = Callable[[list], "tuple[int, int]"]


@dataclass
class FileResult:
    name: str
    lines: int = 0
    views: int = 0                  # newly counted
    downloads: int = 0
    skipped: dict[str, int] = field(default_factory=lambda: dict.fromkeys(REASONS, 0))
    problems: list[Diagnostic] = field(default_factory=list)
    failed: bool = False            # could not be read at all

    @property
    def counted(self) -> int:
        return self.views + self.downloads


@dataclass(frozen=True)
class Scanner:
    """What every file of one ingestion shares: the URL map, report numbers, bot pattern."""

    urlmap: UrlMap
    numbers: dict[str, int]          # report id → number in the store
    bots: re.Pattern[bytes]
    parse: Parser
    fast: re.Pattern[bytes] | None = None    # the format's usual lines, groups as Fields[:6]

    def target(self, path: bytes):
        found = self.urlmap.classify(path)
        if isinstance(found, Target):
            return self.numbers[found.report], found.kind, found.size
        return found


def _excerpt(raw: bytes) -> str:
    text = raw[:120].rstrip(b"\r\n").decode("utf-8", "backslashreplace")
    return "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in text)


def request_key(line: bytes, occurrence: int) -> int:
    if occurrence:
        line += b"\n%d" % occurrence
    return int.from_bytes(blake2b(line, digest_size=8).digest(), "little", signed=True)


def scan(lines: Iterable[bytes], scanner: Scanner, result: FileResult, sink: Sink) -> None:
    """The hot loop: classify every line, hand counted ones to `sink` in batches.
    Raises what reading raises (a damaged .gz); what was handed over before stays."""
    parse, classify, bots = scanner.parse, scanner.target, scanner.bots
    fast = scanner.fast.match if scanner.fast is not None else (lambda raw: None)
    skipped, name = result.skipped, result.name
    targets: dict = {}
    agents: dict = {}
    days: dict = {}
    # Occurrence counts of identical lines, per log time, keyed by the line's own request key:
    # workers write out of order, so a time comes back after others (A t0, B t1, A t0 is three
    # requests). The most recent times are kept, up to LINES_REMEMBERED lines in all.
    seconds: dict = {}
    remembered = 0
    same_second: dict = {}
    last_time = None
    piece = False          # inside an over-long line (pieces of LINE_LIMIT bytes)
    batch: list = []
    lineno = 0

    def malformed(number: int, raw: bytes, what: str) -> None:
        """Count a line that cannot be read; show the first few with file and line."""
        skipped["malformed"] += 1
        if skipped["malformed"] <= SHOWN_PROBLEMS:
            result.problems.append(Diagnostic(Location(name, number), f"{what}，已跳过：{_excerpt(raw)}", "warning"))

    try:
        for raw in lines:
            if raw[-1] != 10 or piece:  # b"\n"
                if len(raw) == LINE_LIMIT and raw[-1] != 10:
                    piece = True        # more of this line follows
                    continue
                lineno += 1
                if piece:
                    piece = False
                    malformed(lineno, raw[:120], f"日志行过长（超过 {LINE_LIMIT // 1024} KiB）")
                else:
                    skipped["incomplete"] += 1
                continue
            lineno += 1
            m = fast(raw)
            if m is not None:
                time, method, target, status, size, agent = m.groups()
                rng = None
            else:
                fields = parse(raw)
                if fields is None:
                    malformed(lineno, raw, "无法解析的日志行")
                    continue
                time, method, target, status, size, agent, rng = fields
            if method != b"GET":
                skipped["method" if method else ("error" if status[:1] in b"45" else "malformed")] += 1
                continue
            if status != b"200" and status != b"206":
                skipped["error" if status[:1] in b"45" else "status"] += 1
                continue
            path = target.split(b"?", 1)[0]
            hit = targets.get(path)
            if hit is None:
                if len(targets) > CACHE_LIMIT:
                    targets.clear()
                hit = targets[path] = classify(path)
            if hit.__class__ is str:
                skipped[hit] += 1
                continue
            if status == b"206" and not (hit[1] == DOWNLOAD and (
                    rng.startswith(b"bytes=0-") if rng is not None else size.isdigit() and int(size) == hit[2])):
                skipped["partial"] += 1
                continue
            bot = agents.get(agent)
            if bot is None:
                if len(agents) > CACHE_LIMIT:
                    agents.clear()
                bot = agents[agent] = is_bot(agent, bots)
            if bot:
                skipped["bot"] += 1
                continue
            key = time[:17] + time[20:]          # the minute and zone fix the day
            day = days.get(key)
            if day is None:
                day = day_of(time)
                if day is None:
                    malformed(lineno, raw, "日志行的时间无法识别")
                    continue
                days[key] = day
            line = raw.rstrip(b"\r\n")
            if time != last_time:
                same_second = seconds.get(time)
                if same_second is None:
                    while remembered > LINES_REMEMBERED and seconds:
                        remembered -= len(seconds.pop(next(iter(seconds))))   # the oldest time seen
                    same_second = seconds[time] = {}
                last_time = time
            first = request_key(line, 0)
            occurrence = same_second.get(first, 0)
            same_second[first] = occurrence + 1
            remembered += occurrence == 0
            batch.append((first if occurrence == 0 else request_key(line, occurrence), day, hit[0], hit[1]))
            if len(batch) >= BATCH:
                _flush(batch, sink, result)
                batch = []
        if piece:          # the file ends inside an over-long line
            lineno += 1
            skipped["incomplete"] += 1
    finally:
        result.lines = lineno
        if batch:
            _flush(batch, sink, result)


def _flush(batch: list, sink: Sink, result: FileResult) -> None:
    views, downloads = sink(batch)
    result.views += views
    result.downloads += downloads
    result.skipped["duplicate"] += len(batch) - views - downloads


def ingest_file(path: Path, scanner: Scanner, store: StatsStore, shown: str | None = None) -> FileResult:
    """One log file, one transaction."""
    result = FileResult(shown or str(path))
    try:
        stream = open_log(path)
    except OSError as exc:
        result.failed = True
        result.problems.append(Diagnostic(Location(result.name), f"无法打开日志文件：{_os_reason(exc)}"))
        return result
    store.begin()
    try:
        with stream:
            try:
                scan(log_lines(stream), scanner, result, store.add)
            except read_errors() as exc:
                result.problems.append(Diagnostic(
                    Location(result.name, result.lines + 1),
                    f"文件已损坏或不完整（{exc}）；此前完整读到的 {result.lines} 行已处理并保存，其后的内容无法读取", "warning"))
        if result.lines and result.skipped["malformed"] == result.lines:
            result.problems.append(Diagnostic(Location(result.name), "没有一行能够解析：日志格式是否与 --format 一致？", "warning"))
        store.record_ingest(result.name, result.lines, result.views, result.downloads, result.skipped["duplicate"])
        store.commit()
    except sqlite3.Error as exc:
        store.rollback()
        raise CongressError(Location(str(store.path)), f"写入统计数据库失败（{exc}）；{result.name} 的计数未保存") from None
    except BaseException:
        store.rollback()
        raise
    return result


def _os_reason(exc: OSError) -> str:
    if isinstance(exc, FileNotFoundError):
        return "文件不存在"
    if isinstance(exc, PermissionError):
        return "没有读取权限（可用 sudo 运行，或把运行用户加入 adm 组）"
    if isinstance(exc, IsADirectoryError):
        return "这是一个目录，请给出其中的日志文件"
    return exc.strerror or str(exc)


def make_scanner(config: SiteConfig, store: StatsStore, log_format: str, urlmap: UrlMap | None = None) -> Scanner:
    urlmap = urlmap or load_url_map(config)
    return Scanner(urlmap, store.report_numbers(urlmap.report_ids), bot_pattern(extra_bots(config)),
                   PARSERS[log_format], FAST_PATTERNS[log_format])


def extra_bots(config: SiteConfig) -> tuple[str, ...]:
    """`stats: {bots: [...]}` in congressgen.yaml: more user-agent tokens to skip."""
    for key in config.stats:
        if key != "bots":
            raise CongressError(Location(config.path), f"未知的统计配置项 “stats.{key}”；可用的只有 stats.bots（爬虫名称列表）")
    extra = config.stats.get("bots") or []
    if not isinstance(extra, list) or not all(isinstance(t, str) and t.strip() for t in extra):
        raise CongressError(Location(config.path), "stats.bots 应为文字列表，如 [MyCrawler, 某某巡检]")
    return tuple(t.strip() for t in extra)


def ingest(config: SiteConfig, logs: list[Path], log_format: str = "combined",
           shown: Callable[[Path], str] = str, urlmap: UrlMap | None = None) -> list[FileResult]:
    """Read every log into the store `data/stats.sqlite3`; bad lines never stop it."""
    store = StatsStore(db_path(config))
    try:
        scanner = make_scanner(config, store, log_format, urlmap)
        return [ingest_file(path, scanner, store, shown(path)) for path in logs]
    finally:
        store.close()
