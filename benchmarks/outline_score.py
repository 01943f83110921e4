"""Score congressgen's outline recognition on the corpus of real reports (tests/outline_corpus).

For every `NAME.md` with a hand-labelled `NAME.expected.yaml`:

- headings: precision, recall and F1 of the headings found against the labelled ones (a heading
  counts when its text, numbering included and spaces ignored, matches the label, in order);
- level accuracy: of the matched headings, the share at the labelled depth;
- part accuracy: of the matched headings, the share in the labelled part (review/plan/appendix/other);
- characters lost: characters of the body (spaces aside) missing from the page's text.

    python benchmarks/outline_score.py            # totals
    python benchmarks/outline_score.py --verbose  # and every file, with its misses

Targets (issue 15): F1 ≥ 0.95, level ≥ 0.98, part ≥ 0.95, no character lost.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "outline_corpus"
TARGETS = {"f1": 0.95, "level": 0.98, "part": 0.95, "lost": 0}


def _norm(text: str) -> str:
    return "".join(text.split())


@dataclass
class FileScore:
    name: str
    expected: int
    found: int
    matched: int
    level_ok: int
    part_ok: int
    lost: int
    misses: list[str] = field(default_factory=list)
    held_out: bool = False          # labelled before the rules were ever run on it


def score_file(md: Path, renderer) -> FileScore:
    labels = yaml.safe_load(md.with_suffix(".expected.yaml").read_text(encoding="utf-8"))
    expected = labels["headings"]
    held_out = bool((labels.get("source") or {}).get("held_out"))
    body = md.read_text(encoding="utf-8")
    rendered = renderer.render(body)
    found = list(rendered.outline.entries)
    matched = level_ok = part_ok = 0
    misses = []
    start = 0
    for label in expected:
        want = _norm(label["text"])
        hit = next((i for i in range(start, len(found)) if _norm(found[i].text) == want), None)
        if hit is None:
            misses.append(f"not found: {label['text']}")
            continue
        entry, start = found[hit], hit + 1
        matched += 1
        level_ok += entry.depth == label["level"]
        part_ok += entry.part == label["part"]
        if entry.depth != label["level"]:
            misses.append(f"level {entry.depth} ≠ {label['level']}: {label['text']}")
        if entry.part != label["part"]:
            misses.append(f"part {entry.part} ≠ {label['part']}: {label['text']}")
    wanted = {_norm(label["text"]) for label in expected}
    misses += [f"extra: {e.text}" for e in found if _norm(e.text) not in wanted]
    lost = sum((Counter(_norm(body)) - Counter(_norm(rendered.text))).values())
    if lost:
        misses.append(f"{lost} characters lost")
    return FileScore(md.stem, len(expected), len(found), matched, level_ok, part_ok, lost, misses, held_out)


def totals_of(files: list[FileScore]) -> dict:
    expected = sum(f.expected for f in files)
    found = sum(f.found for f in files)
    matched = sum(f.matched for f in files)
    precision = matched / found if found else 1.0
    recall = matched / expected if expected else 1.0
    return {
        "reports": len(files), "headings": expected, "found": found, "matched": matched,
        "precision": precision, "recall": recall,
        "f1": 2 * precision * recall / (precision + recall) if precision + recall else 0.0,
        "level": sum(f.level_ok for f in files) / matched if matched else 0.0,
        "part": sum(f.part_ok for f in files) / matched if matched else 0.0,
        "lost": sum(f.lost for f in files),
    }


def score_corpus(corpus: Path = CORPUS) -> tuple[dict, list[FileScore]]:
    from congressgen.markdown import BodyRenderer

    renderer = BodyRenderer()
    files = [score_file(md, renderer) for md in sorted(corpus.glob("*.md"))
             if md.with_suffix(".expected.yaml").exists()]
    return totals_of(files), files


def _line(name: str, t: dict) -> str:
    return (f"{name}: reports {t['reports']}, labelled headings {t['headings']}, found {t['found']}; "
            f"precision {t['precision']:.3f} recall {t['recall']:.3f} F1 {t['f1']:.3f}; "
            f"level {t['level']:.3f} part {t['part']:.3f}; characters lost {t['lost']}")


def meets_targets(totals: dict) -> bool:
    return (totals["f1"] >= TARGETS["f1"] and totals["level"] >= TARGETS["level"]
            and totals["part"] >= TARGETS["part"] and totals["lost"] <= TARGETS["lost"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args(argv)
    totals, files = score_corpus()
    if args.verbose:
        for f in files:
            print(f"{f.name}: {f.matched}/{f.expected} found, {f.found} headings")
            for miss in f.misses:
                print(f"    {miss}")
    print(_line("all", totals))
    held = [f for f in files if f.held_out]
    if held:
        print(_line("held out", totals_of(held)))
    return 0 if meets_targets(totals) else 1


if __name__ == "__main__":
    sys.exit(main())
