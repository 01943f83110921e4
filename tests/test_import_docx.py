"""`congressgen import` of Word files: .docx made at test time by python-docx and by LibreOffice
(Debian's libreoffice-writer-nogui, converting a flat ODF document we write), imported with
the real command, then built with the real `congressgen build`."""

from __future__ import annotations

import base64
import html
import io
import json
import re
import shutil
import struct
import subprocess
import zlib
from pathlib import Path
from urllib.parse import unquote
from xml.sax.saxutils import escape

import pytest

from conftest import MINIMAL_CONFIG, run_cli, write
from congressgen.config import load_config
from congressgen.content import parse_source, read_source
from congressgen.markdown import BodyRenderer, html_to_text

TITLE = "青山镇人民代表大会主席团工作报告"
FOOTNOTE = "数据来源：县统计局快报，最终数据以统计年鉴为准。"
IMAGE_ALT = "民生实事项目完成情况示意图"
# A realistic report: run-in bold 一、 headings, Word heading styles, a table, a footnote, an
# image, italic, a soft line break, redacted names (`*镇`, `镇长**`) and text that looks like
# Markdown, all of which must come through character for character.
REPORT = [
    ("title", TITLE),
    ("p", "——2024年4月26日在青山镇第十届人民代表大会第六次会议上"),
    ("p", "镇人大主席团主席　王某某"),
    ("p", "各位代表："),
    ("p", "现在，我受*镇人大主席团委托，向大会报告工作，对镇长**同志、李**同志的履职情况一并报告，请予审议。"),
    ("runin", "一、坚持依法履职，全面加强监督工作。", "今年以来，主席团一是审查预算，二是视察项目，三是督办建议。"),
    ("runin", "（一）做深做实预算审查监督。", "组织财经代表小组提前介入预算编制，提出意见建议十一条，详见下表。"),
    ("table", [["序号", "项目名称", "计划投资（万元）"], ["1", "通村道路|硬化提升", "620"], ["2", "集镇污水管网延伸", "480"]]),
    ("footnote", "全年地区生产总值增长5.2%", FOOTNOTE, "，完成年度目标。"),
    ("runin", "（二）全过程监督民生实事项目。", "八个项目全部按期完成，完成投资两千一百余万元。"),
    ("image", IMAGE_ALT),
    ("italic", "以上为初步统计数据", "，请各位代表一并审议。"),
    ("lines", ["代表建议办理情况：", "已全部办结，满意率百分之百。"]),
    ("runin", "二、尊重主体强服务，充分发挥人大代表作用。", "全年代表进站接待选民六十二场次，收集意见建议一百六十八条。"),
    ("heading1", "2024年工作安排"),
    ("heading1", "一、坚持党的领导，筑牢思想政治根基"),
    ("heading2", "（一）深化预算审查监督"),
    ("p", "1.深化联络站建设。推动代表联络站与党群服务中心融合共享。"),
    ("p", "文件名如 a_b__c.docx、标记 <b>x</b>、R&D 和 [1](x) 以及 2024. 均按原样保留。"),
    ("runin", "二、强化代表服务，提升代表履职实效。", "完善代表建议办理全过程管理机制。"),
    ("p", "各位代表，让我们团结一心，为建设美好家园而努力奋斗！"),
]
SECTIONS = ("坚持依法履职，全面加强监督工作", "尊重主体强服务，充分发挥人大代表作用")
TASKS = ("坚持党的领导，筑牢思想政治根基", "强化代表服务，提升代表履职实效")


