"""The share QR codes: `congressgen.qr` makes segno's codes (same version, error level,
mask and modules) and segno's SVG, byte for byte, without going through segno's slow steps."""

from __future__ import annotations

import random

import segno

from congressgen import qr


def _texts() -> list[str]:
    rng = random.Random(17)
    texts = [f"https://rd.example.gov.cn/reports/{rng.randint(2000, 2030)}{rng.randint(1, 12):02d}/"
             f"t2024{rng.randint(100, 999)}_r{i:05d}.html" for i in range(200)]
    texts += [f"https://www.example.gov.cn/{c}/r{n:05d}/" for c in ("reports", "news", "notices") for n in range(0, 3000, 97)]
    texts += ["https://x.cn/" + "a" * n for n in range(0, 2300, 80)]                  # versions 1 … 40
    texts += ["https://例子.政务.cn/" + "报告" * n for n in range(1, 80, 9)]           # byte mode, UTF-8
    texts += ["12345", "0" * 700, "HELLO WORLD", "HTTPS://EXAMPLE.GOV.CN/" + "A" * 300, "a", ""]
    return texts


def _segno_svg(text: str, title: str) -> str:
    code = segno.make(text, error="m", micro=False)
    svg = code.svg_inline(scale=3, border=2, dark="#000", light="#fff", title=title, svgclass="qr",
                          lineclass=None, omitsize=True)
    width, height = code.symbol_size(scale=3, border=2)
    return svg.replace("<svg ", f'<svg role="img" aria-label="{title.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")}"'
                                f' width="{width:g}" height="{height:g}" ', 1)


def test_qr_codes_and_svg_are_segnos_for_many_texts_and_versions(monkeypatch):
    texts = [t for t in _texts() if t]
    codes = {t: segno.make(t, error="m", micro=False) for t in texts}
    expected = {t: _segno_svg(t, "本文网址二维码：<扫一扫> & 分享") for t in texts}
    assert len({code.version for code in codes.values()}) >= 30
    for text in texts:
        ours, theirs = qr.make_code(text), codes[text]
        assert (ours.version, ours.error, ours.mask) == (theirs.version, theirs.error, theirs.mask), text
        assert ours.matrix == theirs.matrix, text

    def refuse(*args, **kwargs):
        raise AssertionError("segno.make used")

    monkeypatch.setattr(segno, "make", refuse)     # proves the fast path made every code (qr imports segno on use)
    for text in texts:
        assert qr.qr_svg(text, "本文网址二维码：<扫一扫> & 分享") == expected[text], text


def test_mask_choice_is_segnos_on_symbols_with_overlapping_finder_like_patterns():
    """segno's N3 walk skips a 1:1:3:1:1 pattern overlapping a counted one; symbols whose
    masks make such overlaps take the slow walk here, and must still choose segno's mask."""
    overlapping = 0
    for n in range(400):
        text = f"https://www.example.gov.cn/reports/2024/r{n:05d}/"
        version, error, mask, modules, width = qr._encode(text)
        layout = qr._layout(version)
        for layer in layout.masks:
            dark = modules ^ layer      # not the exact evaluated matrix; only counts overlaps
            found = dark & (dark >> 2) & (dark >> 3) & (dark >> 4) & ~(dark >> 1) & ~(dark >> 5) & (dark >> 6)
            overlapping += bool(found & layout.shape.row_starts & ((found >> 4) | (found >> 6)))
        assert mask == segno.make(text, error="m", micro=False).mask, text
    assert overlapping > 0


def test_a_segno_without_the_expected_internals_still_gives_segnos_svg(monkeypatch):
    text = "https://www.example.gov.cn/reports/2024/r00001/"
    expected = _segno_svg(text, "标题")
    monkeypatch.setattr(qr, "_segno_encoder", object)     # segno's encoder internals moved away
    assert qr.qr_svg(text, "标题") == expected


def test_the_module_leaves_segno_unimported_until_a_code_is_made():
    """A warm build finds its codes in the cache: importing qr (render.py does) costs no segno."""
    import subprocess
    import sys

    code = "import sys, congressgen.qr; print('segno' in sys.modules, 'urllib.request' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]
