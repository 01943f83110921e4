"""CSV as Excel saves it, with the line and column of every cell.

Excel writes UTF-8 with a BOM ("CSV UTF-8") or the system code page (GB18030/GBK on Chinese
Windows), CRLF line ends, and quotes cells that hold commas, quotes or line breaks. The
standard `csv` module gives no position of a cell, so this small RFC 4180 reader does:
`file:line:col` of each cell is where its text starts (col counts characters, 1-based).
"""

from __future__ import annotations

from dataclasses import dataclass

from congressgen.errors import Location


@dataclass(frozen=True)
class Cell:
    value: str
    line: int
    col: int


@dataclass(frozen=True)
class CsvRow:
    line: int
    cells: tuple[Cell, ...]


class CsvError(Exception):
    def __init__(self, line: int, col: int, message: str):
        self.line, self.col, self.message = line, col, message
        super().__init__(message)


def decode_table(raw: bytes) -> tuple[str, str]:
    """(text with '\\n' line ends, encoding name). UTF-8 (BOM or not) first, then GB18030."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        return text.replace("\r\n", "\n").replace("\r", "\n"), "UTF-8" if encoding == "utf-8-sig" else "GB18030"
    raise UnicodeDecodeError("gb18030", raw, 0, 1, "neither UTF-8 nor GB18030")


def parse_csv(text: str) -> list[CsvRow]:
    """Rows of cells with positions; blank lines are skipped. Raises CsvError for a quote
    left open or text straight after a closing quote."""
    rows: list[CsvRow] = []
    cells: list[Cell] = []
    line, col = 1, 1
    i, n = 0, len(text)
    row_line = 1
    while i < n or cells:
        start_line, start_col = line, col
        if i < n and text[i] == '"':
            i += 1
            col += 1
            parts = []
            while True:
                if i >= n:
                    raise CsvError(start_line, start_col, "引号没有闭合（这一格从这里开始）")
                ch = text[i]
                if ch == '"':
                    if i + 1 < n and text[i + 1] == '"':
                        parts.append('"')
                        i += 2
                        col += 2
                        continue
                    i += 1
                    col += 1
                    break
                parts.append(ch)
                i += 1
                if ch == "\n":
                    line, col = line + 1, 1
                else:
                    col += 1
            value = "".join(parts)
            if i < n and text[i] not in ",\n":
                raise CsvError(line, col, "右引号后面应是逗号或换行")
        else:
            j = i
            while j < n and text[j] not in ",\n":
                j += 1
            value = text[i:j]
            col += j - i
            i = j
        cells.append(Cell(value, start_line, start_col))
        if i < n and text[i] == ",":
            i += 1
            col += 1
            continue
        # end of a record: a newline or the end of the text
        if any(c.value.strip() for c in cells):
            rows.append(CsvRow(row_line, tuple(cells)))
        cells = []
        if i < n:
            i += 1
            line, col = line + 1, 1
        row_line = line
        if i >= n:
            break
    return rows


def cell_location(path: str, cell: Cell) -> Location:
    return Location(path, cell.line, cell.col)