def png_bytes(width: int = 6, height: int = 4) -> bytes:
    """A small valid PNG made with the standard library."""
    rows = b"".join(b"\x00" + b"\xc8\x10\x2e" * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def expected_body(with_footnote_text: bool = False) -> str:
    """Body text of REPORT in order (the title goes to front matter), whitespace removed."""
    parts = []
    for block in REPORT:
        kind = block[0]
        if kind in ("p", "heading1", "heading2"):
            parts.append(block[1])
        elif kind in ("runin", "italic"):
            parts.append(block[1] + block[2])
        elif kind == "table":
            parts.extend(cell for row in block[1] for cell in row)
        elif kind == "footnote":
            parts.append(block[1] + (block[2] if with_footnote_text else "") + block[3])
        elif kind == "lines":
            parts.extend(block[1])
    return re.sub(r"\s+", "", "".join(parts))


def normalise_markdown(body: str) -> str:
    """Markdown body → its text: strip the syntax the importer adds, and whitespace."""
    body = re.sub(r"^\[\^\d+\]:.*$", "", body, flags=re.M)
    body = re.sub(r"\[\^\d+\]", "", body)
    body = re.sub(r"!\[[^\]]*\]\([^)]*\)", "", body)
    body = re.sub(r"^\|(?:---\|)+$", "", body, flags=re.M)
    body = re.sub(r"^#{1,6} ", "", body, flags=re.M)
    body = re.sub(r"</?em>|<br>", "", body)
    body = re.sub(r"(?<!\\)\*\*", "", body)
    body = re.sub(r"(?<!\\)\|", "", body)
    body = html.unescape(re.sub(r"\\(.)", r"\1", body))
    return re.sub(r"\s+", "", body)


# ----------------------------------------------------------------------------- python-docx

def make_python_docx(path: Path) -> Path:
    import docx

    document = docx.Document()
    for block in REPORT:
        kind = block[0]
        if kind == "title":
            document.add_paragraph(block[1], style="Title")
        elif kind == "p":
            document.add_paragraph(block[1])
        elif kind == "runin":
            paragraph = document.add_paragraph()
            paragraph.add_run(block[1]).bold = True
            paragraph.add_run(block[2])
        elif kind == "italic":
            paragraph = document.add_paragraph()
            paragraph.add_run(block[1]).italic = True
            paragraph.add_run(block[2])
        elif kind == "lines":
            run = document.add_paragraph().add_run(block[1][0])
            run.add_break()
            run.add_text(block[1][1])
        elif kind == "footnote":   # python-docx cannot make footnotes: the text only
            document.add_paragraph(block[1] + block[3])
        elif kind == "table":
            rows = block[1]
            table = document.add_table(rows=len(rows), cols=len(rows[0]))
            for r, row in enumerate(rows):
                for c, text in enumerate(row):
                    table.cell(r, c).text = text
        elif kind == "image":
            document.add_paragraph().add_run().add_picture(io.BytesIO(png_bytes()))
            document.inline_shapes[-1]._inline.docPr.set("descr", block[1])
        elif kind in ("heading1", "heading2"):
            document.add_heading(block[1], level=int(kind[-1]))
    document.save(str(path))
    return path


# ----------------------------------------------------------------------------- LibreOffice

FODT_HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<office:document xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0"
 xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"
 xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"
 xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0"
 xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0"
 xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0"
 office:version="1.3" office:mimetype="application/vnd.oasis.opendocument.text">
<office:styles>
 <style:style style:name="GW" style:display-name="公文正文" style:family="paragraph"/>
 <style:style style:name="Heading_20_1" style:display-name="Heading 1" style:family="paragraph" style:default-outline-level="1"/>
 <style:style style:name="Heading_20_2" style:display-name="Heading 2" style:family="paragraph" style:default-outline-level="2"/>
</office:styles>
<office:automatic-styles>
 <style:style style:name="cgTitle" style:family="paragraph"><style:paragraph-properties fo:text-align="center"/>
  <style:text-properties fo:font-size="22pt" style:font-size-asian="22pt" fo:font-weight="bold" style:font-weight-asian="bold"/></style:style>
 <style:style style:name="cgBold" style:family="text"><style:text-properties fo:font-weight="bold" style:font-weight-asian="bold"/></style:style>
 <style:style style:name="cgItalic" style:family="text"><style:text-properties fo:font-style="italic" style:font-style-asian="italic"/></style:style>
</office:automatic-styles>
<office:body><office:text>
"""


def make_fodt(path: Path) -> Path:
    """The same report as a WPS-like document: hand-set centred bold title (no Title style),
    a custom 公文正文 body style, heading styles, and a real footnote."""
    body = []
    for block in REPORT:
        kind = block[0]
        if kind == "title":
            body.append(f'<text:p text:style-name="cgTitle">{escape(block[1])}</text:p>')
        elif kind == "p":
            body.append(f'<text:p text:style-name="GW">{escape(block[1])}</text:p>')
        elif kind == "runin":
            body.append(f'<text:p text:style-name="GW"><text:span text:style-name="cgBold">{escape(block[1])}'
                        f'</text:span>{escape(block[2])}</text:p>')
        elif kind == "italic":
            body.append(f'<text:p text:style-name="GW"><text:span text:style-name="cgItalic">{escape(block[1])}'
                        f'</text:span>{escape(block[2])}</text:p>')
        elif kind == "lines":
            body.append(f'<text:p text:style-name="GW">{escape(block[1][0])}<text:line-break/>{escape(block[1][1])}</text:p>')
        elif kind == "footnote":
            body.append(f'<text:p text:style-name="GW">{escape(block[1])}<text:note text:id="ftn1" text:note-class="footnote">'
                        f'<text:note-citation>1</text:note-citation><text:note-body><text:p>{escape(block[2])}</text:p>'
                        f'</text:note-body></text:note>{escape(block[3])}</text:p>')
        elif kind == "table":
            rows = block[1]
            cells = "".join("<table:table-row>" + "".join(
                f'<table:table-cell office:value-type="string"><text:p>{escape(t)}</text:p></table:table-cell>'
                for t in row) + "</table:table-row>" for row in rows)
            body.append(f'<table:table table:name="T1"><table:table-column table:number-columns-repeated="{len(rows[0])}"/>'
                        f"{cells}</table:table>")
        elif kind == "image":
            data = base64.b64encode(png_bytes()).decode("ascii")
            body.append(f'<text:p text:style-name="GW"><draw:frame draw:name="图1" svg:width="3cm" svg:height="2cm" '
                        f'text:anchor-type="as-char"><draw:image><office:binary-data>{data}</office:binary-data>'
                        f'</draw:image><svg:desc>{escape(block[1])}</svg:desc></draw:frame></text:p>')
        elif kind in ("heading1", "heading2"):
            level = kind[-1]
            body.append(f'<text:h text:style-name="Heading_20_{level}" text:outline-level="{level}">{escape(block[1])}</text:h>')
    path.write_text(FODT_HEAD + "\n".join(body) + "\n</office:text></office:body></office:document>\n", encoding="utf-8")
    return path


def convert_with_libreoffice(sources: list[Path], outdir: Path, profile: Path) -> list[Path]:
    """One soffice start for every document (it takes seconds to start)."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) not installed; the README's test command installs libreoffice-writer-nogui")
    subprocess.run([soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
                    "--convert-to", "docx", "--outdir", str(outdir), *map(str, sources)],
                   check=True, capture_output=True, timeout=180)
    results = [outdir / (s.stem + ".docx") for s in sources]
    missing = [r for r in results if not r.is_file()]
    assert not missing, f"LibreOffice did not write {missing}"
    return results


