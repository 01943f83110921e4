"""Official formulations (严重表述错误): known wrong writings of canonical political
formulations, from the data file shipped in the package plus the site's own
`data/formulations.yaml`, and fixed-order series (四个意识 …) listed out of order.

A wrong writing is reported only where no correct phrase — a canonical form or an
entry's `allow` list — covers the same span, so a correct longer phrase that contains a
shorter wrong-looking one never fires (台湾国民党 is not 台湾国)."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from congressgen.check.model import Document, Rule
from congressgen.errors import ConfigError, CongressError, Location
from congressgen.yamlpos import load_mapping

RULES = (
    Rule("formulation", "error", "规范表述的已知错误写法（如“人民当家做主”），给出规范写法"),
    Rule("formulation-order", "warning", "有固定顺序的提法（四个意识、四个自信……）顺序不对"),
)

DATA_FILE = "formulations.yaml"


def _builtin_file() -> Path:
    """The shipped dictionary: congressgen/data/, beside this package (as
    `importlib.resources` finds it on disk, without importing that module)."""
    return Path(__file__).parent.parent / "data" / DATA_FILE


@dataclass(frozen=True)
class Wrong:
    text: str
    canonical: str
    severity: str
    note: str


@dataclass(frozen=True)
class Series:
    name: str
    order: dict            # item -> position in the canonical order
    canonical: str         # the canonical list, for the message
    min_run: int
    pattern: re.Pattern    # a run of items joined by 、，和 …
    item: re.Pattern       # one item


@dataclass(frozen=True)
class Dictionary:
    wrongs: tuple[Wrong, ...]
    covers: tuple[str, ...]        # correct phrases: a wrong writing inside one is not reported
    series: tuple[Series, ...]

    @cached_property
    def any_wrong(self) -> re.Pattern:
        """Finds a text with any wrong writing in it (one search instead of one per writing)."""
        return re.compile("|".join(re.escape(w.text) for w in self.wrongs) or "(?!)")


def _strings(value, where: Location, what: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ConfigError(where, f"{what} 应为文字列表")
    return [v.strip() for v in value]


def _series(item, where: Location, index: int) -> Series:
    if not isinstance(item, dict) or not isinstance(item.get("name"), str) or not isinstance(item.get("items"), list):
        raise ConfigError(where, f"series 第 {index} 项应写成 {{name: 名称, items: [第一项, 第二项, …]}}")
    order: dict[str, int] = {}
    shown = []
    for position, entry in enumerate(item["items"]):
        names = _strings(entry, where, f"series “{item['name']}” 的 items")
        shown.append(names[0])
        for name in names:
            order[name] = position
    min_run = item.get("min_run", 3)
    if isinstance(min_run, bool) or not isinstance(min_run, int) or min_run < 2:
        raise ConfigError(where, f"series “{item['name']}” 的 min_run 应为不小于 2 的整数")
    alternatives = "|".join(re.escape(n) for n in sorted(order, key=len, reverse=True))
    pattern = re.compile(f"(?:{alternatives})(?:(?:\\s*[、，,；]\\s*|和|与|及)(?:{alternatives}))+")
    return Series(item["name"], order, "、".join(shown), min_run, pattern, re.compile(alternatives))


def parse_dictionary(text: str, shown: str) -> tuple[list[Wrong], list[str], list[Series]]:
    doc = load_mapping(text, shown, what="表述词典")
    wrongs, covers, series = [], [], []
    for key in doc.data:
        if key not in ("formulations", "series"):
            raise ConfigError(doc.location(shown, key), f"表述词典中未知的项 “{key}”（应为 formulations 或 series）")
    where = doc.location(shown, "formulations")
    entries = doc.data.get("formulations") or []
    if not isinstance(entries, list):
        raise ConfigError(where, "formulations 应为列表，每项写成 {canonical: 规范表述, wrong: [错误写法, …]}")
    for index, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict) or not isinstance(entry.get("canonical"), str) or not entry["canonical"].strip():
            raise ConfigError(where, f"formulations 第 {index} 项缺少 canonical（规范表述）")
        canonical = entry["canonical"].strip()
        severity = entry.get("severity", "error")
        if severity not in ("error", "warning"):
            raise ConfigError(where, f"formulations 第 {index} 项（{canonical}）的 severity 应为 error 或 warning")
        note = entry.get("note") or ""
        for wrong in _strings(entry.get("wrong"), where, f"formulations 第 {index} 项（{canonical}）的 wrong"):
            if wrong == canonical:
                raise ConfigError(where, f"formulations 第 {index} 项：错误写法 “{wrong}” 与规范表述相同")
            wrongs.append(Wrong(wrong, canonical, severity, str(note)))
        covers.append(canonical)
        covers += _strings(entry.get("allow"), where, f"formulations 第 {index} 项（{canonical}）的 allow")
    items = doc.data.get("series") or []
    if not isinstance(items, list):
        raise ConfigError(doc.location(shown, "series"), "series 应为列表")
    for index, item in enumerate(items, start=1):
        series.append(_series(item, doc.location(shown, "series"), index))
    return wrongs, covers, series


def data_fingerprint(config) -> str:
    """A hash of the dictionary's sources (shipped file and the site's), for cache keys."""
    h = hashlib.sha256((_builtin_file()).read_bytes())
    site_file = Path(config.root) / config.data_dir / DATA_FILE
    try:
        h.update(b"\0site\0" + site_file.read_bytes())
    except OSError:
        h.update(b"\0no site file\0")
    return h.hexdigest()


def load_dictionary(config) -> Dictionary:
    """The shipped dictionary plus the site's `data/formulations.yaml`, when there is one."""
    builtin = _builtin_file()
    parts = [parse_dictionary(builtin.read_text(encoding="utf-8"), f"congressgen/data/{DATA_FILE}")]
    site_file = Path(config.root) / config.data_dir / DATA_FILE
    if site_file.is_file():
        shown = f"{config.data_dir}/{DATA_FILE}"
        try:
            text = site_file.read_bytes().decode("utf-8-sig").replace("\r\n", "\n")
        except UnicodeDecodeError:
            raise ConfigError(Location(shown, 1, 1), "表述词典不是 UTF-8 编码；请另存为 UTF-8") from None
        try:
            parts.append(parse_dictionary(text, shown))
        except ConfigError:
            raise
        except CongressError as exc:
            raise ConfigError(exc.location, exc.message) from None
    wrongs = tuple(w for p in parts for w in p[0])
    covers = tuple(dict.fromkeys(c for p in parts for c in p[1]))
    series = tuple(s for p in parts for s in p[2])
    return Dictionary(wrongs, covers, series)


