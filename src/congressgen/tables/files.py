"""The data tables' files, found without their parsers (`tables.sources`: a site without
data files never imports `tables.jianyi` or `tables.nianbao`)."""

from __future__ import annotations

from pathlib import Path

JIANYI_FOLDER = "jianyi"        # data/jianyi/YEAR.csv|yaml, replies in data/jianyi/YEAR/*.md
NIANBAO_FOLDER = "nianbao"      # data/nianbao/YEAR.yaml


def year_files(root: Path, data_dir: str = "data") -> list[Path]:
    """`data/jianyi/YEAR.csv` or `.yaml`, and the reply files beside them (for fingerprints)."""
    folder = root / data_dir / JIANYI_FOLDER
    if not folder.is_dir():
        return []
    found = [p for p in sorted(folder.iterdir()) if p.is_file() and p.suffix in (".csv", ".yaml", ".yml")
             and p.stem.isdigit() and len(p.stem) == 4]
    for p in list(found):
        replies = folder / p.stem
        if replies.is_dir():
            found += sorted(x for x in replies.rglob("*.md") if x.is_file())
    return found


def annual_report_files(root: Path, data_dir: str = "data") -> list[Path]:
    folder = root / data_dir / NIANBAO_FOLDER
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.glob("*.yaml") if p.stem.isdigit() and len(p.stem) == 4)
