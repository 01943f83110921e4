"""Shared by the stats tests: a small site under a sub-path and log lines in nginx's form."""

from __future__ import annotations

from pathlib import Path

from conftest import MINIMAL_CONFIG, report_text, write

BROWSER = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36"
ALPHA = "/rd/reports/202404/t20240426_alpha.html"
BETA = "/rd/news/202303/t20230310_beta.html"
# "附件 一.pdf" as a browser sends it.
ALPHA_PDF = "/rd/reports/202404/t20240426_alpha/%E9%99%84%E4%BB%B6%20%E4%B8%80.pdf"
PDF_SIZE = 4096


def make_site(root: Path, base_url: str = "https://www.example.gov.cn/rd/", extra_config: str = "") -> Path:
    """Two published reports (alpha with a PDF attachment and a photo that is not one), a draft."""
    config = MINIMAL_CONFIG.replace("base_url: https://rd.example.gov.cn/", f"base_url: {base_url}")
    write(root / "congressgen.yaml", config + extra_config)
    write(root / "content/reports/2024-alpha.md", report_text(
        "甲报告", "2024-04-26", id="alpha",
        attachments="\n  - {file: 2024-alpha/附件 一.pdf, title: 附件一}"))
    write(root / "content/reports/2024-alpha/附件 一.pdf", b"%PDF" + b"x" * (PDF_SIZE - 4))
    write(root / "content/reports/2024-alpha/photo.png", b"\x89PNG")
    write(root / "content/news/2023-beta.md", report_text("乙动态", "2023-03-10", id="beta"))
    write(root / "content/news/2024-gamma.md", report_text("丙草稿", "2024-05-01", id="gamma", draft="true"))
    return root


def line(path: str, status: int = 200, method: str = "GET", ua: str = BROWSER, size: int = 5120,
         when: str = "26/Apr/2024:10:00:00 +0800", ip: str = "203.0.113.9", referer: str = "-") -> str:
    """One line of nginx's combined format."""
    return f'{ip} - - [{when}] "{method} {path} HTTP/1.1" {status} {size} "{referer}" "{ua}"\n'