@pytest.fixture(scope="session")
def word_files(tmp_path_factory) -> dict[str, Path]:
    """The report as .docx, made by python-docx and by LibreOffice; Chinese file names as clerks use."""
    folder = tmp_path_factory.mktemp("word")
    made = {"python-docx": make_python_docx(folder / "2024年主席团工作报告.docx")}
    fodt = make_fodt(folder / "主席团工作报告（WPS）.fodt")
    made["libreoffice"] = convert_with_libreoffice([fodt], folder / "lo", folder / "lo-profile")[0]
    return made


@pytest.fixture(scope="module")
def imported(word_files, tmp_path_factory):
    """Both files imported by one `congressgen import` run into a fresh site, then built once."""
    root = tmp_path_factory.mktemp("import-site") / "site"
    write(root / "congressgen.yaml", MINIMAL_CONFIG)
    result = run_cli("import", str(word_files["python-docx"]), str(word_files["libreoffice"]), "--source", str(root))
    assert result.returncode == 0, result.stderr
    by_maker = {}
    for md in sorted((root / "content" / "reports").glob("*.md")):
        text = md.read_text(encoding="utf-8")
        for maker, original in word_files.items():
            if f"/{original.name}\"" in text:
                by_maker[maker] = md
    assert set(by_maker) == set(word_files), result.stdout
    out = root.parent / "out"
    built = run_cli("build", "--drafts", "--source", str(root), "--output", str(out), "--quiet")
    assert built.returncode == 0, built.stderr
    return {"root": root, "md": by_maker, "stdout": result.stdout, "stderr": result.stderr, "out": out}


