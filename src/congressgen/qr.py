"""QR codes as inline SVG, byte-identical to segno's (`segno.make(data, error="m",
micro=False).svg_inline(...)`), at a fraction of its cost.

segno (pure Python, deterministic) spends most of a code's ~3.5 ms placing bits one by
one, scoring all eight data masks cell by cell and writing the SVG through generic
writers. Here segno still encodes the data bits (mode, version, error level boost, padding:
its own functions), and the rest works on one integer per symbol, bit `i * width + j` being
module (i, j):

- the error-correction codewords come from a table-driven Reed-Solomon division (one XOR
  of a precomputed integer per data codeword) over segno's block table and generator
  polynomials;
- the bits are placed with a gather table read off segno's own `add_codewords` (cached per
  version), the masks are XOR layers made with segno's own mask functions, and the format
  and version information are set bits read off segno's own writers;
- the four ISO/IEC 18004 penalties are counted with shifts, ANDs and `int.bit_count` over
  the whole symbol, rows and columns at once, exactly as segno counts them (its N3 walk
  skips overlapping finder-like patterns; the rare symbol that has overlapping ones is
  walked the same way);
- the SVG path is written directly from the rows, in segno's format.

A test compares codes and SVG with segno's on many texts and every version a URL reaches.
On a segno whose internals differ (anything raising while the tables are made), qr_svg
falls back to segno itself.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from functools import lru_cache
from itertools import zip_longest
from operator import itemgetter

# segno is imported where a code is made, not with this module: a warm build that finds every
# code in its cache never needs it (and its import is a noticeable part of start-up).

BORDER = 2
_GAP_RUN = re.compile("0*1+")      # light modules then dark ones, in a row
_BITS = bytes.maketrans(b"\x00\x01", b"01")


def _segno_encoder():
    """segno's encoder internals, which the fast path reads (looked up on use)."""
    from segno import encoder

    return encoder


def _escape(text: str) -> str:
    """xml.sax.saxutils.escape (whose import brings urllib.request with it)."""
    return text.replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;")


def qr_svg(data: str, title: str, scale: int = 3) -> str:
    """An inline <svg> encoding `data`, labelled for screen readers."""
    import segno
    try:
        version, error, mask, modules, width = _encode(data)
        svg = _svg(modules, width, scale, title)
    except (AttributeError, TypeError, ValueError, KeyError, IndexError):
        code = segno.make(data, error="m", micro=False)
        # A viewBox (omitsize) lets a theme's CSS scale every code to one size; width/height
        # keep the natural size where no CSS applies.
        svg = code.svg_inline(scale=scale, border=BORDER, dark="#000", light="#fff", title=title,
                              svgclass="qr", lineclass=None, omitsize=True)
        width = code.symbol_size(scale=1, border=0)[0]
    size = (width + 2 * BORDER) * scale
    return svg.replace("<svg ", f'<svg role="img" aria-label="{html.escape(title)}" width="{size:g}" height="{size:g}" ', 1)


def make_code(data: str) -> segno.QRCode:
    """segno.make(data, error="m", micro=False), made the fast way."""
    import segno
    E = _segno_encoder()
    try:
        version, error, mask, modules, width = _encode(data)
    except (AttributeError, TypeError, ValueError, KeyError, IndexError):
        return segno.make(data, error="m", micro=False)
    text = format(modules, f"0{width * width}b")[::-1].encode().translate(bytes.maketrans(b"01", b"\x00\x01"))
    matrix = tuple(bytearray(text[i * width:(i + 1) * width]) for i in range(width))
    return segno.QRCode(E.Code(matrix, version, error, mask, E.prepare_data(data, None, None)))


# ---------------------------------------------------------------------------------------
# Encoding


