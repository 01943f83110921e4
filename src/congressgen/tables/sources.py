"""The two data sources of this package, registered in `model.datasources.DATA_SOURCES`:
`inputs(root, config)` lists the files read (fingerprints, serve's watcher) and
`load(root, config)` returns the value that templates and checks see as `site.data.NAME`.

The files are listed by `tables.files`; the parsers (`tables.jianyi`, `tables.nianbao`) are
imported only when a site has such files or settings: a site without data tables does not
pay for importing them (about 15 ms of every build's start-up)."""

from __future__ import annotations

from pathlib import Path

from congressgen.tables.files import annual_report_files, year_files


def jianyi_settings(config):
    from congressgen.tables.jianyi import load_settings

    return load_settings(config.jianyi, config.location)


def jianyi_inputs(root: Path, config) -> list[Path]:
    return year_files(root, config.data_dir)


def jianyi_load(root: Path, config):
    if not config.jianyi and not year_files(root, config.data_dir):
        return ()        # what load_years gives for no files (and empty settings are valid)
    from congressgen.tables.jianyi import load_years

    return load_years(root, jianyi_settings(config), config.data_dir)


def nianbao_inputs(root: Path, config) -> list[Path]:
    return annual_report_files(root, config.data_dir)


def nianbao_load(root: Path, config):
    if not annual_report_files(root, config.data_dir):
        return ()        # what load_annual_reports gives for no files
    from congressgen.tables.nianbao import load_annual_reports

    return load_annual_reports(root, config.data_dir)
