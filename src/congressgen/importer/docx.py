"""Reader: a Word/WPS `.docx` file → blocks, footnotes and images (via mammoth and `convert`)."""

from __future__ import annotations

import io
import re
import zipfile

from congressgen.errors import ContentError, Diagnostic, Location
from congressgen.importer.convert import html_to_blocks
from congressgen.importer.guess import DATELINE
from congressgen.importer.types import BUNDLE_PLACEHOLDER, BundleFile, ReadResult
from congressgen.outline import match_marker

_OLE_SIGNATURE = bytes.fromhex("d0cf11e0a1b11ae1")   # encrypted .docx and old .doc are OLE compound files
_ZIP_SIGNATURE = b"PK\x03\x04"
_TITLE_STYLE = "congressgen-title"

# Archive limits (docs/limits.md), checked from the zip central directory before anything is
# decompressed. zipfile never yields more than a member's declared size (a member that lies
# fails its CRC check), so these bound all later work. A real report: well under 10 MiB of
# XML, tens of MiB of images, XML compressed about 5-20:1.
MAX_TOTAL_SIZE = 256 * 1024 * 1024       # all members, uncompressed
MAX_XML_SIZE = 16 * 1024 * 1024          # one XML part (document.xml, footnotes.xml …), uncompressed
MAX_RATIO = 100                          # uncompressed : compressed, for members above RATIO_FLOOR
RATIO_FLOOR = 1024 * 1024
MAX_MEMBERS = 10_000

# Word/WPS style names → HTML; Chinese names are what WPS and Chinese Word write.
STYLE_MAP = "\n".join([
    f"p[style-name='{_TITLE_STYLE}'] => p.cg-title:fresh",
    "p[style-name='Title'] => p.cg-title:fresh",
    "p[style-name='标题'] => p.cg-title:fresh",
    "p[style-name='Subtitle'] => p:fresh",
    "p[style-name='副标题'] => p:fresh",
    *(f"p[style-name='标题 {n}'] => h{n}:fresh" for n in range(1, 7)),
    *(f"p[style-name='标题{n}'] => h{n}:fresh" for n in range(1, 7)),
    *(f"p[style-name='{name}'] => p:fresh" for name in (
        "Body Text", "Text Body", "Default", "Standard", "正文", "正文文本", "Plain Text", "纯文本",
        "List Paragraph", "列出段落", "Normal (Web)", "普通(网站)", "Table Contents", "表格内容")),
    "r[style-name='Footnote Characters'] =>",
    "r[style-name='Endnote Characters'] =>",
    "r[style-name='脚注引用'] =>",
])


def _docx_error(shown: str, message: str) -> ContentError:
    return ContentError(Location(shown), message)


def _looks_like_title(paragraph, text: str) -> bool:
    """An opening paragraph set as a title by hand: centred, all bold, or large (≥ 18 pt)."""
    if len(text) > 80 or match_marker(text) or DATELINE.search(text):
        return False
    import mammoth.documents as docs
    runs = [r for r in _runs(paragraph, docs) if "".join(_run_text(r, docs)).strip()]
    bold = bool(runs) and all(r.is_bold for r in runs)
    large = any((r.font_size or 0) >= 18 for r in runs)
    return paragraph.alignment in ("center", "centre") or bold or large


def _runs(element, docs) -> list:
    found = []
    for child in getattr(element, "children", []) or []:
        if isinstance(child, docs.Run):
            found.append(child)
        else:
            found.extend(_runs(child, docs))
    return found


def _run_text(run, docs) -> list[str]:
    return [c.value for c in run.children if isinstance(c, docs.Text)]


def _mark_title(document):
    """mammoth document transform: restyle the opening paragraph when it looks like a title."""
    import mammoth.documents as docs
    from mammoth.raw_text import extract_raw_text_from_element

    children = list(document.children)
    for index, child in enumerate(children):
        if not isinstance(child, docs.Paragraph):
            break
        text = extract_raw_text_from_element(child).strip()
        if not text:
            continue
        if (child.style_name or "") not in ("Title", "标题") and _looks_like_title(child, text):
            children[index] = child.copy(style_name=_TITLE_STYLE, style_id=None)
        break
    return document.copy(children=children)


_IMAGE_EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg", "image/jpg": "jpg", "image/gif": "gif",
                     "image/bmp": "bmp", "image/svg+xml": "svg", "image/webp": "webp", "image/x-emf": "emf",
                     "image/x-wmf": "wmf", "image/emf": "emf", "image/wmf": "wmf", "image/tiff": "tif"}
_WEB_IMAGES = {"png", "jpg", "gif", "svg", "webp", "bmp"}


def _translate_message(text: str) -> str:
    m = re.match(r"Unrecognised (paragraph|run|table) style: (.*) \(Style ID: .*\)$", text)
    if m:
        kind = {"paragraph": "段落样式", "run": "文字样式", "table": "表格样式"}[m.group(1)]
        return f"{kind}“{m.group(2)}”没有对应的标题级别，已按普通{'段落' if kind == '段落样式' else '文字'}导入"
    return f"Word 转换提示：{text}"


