"""Search stage: a static index for 站内搜索 that works for Chinese with no server.

Han text is indexed as overlapping character bigrams plus single characters, so a query
typed without spaces matches wherever its characters stand next to each other, inside
any longer word, with no dictionary and no segmentation to disagree between build and
browser (the failures listed in gov-norms.md section H). Runs of digits and letters are
words; a word touching a Han character also yields a junction token ("2024年").

The build writes, under `search-index/`:
- `meta.json`: the documents (id, path, title, date, column, year, length) and the shard count;
- `index/NN.json`: postings `token -> [doc, weighted count, doc delta, count, ...]`,
  spread over shards by an FNV-1a hash of the token, so a query loads only the shards
  of its own tokens;
- `text/<id>.json`: each document's plain text, fetched only to show snippets.

`themes/default/static/js/search.js` tokenises and hashes queries exactly as this module
does. Only published reports are indexed (never drafts), and only what belongs to them:
title, body, sections, tasks, tags and metadata; page chrome never reaches the index.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass

from congressgen.site import Report, Site

INDEX_DIR = "search-index"
FORMAT_VERSION = 1
SHARD_TARGET_BYTES = 32 * 1024      # a query of a few tokens loads a few small files
MAX_SHARDS = 4096

# Field weights: a term in the title says more about a report than one in its body.
TITLE_WEIGHT = 8
OUTLINE_WEIGHT = 3                   # session, sections, tasks, tags
META_WEIGHT = 2                      # source, 文号, 索引号, column, topic, issuer, attachments, year

# Han ideographs (CJK Unified + Extensions A–H, compatibility) plus 々 and 〇 (used in 二〇二四年).
HAN = "\u3005\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_SEGMENT = re.compile(f"(?P<han>[{HAN}]+)|(?P<word>[^\\W_{HAN}]+)")
_NON_HAN_RUN = re.compile(f"[^{HAN}]+")
_WORD = re.compile(f"[^\\W_{HAN}]+")
_WORD_THEN_HAN = re.compile(f"([^\\W_{HAN}]+)([{HAN}])")
_HAN_THEN_WORD = re.compile(f"([{HAN}])([^\\W_{HAN}]+)")
_NOT_COMMON_HAN = re.compile("[^\u4e00-\u9fff]")


@dataclass(frozen=True)
class SearchDoc:
    """What the index knows about one report."""

    id: str
    path: str
    title: str
    date: str                 # YYYY-MM-DD
    column: str               # column key
    year: int
    text: str                 # body text, for snippets
    outline: tuple[str, ...]  # session, sections, tasks, tags
    meta: tuple[str, ...]     # other metadata


@dataclass(frozen=True)
class SearchIndex:
    docs: tuple[SearchDoc, ...]
    lengths: tuple[int, ...]                    # body tokens per document, for BM25
    # token -> [first doc, weighted count, gap to the next doc, count, ...]: gaps keep numbers short
    postings: dict[str, list[int]]


def _normalise_char(ch: str) -> str:
    return unicodedata.normalize("NFKC", ch).lower()


def normalise(text: str) -> str:
    """Per character NFKC + lower case (full-width ２０２４ → 2024, ＩＣＰ → icp), the same as
    search.js does, so index and query agree. Common Han characters are left untouched."""
    if text.isascii():
        return text.lower()
    table = {}
    for ch in set(_NOT_COMMON_HAN.findall(text)):
        mapped = _normalise_char(ch)
        if mapped != ch:
            table[ord(ch)] = mapped
    return text.translate(table) if table else text


def _segments(text: str) -> list[tuple[str, int, int, str]]:
    return [(m.lastgroup, m.start(), m.end(), m.group()) for m in _SEGMENT.finditer(text)]


def _junctions(segments) -> list[str]:
    """A word directly touching a Han character: 2024年, 第4 (so 2024年 is not just 2024 + 年)."""
    joined = []
    for (kind_a, _, end_a, a), (kind_b, start_b, _, b) in zip(segments, segments[1:]):
        if end_a == start_b and kind_a != kind_b:
            joined.append(a + b[0] if kind_a == "word" else a[-1] + b)
    return joined


def document_tokens(text: str) -> Counter:
    """Every token of a normalised text with its count: Han unigrams and bigrams, words, junctions.
    (Counted in bulk, C-speed: every run of non-Han text becomes one NUL, and pairs with a NUL
    are dropped; a 1,000-report site is tokenised in about a second.)"""
    han = _NON_HAN_RUN.sub("\0", text)
    counts = Counter(han)
    counts.update(map(str.__add__, han, han[1:]))
    for token in [t for t in counts if "\0" in t]:
        del counts[token]
    counts.update(_WORD.findall(text))
    counts.update(a + b for a, b in _WORD_THEN_HAN.findall(text))
    counts.update(a + b for a, b in _HAN_THEN_WORD.findall(text))
    return counts


def query_tokens(query: str) -> list[str]:
    """The tokens a document must contain to match a query (each term's bigrams, etc.)."""
    tokens: list[str] = []
    for term in normalise(query).split():
        segments = _segments(term)
        for kind, _, _, run in segments:
            if kind == "han" and len(run) > 1:
                tokens.extend(map(str.__add__, run, run[1:]))
            else:
                tokens.append(run)
        tokens.extend(_junctions(segments))
    return list(dict.fromkeys(tokens))


def token_hash(token: str) -> int:
    """32-bit FNV-1a over code points; search.js computes the same to find a token's shard."""
    h = 0x811C9DC5
    for ch in token:
        h = ((h ^ ord(ch)) * 0x01000193) & 0xFFFFFFFF
    return h


def search_doc(report: Report) -> SearchDoc:
    fm = report.fm
    outline = (fm.session, *report.sections, *report.tasks, *fm.tags)
    meta = (fm.author, fm.doc_number, fm.index_number, fm.topic, fm.issuer, fm.category,
            report.column.title, f"{fm.year}年", *(a.title for a in report.attachments))
    return SearchDoc(
        id=report.id, path=report.path, title=fm.title, date=report.day, column=report.column.key,
        year=fm.year, text=report.compiled.text,
        outline=tuple(s for s in outline if s), meta=tuple(s for s in meta if s),
    )


def searchable_reports(site: Site) -> list[Report]:
    """Published reports only: a draft never reaches the index, even in a --drafts preview."""
    return [r for r in site.reports if not r.fm.draft]


def _gap_encode(rows: list[int]) -> list[int]:
    """[doc, count, doc, count, ...] -> [first doc, count, gap to the next doc, count, ...]."""
    docs = rows[0::2]
    rows[2::2] = [b - a for a, b in zip(docs, docs[1:])]
    return rows


def build_index(docs: list[SearchDoc]) -> SearchIndex:
    rows: defaultdict[str, list[int]] = defaultdict(list)
    lengths = []
    for number, doc in enumerate(docs):
        body = document_tokens(normalise(doc.text))
        weighted = Counter(body)
        fields = (((doc.title,), TITLE_WEIGHT), (doc.outline, OUTLINE_WEIGHT), (doc.meta, META_WEIGHT))
        for texts, weight in fields:
            for token, count in document_tokens(normalise("\n".join(texts))).items():
                weighted[token] += count * weight
        for token, count in weighted.items():   # the hot loop: one pass per (token, report)
            rows[token] += (number, count)
        lengths.append(sum(body.values()))
    return SearchIndex(tuple(docs), tuple(lengths), {t: _gap_encode(r) for t, r in rows.items()})


def _dumps(value) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode("utf-8")


def shard_count(encoded: dict[str, list[int]], target: int = SHARD_TARGET_BYTES) -> int:
    """Smallest power of two that keeps shards near `target` bytes (deterministic)."""
    total = sum(len(token.encode("utf-8")) + 6 + 3 * len(rows) for token, rows in encoded.items())
    shards = 1
    while shards < MAX_SHARDS and total / shards > target:
        shards *= 2
    return shards


def index_files(site: Site, shard_bytes: int = SHARD_TARGET_BYTES) -> list[tuple[str, bytes]]:
    """The search index as (site path, bytes) pairs for the output stage; [] when search is off."""
    if not site.config.search:
        return []
    index = build_index([search_doc(r) for r in searchable_reports(site)])
    shards = shard_count(index.postings, shard_bytes)
    buckets: list[dict[str, list[int]]] = [{} for _ in range(shards)]
    for token, rows in index.postings.items():
        buckets[token_hash(token) % shards][token] = rows
    width = len(str(shards - 1))
    shard_files = [(f"{INDEX_DIR}/index/{n:0{width}d}.json", _dumps(bucket)) for n, bucket in enumerate(buckets)]
    texts = [(f"{INDEX_DIR}/text/{d.id}.json", _dumps({"text": d.text})) for d in index.docs]
    columns = [[c.key, c.title] for c in site.columns]
    column_number = {key: n for n, (key, _) in enumerate(columns)}
    # The version names this exact index, so browsers never mix cached old files with new meta.
    version = hashlib.sha256(b"".join(data for _, data in shard_files + texts)).hexdigest()[:16]
    meta = {
        "format": FORMAT_VERSION, "version": version, "shards": shards, "width": width,
        "columns": columns,
        "docs": [[d.id, d.path, d.title, d.date, column_number[d.column], d.year, length]
                 for d, length in zip(index.docs, index.lengths)],
    }
    return [(f"{INDEX_DIR}/meta.json", _dumps(meta)), *shard_files, *texts]
