"""A seeded generator of hostile report files (front matter first) and the oracle the
property test and `benchmarks/fuzz_frontmatter.py` share: reading a file may fail only
with congressgen's own error type (a `path:line:col` for the clerk), never a traceback.

Cases mix the shapes the issue-16 fuzzer found crashes with: explicit tags (`!!timestamp`,
`!!bool`, `!!binary`, `!!set`…), anchors and aliases (bombs, recursion, merge keys),
mappings whose keys mix null, numbers, booleans and text, dates valid and not, deep
nesting, control characters and quotes, duplicate keys, CRLF, BOM and pasted GBK bytes,
and random byte mutations of all of these.
"""

from __future__ import annotations

import random

from congressgen import review
from congressgen.config import SiteConfig
from congressgen.content import KNOWN_KEYS, parse_source, read_source
from congressgen.errors import CongressError
from congressgen.yamlpos import load_mapping

KEYS = KNOWN_KEYS + ("x", "e", "~", "1", "true", "<<", "标题", "date ", "Title", "id\t", "? a")

SCALARS = (
    "", "~", "null", "true", "no", "0", "-1", "2024", "1e999", "0x1F", "0o17", ".nan", "-.inf",
    "99999999999999999999999999", "'9" + "9" * 50 + "'", "2024-04-26", "2024-13-45", "2024-02-30",
    "1800-01-01", "9999-12-31", "0001-01-01", "2024-04-26 09:30", "2024-04-26T25:61:00",
    "2024-04-26T09:30:00+08:00", "2024-04-26 09:30:00 +0800", "去年", "二〇二四年", '"引号"', "'单引号'",
    '"\\u0000"', '"\\x7f\\ud800"', '"\\t\\n"', "a: b", "[a, b]", "{a: 1}", "{~: 1, b: 2}", "{1: a, b: c}",
    "{true: 1, 2: x, ~: y, z: 3}", "[{file: a.csv}, {file: 3}]", "[1, [2, [3]]]", "|\n  多行\n  文字",
    ">\n  折叠", "!!timestamp", "!!timestamp 去年", "!!timestamp 2024-04-26", "!!bool maybe", "!!int 十",
    "!!float abc", "!!binary 不是base64", "!!binary aGVsbG8=", "!!set {a, b}", "!!omap [a: 1]",
    "!!omap [1, 2]", "!!pairs [a: 1]", "!!str 1", "!!null x", "!!map [a]", "!!seq {a: 1}",
    "!!python/object:os.system x", "!custom x", "&a 1", "*a", "*missing", "&r [*r]", "[&s 1, *s]",
    "{<<: {a: 1}, b: 2}", "{<<: [1]}", "{<<: *a}", "? [a]\n  : 1", "-", "- a\n  - b", "@x", "`x`",
    "%YAML 1.1", "--- x", "...", "#", "a #b", "'", '"', "{", "[", "]", "}", "{a: [}", ": x", "a:b:c",
    "\t制表", "\x00", "\x1b[31m", "\u2028", "\ufeff", "𠀀", "…" * 50,
)


def _parses(value: str) -> bool:
    try:
        load_mapping(f"k: {value}\n", "x")
        return True
    except CongressError:
        return False


# Values that are valid YAML on their own: half the cases use only these, so that most of
# those files get past the YAML parser into validation, the fingerprint and the limits.
WELL_FORMED = tuple(v for v in SCALARS if "\n" not in v and _parses(v))


def _value(rng: random.Random, depth: int = 0, pool: tuple = SCALARS) -> str:
    roll = rng.random()
    if depth < 3 and roll < 0.12:
        items = ", ".join(_value(rng, depth + 1, pool).replace("\n", " ") for _ in range(rng.randint(0, 4)))
        return f"[{items}]"
    if depth < 3 and roll < 0.22:
        keys = rng.sample(KEYS, rng.randint(0, 4)) if pool is WELL_FORMED else \
            [rng.choice(KEYS) for _ in range(rng.randint(0, 4))]
        items = ", ".join(f"{key}: {_value(rng, depth + 1, pool)}".replace("\n", " ") for key in keys
                          if pool is not WELL_FORMED or key.isalnum())
        return f"{{{items}}}"
    if roll < 0.25 and pool is SCALARS:
        return "[" * rng.randint(1, 120) + "]" * rng.randint(0, 120)
    return rng.choice(pool)


