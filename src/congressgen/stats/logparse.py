"""Access-log lines → the few fields a count needs, still as bytes (decoding every line
would halve the speed; only a path that is looked up for the first time is decoded).

Formats:
- `combined`: nginx's default and Apache's `combined`:
  `addr - user [time] "request" status bytes "referer" "user agent"`, anything after;
- `json`: one object per line, e.g. nginx `log_format ... escape=json`, with `time_local`
  (or `time_iso8601`), `request` (or `request_method` + `request_uri`), `status`,
  `body_bytes_sent`, `http_user_agent` and, optionally, `http_range`.

A parsed line is a tuple `(time, method, target, status, body_bytes, user_agent, range)`,
`time` in the log's own form `19/Jan/2024:10:00:00 +0800`, `range` None when not logged.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import re
from functools import partial
from pathlib import Path
from typing import BinaryIO, Callable, Iterator, Optional, Tuple

from congressgen.content import TZ

Fields = Tuple[bytes, bytes, bytes, bytes, bytes, bytes, Optional[bytes]]
Parser = Callable[[bytes], Optional[Fields]]

MONTHS = {name: number for number, name in enumerate(
    (b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov", b"Dec"), 1)}
MONTH_NAMES = {number: name for name, number in MONTHS.items()}

# Fast path: nginx writes a double quote inside a field as \x22, so fields hold no quote.
_COMBINED = re.compile(
    rb'\S+ \S+ \S+ \[([^\]]*)\] "([A-Z]+) ([^ "]+)[^"]*" (\d{3}) (\d+|-) "[^"]*" "([^"]*)"(?:\s|$)')
# Apache writes it as \" — and anything else goes through this slower, general pattern.
_QUOTED = rb'"([^"\\]*(?:\\.[^"\\]*)*)"'
_COMBINED_ESCAPED = re.compile(
    rb'\S+ \S+ \S+ \[([^\]]*)\] ' + _QUOTED + rb' (\d{3}) (\d+|-) ' + _QUOTED + rb' ' + _QUOTED + rb'(?:\s|$)')
_METHOD = re.compile(rb"[A-Z]+")
_CLF_TIME = re.compile(rb"(\d{2})/([A-Z][a-z]{2})/(\d{4}):(\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})")


def parse_combined(raw: bytes) -> Fields | None:
    m = _COMBINED.match(raw)
    if m is not None:
        time, method, target, status, size, agent = m.groups()
        return time, method, target, status, size, agent, None
    m = _COMBINED_ESCAPED.match(raw)
    if m is None:
        return None
    time, request, status, size, _referer, agent = m.groups()
    method, _, rest = request.partition(b" ")
    if not _METHOD.fullmatch(method) or not rest:
        method = b""           # not an HTTP request line (e.g. TLS bytes sent to port 80)
    return time, method, rest.split(b" ", 1)[0], status, size, agent, None


def _text(value) -> bytes:
    if value is None:
        return b""
    return str(value).encode("utf-8", "surrogateescape")


def parse_json(raw: bytes) -> Fields | None:
    try:
        # nginx's escape=json leaves non-UTF-8 bytes as they are; keep them, byte for byte.
        record = json.loads(raw.decode("utf-8", "surrogateescape"))
    except (ValueError, RecursionError):    # RecursionError: hostile nesting ([[[[… 5,000 deep)
        return None
    if not isinstance(record, dict):
        return None
    time = record.get("time_local")
    if time is None and record.get("time_iso8601") is not None:
        time = iso_to_clf(str(record["time_iso8601"]))
    request = record.get("request")
    if isinstance(request, str) and request:
        method, _, rest = request.partition(" ")
        target = rest.split(" ", 1)[0]
    else:
        method, target = record.get("request_method"), record.get("request_uri") or record.get("uri")
    status, agent = record.get("status"), record.get("http_user_agent", record.get("user_agent"))
    if not time or not method or not target or status is None:
        return None
    size = record.get("body_bytes_sent", record.get("bytes_sent", "-"))
    rng = record.get("http_range", record.get("range"))
    method_bytes = _text(method)
    return (_text(time), method_bytes if _METHOD.fullmatch(method_bytes) else b"", _text(target),
            _text(status), _text(size), _text(agent), _text(rng) if rng not in (None, "", "-") else None)


def iso_to_clf(text: str) -> str:
    """'2024-01-19T10:00:00+08:00' → '19/Jan/2024:10:00:00 +0800' ('' when it is not a time)."""
    try:
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return ""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=TZ)
    offset = int(moment.utcoffset().total_seconds()) // 60
    sign, offset = ("-", -offset) if offset < 0 else ("+", offset)
    return (f"{moment.day:02d}/{MONTH_NAMES[moment.month].decode()}/{moment.year:04d}:"
            f"{moment.hour:02d}:{moment.minute:02d}:{moment.second:02d} {sign}{offset // 60:02d}{offset % 60:02d}")


PARSERS: dict[str, Parser] = {"combined": parse_combined, "json": parse_json}
# The pattern most lines of a format match, tried inline before the parser (speed).
FAST_PATTERNS: dict[str, "re.Pattern[bytes] | None"] = {"combined": _COMBINED, "json": None}


def day_of(time: bytes) -> int | None:
    """The day a request counts for, in China Standard Time (the sites' readers' day, the
    same zone as `--now`), as YYYYMMDD; None when the time cannot be read."""
    m = _CLF_TIME.fullmatch(time)
    if m is None or m.group(2) not in MONTHS:
        return None
    d, mon, y, hh, mm, ss, sign, oh, om = m.groups()
    offset = dt.timedelta(hours=int(oh), minutes=int(om)) * (-1 if sign == b"-" else 1)
    try:
        moment = dt.datetime(int(y), MONTHS[mon], int(d), int(hh), int(mm), int(ss),
                             tzinfo=dt.timezone(offset)).astimezone(TZ)
    except (ValueError, OverflowError):
        return None
    return moment.year * 10000 + moment.month * 100 + moment.day


def is_gzip(path: Path) -> bool:
    with open(path, "rb") as probe:
        return probe.read(2) == b"\x1f\x8b"


def open_log(path: Path) -> BinaryIO:
    """A log file as a binary stream; rotated `.gz` files are recognised by content, not name."""
    if is_gzip(path):
        return gzip.open(path, "rb")
    return open(path, "rb", buffering=1 << 20)


# No real access-log line comes near this (nginx's own request-line limit is 8 KiB); a longer
# one is read in pieces of this size and skipped as malformed, so memory stays bounded even for
# a gzip bomb that inflates to gigabytes without a newline.
LINE_LIMIT = 64 * 1024


def log_lines(stream: BinaryIO) -> Iterator[bytes]:
    """The stream's lines, none longer than LINE_LIMIT: a longer line comes as pieces, all but
    the last of exactly LINE_LIMIT bytes without a newline (see `ingest.scan`)."""
    return iter(partial(stream.readline, LINE_LIMIT), b"")


# What reading a damaged compressed file raises: truncated (EOFError), bad CRC or header
# (BadGzipFile, an OSError), corrupt deflate data (zlib.error).
def read_errors() -> tuple[type[BaseException], ...]:
    import zlib

    return (EOFError, OSError, zlib.error)
