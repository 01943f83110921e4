"""`import` refuses zip-bomb .docx files from the zip central directory, before anything is
decompressed (issue 16, item 12; the limits are in docs/limits.md)."""

from __future__ import annotations

import time
import zipfile
from pathlib import Path

import pytest

from conftest import run_cli
from congressgen.errors import ContentError
from congressgen.importer.docx import MAX_RATIO, MAX_TOTAL_SIZE, MAX_XML_SIZE, check_archive_limits, read_docx


def _files(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*")}


def _docx_with(path: Path, parts: dict[str, int], level: int = 9) -> Path:
    """A .docx-shaped zip whose named parts hold that many bytes of spaces, written in pieces."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        for name, size in parts.items():
            with archive.open(name, "w", force_zip64=size > 1 << 31) as stream:
                chunk = b" " * (1 << 24)
                left = size
                while left > 0:
                    stream.write(chunk[:min(left, len(chunk))])
                    left -= len(chunk)
    return path


@pytest.fixture(scope="module")
def gigabyte_bomb(tmp_path_factory) -> Path:
    """As in the issue: a ~1 MB file whose word/document.xml is 1 GB."""
    return _docx_with(tmp_path_factory.mktemp("bomb") / "炸弹报告.docx", {"word/document.xml": 1 << 30})


def test_a_1_gb_document_xml_is_refused_in_seconds_writing_nothing(site_dir, gigabyte_bomb):
    assert gigabyte_bomb.stat().st_size < 2 * 1024 * 1024
    before = _files(site_dir)
    started = time.monotonic()
    result = run_cli("import", str(gigabyte_bomb), "--source", str(site_dir))
    elapsed = time.monotonic() - started
    assert result.returncode == 1
    assert "炸弹报告.docx" in result.stderr and "word/document.xml" in result.stderr
    assert "上限" in result.stderr and "未写入任何文件" in result.stderr
    assert _files(site_dir) == before
    assert elapsed < 30, elapsed          # minutes before the limit; a hang guard, not a benchmark


def test_a_high_ratio_part_under_the_size_limits_is_refused(tmp_path):
    size = 8 * 1024 * 1024                 # under MAX_XML_SIZE, but spaces compress ~1000:1
    assert size < MAX_XML_SIZE
    bomb = _docx_with(tmp_path / "r.docx", {"word/media/image1.png": size})
    with pytest.raises(ContentError) as caught:
        read_docx(bomb.read_bytes(), "r.docx")
    assert f"{MAX_RATIO}:1" in caught.value.message and "image1.png" in caught.value.message


def test_total_size_is_checked_from_the_directory_alone():
    members = []
    for index in range(3):
        info = zipfile.ZipInfo(f"word/media/image{index}.png")
        info.file_size, info.compress_size = MAX_TOTAL_SIZE // 2, MAX_TOTAL_SIZE // 2   # incompressible
        members.append(info)
    with pytest.raises(ContentError) as caught:
        check_archive_limits(members, "big.docx")
    assert "解压后共" in caught.value.message
    check_archive_limits(members[:1], "ok.docx")   # one of them alone is fine
