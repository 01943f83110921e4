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
title, body, sections, tasks, tags and metadata; page chrome never reaches the index. Pages
of data files (代表建议, 年报) bring their own documents (`page_docs`).

Rebuilds with the build cache are incremental (`TokenStore`, `IndexState`): a report is
tokenised again only when its searchable text changed, and the postings of the last build
are patched for it; the files written are byte for byte those of a build without a cache.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from array import array
from bisect import bisect_left, bisect_right
from collections import Counter, defaultdict
from functools import lru_cache
from itertools import accumulate
from json.encoder import encode_basestring   # what json.dumps uses with ensure_ascii=False
from dataclasses import dataclass

from congressgen.model.types import Report, Site

INDEX_DIR = "search-index"
FORMAT_VERSION = 1
SEARCH_VERSION = 1                  # bump when tokens or weights change: part of cached entries' keys
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


@lru_cache(maxsize=1 << 18)
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


def page_docs(site: Site) -> tuple[list[SearchDoc], list[list[str]]]:
    """Documents of pages that are not reports — page kinds driven by data files put a
    `SearchEntry` in `extra["search"]` — with the columns they name."""
    from congressgen.model.datapages import SearchEntry

    docs, columns = [], []
    for page in site.pages:
        entry = page.extra.get("search") if page.extra else None
        if isinstance(entry, SearchEntry):
            docs.append(SearchDoc(id=entry.id, path=page.path, title=entry.title, date=entry.date,
                                  column=entry.column[0], year=entry.year, text=entry.text,
                                  outline=entry.outline, meta=entry.meta))
            if [*entry.column, "data"] not in columns:
                columns.append([*entry.column, "data"])    # "data": lengths compared within the column
    return docs, columns


def _gap_encode(rows: list[int]) -> list[int]:
    """[doc, count, doc, count, ...] -> [first doc, count, gap to the next doc, count, ...]."""
    docs = rows[0::2]
    rows[2::2] = [b - a for a, b in zip(docs, docs[1:])]
    return rows


def _gap_decode(rows: list[int]) -> list[int]:
    docs = list(accumulate(rows[0::2]))
    rows[0::2] = docs
    return rows


@dataclass(frozen=True)
class DocTokens:
    """The pure per-report work of the index: weighted token counts and body length.
    Cached per report under `search/`, keyed by `doc_key`."""

    weighted: dict[str, int]
    length: int                  # body tokens, for BM25


def doc_tokens(doc: SearchDoc) -> DocTokens:
    body = document_tokens(normalise(doc.text))
    weighted = Counter(body)
    fields = (((doc.title,), TITLE_WEIGHT), (doc.outline, OUTLINE_WEIGHT), (doc.meta, META_WEIGHT))
    for texts, weight in fields:
        for token, count in document_tokens(normalise("\n".join(texts))).items():
            weighted[token] += count * weight
    return DocTokens(dict(weighted), sum(body.values()))


def doc_key(doc: SearchDoc) -> str:
    """Cache key of `doc_tokens(doc)`: exactly the fields it reads, plus the format versions
    (the Python version, which fixes unicodedata's NFKC tables, is in every `cache_key`)."""
    from congressgen.cache import cache_key

    return cache_key("search", SEARCH_VERSION, doc.title, doc.outline, doc.meta,
                       doc.text.encode("utf-8", "surrogatepass"))


def _doc_keys(docs: list[SearchDoc], memory: dict | None) -> tuple[str, ...]:
    """`doc_key` of each doc; with `memory`, the key found last time for equal fields."""
    if memory is None:
        return tuple(doc_key(d) for d in docs)
    known = memory.get(("search", "keys"), {})
    fields = [(d.title, d.outline, d.meta, d.text) for d in docs]
    fresh = {f: known.get(f) or doc_key(d) for f, d in zip(fields, docs)}
    memory[("search", "keys")] = fresh
    return tuple(fresh[f] for f in fields)


def _merge(tokens) -> dict[str, list[int]]:
    """token -> [doc, count, doc, count, ...] in document order (absolute numbers). `tokens`
    may be a generator: each report's counts can then be freed once merged (memory)."""
    rows: defaultdict[str, list[int]] = defaultdict(list)
    for number, doc in enumerate(tokens):
        for token, count in doc.weighted.items():   # the hot loop: one pass per (token, report)
            rows[token] += (number, count)
    return rows


