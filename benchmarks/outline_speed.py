"""How the outline pass scales: bodies of 1,000 to 30,000 headings (issue 15: linear, never
quadratic). Prints the time per heading for each size; it should stay flat.

    python benchmarks/outline_speed.py
"""

from __future__ import annotations

import time

from congressgen.outline import prepare

_NUMERALS = "一二三四五六七八九"


def body(headings: int) -> str:
    parts = ["2023年工作回顾"]
    for i in range(headings):
        parts.append(f"{_NUMERALS[i % 9]}、第{i}项工作，持续推进。正文一段，**重点**工作。")
        if i % 3 == 0:
            parts.append(f"一是抓好第{i}项落实。具体措施。")
    return "\n\n".join(parts) + "\n"


def main() -> None:
    for n in (1000, 3000, 10000, 30000):
        text = body(n)
        started = time.perf_counter()
        _, outline = prepare(text)
        for e in outline.entries[:: max(1, len(outline.entries) // 1000)]:
            outline.anchor_of(e.title, e.part)
        elapsed = time.perf_counter() - started
        print(f"{n:>6} headings ({len(outline.entries)} entries): {elapsed:6.2f} s, "
              f"{elapsed / len(outline.entries) * 1e6:6.1f} µs per entry")


if __name__ == "__main__":
    main()