def _encode(data: str) -> tuple[int, int, int, int, int]:
    """(version, error level, mask, modules as an integer, width) of segno's code for `data`:
    error M (boosted when it fits), automatic mode and version, no ECI, not micro."""
    from segno import consts
    E = _segno_encoder()
    error = consts.ERROR_LEVEL_M
    segments = E.prepare_data(data, None, None)
    version = E.find_version(segments, error, eci=False, micro=False)
    if version < 1:
        raise ValueError("micro")
    error = E.boost_error_level(version, error, segments, False, is_sa=False)
    buff = E.Buffer()
    ver_range = E.version_range(version)
    for segment in segments:
        E.write_segment(buff, segment, None, ver_range, False)
    capacity = consts.SYMBOL_CAPACITY[version][error]
    E.write_terminator(buff, capacity, None, len(buff))
    E.write_padding_bits(buff, version, len(buff))
    E.write_pad_codewords(buff, version, capacity, len(buff))
    bits = bytes(buff.getbits())
    bits += b"\x00" * (-len(bits) % 8)      # as Buffer.toints reads them
    layout = _layout(version)
    message = _final_message(version, error, int(bits.translate(_BITS), 2).to_bytes(len(bits) // 8, "big"))
    if len(message) != layout.bits:
        raise ValueError("message length")
    source = message + "01"                   # the template's light and dark after the message bits
    modules = int("".join(itemgetter(*layout.gather)(source))[::-1], 2)
    mask = _best_mask(modules, layout)
    modules ^= layout.masks[mask]
    clear, dark = _format_bits(version, error, mask)
    return version, error, mask, (modules & ~clear) | dark, layout.width


def _final_message(version: int, error: int, codewords: bytes) -> str:
    """segno.encoder.make_final_message for a QR code, as a string of "0" / "1"."""
    from segno import consts
    data_blocks, error_blocks, start = [], [], 0
    for info in consts.ECC[version][error]:
        count = info.num_total - info.num_data
        table = _rs_table(count)
        for _ in range(info.num_blocks):
            block = codewords[start:start + info.num_data]     # as make_blocks' islice: extra ones unused
            start += info.num_data
            data_blocks.append(block)
            error_blocks.append(_rs_remainder(block, count, table))
    data = bytes(x for x in _interleave(data_blocks))
    ec = bytes(x for x in _interleave(error_blocks))
    whole = data + ec
    return format(int.from_bytes(whole, "big"), f"0{8 * len(whole)}b") + "0" * _remainder_bits(version)


def _interleave(blocks):
    return (x for group in zip_longest(*blocks) for x in group if x is not None)


def _remainder_bits(version: int) -> int:
    if version in (2, 3, 4, 5, 6):
        return 7
    if version in (14, 15, 16, 17, 18, 19, 20, 28, 29, 30, 31, 32, 33, 34):
        return 3
    if version in (21, 22, 23, 24, 25, 26, 27):
        return 4
    return 0


@lru_cache(maxsize=32)
def _rs_table(count: int) -> tuple[int, ...]:
    """Per leading coefficient c: c times segno's generator polynomial of `count` error
    codewords (leading term dropped), as a big-endian integer of `count` bytes."""
    from segno import consts
    gen, log, exp = consts.GEN_POLY[count], consts.GALIOS_LOG, consts.GALIOS_EXP
    table = [0]
    for c in range(1, 256):
        table.append(int.from_bytes(bytes(exp[log[c] + g] for g in gen[:count]), "big"))
    return tuple(table)


def _rs_remainder(block: bytes, count: int, table: tuple[int, ...]) -> bytes:
    shift, keep = 8 * (count - 1), (1 << (8 * count)) - 1
    remainder = 0
    for value in block:
        remainder = ((remainder << 8) & keep) ^ table[(remainder >> shift) ^ value]
    return remainder.to_bytes(count, "big")


# ---------------------------------------------------------------------------------------
# Per-version tables, read off segno's own functions


@dataclass(frozen=True)
class _Layout:
    width: int
    gather: tuple[int, ...]           # per module: its index into the message bits + "01"
    bits: int                         # modules the message fills
    masks: tuple[int, ...]            # per mask pattern: its XOR layer over the encoding region
    shape: "_Shape"


@lru_cache(maxsize=48)
def _layout(version: int) -> _Layout:
    E = _segno_encoder()
    width = E.calc_matrix_size(version)
    template = E.make_matrix(width, width)
    E.add_finder_patterns(template, width, width)
    E.add_alignment_patterns(template, width, width)
    if {cell for row in template for cell in row} - {0x0, 0x1, 0x2}:
        raise ValueError("module values")
    free = sum(row.count(0x2) for row in template)
    marks = [list(row) for row in template]
    E.add_codewords(marks, [("bit", k) for k in range(free)], version)   # where segno puts bit k
    light, dark = free, free + 1
    gather = [cell[1] if isinstance(cell, tuple) else dark if cell == 0x1 else light
              for row in marks for cell in row]
    function = E.make_matrix(width, width)
    E.add_finder_patterns(function, width, width)
    E.add_alignment_patterns(function, width, width)
    function[-8][8] = 0x1
    masks = tuple(sum(1 << (i * width + j) for i in range(width) for j in range(width)
                      if function[i][j] > 0x1 and pattern(i, j))
                  for pattern in E.get_data_mask_functions(False))
    return _Layout(width, tuple(gather), free, masks, _shape(width))


@lru_cache(maxsize=512)
def _format_bits(version: int, error: int, mask: int) -> tuple[int, int]:
    """(modules segno's format and version writers set, those of them set dark)."""
    E = _segno_encoder()
    width = E.calc_matrix_size(version)
    marks = [[None] * width for _ in range(width)]
    E.add_format_info(marks, version, error, mask)
    E.add_version_info(marks, version)
    clear = dark = 0
    for i in range(width):
        for j in range(width):
            if marks[i][j] is not None:
                clear |= 1 << (i * width + j)
                if marks[i][j]:
                    dark |= 1 << (i * width + j)
    return clear, dark


# ---------------------------------------------------------------------------------------
# Mask choice: segno.encoder.mask_scores on the whole symbol at once


@dataclass(frozen=True)
class _Shape:
    width: int
    full: int
    row_pairs: int          # (i, j) with j + 1 < width: a module and its right neighbour
    column_pairs: int       # (i, j) with i + 1 < width: a module and the one below
    row_starts: int         # j + 7 <= width: where a finder-like pattern fits in a row
    column_starts: int      # i + 7 <= width
    left: tuple[int, ...]   # [s]: modules with j < s (outside the row to the left: light)
    right: tuple[int, ...]  # [s]: modules with j + s >= width
    top: tuple[int, ...]    # [s]: modules with i < s
    bottom: tuple[int, ...]


def _shape(width: int) -> _Shape:
    def cells(test) -> int:
        return sum(1 << (i * width + j) for i in range(width) for j in range(width) if test(i, j))

    return _Shape(width, (1 << width * width) - 1, cells(lambda i, j: j + 1 < width),
                  cells(lambda i, j: i + 1 < width), cells(lambda i, j: j + 7 <= width),
                  cells(lambda i, j: i + 7 <= width),
                  tuple(cells(lambda i, j, s=s: j < s) for s in range(12)),
                  tuple(cells(lambda i, j, s=s: j + s >= width) for s in range(12)),
                  tuple(cells(lambda i, j, s=s: i < s) for s in range(12)),
                  tuple(cells(lambda i, j, s=s: i + s >= width) for s in range(12)))


def _best_mask(modules: int, layout: _Layout) -> int:
    """segno.encoder.find_and_apply_best_mask's choice (the first lowest penalty)."""
    best, best_score = 0, None
    for number, layer in enumerate(layout.masks):
        score = _penalty(modules ^ layer, layout.shape)
        if best_score is None or score < best_score:
            best, best_score = number, score
    return best


def _runs_score(equal: int, step: int) -> int:
    """N1 along one direction: a run of L >= 5 equal modules scores L - 2, which is its
    number of 5-module windows (L - 4) plus 2 for the run. `equal` has (i, j) set when the
    module equals its neighbour `step` bits on."""
    windows = equal & (equal >> step) & (equal >> 2 * step) & (equal >> 3 * step)
    return windows.bit_count() + 2 * (windows & ~(windows << step)).bit_count()


def _n3(dark: int, light: int, step: int, starts: int, before: tuple, after: tuple, shape: _Shape,
        rows: bool) -> int:
    """segno's N3 along one direction (step 1: rows, step width: columns)."""
    found = (dark & (light >> step) & (dark >> 2 * step) & (dark >> 3 * step) & (dark >> 4 * step)
             & (light >> 5 * step) & (dark >> 6 * step) & starts)
    if not found:
        return 0
    clear_before = clear_after = shape.full
    for t in range(4):
        clear_before &= (light << (1 + t) * step) | before[1 + t]
        clear_after &= (light >> (7 + t) * step) | after[7 + t]
    counted = found & (clear_before | clear_after)
    if not found & ((found >> 4 * step) | (found >> 6 * step)):
        return 40 * counted.bit_count()
    # Overlapping patterns: segno searches on from idx + 7 after a counted one, else idx + 4.
    width, places = shape.width, []
    while found:
        low = found & -found
        found ^= low
        p = low.bit_length() - 1
        places.append((p // width, p % width, p) if rows else (p % width, p // width, p))
    places.sort()
    score, line, after_index = 0, None, 0
    for here, index, p in places:
        if here != line:
            line, after_index = here, 0
        if index < after_index:
            continue
        if counted >> p & 1:
            score += 40
            after_index = index + 7
        else:
            after_index = index + 4
    return score


def _penalty(dark: int, shape: _Shape) -> int:
    """The four penalty scores of segno.encoder.mask_scores, summed."""
    width, light = shape.width, dark ^ shape.full
    across = ~(dark ^ (dark >> 1)) & shape.row_pairs
    down = ~(dark ^ (dark >> width)) & shape.column_pairs
    n1 = _runs_score(across, 1) + _runs_score(down, width)
    n2 = 3 * (across & (across >> width) & down).bit_count()
    n3 = (_n3(dark, light, 1, shape.row_starts, shape.left, shape.right, shape, True)
          + _n3(dark, light, width, shape.column_starts, shape.top, shape.bottom, shape, False))
    n4 = 10 * int(abs(float(dark.bit_count()) / (width ** 2) * 100 - 50) / 5)
    return n1 + n2 + n3 + n4


# ---------------------------------------------------------------------------------------
# SVG, as segno's write_svg writes it for these options


@lru_cache(maxsize=48)
def _moves(width: int) -> dict[str, str]:
    """For each "0" * gap + "1" * run that fits a row: segno's move to that run in the same
    row and its line ("m{gap} 0h{run}")."""
    return {"0" * gap + "1" * run: f"m{gap} 0h{run}" for gap in range(width) for run in range(1, width + 1 - gap)}


def _svg(modules: int, width: int, scale: int, title: str) -> str:
    """segno's svg_inline(scale, border=2, dark="#000", light="#fff", title, svgclass="qr",
    lineclass=None, omitsize=True): a background path and one path of dark runs per row,
    each run a relative move and a horizontal line, in a group scaled by `scale`."""
    if scale == 1:
        raise ValueError("scale 1 is written without a group")
    text = format(modules, f"0{width * width}b")[::-1]
    moves = _moves(width)
    parts, last_x, last_y, first = [], 0, 0.0, True
    for i in range(width):
        runs = _GAP_RUN.findall(text, i * width, (i + 1) * width)
        if not runs:
            continue
        y = BORDER + 0.5 + i
        dy = y - last_y
        head = runs[0]
        gap = head.index("1")
        parts.append(f"{'M' if first else 'm'}{BORDER + gap - last_x} {int(dy) if int(dy) == dy else dy}h{len(head) - gap}")
        parts.append("".join(map(moves.__getitem__, runs[1:])))
        first, last_x, last_y = False, BORDER + sum(map(len, runs)), y
    side = width + 2 * BORDER
    paths = sorted([f'<path stroke="#000" d="{"".join(parts)}"/>', f'<path fill="#fff" d="M0 0h{side}v{side}h-{side}z"/>'],
                   key=len)
    return (f'<svg viewBox="0 0 {side * scale} {side * scale}" class="qr"><title>{_escape(title)}</title>'
            f'<g transform="scale({scale})">{"".join(paths)}</g></svg>')