def build_index(docs: list[SearchDoc]) -> SearchIndex:
    tokens = [doc_tokens(d) for d in docs]
    rows = _merge(tokens)
    return SearchIndex(tuple(docs), tuple(t.length for t in tokens), {t: _gap_encode(r) for t, r in rows.items()})


def _dumps(value) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode("utf-8")


def shard_count(encoded: dict[str, list[int]], target: int = SHARD_TARGET_BYTES) -> int:
    """Smallest power of two that keeps shards near `target` bytes (deterministic)."""
    return _shards_for(sum(len(token.encode("utf-8")) + 6 + 3 * len(rows) for token, rows in encoded.items()),
                       target)


def _shards_for(total: int, target: int) -> int:
    shards = 1
    while shards < MAX_SHARDS and total / shards > target:
        shards *= 2
    return shards


# ---------------------------------------------------------------- encoded postings, kept across builds
#
# A shard file is `_dumps({token: gap-encoded rows})`: compact JSON with sorted keys. Each
# token's part (`"token":[...]`) depends only on that token's rows, so the postings are kept
# encoded per token (`Fragment`), and a rebuild re-encodes only the tokens of the reports
# whose words changed; the shards are then joined from the parts, byte for byte what
# `_dumps` of the whole shard gives (tests compare both).

Fragment = tuple[bytes, int]     # (gap-encoded rows as JSON, len(rows))


_ROWS_JSON = json.JSONEncoder(separators=(",", ":")).encode   # made once: json.dumps builds one per call


def _fragment(rows: list[int]) -> Fragment:
    return _ROWS_JSON(_gap_encode(rows)).encode("ascii"), len(rows)


@dataclass
class IndexState:
    """The last index built with this cache: which report contents it holds, in order."""

    doc_keys: tuple[str, ...]
    lengths: tuple[int, ...]
    fragments: dict[str, Fragment]


def _patch(state: IndexState, changed: list[int], old: list[DocTokens], new: list[DocTokens],
           decoded: dict | None = None) -> None:
    """Replace the documents at positions `changed` (same numbering) in the encoded postings.
    Common tokens are in every report, so a token's rows are spliced, not re-encoded: only
    the pairs between the first and last changed document (and the gap after) are rewritten.
    `decoded` (kept by a long-running process) holds token -> (fragment, doc numbers, gaps)
    of the fragments this function made, so the next patch need not parse them again."""
    gone = set(changed)
    first, last = min(changed), max(changed)
    fresh: defaultdict[str, list[tuple[int, int]]] = defaultdict(list)
    for number, doc in zip(changed, new):
        for token, count in doc.weighted.items():
            fresh[token].append((number, count))
    for token in set(fresh).union(*(d.weighted for d in old)):
        part = state.fragments.get(token)
        if part is None:
            state.fragments[token] = _fragment([n for pair in sorted(fresh[token]) for n in pair])
            continue
        items = part[0][1:-1].split(b",")
        known = decoded.get(token) if decoded is not None else None
        if known is not None and known[0] is part:
            _, docs, gaps = known
        else:
            gaps = json.loads(part[0])
            docs = list(accumulate(gaps[0::2]))
        lo, hi = bisect_left(docs, first), bisect_right(docs, last)
        middle = [(d, gaps[2 * i + 1]) for i, d in enumerate(docs[lo:hi], lo) if d not in gone]
        middle = sorted(middle + fresh.get(token, []))
        if not middle and lo == 0 and hi == len(docs):
            del state.fragments[token]
            if decoded is not None:
                decoded.pop(token, None)
            continue
        previous = docs[lo - 1] if lo else 0
        spliced: list[int] = []
        for d, count in middle:
            spliced += (d - previous, count)
            previous = d
        if hi < len(docs):
            spliced.append(docs[hi] - previous)
            tail = items[2 * hi + 1:]
        else:
            tail = []
        rows = items[:2 * lo] + [str(n).encode() for n in spliced] + tail
        made = state.fragments[token] = b"[" + b",".join(rows) + b"]", len(rows)
        if decoded is not None:
            decoded[token] = (made, docs[:lo] + [d for d, _ in middle] + docs[hi:],
                              gaps[:2 * lo] + spliced + gaps[2 * hi + 1:])


