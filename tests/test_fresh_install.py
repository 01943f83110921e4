"""A fresh venv, `pip install .`, `congressgen init s && cd s && congressgen build`: the article
page shows the report, and its QR code — read back from a real browser rendering with a
real decoder — gives the page's absolute URL."""

import io
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from conftest import REPO


@pytest.fixture(scope="module")
def fresh_site(tmp_path_factory):
    root = tmp_path_factory.mktemp("fresh")
    env_dir = root / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python = env_dir / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")
    subprocess.run([str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", str(REPO)],
                   check=True, timeout=600)
    exe = python.parent / "congressgen"
    subprocess.run([str(exe), "init", "s"], cwd=root, check=True, capture_output=True)
    subprocess.run([str(exe), "build"], cwd=root / "s", check=True, capture_output=True)
    return root / "s"


def test_fresh_install_builds_a_complete_article_page(fresh_site, static_server, page):
    build = fresh_site / "build"
    articles = list((build / "reports").rglob("t*.html"))
    assert len(articles) == 1
    rel = articles[0].relative_to(build).as_posix()
    page.goto(static_server(build) + rel)
    assert page.locator("h1.article-title").inner_text() == "示例镇人民代表大会主席团工作报告"
    info = page.locator(".article-info").inner_text()
    assert "2025-01-10 09:30" in info and "示例镇人大主席团" in info
    assert "示例镇第一届人民代表大会第一次会议" in page.locator(".article-session").inner_text()
    toc = page.locator("nav.toc").inner_text()
    assert "一、过去一年的主要工作" in toc and "（一）坚持依法履职，加强监督工作" in toc

    pytest.importorskip("zxingcpp")
    image = pytest.importorskip("PIL.Image")
    import zxingcpp

    png = page.locator(".share-qr svg").screenshot()
    results = zxingcpp.read_barcodes(image.open(io.BytesIO(png)))
    assert [r.text for r in results] == ["https://rd.example.gov.cn/" + rel]