def _occurrences(text: str, needle: str):
    index = text.find(needle)
    while index >= 0:
        yield index
        index = text.find(needle, index + 1)


def wrong_writings(text: str, dictionary: Dictionary) -> list[tuple[int, Wrong]]:
    """(index, entry) of every wrong writing not covered by a correct phrase; where two
    wrong writings overlap, the longer one is reported."""
    if dictionary.any_wrong.search(text) is None:
        return []
    hits = [(i, i + len(w.text), w) for w in dictionary.wrongs if w.text in text for i in _occurrences(text, w.text)]
    if not hits:
        return []
    covered = [(i, i + len(c)) for c in dictionary.covers if c in text for i in _occurrences(text, c)]
    hits = [h for h in hits if not any(s <= h[0] and h[1] <= e for s, e in covered)]
    hits.sort(key=lambda h: (h[0], -(h[1] - h[0])))
    kept: list[tuple[int, int, Wrong]] = []
    for hit in hits:
        if not any(s <= hit[0] and hit[1] <= e for s, e, _ in kept):
            kept.append(hit)
    return [(start, wrong) for start, _, wrong in kept]


def out_of_order(text: str, series: Series):
    """(index, items as written) of each run of a series' items listed in a wrong order."""
    for m in series.pattern.finditer(text):
        names = series.item.findall(m.group())
        positions = [series.order[n] for n in names]
        if len(names) < series.min_run or len(set(positions)) != len(positions):
            continue
        if positions != sorted(positions):
            yield m.start(), "、".join(names)


def check_document(doc: Document, ctx):
    if doc.source is None or ctx.formulations is None:
        return
    dictionary: Dictionary = ctx.formulations
    for segment in (doc.front, doc.body):
        prose = segment.prose
        for index, wrong in wrong_writings(prose.text, dictionary):
            note = f"（{wrong.note}）" if wrong.note else ""
            yield prose.finding(index, "formulation", f"“{wrong.text}”是错误表述，应为“{wrong.canonical}”{note}",
                                wrong.severity)
        for series in dictionary.series:
            for index, written in out_of_order(prose.text, series):
                yield prose.finding(index, "formulation-order",
                                    f"“{series.name}”的顺序应为“{series.canonical}”，这里写的是“{written}”")