def _bomb(rng: random.Random) -> str:
    width, levels = rng.randint(2, 9), rng.randint(2, 12)
    lines = [f"b0: &b0 [{', '.join(['x'] * width)}]"]
    lines += [f"b{i}: &b{i} [{', '.join([f'*b{i - 1}'] * width)}]" for i in range(1, levels)]
    return "\n".join(lines)


def _front_matter(rng: random.Random) -> str:
    pool = WELL_FORMED if rng.random() < 0.5 else SCALARS
    lines = []
    if rng.random() < 0.9:
        lines.append(f"title: {rng.choice(('测试报告', '测试报告', _value(rng, 0, pool)))}")
    if rng.random() < 0.9:
        lines.append(f"date: {rng.choice(('2024-04-26', '2024-04-26 09:30', _value(rng, 0, pool)))}")
    keys = [k for k in KNOWN_KEYS + ("x", "e", "1", "true", "标题") if k not in ("title", "date")]
    for key in rng.sample(keys, rng.randint(0, 8)) if pool is WELL_FORMED else \
            [rng.choice(KEYS) for _ in range(rng.randint(0, 8))]:
        value = _value(rng, 0, pool)
        if "\n" in value:
            lines.append(f"{key}: " + value.replace("\n", "\n  "))
        elif rng.random() < 0.1:
            lines.append(f"{key}:\n  - {value}\n  - {_value(rng)}")
        else:
            lines.append(f"{key}: {value}")
    if rng.random() < 0.04:
        lines.append(_bomb(rng))
    if rng.random() < 0.03:
        lines.append("deep: " + "[" * rng.randint(50, 2000))
    rng.shuffle(lines) if rng.random() < 0.3 else None
    return "\n".join(lines)


def _body(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.05:
        return rng.choice(("- ", "> ", "1. ", "* ")) * rng.randint(10, 3000) + "x"
    if roll < 0.08:
        return "[" * rng.randint(10, 3000)
    return "一、工作回顾\n\n正文。\n"


def case(rng: random.Random) -> bytes:
    """One report file's bytes."""
    text = "---\n" + _front_matter(rng) + "\n---\n\n" + _body(rng)
    if rng.random() < 0.1:
        text = text.replace("\n", "\r\n")
    raw = text.encode("utf-8", "surrogatepass")
    roll = rng.random()
    if roll < 0.05:
        raw = b"\xef\xbb\xbf" + raw
    elif roll < 0.07:
        raw = raw.replace("测试".encode(), "测试".encode("gbk"))
    elif roll < 0.10:
        raw = text.encode("gb18030", errors="replace")
    if rng.random() < 0.08:          # random byte mutations
        data = bytearray(raw)
        for _ in range(rng.randint(1, 4)):
            if data:
                data[rng.randrange(len(data))] = rng.randrange(256)
        raw = bytes(data)
    return raw


CONFIG = SiteConfig(root=__import__("pathlib").Path("."))


def read_case(raw: bytes) -> None:
    """Everything the build does with a report's front matter before Markdown: decode,
    split, limits, YAML with positions, validation, and the review fingerprint."""
    source, _ = read_source(raw, "content/reports/fuzz.md")
    fm, _ = parse_source(source, CONFIG)
    review.fingerprint(fm.meta, source.body)


def run(count: int, seed: int = 16) -> tuple[int, int, list[tuple[int, BaseException, bytes]]]:
    """(cases, refused with the project's error, crashes as (index, exception, bytes))."""
    rng = random.Random(seed)
    refused, crashes = 0, []
    for index in range(count):
        raw = case(rng)
        try:
            read_case(raw)
        except CongressError as exc:
            assert exc.location.path == "content/reports/fuzz.md"
            refused += 1
        except Exception as exc:  # noqa: BLE001 - the property under test
            crashes.append((index, exc, raw))
    return count, refused, crashes