def _parsed(root: Path, md: Path):
    config, _ = load_config(root)
    source, _ = read_source(md.read_bytes(), md.relative_to(root).as_posix())
    fm, _ = parse_source(source, config)
    return fm, source.body


MAKERS = ["python-docx", "libreoffice"]


@pytest.mark.parametrize("maker", MAKERS)
def test_docx_import_keeps_every_character_in_order(imported, maker):
    fm, body = _parsed(imported["root"], imported["md"][maker])
    assert normalise_markdown(body) == expected_body()
    # Redacted names and Markdown-looking text reach the page unchanged.
    rendered = BodyRenderer().render(body).text
    assert "我受*镇人大主席团委托" in rendered and "镇长**同志、李**同志" in rendered
    assert "a_b__c.docx、标记 <b>x</b>、R&D 和 [1](x) 以及 2024." in rendered


@pytest.mark.parametrize("maker", MAKERS)
def test_docx_import_finds_title_date_session_and_outline(imported, maker):
    fm, body = _parsed(imported["root"], imported["md"][maker])
    assert fm.title == TITLE and TITLE not in body          # title moved to front matter, not duplicated
    assert fm.date.date().isoformat() == "2024-04-26"
    assert fm.session == "青山镇第十届人民代表大会第六次会议"
    assert fm.author == "镇人大主席团主席 王某某"
    assert fm.draft is True
    assert re.fullmatch(r"2024-0426-\d", fm.id)           # date-based: never pinyin of the title
    outline = BodyRenderer().render(body).outline
    assert outline.sections == SECTIONS
    assert outline.tasks == TASKS
    levels = [(e.level, e.marker) for e in outline.entries]
    assert levels == [(1, "一、"), (2, "（一）"), (2, "（二）"), (1, "二、"), (1, "一、"), (2, "（一）"), (3, "1."), (1, "二、")]
    # The bold run-in heading is split from its paragraph; the paragraph text stays.
    assert "## 一、坚持依法履职，全面加强监督工作。\n\n今年以来" in body
    assert "## 2024年工作安排" in body                      # unnumbered Word heading keeps its heading


@pytest.mark.parametrize("maker", MAKERS)
def test_docx_import_table_image_italic_and_original(imported, maker):
    root, md = imported["root"], imported["md"][maker]
    fm, body = _parsed(root, md)
    assert "| 序号 | 项目名称 | 计划投资（万元） |\n|---|---|---|\n| 1 | 通村道路\\|硬化提升 | 620 |" in body
    assert f"![{IMAGE_ALT}]({fm.id}/image1.png)" in body
    assert (md.with_suffix("") / "image1.png").read_bytes() == png_bytes()
    assert "<em>以上为初步统计数据</em>，请各位代表一并审议。" in body
    assert "代表建议办理情况：\n\n已全部办结" in body          # a Word line break keeps the two lines apart
    attachment = fm.attachments[0].file
    assert attachment.startswith(fm.id + "/") and attachment.endswith(".docx")
    assert (md.parent / attachment).read_bytes()[:4] == b"PK\x03\x04"    # the original, copied as it is


def test_libreoffice_footnote_is_kept(imported):
    fm, body = _parsed(imported["root"], imported["md"]["libreoffice"])
    assert "全年地区生产总值增长5.2%[^1]，完成年度目标。" in body
    assert f"[^1]: {FOOTNOTE}" in body
    rendered = BodyRenderer().render(body).html
    assert FOOTNOTE in rendered and 'class="footnote-ref"' in rendered


