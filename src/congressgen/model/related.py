"""推荐阅读: the related reports of each report (the pairwise reference ranking and the
fast bit-set index that gives the same result)."""

from __future__ import annotations

from collections import defaultdict

from congressgen.model.types import RELATED_COUNT, Report


def related_pairwise(report: Report, by_tag: dict[str, list[Report]]) -> list[Report]:
    """The reference ranking, pair by pair; used when a report lists a tag twice (which
    counts twice here) — `RelatedIndex` gives the same result faster otherwise."""
    scores: dict[str, tuple[int, Report]] = {}
    for tag in report.fm.tags:
        for other in by_tag.get(tag, ()):
            if other is not report:
                score, _ = scores.get(other.id, (0, other))
                scores[other.id] = (score + 3, other)
    for other_id, (score, other) in list(scores.items()):
        scores[other_id] = (score + (2 if other.column is report.column else 0)
                            + (1 if other.fm.year == report.fm.year else 0), other)
    ranked = sorted(scores.values(), key=lambda s: (-s[0], -s[1].fm.date.timestamp(), s[1].id))
    chosen = [r for _, r in ranked[:RELATED_COUNT]]
    if len(chosen) < RELATED_COUNT:  # fill from the same column, nearest in date
        column = report.column.reports
        index = column.index(report)
        neighbours = sorted((r for r in column if r is not report and r not in chosen),
                            key=lambda r: (abs(column.index(r) - index), r.id))
        chosen.extend(neighbours[: RELATED_COUNT - len(chosen)])
    return chosen


class RelatedIndex:
    """Related reports of every report, in one pass over bit sets instead of comparing
    every pair (which is quadratic and took seconds at a few thousand reports).

    The ranking is the documented one: 3 points per shared tag, 2 for the same column, 1 for
    the same year; ties by newer date, then id; reports sharing no tag are not ranked, and
    free places are filled from the same column, nearest in date (then by id). Bit i of a set
    stands for `reports[i]`, and `reports` is sorted newest first, then by id, so the lowest
    set bit of a group is exactly the tie-break winner."""

    def __init__(self, reports: list[Report]):
        self.reports = reports
        self.position = {id(r): i for i, r in enumerate(reports)}
        self.by_tag: dict[str, int] = defaultdict(int)
        self.by_column: dict[str, int] = defaultdict(int)
        self.by_year: dict[int, int] = defaultdict(int)
        for i, r in enumerate(reports):
            bit = 1 << i
            for tag in set(r.fm.tags):
                self.by_tag[tag] |= bit
            self.by_column[r.column.key] |= bit
            self.by_year[r.fm.year] |= bit
        self.column_position: dict[int, int] = {}
        for r in reports:
            chain = r.column.reports
            if chain and id(chain[0]) not in self.column_position:
                self.column_position.update((id(x), k) for k, x in enumerate(chain))

    def _lowest(self, bits: int, count: int) -> list[int]:
        found = []
        while bits and len(found) < count:
            low = bits & -bits
            found.append(low.bit_length() - 1)
            bits ^= low
        return found

    def related(self, report: Report) -> list[Report]:
        me = 1 << self.position[id(report)]
        tags = [self.by_tag[t] for t in set(report.fm.tags)]
        # at_least[k]: reports sharing at least k of this report's tags
        at_least = [-1] + [0] * len(tags)
        for bits in tags:
            for k in range(len(tags), 0, -1):
                at_least[k] |= at_least[k - 1] & bits
        column = self.by_column[report.column.key]
        year = self.by_year[report.fm.year]
        bonus = {3: column & year, 2: column & ~year, 1: ~column & year, 0: ~column & ~year}
        chosen: list[int] = []
        for score in range(3 * len(tags) + 3, 2, -1):
            tier = 0
            for shared in range(1, len(tags) + 1):
                extra = score - 3 * shared
                if 0 <= extra <= 3:
                    exactly = at_least[shared] & ~(at_least[shared + 1] if shared < len(tags) else 0)
                    tier |= exactly & bonus[extra]
            chosen += self._lowest(tier & ~me, RELATED_COUNT - len(chosen))
            if len(chosen) == RELATED_COUNT:
                break
        result = [self.reports[i] for i in chosen]
        if len(result) < RELATED_COUNT:   # fill from the same column, nearest in date, then by id
            chain = report.column.reports
            index = self.column_position[id(report)]
            taken = {id(r) for r in result}
            for distance in range(1, len(chain)):
                ring = [chain[j] for j in (index - distance, index + distance) if 0 <= j < len(chain)]
                if not ring:
                    break
                for other in sorted(ring, key=lambda r: r.id):
                    if id(other) not in taken and len(result) < RELATED_COUNT:
                        result.append(other)
                        taken.add(id(other))
                if len(result) == RELATED_COUNT:
                    break
        return result


class RelatedMemo:
    """The last build's related lists, kept in the build cache by a digest of everything
    `RelatedIndex` reads: each report's id, column, year and tags in site order (the column
    chains and every tie-break follow from them). An edit that changes none of them (a body,
    a title, a summary) reuses the lists; any other gives another digest and they are made
    again. `cache`: a `cache.BuildCache` or None (then nothing is kept)."""

    NAME = "related.pickle"

    def __init__(self, cache=None):
        self.cache = cache
        stored = cache.load(self.NAME) if cache is not None else None
        self.stored = stored if isinstance(stored, tuple) and len(stored) == 2 else None
        self.changed = False

    @staticmethod
    def signature(reports: list[Report]) -> bytes:
        """A digest of what the lists are ranked by, written by pickle without its memo (so
        the bytes follow from the values alone, not from which objects are shared)."""
        import hashlib
        import io
        import pickle

        rows = []
        for r in reports:
            fm = r.compiled.fm
            rows.append((r.id, r.column.key, fm.year, tuple(fm.tags)))
        written = io.BytesIO()
        pickler = pickle.Pickler(written, protocol=5)
        pickler.fast = True
        pickler.dump((RELATED_COUNT, rows))
        return hashlib.blake2b(written.getbuffer(), digest_size=16).digest()

    def lists(self, reports: list[Report]) -> list[list[Report]]:
        """The related reports of each of `reports` (sorted as the site lists them)."""
        signature = self.signature(reports)
        if self.stored is not None and self.stored[0] == signature and len(self.stored[1]) == len(reports):
            return [[reports[i] for i in chosen] for chosen in self.stored[1]]
        index = RelatedIndex(reports)
        found = [index.related(r) for r in reports]
        position = {id(r): i for i, r in enumerate(reports)}
        self.stored = (signature, [[position[id(r)] for r in chosen] for chosen in found])
        self.changed = True
        return found

    def save(self) -> None:
        if self.cache is not None and self.changed:
            self.cache.store(self.NAME, self.stored)
            self.changed = False