def _shard_files(fragments: dict[str, Fragment], shard_bytes: int,
                 memo: dict | None = None) -> tuple[int, int, list[bytes]]:
    """The shard files. `memo` (kept by a long-running process) holds each shard's tokens,
    fragments and bytes from the last call: a shard whose tokens map to the very same
    fragment objects (a patch replaces the fragment of every token it changes) is reused."""
    total = sum(len(token.encode("utf-8")) + 6 + 3 * size for token, (_, size) in fragments.items())
    shards = _shards_for(total, shard_bytes)
    buckets: list[list[str]] = [[] for _ in range(shards)]
    for token in fragments:
        buckets[token_hash(token) % shards].append(token)
    files = []
    for number, bucket in enumerate(buckets):
        bucket.sort()
        parts = [fragments[t] for t in bucket]
        old = memo.get((shards, number)) if memo is not None else None
        if old is not None and old[0] == bucket and old[1] == parts:   # identical objects: C-level shortcut
            files.append(old[2])
            continue
        data = b"{" + b",".join((encode_basestring(t) + ":").encode("utf-8") + part[0]
                                for t, part in zip(bucket, parts)) + b"}"
        if memo is not None:
            memo[(shards, number)] = (bucket, parts, data)
        files.append(data)
    if memo is not None:
        for key in [k for k in memo if k[0] != shards]:
            del memo[key]
    return shards, len(str(shards - 1)), files


STATE_NAME = "search-index.pickle"
# Above this share of changed reports, merging all cached token counts is as quick as patching.
PATCH_LIMIT = 0.25


class TokenStore:
    """Each report's `DocTokens` by `doc_key`, kept in 16 cache files (`search/<first hex
    digit of the key>.pickle`): a handful of files is much quicker to write on a cold build
    than one per report, and an edit rewrites only the one or two files its keys fall in.
    A file that is missing or damaged is a miss (`BuildCache.load`)."""

    def __init__(self, cache):
        self.cache = cache
        self.buckets: dict[str, dict[str, tuple[str, bytes, int]]] = {}
        self.dirty: set[str] = set()

    def _bucket(self, key: str) -> dict[str, tuple[str, bytes, int]]:
        name = key[0]
        if name not in self.buckets:
            loaded = self.cache.load(f"search/{name}.pickle")
            self.buckets[name] = loaded if isinstance(loaded, dict) else {}
        return self.buckets[name]

    def get(self, key: str) -> DocTokens | None:
        packed = self._bucket(key).get(key)
        if not (isinstance(packed, tuple) and len(packed) == 3):
            return None
        tokens, counts, length = packed
        return DocTokens(dict(zip(tokens.split("\0"), array("q", counts))) if tokens else {}, length)

    def tokens(self, doc: SearchDoc, key: str) -> DocTokens:
        hit = self.get(key)
        if hit is None:
            hit = doc_tokens(doc)
            # packed as one string and one int array: pickled ~10x quicker than the dict
            # (tokens never contain NUL: document_tokens drops every token that would)
            self._bucket(key)[key] = ("\0".join(hit.weighted), array("q", hit.weighted.values()).tobytes(),
                                      hit.length)
            self.dirty.add(key[0])
        return hit

    def save(self, keep: set[str]) -> None:
        """Write the changed files, holding only the keys of this build's reports."""
        for name, bucket in sorted(self.buckets.items()):
            kept = {k: v for k, v in bucket.items() if k in keep}
            if name in self.dirty or len(kept) != len(bucket):
                self.cache.store(f"search/{name}.pickle", kept)


def _noting_length(tokens, lengths: list[int]):
    """Pass each report's tokens on, noting its body length: the reports' counts are merged
    one at a time instead of all being held at once (thousands of reports)."""
    for t in tokens:
        lengths.append(t.length)
        yield t


