"""Splitting a list into numbered pages (column lists, the 政府信息公开目录)."""

from __future__ import annotations

from congressgen.model.types import Pager


def paginate(items: list, per_page: int, first: str, pattern: str) -> list[tuple[list, Pager]]:
    """(chunk, pager) per page: the first page at `first`, page n+1 at `pattern.format(n=n)`."""
    chunks = [items[i:i + per_page] for i in range(0, len(items), per_page)] or [[]]
    paths = [first] + [pattern.format(n=n) for n in range(1, len(chunks))]
    return [(chunk, Pager(i + 1, len(chunks), paths)) for i, chunk in enumerate(chunks)]