@pytest.mark.parametrize("maker", MAKERS)
def test_imported_report_builds_with_outline_image_and_download(imported, maker):
    fm, body = _parsed(imported["root"], imported["md"][maker])
    out = imported["out"]
    page = out / "reports" / "202404" / f"t20240426_{fm.id}.html"
    assert page.is_file()
    text = page.read_text(encoding="utf-8")
    article = text[text.index('id="article-body"'):text.index("</article>")]
    body_html = article[article.index(">") + 1:article.index('<section class="attachments"')]
    for anchor in ("sec-1", "sec-1-1", "sec-2", "task-1", "task-1-1-1", "task-2"):
        assert f'id="{anchor}"' in article
    image = re.search(r'<img alt="([^"]*)" src="([^"]+)"', article)
    assert image and image.group(1) == IMAGE_ALT
    assert (page.parent / image.group(2)).read_bytes() == png_bytes()
    download = re.search(r'<a href="([^"]+\.docx)" download>', article)
    assert download and (page.parent / unquote(html.unescape(download.group(1)))).is_file()
    # Every character reaches the page (the build drops a heading's closing 。 by design).
    shown = re.sub(r"\s+", "", html_to_text(body_html)).replace("。", "")
    assert shown == expected_body().replace("。", "")
    if maker == "libreoffice":
        assert FOOTNOTE in body_html


def test_drafts_are_not_published_by_a_normal_build(imported, tmp_path):
    built = run_cli("build", "--source", str(imported["root"]), "--output", str(tmp_path / "out"), "--quiet")
    assert built.returncode == 0, built.stderr
    assert not list((tmp_path / "out" / "reports").glob("202404/*.html"))


def test_import_prints_guesses_and_what_to_fill_in(imported):
    out = imported["stdout"]
    assert out.count("已导入") == 2
    assert f"标题：{TITLE}" in out
    assert "日期：2024-04-26（取自开头的“——2024年4月26日在青山镇第十届人民代表大会第六次会议上”）" in out
    assert "届次：青山镇第十届人民代表大会第六次会议" in out
    assert "提纲：工作回顾 2 项，今后工作 2 项" in out
    assert "请补充或核对" in out and "draft: true" in out and "来源 author" in out
    assert "脚注 1 条" in out                               # the LibreOffice file
    assert "公文正文" in imported["stderr"]                  # mammoth's style note, in Chinese


# ----------------------------------------------------------------------------- refusals

@pytest.fixture(scope="module")
def small_docx(tmp_path_factory) -> bytes:
    path = tmp_path_factory.mktemp("small") / "x.docx"
    import docx

    document = docx.Document()
    document.add_paragraph("测试报告", style="Title")
    document.add_paragraph("一、工作回顾")
    document.add_paragraph("正文内容。")
    document.save(str(path))
    return path.read_bytes()