def _postings(docs: list[SearchDoc], cache) -> IndexState:
    """The encoded postings of `docs`: patched from the last build's when few reports changed,
    else merged from each report's (cached) token counts."""
    if cache is None:
        lengths: list[int] = []
        rows = _merge(_noting_length(map(doc_tokens, docs), lengths))
        return IndexState((), tuple(lengths), {t: _fragment(r) for t, r in rows.items()})
    keys = _doc_keys(docs, cache.memory)
    store = TokenStore(cache)
    state = cache.load(STATE_NAME)
    if (isinstance(state, IndexState) and len(state.doc_keys) == len(keys) == len(state.lengths)
            and isinstance(state.fragments, dict)):
        changed = [n for n, (a, b) in enumerate(zip(state.doc_keys, keys)) if a != b]
        if not changed:
            return state
        if len(changed) <= PATCH_LIMIT * len(keys):
            old = [store.get(state.doc_keys[n]) for n in changed]
            if all(t is not None for t in old):
                new = [store.tokens(docs[n], keys[n]) for n in changed]
                # patched in a copy: the loaded state may be one kept in memory (`serve`)
                state = IndexState(state.doc_keys, state.lengths, dict(state.fragments))
                memory = cache.memory       # a long-running process (`serve`)
                _patch(state, changed, old, new,
                       memory.setdefault(("search", "rows"), {}) if memory is not None else None)
                lengths = list(state.lengths)
                for n, t in zip(changed, new):
                    lengths[n] = t.length
                patched = IndexState(keys, tuple(lengths), state.fragments)
                store.save(set(keys))
                cache.store(STATE_NAME, patched)
                return patched
    lengths = []
    rows = _merge(_noting_length((store.tokens(d, k) for d, k in zip(docs, keys)), lengths))
    fresh = IndexState(keys, tuple(lengths), {t: _fragment(r) for t, r in rows.items()})
    del rows
    store.save(set(keys))
    cache.store(STATE_NAME, fresh)
    return fresh


def _text_files(docs: list[SearchDoc], memory: dict | None) -> list[bytes]:
    """Each report's text file; with `memory`, the bytes made for an equal text last time."""
    if memory is None:
        return [_dumps({"text": d.text}) for d in docs]
    known = memory.get(("search", "texts"), {})
    fresh = {d.text: known.get(d.text) or _dumps({"text": d.text}) for d in docs}
    memory[("search", "texts")] = fresh
    return [fresh[d.text] for d in docs]


def index_files(site: Site, shard_bytes: int = SHARD_TARGET_BYTES, cache=None) -> list[tuple[str, bytes]]:
    """The search index as (site path, bytes) pairs for the output stage; [] when search is off.
    With a `cache.BuildCache`, only the reports whose searchable content changed are tokenised
    again; the output is byte for byte that of a build without it."""
    if not site.config.search:
        return []
    docs = [search_doc(r) for r in searchable_reports(site)]
    extra_docs, extra_columns = page_docs(site)
    docs += extra_docs
    state = _postings(docs, cache)
    memory = cache.memory if cache is not None else None     # a long-running process (`serve`)
    shard_memo = memory.setdefault(("search", "shards"), {}) if memory is not None else None
    shards, width, shard_data = _shard_files(state.fragments, shard_bytes, shard_memo)
    shard_files = [(f"{INDEX_DIR}/index/{n:0{width}d}.json", data) for n, data in enumerate(shard_data)]
    texts = [(f"{INDEX_DIR}/text/{d.id}.json", data) for d, data in zip(docs, _text_files(docs, memory))]
    columns = [[c.key, c.title] for c in site.columns]
    columns += [c for c in extra_columns if c[0] not in {column[0] for column in columns}]
    column_number = {column[0]: n for n, column in enumerate(columns)}
    # The version names this exact index, so browsers never mix cached old files with new meta.
    version = hashlib.sha256(b"".join(data for _, data in shard_files + texts)).hexdigest()[:16]
    meta = {
        "format": FORMAT_VERSION, "version": version, "shards": shards, "width": width,
        "columns": columns,
        "docs": [[d.id, d.path, d.title, d.date, column_number[d.column], d.year, length]
                 for d, length in zip(docs, state.lengths)],
    }
    return [(f"{INDEX_DIR}/meta.json", _dumps(meta)), *shard_files, *texts]
