"""The store `data/stats.sqlite3` (standard-library sqlite3) and what a build reads from it.

Schema (version in `PRAGMA user_version`):
- `reports(num, id)`: report ids as the site model derives them — checked to be
  `[a-z0-9_-]` so nothing a page renders can come from a log line;
- `counts(day, report, kind, n)`: day as YYYYMMDD (China time), kind 0 = 阅读, 1 = 下载;
- `seen(fp, day)`: the fingerprint of every request counted, which is what makes ingesting
  the same, an overlapping or a rotated log again count nothing twice (see `ingest`);
- `ingests(...)`: one row per log file read, for `stats show`.

WAL mode: a build reading the store never blocks an ingestion and sees either all of
a log file's counts or none (one transaction per file).
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections import defaultdict
from pathlib import Path

from congressgen.config import SiteConfig
from congressgen.errors import CongressError, Location
from congressgen.model.types import Traffic

SCHEMA_VERSION = 1
DB_NAME = "stats.sqlite3"
RECENT_DAYS = 30
VIEW, DOWNLOAD = 0, 1   # same values as urlmap.VIEW/DOWNLOAD (kept import-free for the build)

_SCHEMA = """
CREATE TABLE reports (
    num INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE CHECK (length(id) BETWEEN 1 AND 80 AND id NOT GLOB '*[^a-z0-9_-]*')
);
CREATE TABLE counts (
    day INTEGER NOT NULL CHECK (day BETWEEN 19700101 AND 99991231),
    report INTEGER NOT NULL REFERENCES reports(num),
    kind INTEGER NOT NULL CHECK (kind IN (0, 1)),
    n INTEGER NOT NULL CHECK (n >= 0),
    PRIMARY KEY (day, report, kind)
) WITHOUT ROWID;
CREATE TABLE seen (fp INTEGER PRIMARY KEY, day INTEGER NOT NULL);
CREATE TABLE ingests (
    num INTEGER PRIMARY KEY, at TEXT NOT NULL, file TEXT NOT NULL, lines INTEGER NOT NULL,
    views INTEGER NOT NULL, downloads INTEGER NOT NULL, duplicates INTEGER NOT NULL
);
"""


def db_path(config: SiteConfig) -> Path:
    return config.root / config.data_dir / DB_NAME


def _day_int(day: dt.date) -> int:
    return day.year * 10000 + day.month * 100 + day.day


def day_text(day: int) -> str:
    return f"{day // 10000:04d}-{day // 100 % 100:02d}-{day % 100:02d}"


def _store_error(path: Path, exc: Exception) -> CongressError:
    return CongressError(Location(str(path)), f"无法读写统计数据库（{exc}）；可把它改名备份后重新导入日志")


class StatsStore:
    """A writable store; one per `stats ingest` run."""

    def __init__(self, path: Path):
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.db = sqlite3.connect(str(path), timeout=60, isolation_level=None)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self._migrate()
            self.db.execute("CREATE TEMP TABLE batch (fp INTEGER PRIMARY KEY, day INTEGER, report INTEGER, kind INTEGER)")
        except sqlite3.Error as exc:
            raise _store_error(path, exc) from None

    def _migrate(self) -> None:
        version = self.db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise CongressError(Location(str(self.path)),
                                f"统计数据库由更新版本的 congressgen 创建（版本 {version}），请升级 congressgen")
        if version == 0:  # a new store; IF NOT EXISTS so that two first ingests cannot clash
            schema = _SCHEMA.replace("CREATE TABLE", "CREATE TABLE IF NOT EXISTS")
            self.db.executescript(f"BEGIN IMMEDIATE;{schema}PRAGMA user_version = {SCHEMA_VERSION};COMMIT;")

    def close(self) -> None:
        self.db.close()

    # Writing: one transaction per log file.
    def begin(self) -> None:
        self.db.execute("BEGIN IMMEDIATE")

    def commit(self) -> None:
        self.db.execute("COMMIT")

    def rollback(self) -> None:
        if self.db.in_transaction:
            self.db.execute("ROLLBACK")

    def report_numbers(self, ids: list[str]) -> dict[str, int]:
        self.db.executemany("INSERT INTO reports(id) VALUES (?) ON CONFLICT(id) DO NOTHING", [(i,) for i in ids])
        return dict(self.db.execute("SELECT id, num FROM reports"))

    def add(self, batch: list[tuple[int, int, int, int]]) -> tuple[int, int]:
        """Add (fingerprint, day, report, kind) rows; only fingerprints never seen before
        are counted. Returns the number of new views and new downloads."""
        db = self.db
        db.executemany("INSERT OR IGNORE INTO temp.batch VALUES (?, ?, ?, ?)", batch)
        db.execute("DELETE FROM temp.batch WHERE EXISTS (SELECT 1 FROM seen s WHERE s.fp = batch.fp)")
        added = dict(db.execute("SELECT kind, count(*) FROM temp.batch GROUP BY kind"))
        db.execute("INSERT INTO counts(day, report, kind, n) SELECT day, report, kind, count(*) FROM temp.batch "
                   "WHERE true GROUP BY day, report, kind ON CONFLICT(day, report, kind) DO UPDATE SET n = n + excluded.n")
        db.execute("INSERT INTO seen(fp, day) SELECT fp, day FROM temp.batch")
        db.execute("DELETE FROM temp.batch")
        return added.get(VIEW, 0), added.get(DOWNLOAD, 0)

    def record_ingest(self, file: str, lines: int, views: int, downloads: int, duplicates: int) -> None:
        at = dt.datetime.now().astimezone().isoformat(timespec="seconds")
        self.db.execute("INSERT INTO ingests(at, file, lines, views, downloads, duplicates) VALUES (?, ?, ?, ?, ?, ?)",
                        (at, file, lines, views, downloads, duplicates))


def open_readonly(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=60, isolation_level=None)
    version = db.execute("PRAGMA user_version").fetchone()[0]
    if version != SCHEMA_VERSION:
        db.close()
        raise CongressError(Location(str(path)), f"统计数据库版本为 {version}，本程序只能读取版本 {SCHEMA_VERSION}")
    return db


def read_traffic(path: Path, now: dt.date) -> Traffic:
    """Counts up to and including `now` per report id; empty Traffic when there is no store
    or no data yet (pages then show no counts at all, never invented ones)."""
    if not path.is_file():
        return Traffic()
    last = _day_int(now)
    recent_from = _day_int(now - dt.timedelta(days=RECENT_DAYS - 1))
    try:
        db = open_readonly(path)
        try:
            db.execute("BEGIN")                  # one snapshot for every query below
            newest = db.execute("SELECT max(day) FROM counts WHERE day <= ?", (last,)).fetchone()[0]
            if newest is None:
                return Traffic()
            rows = db.execute("SELECT c.day / 10000, r.id, c.kind, c.day >= ?, sum(c.n) FROM counts c "
                              "JOIN reports r ON r.num = c.report WHERE c.day <= ? "
                              "GROUP BY c.day / 10000, c.report, c.kind, c.day >= ?",
                              (recent_from, last, recent_from)).fetchall()
            db.execute("COMMIT")
        finally:
            db.close()
    except sqlite3.Error as exc:
        raise _store_error(path, exc) from None
    return traffic_from_rows(rows, day_text(newest))


def traffic_from_rows(rows, as_of: str) -> Traffic:
    views: dict[str, int] = defaultdict(int)
    downloads: dict[str, int] = defaultdict(int)
    recent: dict[str, int] = defaultdict(int)
    by_year: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for year, report, kind, is_recent, n in rows:
        if kind == DOWNLOAD:
            downloads[report] += n
            continue
        views[report] += n
        by_year[year][report] += n
        if is_recent:
            recent[report] += n
    return Traffic(dict(views), dict(downloads), dict(recent),
                   {year: dict(counts) for year, counts in by_year.items()}, as_of)


def read_daily(path: Path) -> list[tuple[str, str, int, int]]:
    """Every count: (day 'YYYY-MM-DD', report id, views, downloads), oldest first."""
    if not path.is_file():
        return []
    try:
        db = open_readonly(path)
        try:
            rows = db.execute(
                "SELECT c.day, r.id, sum(CASE WHEN c.kind = 0 THEN c.n ELSE 0 END), "
                "sum(CASE WHEN c.kind = 1 THEN c.n ELSE 0 END) FROM counts c JOIN reports r ON r.num = c.report "
                "GROUP BY c.day, r.id ORDER BY c.day, r.id").fetchall()
        finally:
            db.close()
    except sqlite3.Error as exc:
        raise _store_error(path, exc) from None
    return [(day_text(day), report, v, d) for day, report, v, d in rows]


def read_ingests(path: Path, limit: int = 10) -> list[tuple]:
    if not path.is_file():
        return []
    try:
        db = open_readonly(path)
        try:
            return db.execute("SELECT at, file, lines, views, downloads, duplicates FROM ingests "
                              "ORDER BY num DESC LIMIT ?", (limit,)).fetchall()
        finally:
            db.close()
    except sqlite3.Error as exc:
        raise _store_error(path, exc) from None