def _files(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*")}


def test_truncated_docx_gives_clear_error_and_writes_nothing(site_dir, small_docx):
    bad = write(site_dir.parent / "损坏的报告.docx", small_docx[: len(small_docx) // 2])
    before = _files(site_dir)
    result = run_cli("import", str(bad), "--source", str(site_dir))
    assert result.returncode == 1
    assert "损坏的报告.docx" in result.stderr and "损坏" in result.stderr and "未写入任何文件" in result.stderr
    assert _files(site_dir) == before


def test_encrypted_docx_gives_clear_error_and_writes_nothing(site_dir):
    # Word saves a password-protected .docx as an OLE compound file (signature D0 CF 11 E0).
    bad = write(site_dir.parent / "加密报告.docx", bytes.fromhex("d0cf11e0a1b11ae1") + b"\x00" * 4096)
    before = _files(site_dir)
    result = run_cli("import", str(bad), "--source", str(site_dir))
    assert result.returncode == 1
    assert "加密报告.docx" in result.stderr and "密码" in result.stderr and "另存为" in result.stderr
    assert _files(site_dir) == before


def test_one_bad_file_does_not_stop_the_others(site_dir, small_docx):
    good = write(site_dir.parent / "good-report.docx", small_docx)
    bad = write(site_dir.parent / "bad.docx", b"PK\x03\x04 not really a zip")
    result = run_cli("import", str(bad), str(good), "--source", str(site_dir))
    assert result.returncode == 1
    assert "bad.docx" in result.stderr
    assert (site_dir / "content" / "reports" / "good-report.md").is_file()
    assert not list((site_dir / "content" / "reports").glob("bad*"))


def test_never_overwrites_without_force(site_dir, small_docx):
    original = write(site_dir.parent / "测试报告.docx", small_docx)
    first = run_cli("import", str(original), "--source", str(site_dir), "--date", "2024-03-01")
    assert first.returncode == 0, first.stderr
    md = site_dir / "content" / "reports" / "2024-0301-1.md"
    md.write_text(md.read_text(encoding="utf-8").replace("正文内容。", "正文内容。书记员已修改。"), encoding="utf-8")
    edited = md.read_bytes()
    # The same file again is recognised as the same report: refused, the clerk's edit kept.
    again = run_cli("import", str(original), "--source", str(site_dir), "--date", "2024-03-01")
    assert again.returncode == 1
    assert "已存在" in again.stderr and "--force" in again.stderr
    assert md.read_bytes() == edited
    assert not (site_dir / "content" / "reports" / "2024-0301-2.md").exists()
    forced = run_cli("import", str(original), "--source", str(site_dir), "--date", "2024-03-01", "--force")
    assert forced.returncode == 0, forced.stderr
    assert "书记员已修改" not in md.read_text(encoding="utf-8")


def test_dry_run_writes_nothing_and_shows_the_markdown(site_dir, small_docx):
    original = write(site_dir.parent / "report.docx", small_docx)
    before = _files(site_dir)
    result = run_cli("import", str(original), "--source", str(site_dir), "--dry-run", "--id", "test-1")
    assert result.returncode == 0, result.stderr
    assert "试运行" in result.stdout and 'title: "测试报告"' in result.stdout and "一、工作回顾" in result.stdout
    assert _files(site_dir) == before


def test_doc_and_wps_files_are_refused_with_advice(site_dir):
    old = write(site_dir.parent / "旧报告.doc", bytes.fromhex("d0cf11e0a1b11ae1") + b"\x00" * 512)
    result = run_cli("import", str(old), "--source", str(site_dir))
    assert result.returncode == 1 and "另存为" in result.stderr and ".docx" in result.stderr


def test_word_lists_wps_heading_names_and_hand_set_title(site_dir, tmp_path):
    import docx
    from docx.enum.style import WD_STYLE_TYPE
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    document = docx.Document()
    title = document.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.add_run("河西镇人民政府工作报告").bold = True
    document.add_paragraph("（2025年1月8日在河西镇第十届人民代表大会第五次会议上）")
    wps_heading = document.styles.add_style("标题 1", WD_STYLE_TYPE.PARAGRAPH)   # as WPS names it
    document.add_paragraph("一、2024年工作回顾", style=wps_heading)
    document.add_paragraph("道路硬化十二公里", style="List Number")
    document.add_paragraph("新建公园两处", style="List Number")
    document.add_paragraph("群众满意", style="List Bullet")
    source = tmp_path / "hexi-2025.docx"
    document.save(str(source))
    result = run_cli("import", str(source), "--source", str(site_dir))
    assert result.returncode == 0, result.stderr
    text = (site_dir / "content" / "reports" / "hexi-2025.md").read_text(encoding="utf-8")
    assert 'title: "河西镇人民政府工作报告"' in text and "date: 2025-01-08" in text
    assert "## 一、2024年工作回顾" in text
    assert "1. 道路硬化十二公里\n2. 新建公园两处" in text and "- 群众满意" in text
    assert "自动编号" in result.stdout                       # the clerk is told numbering styles are not kept


def test_imported_word_reports_pass_congressgen_check(imported):
    """The imported reports (drafts included: check reads every content file) have no error-level finding."""
    result = run_cli("check", "--source", str(imported["root"]), "--format", "json")
    findings = json.loads(result.stdout)
    errors = [f for f in findings if f["severity"] == "error"]
    assert result.returncode == 0 and errors == [], errors
    assert {f["path"] for f in findings} <= {"congressgen.yaml"} | {
        md.relative_to(imported["root"]).as_posix() for md in imported["md"].values()}
