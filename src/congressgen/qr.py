"""QR codes as inline SVG (segno: pure Python, deterministic, small SVG)."""

from __future__ import annotations

import html

import segno


def qr_svg(data: str, title: str, scale: int = 3) -> str:
    """An inline <svg> encoding `data`, labelled for screen readers."""
    code = segno.make(data, error="m", micro=False)
    # A viewBox (omitsize) lets a theme's CSS scale every code to one size; width/height
    # keep the natural size where no CSS applies.
    svg = code.svg_inline(scale=scale, border=2, dark="#000", light="#fff", title=title,
                          svgclass="qr", lineclass=None, omitsize=True)
    width, height = code.symbol_size(scale=scale, border=2)
    return svg.replace("<svg ", f'<svg role="img" aria-label="{html.escape(title)}" width="{width:g}" height="{height:g}" ', 1)
