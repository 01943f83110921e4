"""Data sources: files a site's pages read besides its reports (traffic counts today; a
`data/*.yaml` list tomorrow), loaded once per build into `site.data`.

`DATA_SOURCES` is a tuple of `DataSource(name, inputs, load)`:

- `inputs(root: Path, config) -> list[Path]`: the files it reads (build fingerprints, serve's
  watcher);
- `load(root: Path, config) -> object`: its value, reachable as `site.data.NAME` in Python
  and in templates; raises `ContentError` (with `file:line:col`) on bad input. A source that
  depends on the build's day (`today=True`) is called `load(root, config, today)`.

The render memo (`renderdeps`) logs each `site.data.NAME` read on its own, so when one
source's value changes only the pages that read it are rendered again.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from congressgen.tables.sources import jianyi_inputs, jianyi_load, nianbao_inputs, nianbao_load


@dataclass(frozen=True)
class DataSource:
    name: str
    inputs: Callable[..., "list[Path]"]
    load: Callable[..., object]
    today: bool = False          # load(root, config, today) instead of load(root, config)


class SiteData:
    """The loaded data sources: `site.data.NAME` (an unknown name is an AttributeError, which
    a template sees as undefined)."""

    def __init__(self, values: dict):
        self._values = dict(values)

    @classmethod
    def empty(cls) -> "SiteData":
        return cls({})

    @classmethod
    def of(cls, **values) -> "SiteData":
        return cls(values)

    def __getattr__(self, name: str):
        values = self.__dict__.get("_values", {})
        if name in values:
            return values[name]
        raise AttributeError(name)

    def get(self, name: str, default=None):
        return self._values.get(name, default)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self._values)

    def __repr__(self) -> str:
        return f"SiteData({', '.join(self._values)})"


def traffic_inputs(root: Path, config) -> list[Path]:
    from congressgen.stats.store import db_path

    return [db_path(config)]


def load_traffic(root: Path, config, today: dt.date):
    """Measured counts from `data/stats.sqlite3` up to `today`; empty (no counts shown) without it."""
    from congressgen.stats.store import db_path, read_traffic

    return read_traffic(db_path(config), today)


def _traffic(root: Path, config, today: dt.date):
    return load_traffic(root, config, today)      # looked up at call time: tests may replace it


def ledger_inputs(root: Path, config) -> list[Path]:
    from congressgen.model.ledger import LEDGER_FILE

    return [root / LEDGER_FILE]


def _ledger(root: Path, config):
    from congressgen.model.ledger import load_ledger

    return load_ledger(root)


DATA_SOURCES: tuple[DataSource, ...] = (
    DataSource("traffic", traffic_inputs, _traffic, today=True),
    DataSource("jianyi", jianyi_inputs, jianyi_load),        # 代表建议办理: data/jianyi/YEAR.csv|yaml
    DataSource("nianbao", nianbao_inputs, nianbao_load),     # 政府信息公开工作年度报告: data/nianbao/YEAR.yaml
    DataSource("addresses", ledger_inputs, _ledger),       # addresses.json: every published address
)


def load_data(root: Path, config, today: dt.date, sources: tuple[DataSource, ...] | None = None) -> SiteData:
    """Every data source of `sources` (default `DATA_SOURCES`), loaded once."""
    values = {}
    for source in DATA_SOURCES if sources is None else sources:
        values[source.name] = source.load(root, config, today) if source.today else source.load(root, config)
    return SiteData(values)


def data_inputs(root: Path, config, sources: tuple[DataSource, ...] | None = None) -> list[Path]:
    return [path for source in (DATA_SOURCES if sources is None else sources) for path in source.inputs(root, config)]