def _mib(size: int) -> str:
    return f"{size / 1024 / 1024:.0f} MiB"


def check_archive_limits(members: list[zipfile.ZipInfo], shown: str) -> None:
    """Refuse a zip bomb from its central directory alone: nothing has been decompressed yet."""
    refuse = "；正常的 Word 报告远小于此，这个文件可能是恶意构造的压缩炸弹或已损坏。未写入任何文件"
    if len(members) > MAX_MEMBERS:
        raise _docx_error(shown, f"文件内含 {len(members)} 个部件，超过上限 {MAX_MEMBERS}" + refuse)
    for member in members:
        if member.filename.lower().endswith((".xml", ".rels")) and member.file_size > MAX_XML_SIZE:
            raise _docx_error(shown, f"部件 {member.filename} 解压后 {_mib(member.file_size)}，"
                                     f"超过上限 {_mib(MAX_XML_SIZE)}" + refuse)
        if member.file_size > RATIO_FLOOR and member.file_size > MAX_RATIO * max(member.compress_size, 1):
            ratio = member.file_size // max(member.compress_size, 1)
            raise _docx_error(shown, f"部件 {member.filename} 的压缩比 {ratio}:1 超过上限 {MAX_RATIO}:1" + refuse)
    total = sum(m.file_size for m in members)
    if total > MAX_TOTAL_SIZE:
        raise _docx_error(shown, f"解压后共 {_mib(total)}，超过上限 {_mib(MAX_TOTAL_SIZE)}" + refuse)


def read_docx(raw: bytes, shown: str) -> ReadResult:
    if raw.startswith(_OLE_SIGNATURE):
        raise _docx_error(shown, "这是设置了打开密码（加密）的 Word 文件，或是改了扩展名的旧版 .doc 文件，无法导入；"
                                 "请在 Word/WPS 中取消密码（文件→信息→保护文档），并“另存为” .docx 后再导入。未写入任何文件")
    if not raw.startswith(_ZIP_SIGNATURE):
        raise _docx_error(shown, "文件不是有效的 .docx（Word 2007 及以后的格式），可能已损坏；"
                                 "请在 Word/WPS 中打开并“另存为” .docx 后再导入。未写入任何文件")
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            check_archive_limits(archive.infolist(), shown)
            bad = archive.testzip()
            if bad is not None or "word/document.xml" not in archive.namelist():
                raise zipfile.BadZipFile(bad or "word/document.xml missing")
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError, OSError) as exc:
        raise _docx_error(shown, f"文件已损坏，无法作为 .docx 读取（{exc}）；请在 Word/WPS 中打开并“另存为” .docx "
                                 "后再导入。未写入任何文件") from None

    import mammoth

    images: list[BundleFile] = []
    todo: list[str] = []
    warnings: list[Diagnostic] = []

    def convert_image(image) -> dict:
        number = len(images) + 1
        extension = _IMAGE_EXTENSIONS.get(image.content_type) or mammoth.images.image_filename_extension(image) or "bin"
        name = f"image{number}.{extension}"
        with image.open() as stream:
            images.append(BundleFile(name, stream.read()))
        if extension not in _WEB_IMAGES:
            todo.append(f"图片 {name} 是 {extension.upper()} 格式，浏览器无法显示：请在 Word/WPS 中把它另存为 PNG 后替换")
        attributes = {"src": f"{BUNDLE_PLACEHOLDER}/{name}"}
        if not (image.alt_text or "").strip():
            attributes["alt"] = f"图{number}"
            todo.append(f"图片 {name} 没有替代文字（供读屏软件朗读），已暂填“图{number}”，请改写为图片内容的简要说明")
        return attributes

    try:
        result = mammoth.convert_to_html(io.BytesIO(raw), style_map=STYLE_MAP, transform_document=_mark_title,
                                         convert_image=mammoth.images.img_element(convert_image))
    except Exception as exc:   # mammoth's own parse errors (bad XML, missing parts): the file is damaged
        raise _docx_error(shown, f"无法读取 Word 文件内容（{type(exc).__name__}: {exc}），文件可能已损坏；"
                                 "请在 Word/WPS 中打开并“另存为” .docx 后再导入。未写入任何文件") from None
    for message in dict.fromkeys(m.message for m in result.messages):
        warnings.append(Diagnostic(Location(shown), _translate_message(message), "warning"))
    blocks, footnotes, counts = html_to_blocks(result.value)
    counts["images"] = len(images)
    if counts.get("ordered_lists"):
        todo.append("文中有 Word 自动编号的列表：编号的样式（如“一、”“（一）”）不保存在文字里，已按 1. 2. 3. 导入，请核对")
    return ReadResult(tuple(blocks), tuple(footnotes), tuple(images), tuple(warnings), tuple(todo), {}, counts)
