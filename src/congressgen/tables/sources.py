"""The two data sources of this package, registered in `model.datasources.DATA_SOURCES`:
`inputs(root, config)` lists the files read (fingerprints, serve's watcher) and
`load(root, config)` returns the value that templates and checks see as `site.data.NAME`."""

from __future__ import annotations

from pathlib import Path

from congressgen.tables.jianyi import JianyiSettings, load_settings, load_years, year_files
from congressgen.tables.nianbao import annual_report_files, load_annual_reports


def jianyi_settings(config) -> JianyiSettings:
    return load_settings(config.jianyi, config.location)


def jianyi_inputs(root: Path, config) -> list[Path]:
    return year_files(root, config.data_dir)


def jianyi_load(root: Path, config):
    return load_years(root, jianyi_settings(config), config.data_dir)


def nianbao_inputs(root: Path, config) -> list[Path]:
    return annual_report_files(root, config.data_dir)


def nianbao_load(root: Path, config):
    return load_annual_reports(root, config.data_dir)

