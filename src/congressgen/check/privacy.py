"""Personal information (个人信息泄露): resident ID numbers, mobile numbers and bank card
numbers in anything that gets published — front matter, body (comments included: they
reach the page source) and text attachments. Messages show only the masked form, so that
the check's own output (CI logs) does not spread the number further."""

from __future__ import annotations

import datetime as dt
import re

from congressgen.check.model import Document, Rule, Segment
from congressgen.content import decode
from congressgen.model.attachments import locate_attachment

RULES = (
    Rule("pii-id-number", "error", "18 位居民身份证号码（校验码正确）"),
    Rule("pii-mobile", "error", "大陆手机号码（不在 check.hotlines 白名单中）"),
    Rule("pii-bank-card", "error", "银行卡号（16–19 位，通过 Luhn 校验）"),
)

_EDGE_BEFORE = r"(?<![0-9A-Za-z])"
_EDGE_AFTER = r"(?![0-9A-Za-z])"
# Region code (first digit 1–8), birth date, sequence, check digit (GB 11643-1999).
# The edge check sits after the first digit (same matches): a pattern that starts with a
# character class lets the regex engine skip ahead to where one can start.
_ID = re.compile(r"([1-8](?<![0-9A-Za-z][1-8])\d{5})((?:18|19|20)\d{2})(\d{2})(\d{2})(\d{3})([0-9Xx])" + _EDGE_AFTER)
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
# 1[3-9]x xxxx xxxx, optionally +86 / 0086, optionally grouped 3-4-4 by one space or dash.
_MOBILE = re.compile(_EDGE_BEFORE + r"(?:(?:\+|00)?86[- ]?)?(1[3-9]\d)([- ]?)(\d{4})\2(\d{4})" + _EDGE_AFTER)
_MOBILE_PART = re.compile(r"1[3-9]\d[- ]?\d{4}")   # in every _MOBILE match; quick to look for
# 16–19 digits starting 3–6 (the card networks), optionally grouped in fours.
_CARD = re.compile(r"([3-6](?<![0-9A-Za-z][3-6])\d{3})([- ]?)(\d{4})\2(\d{4})\2(\d{4})(?:\2(\d{1,3}))?" + _EDGE_AFTER)
_TEXT_ATTACHMENTS = (".txt", ".csv", ".md")
_ATTACHMENT_LIMIT = 5 * 1024 * 1024


def id_check_digit(first17: str) -> str:
    return _ID_CHECK[sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS)) % 11]


def looks_like_id(digits: str, today: dt.date) -> bool:
    """Region code and a real birth date not after today: the shape of an ID number."""
    if len(digits) != 18 or digits[0] not in "12345678":
        return False
    try:
        born = dt.date(int(digits[6:10]), int(digits[10:12]), int(digits[12:14]))
    except ValueError:
        return False
    return dt.date(1880, 1, 1) <= born <= today


def is_id_number(text: str, today: dt.date) -> bool:
    digits = text.upper()
    return looks_like_id(digits, today) and id_check_digit(digits[:17]) == digits[17]


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def mask_id(number: str) -> str:
    return number[:6] + "*" * 8 + number[-4:]


def mask_mobile(digits: str) -> str:
    return digits[:3] + "****" + digits[-4:]


def mask_card(digits: str) -> str:
    return digits[:4] + "*" * (len(digits) - 8) + digits[-4:]


def normalise_phone(text: str) -> str:
    digits = re.sub(r"\D", "", str(text))
    if len(digits) == 13 and digits.startswith("86"):
        digits = digits[2:]
    return digits


def scan(segment: Segment, hotlines: frozenset, today: dt.date):
    # Front matter YAML comments are not published; a body's HTML comments are.
    text = segment.code_masked if segment.kind == "front" else segment.text
    id_spans = []
    for m in _ID.finditer(text):
        number = m.group(0)
        if is_id_number(number, today):
            id_spans.append(m.span())
            yield segment.finding(m.start(), "pii-id-number",
                                  f"身份证号码未脱敏；公开时应写成 {mask_id(number.upper())}")
        elif looks_like_id(number.upper(), today):
            id_spans.append(m.span())   # wrong check digit: not an ID, and not a card either
    if _MOBILE_PART.search(text):
        for m in _MOBILE.finditer(text):
            digits = m.group(1) + m.group(3) + m.group(4)
            if digits in hotlines:
                continue
            yield segment.finding(m.start(), "pii-mobile",
                                  f"手机号码属于个人信息，公开时应写成 {mask_mobile(digits)}；"
                                  "如是公开的服务热线，请加入 congressgen.yaml 的 check.hotlines")
    for m in _CARD.finditer(text):
        if any(s <= m.start() < e for s, e in id_spans):
            continue
        digits = "".join(g for g in (m.group(1), m.group(3), m.group(4), m.group(5), m.group(6)) if g)
        if len(digits) < 16 or not luhn_ok(digits):
            continue
        yield segment.finding(m.start(), "pii-bank-card",
                              f"银行卡号未脱敏；公开时应写成 {mask_card(digits)}")


def text_attachments(doc: Document, root) -> list[tuple[str, bytes]]:
    """(shown path, bytes) of the text attachments (.txt, .csv, .md) that are scanned: they
    are published as they are."""
    found_files = []
    if doc.fm is None:
        return found_files
    for attachment in doc.fm.attachments:
        if not attachment.file.lower().endswith(_TEXT_ATTACHMENTS):
            continue
        found, _ = locate_attachment(root, doc.path, attachment.file)
        try:
            if found is None or found.stat().st_size > _ATTACHMENT_LIMIT:
                continue
            found_files.append((found.resolve().relative_to(root.resolve()).as_posix(), found.read_bytes()))
        except OSError:
            continue
    return found_files


def attachment_segments(doc: Document, root, files: list | None = None) -> list[Segment]:
    segments = []
    for shown, raw in text_attachments(doc, root) if files is None else files:
        try:
            text, _, _ = decode(raw, shown)
        except Exception:  # undecodable: nothing readable to leak
            continue
        segments.append(Segment(shown, text, 1, "file"))
    return segments


def next_change(segments, today: dt.date) -> dt.date | None:
    """The first day on which `scan` may find otherwise: an ID-shaped number counts only once
    its birth date is not in the future, so a cached result holds until the earliest one."""
    earliest = None
    for segment in segments:
        text = segment.code_masked if segment.kind == "front" else segment.text
        for m in _ID.finditer(text):
            try:
                born = dt.date(int(m.group(2)), int(m.group(3)), int(m.group(4)))
            except ValueError:
                continue
            if born > today and (earliest is None or born < earliest):
                earliest = born
    return earliest


def check_document(doc: Document, ctx):
    if doc.source is None:
        return
    hotlines = ctx.settings.hotlines
    today = (ctx.now.date() if ctx.now else dt.date.today())
    for segment in scanned_segments(doc, ctx.config.root):
        yield from scan(segment, hotlines, today)


def scanned_segments(doc: Document, root, files: list | None = None) -> list[Segment]:
    return [doc.front, doc.body, *attachment_segments(doc, root, files)]
