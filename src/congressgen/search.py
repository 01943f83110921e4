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
tokenised again only when its searchable text changed, and in the last build's postings (one
cache file, read with one load) only the tokens whose counts changed are patched, and only
their shards joined again; the files written are byte for byte those of a build without a cache.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import unicodedata
from array import array
from bisect import bisect_left, bisect_right
from collections import Counter, defaultdict, deque
from functools import lru_cache
from itertools import accumulate, repeat
from operator import itemgetter, sub
from json.encoder import encode_basestring   # what json.dumps uses with ensure_ascii=False
from dataclasses import dataclass, field

from congressgen.model.types import InlineBody, Report, Site

INDEX_DIR = "search-index"
FORMAT_VERSION = 1
SEARCH_VERSION = 2                  # bump when tokens or weights change: part of cached entries' keys
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
    body: object              # .text(): the body text, for snippets (a report's is read on demand)
    outline: tuple[str, ...]  # session, sections, tasks, tags
    meta: tuple[str, ...]     # other metadata

    @property
    def text(self) -> str:
        return self.body.text()


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


# ---------------------------------------------------------------- tokens, counted in bulk
#
# A report's Han tokens are counted as integers, never as strings: the Han text (every run of
# other text replaced by one `_SEP`) is encoded as UTF-32, whose 4-byte units read as 32-bit
# integers are the characters, and whose 8-byte units read as 64-bit integers, once from
# byte 0 and once from byte 4, are every pair of neighbours: `Counter` counts them at
# C speed with no string made per character. A key below 2**32 is one character (its code
# point), above it the bigram `chr(key & 0xFFFFFFFF) + chr(key >> 32)` (`_token`). Pairs with
# `_SEP` in them cross a gap and are dropped. Words and junctions stay strings.

_SEP = "\x01"                          # never Han and never a word character
_SEP_KEY = ord(_SEP)
_LOW = 0xFFFFFFFF
# a word with the Han characters just before and after it (the one after is not consumed)
_WORD_IN_PLACE = re.compile(f"([{HAN}]?)([^\\W_{HAN}]+)(?=([{HAN}]?))")
_COMMON_HAN_RUN = re.compile("[\u4e00-\u9fff]+")


def _token(key: int | str) -> str:
    """The token a counted key stands for."""
    if key.__class__ is str:
        return key
    return chr(key) if key <= _LOW else chr(key & _LOW) + chr(key >> 32)


def _pair_keys(text: str):
    """The 64-bit keys of the pairs (text[0], text[1]), (text[2], text[3]), ..."""
    data = text.encode("utf-32-le")
    return memoryview(data)[:len(data) // 8 * 8].cast("Q")


def _han_counts(text: str) -> Counter:
    """Han unigrams and bigrams of a normalised text, by integer key."""
    han = _NON_HAN_RUN.sub(_SEP, text)
    data = han.encode("utf-32-le")
    view = memoryview(data)
    counts = Counter(view.cast("I"))
    counts.update(view[:len(data) // 8 * 8].cast("Q"))
    counts.update(view[4:4 + (len(data) - 4) // 8 * 8].cast("Q"))
    counts.pop(_SEP_KEY, None)
    # the pairs that cross a gap: (last Han character of a run, _SEP) and (_SEP, first of a run)
    runs = list(filter(None, han.split(_SEP)))
    gone = set(_pair_keys(_SEP.join(map(itemgetter(-1), runs)) + _SEP))
    gone.update(_pair_keys(_SEP + _SEP.join(map(itemgetter(0), runs))))
    deque(map(counts.pop, gone, repeat(None)), 0)
    return counts


def _word_counts(text: str) -> Counter:
    """Words, and junctions of a word with a Han character, of a normalised text."""
    found = _WORD_IN_PLACE.findall(text)
    counts = Counter(word for _, word, _ in found)
    counts.update(word + after for _, word, after in found if after)
    counts.update(before + word for before, word, _ in found if before)
    return counts


def document_tokens(text: str) -> Counter:
    """Every token of a normalised text with its count: Han unigrams and bigrams, words, junctions."""
    counts = Counter({_token(key): count for key, count in _han_counts(text).items()})
    counts.update(_word_counts(text))
    return counts


@lru_cache(maxsize=None)
def _token_char(ch: str) -> str | None:
    """What `normalise` maps a character to, or None when that cannot change a token: the
    character itself, or a separator (neither Han nor a word character) turned into other
    separators (full-width punctuation such as ，→ ,)."""
    mapped = _normalise_char(ch)
    if mapped == ch or (mapped and not _SEGMENT.search(ch + mapped)):
        return None
    return mapped


def token_text(text: str) -> str:
    """`normalise(text)` as far as tokens can tell: the same tokens come from both, with
    far fewer characters to map (most reports then need no mapping at all)."""
    if text.isascii():
        return text.lower()
    table = {}
    for ch in set(_COMMON_HAN_RUN.sub("", text)):
        mapped = _token_char(ch)
        if mapped is not None:
            table[ord(ch)] = mapped
    return text.translate(table) if table else text


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
        year=fm.year, body=report.compiled.body,
        outline=tuple(filter(None, outline)), meta=tuple(filter(None, meta)),
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
                                  column=entry.column[0], year=entry.year, body=InlineBody("", entry.text),
                                  outline=entry.outline, meta=entry.meta))
            if [*entry.column, "data"] not in columns:
                columns.append([*entry.column, "data"])    # "data": lengths compared within the column
    return docs, columns


def _gap_encode(rows: list[int]) -> list[int]:
    """[doc, count, doc, count, ...] -> [first doc, count, gap to the next doc, count, ...]."""
    docs = rows[0::2]
    rows[2::2] = list(map(sub, docs[1:], docs))
    return rows


@dataclass(frozen=True)
class DocTokens:
    """The pure per-report work of the index: weighted token counts, by key (`_token`), and
    body length. Cached per report under `search/`, keyed by `doc_key`."""

    han: dict[int, int]          # Han unigrams and bigrams
    words: dict[str, int]        # words and junctions
    length: int                  # body tokens, for BM25

    def columns(self):
        """(keys, counts) of the Han tokens and of the words, for `_merge`."""
        return (self.han, self.han.values()), (self.words, self.words.values())


def doc_tokens(doc: SearchDoc) -> DocTokens:
    body = token_text(doc.text)
    han, words = _han_counts(body), _word_counts(body)
    length = sum(han.values()) + sum(words.values())
    fields = (((doc.title,), TITLE_WEIGHT), (doc.outline, OUTLINE_WEIGHT), (doc.meta, META_WEIGHT))
    for texts, weight in fields:
        text = token_text("\n".join(texts))
        for counts, extra in ((han, _han_counts(text)), (words, _word_counts(text))):
            for key, count in extra.items():
                counts[key] += count * weight
    return DocTokens(dict(han), dict(words), length)


def doc_key(doc: SearchDoc, report_key: str | None = None) -> str:
    """Cache key of `doc_tokens(doc)`: exactly the fields it reads, plus the format versions
    (the Python version, which fixes unicodedata's NFKC tables, is in every `cache_key`).
    `report_key`: the build cache's key of the compiled report the text comes from (it fixes
    the text, so the text need not be hashed again)."""
    digest = hashlib.sha256(_key_prefix())
    digest.update(repr((doc.title, doc.outline, doc.meta, report_key)).encode("utf-8", "surrogatepass"))
    if not report_key:
        digest.update(doc.text.encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


@lru_cache(maxsize=1)
def _key_prefix() -> bytes:
    """What every `doc_key` starts from: the versions in every `cache.cache_key`, and ours."""
    from congressgen.cache import cache_key

    return cache_key("search", SEARCH_VERSION).encode("ascii")


def _doc_keys(docs: list[SearchDoc], report_keys: list[str | None], memory: dict | None) -> tuple[str, ...]:
    """`doc_key` of each doc; with `memory`, the key found last time for equal fields."""
    if memory is None:
        return tuple(map(doc_key, docs, report_keys))
    known = memory.get(("search", "keys"), {})
    fields = [(d.title, d.outline, d.meta, d.text) for d in docs]
    fresh = {f: known.get(f) or doc_key(d, k) for f, d, k in zip(fields, docs, report_keys)}
    memory[("search", "keys")] = fresh
    return tuple(fresh[f] for f in fields)


# `_merge(..., compact=True)`: a token's rows longer than this many values are encoded on the
# way, looked for each time this many more values were merged, or 8 a token when there are more
# tokens (a look is one pass over the tokens): the lists held stay a few MB at any size
COMPACT_ROWS = 512
COMPACT_EVERY = 1 << 18


def _merge(tokens, compact: bool = False) -> dict[str, list[int]] | dict[str, tuple[bytes, int]]:
    """token -> [doc, count, doc, count, ...] in document order (absolute numbers). `tokens`
    may be a generator: each report's counts can then be freed once merged (memory).
    With `compact`: token -> (its rows gap-encoded as the JSON list of a shard entry, number
    of values), as `IndexState.made` takes them; long rows are encoded while the reports are
    merged, so the postings of thousands of reports are never all held as Python lists
    (16 bytes a value there, about 3 as JSON text)."""
    rows: defaultdict[int | str, list[int]] = defaultdict(list)
    row = rows.__getitem__
    parts: dict[int | str, _RowParts] = {}
    merged, look = 0, COMPACT_EVERY
    for number, doc in enumerate(tokens):
        for keys, counts in doc.columns():   # one C-level pass per report: rows[key] += (number, count)
            deque(map(list.extend, map(row, keys), zip(repeat(number), counts)), 0)
            merged += 2 * len(counts)
        if compact and merged >= look:
            look = merged + max(COMPACT_EVERY, 8 * len(rows))
            for key, r in rows.items():
                if len(r) >= COMPACT_ROWS:
                    (parts.get(key) or parts.setdefault(key, _RowParts())).add(r)
    if not compact:
        return {_token(key): r for key, r in rows.items()}
    encoded = {}
    for key in list(rows):
        r = rows.pop(key)
        held = parts.pop(key, None)
        encoded[_token(key)] = held.done(r) if held is not None else (_ROWS_JSON(_gap_encode(r)).encode("ascii"),
                                                                       len(r))
    return encoded


class _RowParts:
    """A token's rows encoded so far by `_merge(..., compact=True)`: pieces of the JSON list
    (without brackets), the number of values, and the last document number."""

    __slots__ = ("pieces", "values", "last")

    def __init__(self):
        self.pieces: list[bytes] = []
        self.values = 0
        self.last = 0

    def add(self, rows: list[int]) -> None:
        """Encode `rows` (absolute, after those added before) and empty the list."""
        if not rows:
            return
        last = rows[-2]
        gapped = _gap_encode(rows)
        gapped[0] -= self.last
        self.pieces.append(_ROWS_JSON(gapped)[1:-1].encode("ascii"))
        self.values += len(rows)
        self.last = last
        rows.clear()

    def done(self, rows: list[int]) -> tuple[bytes, int]:
        self.add(rows)
        return b"[" + b",".join(self.pieces) + b"]", self.values


def build_index(docs: list[SearchDoc]) -> SearchIndex:
    tokens = [doc_tokens(d) for d in docs]
    rows = _merge(tokens)
    return SearchIndex(tuple(docs), tuple(t.length for t in tokens), {t: _gap_encode(r) for t, r in rows.items()})


def _dumps(value) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode("utf-8")


def _size(token: str, rows: int) -> int:
    """A token's share of the shard size estimate (`_shards_for`): its part of the JSON, roughly."""
    return len(token.encode("utf-8")) + 6 + 3 * rows


def shard_count(encoded: dict[str, list[int]], target: int = SHARD_TARGET_BYTES) -> int:
    """Smallest power of two that keeps shards near `target` bytes (deterministic)."""
    return _shards_for(sum(_size(token, len(rows)) for token, rows in encoded.items()), target)


def _shards_for(total: int, target: int) -> int:
    shards = 1
    while shards < MAX_SHARDS and total / shards > target:
        shards *= 2
    return shards


# ---------------------------------------------------------------- encoded postings, kept across builds
#
# A shard file is `_dumps({token: gap-encoded rows})`: compact JSON with sorted keys. Each
# token's entry (`"token":[...]`) depends only on that token's rows, so the postings are kept
# encoded per token (`IndexState.entries`) with each shard's tokens in order (`layout`), and a
# shard is the entries joined: byte for byte what `_dumps` of the whole shard gives (tests
# compare both). A rebuild re-encodes only the tokens whose counts changed.

_ROWS_JSON = json.JSONEncoder(separators=(",", ":")).encode   # made once: json.dumps builds one per call
STATE_FORMAT = 4                 # of `IndexState`; another (or none) is a miss


def _entry(token: str, rows: bytes) -> bytes:
    return (encode_basestring(token) + ":").encode("utf-8") + rows


def _rows_of(token: str, entry: bytes) -> bytes:
    return entry[len(encode_basestring(token).encode("utf-8")) + 1:]


@dataclass
class IndexState:
    """The last index built with this cache: which report contents it holds, in order, and
    its shard files. Kept whole in one cache file (`STATE_NAME`), read with one load: the
    shards as the bytes they are written as (a few big bytes objects pickle and load at I/O
    speed, where a dict of every token's entry took most of an edit's search time); a patch
    parses only the shards it touches back into their entries (`shard`)."""

    doc_keys: tuple[str, ...]
    lengths: tuple[int, ...]
    files: list[bytes]                   # each shard's file: its entries joined, tokens sorted
    total: int                           # sum of `_size` over the tokens
    shards: int
    format: int = STATE_FORMAT
    # each shard file's digest (`_file_digest`), when known: a state stored without its
    # files (`_store_state`) has each read from the cache's shard file of its digest when used (`file`)
    digests: list | None = None
    # Never pickled: shard number -> its entries (token -> '"token":[gap-encoded rows]', in
    # token order) as parsed or patched; the patched ones carry over to the next state.
    parsed: dict = field(default_factory=dict, compare=False, repr=False)
    # Never pickled: the folder of the cache's shard files (`SHARD_FILES`) of a state whose
    # `files` are None where not read from there yet (`_with_shard_files`, `file`).
    stored: object = field(default=None, compare=False, repr=False)

    def __getstate__(self):
        kept = dict(self.__dict__)
        kept.pop("parsed", None)
        kept.pop("stored", None)
        kept.pop("patched_from", None)    # (set by the version before)
        return kept

    def __setstate__(self, state):
        self.__dict__.update(state)
        self.parsed = {}
        self.stored = None

    @classmethod
    def made(cls, doc_keys, lengths, rows: dict, shard_bytes: int) -> "IndexState":
        """The state of postings `rows` (token -> absolute [doc, count, ...], or the encoded rows
        of `_merge(..., compact=True)`; consumed: emptied, each token's rows let go once encoded,
        so the rows and their entries are not all held at once)."""
        entries, total = {}, 0
        for token in list(rows):
            r = rows.pop(token)
            if r.__class__ is tuple:            # encoded already (`_merge(..., compact=True)`)
                data, values = r
            else:
                data, values = _ROWS_JSON(_gap_encode(r)).encode("ascii"), len(r)
            total += _size(token, values)
            entries[token] = _entry(token, data)
        shards = _shards_for(total, shard_bytes)
        files = []
        for tokens in _layout(entries, shards):   # each shard's entries let go once joined (memory)
            files.append(_join_shard(entries, tokens))
            deque(map(entries.pop, tokens), 0)
        return cls(tuple(doc_keys), tuple(lengths), files, total, shards)

    def usable(self, docs: int) -> bool:
        # read from the instance: a state pickled by an older version has no `format` of its own
        return (vars(self).get("format") == STATE_FORMAT and len(self.doc_keys) == docs == len(self.lengths)
                and isinstance(vars(self).get("files"), list) and len(self.files) == self.shards)

    def file(self, number: int) -> bytes:
        """Shard `number`'s file; one not read yet (None in `files`) is read from the cache's
        shard file of its digest once, checked against it (`DamagedShard` when it differs)."""
        data = self.files[number]
        if data is None:
            data = self.files[number] = _read_shard(self.stored, self.digests[number])
        return data

    def shard(self, number: int) -> dict[str, bytes]:
        """Shard `number`'s entries, in token order (parsed from its file once)."""
        entries = self.parsed.get(number)
        if entries is None:
            entries = self.parsed[number] = _shard_entries(self.file(number))
        return entries

    @property
    def entries(self) -> dict[str, bytes]:
        """Every token's entry (all shards parsed: for a new layout, and tests)."""
        return {token: entry for n in range(self.shards) for token, entry in self.shard(n).items()}

    @property
    def layout(self) -> list[list[str]]:
        """Each shard's tokens, sorted."""
        return [list(self.shard(n)) for n in range(self.shards)]


def _join_shard(entries: dict[str, bytes], tokens) -> bytes:
    return b"{" + b",".join(map(entries.__getitem__, tokens)) + b"}"


def _joined_shards(entries: dict[str, bytes], shards: int) -> list[bytes]:
    return [_join_shard(entries, tokens) for tokens in _layout(entries, shards)]


def _shard_entries(data: bytes) -> dict[str, bytes]:
    """A shard file's entries back, token -> entry in file order: split where one entry's rows
    end (`]`) and the next token begins (`"`), each piece checked to be `"token":[digits and
    commas]` with the tokens in order (a token is letters, digits or Han: never a quote, a
    bracket or a backslash); any other file is read as JSON."""
    inner = data[1:-1]
    if not inner:
        return {}
    if b"\\" not in inner and data[:1] == b"{" and data[-1:] == b"}":
        pieces = inner.split(b'],"')
        last = len(pieces) - 1
        entries: dict[str, bytes] = {}
        ok = True
        for i, piece in enumerate(pieces):
            entry = (piece if i == 0 else b'"' + piece) + (b"]" if i < last else b"")
            split = entry.find(b'":')
            if split < 1 or entry[:1] != b'"' or entry[split + 2:split + 3] != b"[" \
                    or entry[split + 2:].translate(None, b"0123456789,") != b"[]":
                ok = False
                break
            entries[entry[1:split].decode("utf-8")] = entry
        if ok and len(entries) == len(pieces) and list(entries) == sorted(entries):
            return entries
    return {token: _entry(token, _ROWS_JSON(rows).encode("ascii")) for token, rows in json.loads(data).items()}


def _layout(tokens, shards: int) -> list[list[str]]:
    buckets: list[list[str]] = [[] for _ in range(shards)]
    for token in tokens:
        buckets[token_hash(token) % shards].append(token)
    for bucket in buckets:
        bucket.sort()
    return buckets


def _changed_keys(old: DocTokens, new: DocTokens) -> set:
    """The keys whose count differs between two versions of a report (most keep theirs)."""
    return {key for key, _ in old.han.items() ^ new.han.items()} | \
        {key for key, _ in old.words.items() ^ new.words.items()}


def _splice(rows: bytes, known: tuple | None, first: int, last: int, gone: set[int],
            fresh: list[tuple[int, int]]) -> tuple[bytes, int, list[int], list[int]] | None:
    """A token's gap-encoded rows with the documents `gone` taken out and `fresh` (doc, count)
    put in, all between doc numbers `first` and `last`: only that stretch (and the gap after
    it) is rewritten. `known`: the rows' (doc numbers, gaps) if already decoded. Returns
    (rows, number of values, doc numbers, gaps), or None when no document is left."""
    items = rows[1:-1].split(b",")
    if known is not None:
        docs, gaps = known
    else:
        gaps = json.loads(rows)
        docs = list(accumulate(gaps[0::2]))
    lo, hi = bisect_left(docs, first), bisect_right(docs, last)
    middle = sorted([(d, gaps[2 * i + 1]) for i, d in enumerate(docs[lo:hi], lo) if d not in gone] + fresh)
    if not middle and lo == 0 and hi == len(docs):
        return None
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
    parts = items[:2 * lo] + [str(n).encode() for n in spliced] + tail
    return (b"[" + b",".join(parts) + b"]", len(parts), docs[:lo] + [d for d, _ in middle] + docs[hi:],
            gaps[:2 * lo] + spliced + gaps[2 * hi + 1:])


def _patch(state: IndexState, changed: list[int], old: list[DocTokens], new: list[DocTokens],
           shard_bytes: int, decoded: dict | None = None) -> IndexState:
    """The state with the documents at positions `changed` (same numbering) replaced. Only
    the tokens whose count changed in one of them are touched, and a token's rows are
    spliced, not re-encoded. `decoded` (kept by a long-running process) holds token ->
    (rows, doc numbers, gaps) of the rows this function made, so the next patch need not
    parse them again. `state` itself is left as it was (it may be one kept in memory)."""
    gone: defaultdict[str, set[int]] = defaultdict(set)        # token -> documents where its count changed
    fresh: defaultdict[str, list[tuple[int, int]]] = defaultdict(list)    # token -> their new counts
    for number, before, after in zip(changed, old, new):
        for key in _changed_keys(before, after):
            token = _token(key)
            gone[token].add(number)
            count = after.han.get(key) if key.__class__ is int else after.words.get(key)
            if count is not None:
                fresh[token].append((number, count))
    total, shards_before = state.total, state.shards
    touched: dict[int, dict[str, bytes]] = {}       # shard number -> a copy of its entries, patched

    def entries_of(token: str) -> dict[str, bytes]:
        number = token_hash(token) % shards_before
        entries = touched.get(number)
        if entries is None:
            entries = touched[number] = dict(state.shard(number))
        return entries

    for token, numbers in sorted(gone.items()):
        entries = entries_of(token)
        entry = entries.get(token)
        if entry is None:
            rows = [n for pair in sorted(fresh[token]) for n in pair]
            size = len(rows)
            entries[token] = _entry(token, _ROWS_JSON(_gap_encode(rows)).encode("ascii"))
            total += _size(token, size)
            continue
        rows = _rows_of(token, entry)
        total -= _size(token, rows.count(b",") + 1)
        known = decoded.get(token) if decoded is not None else None
        made = _splice(rows, known[1:] if known is not None and known[0] is entry else None,
                       min(numbers), max(numbers), numbers, fresh.get(token, []))
        if made is None:
            del entries[token]
            if decoded is not None:
                decoded.pop(token, None)
        else:
            entries[token] = _entry(token, made[0])
            total += _size(token, made[1])
            if decoded is not None:
                decoded[token] = (entries[token], made[2], made[3])
    shards = _shards_for(total, shard_bytes)
    if shards != shards_before:
        everything = {}
        for number in range(shards_before):
            everything.update(touched[number] if number in touched else state.shard(number))
        return IndexState(state.doc_keys, state.lengths, _joined_shards(everything, shards), total, shards)
    files = list(state.files)               # the untouched shards are the very same bytes objects
    parsed = dict(state.parsed)
    for number, entries in touched.items():
        ordered = {token: entries[token] for token in sorted(entries)}
        files[number] = _join_shard(ordered, ordered)
        parsed[number] = ordered
    patched = IndexState(state.doc_keys, state.lengths, files, total, shards, stored=state.stored)
    patched.parsed = parsed
    return patched


def _shard_files(state: IndexState, memo: dict | None = None) -> tuple[int, int, list[bytes]]:
    """The shard files (the state holds them; a patched state's untouched shards are the very
    bytes objects of the state it was patched from, which the preview's writer need not
    compare). `memo`: unused, kept for callers of the version before."""
    return state.shards, len(str(state.shards - 1)), state.files


STATE_NAME = "search-index.pickle"
# Above this share of changed reports, merging all cached token counts is as quick as patching.
PATCH_LIMIT = 0.25


def _pack(tokens: DocTokens) -> tuple:
    """A report's counts as a few strings and int arrays: pickled ~10x quicker than dicts
    (tokens never contain NUL: NUL is neither Han nor a word character)."""
    return (TOKENS_PACKING, array("Q", tokens.han).tobytes(), _pack_counts(tokens.han.values()),
            "\0".join(tokens.words), _pack_counts(tokens.words.values()), tokens.length)


def _pack_counts(values) -> bytes:
    """Counts as the smallest unsigned array that holds them, its type code first: most
    counts are below 256, and the token store is held whole while the index is merged."""
    counts = array("q", values)
    top = max(counts, default=0)
    for code in "BHI":
        if top < 1 << 8 * array(code).itemsize and min(counts, default=0) >= 0:
            return code.encode("ascii") + array(code, counts).tobytes()
    return b"q" + counts.tobytes()


def _unpack_counts(data: bytes) -> array:
    counts = array(chr(data[0]))
    counts.frombytes(memoryview(data)[1:])
    return counts


def _unpack(packed) -> DocTokens | None:
    if not (isinstance(packed, tuple) and len(packed) == 6 and packed[0] == TOKENS_PACKING):
        return None
    _, han_keys, han_counts, words, word_counts, length = packed
    return DocTokens(dict(zip(array("Q", han_keys), _unpack_counts(han_counts))),
                     dict(zip(words.split("\0"), _unpack_counts(word_counts))) if words else {}, length)


TOKENS_PACKING = 3


@dataclass(frozen=True)
class PackedTokens:
    """A report's counts as the token store keeps them (`_pack`), merged without making dicts."""

    han_keys: array
    han_counts: array
    words: list[str]
    word_counts: array
    length: int

    @classmethod
    def of(cls, packed) -> "PackedTokens | None":
        try:
            _, han_keys, han_counts, words, word_counts, length = packed
            made = cls(array("Q", han_keys), _unpack_counts(han_counts), words.split("\0") if words else [],
                       _unpack_counts(word_counts), length)
        except (TypeError, ValueError, AttributeError, IndexError):      # a damaged entry is a miss
            return None
        ok = len(made.han_keys) == len(made.han_counts) and len(made.words) == len(made.word_counts)
        return made if ok and isinstance(length, int) else None

    def columns(self):
        return (self.han_keys, self.han_counts), (self.words, self.word_counts)


BUCKET_DIGITS = 2


class TokenStore:
    """Each report's `DocTokens` by `doc_key`, kept in 256 cache files (`search/<first two hex
    digits of the key>.pickle`): far fewer files to write on a cold build than one per
    report, and an edit reads and rewrites only the one or two small files its keys fall in
    (with 16, each held a sixteenth of every report's counts: megabytes per edit at 5,000).
    A file that is missing or damaged is a miss (`BuildCache.load`)."""

    def __init__(self, cache):
        self.cache = cache
        self.buckets: dict[str, dict[str, tuple]] = {}
        self.dirty: set[str] = set()

    def _bucket(self, key: str) -> dict[str, tuple]:
        name = key[:BUCKET_DIGITS]
        if name not in self.buckets:
            loaded = self.cache.load(f"search/{name}.pickle")
            self.buckets[name] = loaded if isinstance(loaded, dict) else {}
        return self.buckets[name]

    def get(self, key: str) -> DocTokens | None:
        try:
            return _unpack(self._bucket(key).get(key))
        except (TypeError, ValueError, AttributeError, IndexError):      # a damaged entry is a miss
            return None

    def has(self, key: str) -> bool:
        """Whether the store holds the key's counts, intact (a damaged entry is made again)."""
        packed = self._bucket(key).get(key)
        return isinstance(packed, tuple) and len(packed) == 6 and packed[0] == TOKENS_PACKING \
            and PackedTokens.of(packed) is not None

    def put(self, key: str, packed: tuple) -> None:
        self._bucket(key)[key] = packed
        self.dirty.add(key[:BUCKET_DIGITS])

    def take(self, doc: SearchDoc, key: str) -> "PackedTokens | DocTokens":
        """What `_merge` needs of a report: its stored counts as they are, else `doc_tokens`.
        A build's own store gives them up (it is then no longer saved whole: `save` before);
        a long-running process's store is the cache's memory, kept whole for its next build."""
        bucket = self._bucket(key)
        packed = PackedTokens.of(bucket.pop(key, None) if self.cache.memory is None else bucket.get(key))
        return packed if packed is not None else doc_tokens(doc)

    def tokens(self, doc: SearchDoc, key: str) -> DocTokens:
        hit = self.get(key)
        if hit is None:
            hit = doc_tokens(doc)
            self.put(key, _pack(hit))
        return hit

    def save(self, keep: set[str]) -> None:
        """Write the changed files, holding only the keys of this build's reports."""
        for name, bucket in sorted(self.buckets.items()):
            kept = {k: v for k, v in bucket.items() if k in keep}
            if name in self.dirty or len(kept) != len(bucket):
                self.cache.store(f"search/{name}.pickle", kept)
        if self.dirty and self.cache.memory is None:
            for old in "0123456789abcdef":        # the one-digit files of the version before
                (self.cache.folder / "search" / f"{old}.pickle").unlink(missing_ok=True)


def _noting_length(tokens, lengths: list[int]):
    """Pass each report's tokens on, noting its body length: the reports' counts are merged
    one at a time instead of all being held at once (thousands of reports)."""
    for t in tokens:
        lengths.append(t.length)
        yield t


SHARD_TAG = "search-shard-1"      # a shard file's tag (`output.PreviousFiles`): this and its digest


def _shard_path(number: int, width: int) -> str:
    return f"{INDEX_DIR}/index/{number:0{width}d}.json"


def _file_digest(data: bytes) -> str:
    """A shard or text file's digest: its name in the cache (shards) and its part of `index_version`."""
    return hashlib.sha256(data).hexdigest()[:32]


SHARD_FILES = "search/shards"      # under the cache folder: each shard file as written, named by its digest


def _shard_file(cache, digest: str):
    return cache.folder / SHARD_FILES / f"{digest}.json"


class DamagedShard(Exception):
    """A cache shard file a stored state names is missing or not the file of its digest."""


def _read_shard(folder, digest: str) -> bytes:
    try:
        data = (folder / f"{digest}.json").read_bytes()
    except (OSError, TypeError) as exc:
        raise DamagedShard(digest) from exc
    if _file_digest(data) != digest:
        raise DamagedShard(digest)
    return data


def _with_shard_files(state, cache) -> IndexState | None:
    """A state stored without its shard files (`_store_state`), with each to be read from the
    cache's shard file of its digest only when used (`IndexState.file`): an edit's build reads
    the few shards it patches, and the output keeps the others by their stamps, unread
    (`index_files`). None when the digests are not a list of one string per shard."""
    if not isinstance(state, IndexState) or vars(state).get("files") is not None:
        return state
    digests = vars(state).get("digests")
    if not isinstance(digests, list) or not isinstance(state.shards, int) or len(digests) != state.shards \
            or not all(isinstance(d, str) for d in digests):
        return None
    state.files = [None] * state.shards
    state.stored = cache.folder / SHARD_FILES
    return state


def _all_files(state: IndexState) -> list[bytes]:
    """Every shard file of `state`, those not read yet read from the cache (`DamagedShard`)."""
    return [state.file(n) for n in range(state.shards)]


def _store_state(cache, state: IndexState, loaded: IndexState | None = None) -> None:
    """Store the state. A long-running process keeps it whole in memory; on disk it is stored
    without its shard files (megabytes to pickle, hash and write on every edit), which are kept
    one file each under `SHARD_FILES`, named by digest: an edit writes only the shards it
    changed (the untouched ones are the same bytes objects as in `loaded`, whose digests are
    known) and removes the ones no longer used."""
    if cache.memory is not None:
        cache.store(STATE_NAME, state)
        return
    old = loaded.files if loaded is not None and isinstance(loaded.digests, list) else []
    state.digests = [loaded.digests[n] if n < len(old) and data is old[n] else _file_digest(data)
                     for n, data in enumerate(state.files)]
    from congressgen.cache import write_atomic

    kept = set(state.digests)
    known = set(loaded.digests) if old else None
    try:
        for digest, data in zip(state.digests, state.files):
            if known is None or digest not in known:
                write_atomic(_shard_file(cache, digest), data)
        folder = cache.folder / SHARD_FILES
        gone = known - kept if known is not None else \
            {name[:-5] for name in os.listdir(folder) if name.endswith(".json")} - kept
        for digest in gone:
            _shard_file(cache, digest).unlink(missing_ok=True)
    except OSError:                            # the shard files cannot be written: the whole state
        try:
            state.files = _all_files(state)
        except DamagedShard:
            state = None                       # (the next build merges)
        cache.store(STATE_NAME, state)
        return
    cache.store(STATE_NAME, IndexState(state.doc_keys, state.lengths, None, state.total, state.shards,
                                       digests=state.digests))


def _postings(docs: list[SearchDoc], sources: list[str | None], cache, shard_bytes: int) -> IndexState:
    """The encoded postings of `docs` (of the report sources `sources`, None for other pages):
    patched from the last build's when few reports changed, else merged from each report's
    (cached) token counts. The state is stored by `_store_state`."""
    if cache is None:
        lengths: list[int] = []
        rows = _merge(_noting_length(map(doc_tokens, docs), lengths), compact=True)
        return IndexState.made((), lengths, rows, shard_bytes)
    keys = _doc_keys(docs, _report_keys(cache, sources), cache.memory)
    store = TokenStore(cache)
    state = _with_shard_files(cache.load(STATE_NAME), cache)
    if isinstance(state, IndexState) and state.usable(len(keys)) and state.shards == _shards_for(state.total,
                                                                                                   shard_bytes):
        changed = [n for n, (a, b) in enumerate(zip(state.doc_keys, keys)) if a != b]
        if not changed:
            return state
        if len(changed) <= PATCH_LIMIT * len(keys):
            old = [store.get(state.doc_keys[n]) for n in changed]
            patched = None
            if all(t is not None for t in old):
                new = [store.tokens(docs[n], keys[n]) for n in changed]
                memory = cache.memory       # a long-running process (`serve`)
                try:
                    patched = _patch(state, changed, old, new, shard_bytes,
                                     memory.setdefault(("search", "rows"), {}) if memory is not None else None)
                except DamagedShard:        # a shard it patches is gone from the cache: merged below
                    pass
            if patched is not None:
                lengths = list(state.lengths)
                for n, t in zip(changed, new):
                    lengths[n] = t.length
                patched.doc_keys, patched.lengths = keys, tuple(lengths)
                store.save(set(keys))
                _store_state(cache, patched, state)
                return patched
    for doc, key in zip(docs, keys):         # counts the store lacks (no pool ran `tokenise_ahead`)
        if not store.has(key):
            store.tokens(doc, key)
    store.save(set(keys))                    # then each report's counts let go once merged (memory)
    lengths = []
    rows = _merge(_noting_length(map(store.take, docs, keys), lengths), compact=True)
    fresh = IndexState.made(keys, lengths, rows, shard_bytes)
    del rows
    _store_state(cache, fresh)
    return fresh


def _text_file(text: str) -> bytes:
    return ('{"text":' + encode_basestring(text) + "}").encode("utf-8")     # = _dumps({"text": text})


def _doc_text_file(doc: SearchDoc) -> bytes:
    return _text_file(doc.text)


TEXT_TAG = "search-text-1"        # a text file's tag (`output.PreviousFiles`): this and its report's key


def _text_files(docs: list[SearchDoc], memory: dict | None, paths: list[str] | None = None,
                report_keys: list[str | None] | None = None, previous=None) -> list:
    """Each report's text file; with `memory`, the bytes made for an equal text last time;
    with `previous` (`output.PreviousFiles`), the previous output's file of a report whose
    compiled-report key (which fixes its text) is the one that file was made from, kept there
    unread (`output.KeptFile`; made from the report's body only if it is not as it was), and
    every other one made only when it is written (`PreviousFiles.deferred`: a cold build at 10,000
    reports held ~150 MB of text files at once)."""
    if previous is not None:
        files = []
        for doc, path, key in zip(docs, paths, report_keys):
            kept = previous.kept(path, (TEXT_TAG, key), _doc_text_file, doc) if key else None
            files.append(kept if kept is not None else previous.deferred(_doc_text_file, doc))
        return files
    if memory is None:
        return [_text_file(d.text) for d in docs]
    known = memory.get(("search", "texts"), {})
    fresh = {d.text: known.get(d.text) or _text_file(d.text) for d in docs}
    memory[("search", "texts")] = fresh
    return [fresh[d.text] for d in docs]


def _site_docs(site: Site) -> tuple[list[SearchDoc], list[str | None], list[list[str]]]:
    """The documents of the index, the report source of each (None for data pages), and the
    columns the data pages add."""
    reports = searchable_reports(site)
    docs = [search_doc(r) for r in reports]
    extra_docs, extra_columns = page_docs(site)
    return docs + extra_docs, [r.source for r in reports] + [None] * len(extra_docs), extra_columns


def _report_keys(cache, sources: list[str | None]) -> list[str | None]:
    return [cache.report_keys.get(s) if s else None for s in sources]


def _tokenise_chunk(docs: list[SearchDoc]) -> list[tuple]:
    """Worker side of `tokenise_ahead`: each report's counts, packed for the token store."""
    return [_pack(doc_tokens(d)) for d in docs]


def tokenise_ahead(site: Site, cache, workers) -> None:
    """Tokenise in the build's worker pool (`compile.Workers`) the reports whose counts the
    token store lacks, and store them there, so that `index_files` (run later by the output
    stage, when the pool is closed) finds every report's counts cached. Does nothing without
    a cache, with search off, when the pool was not started (the reports came from the build
    cache: an edit, where reading the token store here would only add to the build), or when
    too few reports are missing for the pool to pay; the index is the same either way."""
    if cache is None or workers is None or not workers.started or not site.config.search:
        return
    docs, sources, _ = _site_docs(site)
    keys = _doc_keys(docs, _report_keys(cache, sources), cache.memory)
    store = TokenStore(cache)
    missing = list({k: d for d, k in zip(docs, keys) if not store.has(k)}.items())
    if not workers.wanted(len(missing)):
        return
    # many chunks per worker: even shares (reports differ in length), no worker left alone at the end
    size = max(16, -(-len(missing) // (workers.jobs * 16)))
    chunks = [missing[n:n + size] for n in range(0, len(missing), size)]
    for chunk, packed in zip(chunks, workers.pool.map(_tokenise_chunk, [[d for _, d in c] for c in chunks])):
        for (key, _), entry in zip(chunk, packed):
            store.put(key, entry)
    store.save(set(keys))


def index_version(shard_digests: list[str], text_digests: list[str]) -> str:
    """Names this exact index (every shard and text file, by their digests), so browsers never
    mix cached old files with a new meta.json (search.js asks for each file with `?v=`)."""
    return hashlib.sha256("".join(shard_digests + text_digests).encode("ascii")).hexdigest()[:16]


TEXT_DIGESTS = "search-texts.pickle"     # report key -> its text file's digest


def _text_digests(files: list, keys: list[str | None] | None, cache) -> list[str]:
    """Each text file's digest; with a cache, that of a report whose key (which fixes its text,
    as for keeping the file: `_text_files`) the last build saw is taken from there instead of
    hashing its bytes again (an edit's build at 10,000 reports hashed ~100 MB of text). A
    kept file (`output.KeptFile`) is made only when its digest is not known."""
    if keys is None:
        return [_file_digest(data) for data in files]
    held = cache.load(TEXT_DIGESTS)
    known: dict = held if isinstance(held, dict) else {}
    fresh = {}
    digests = []
    for data, key in zip(files, keys):
        found = known.get(key) if key else None
        if not (isinstance(found, str) and len(found) == 32):
            found = _file_digest(data if isinstance(data, bytes) else data.data())
        if key:
            fresh[key] = found
        digests.append(found)
    if fresh != known:
        cache.store(TEXT_DIGESTS, fresh)
    return digests


def _shard_outputs(state: IndexState, previous, remade) -> tuple[int, int, list[str], list]:
    """(shards, width, each shard's digest, each shard's file for the output). With `previous`
    (`output.PreviousFiles`), a shard the previous output holds as this state has it is kept
    there unread (`output.KeptFile`): should that file have changed, its bytes are read from
    the cache when the output is written, or, if the cache's file is damaged too, taken from
    `remade()` (the same files, all made again). Any other file not read yet is read now
    (`DamagedShard`)."""
    shards, width, _ = _shard_files(state)
    digests = state.digests if isinstance(state.digests, list) and len(state.digests) == shards \
        else [_file_digest(data) for data in _all_files(state)]
    if previous is None:
        return shards, width, digests, _all_files(state)

    def stored(number: int) -> bytes:
        try:
            return state.file(number)
        except DamagedShard:
            return remade().files[number]

    outputs = []
    for n, digest in enumerate(digests):
        kept = previous.kept(_shard_path(n, width), (SHARD_TAG, digest), stored, n)
        outputs.append(kept if kept is not None else state.file(n))
    return shards, width, digests, outputs


def index_files(site: Site, shard_bytes: int = SHARD_TARGET_BYTES, cache=None,
                previous=None) -> list[tuple[str, bytes]]:
    """The search index as (site path, bytes) pairs for the output stage; [] when search is off.
    With a `cache.BuildCache`, only the reports whose searchable content changed are tokenised
    again, and with `previous` (`output.PreviousFiles`, see `_text_files`) only their text
    files are made again; the output is byte for byte that of a build without them."""
    if not site.config.search:
        return []
    docs, sources, extra_columns = _site_docs(site)
    previous = previous if cache is not None else None
    state = _postings(docs, sources, cache, shard_bytes)
    memory = cache.memory if cache is not None else None     # a long-running process (`serve`)
    made: list = []

    def remade() -> IndexState:        # a cache shard file the stored state names is gone or damaged
        if not made:
            cache.store(STATE_NAME, None)
            made.append(_postings(docs, sources, cache, shard_bytes))   # merged again, the files rewritten
        return made[0]

    try:
        shards, width, digests, shard_data = _shard_outputs(state, previous, remade)
    except DamagedShard:
        state = remade()
        shards, width, digests, shard_data = _shard_outputs(state, previous, remade)
    shard_files = [(_shard_path(n, width), data) for n, data in enumerate(shard_data)]
    text_paths = [f"{INDEX_DIR}/text/{d.id}.json" for d in docs]
    keys = _report_keys(cache, sources) if cache is not None else None
    text_data = _text_files(docs, memory, text_paths, keys, previous)
    texts = list(zip(text_paths, text_data))
    columns = [[c.key, c.title] for c in site.columns]
    columns += [c for c in extra_columns if c[0] not in {column[0] for column in columns}]
    column_number = {column[0]: n for n, column in enumerate(columns)}
    meta = {
        "format": FORMAT_VERSION, "version": index_version(digests, _text_digests(text_data, keys, cache)),
        "shards": shards, "width": width,
        "columns": columns,
        "docs": [[d.id, d.path, d.title, d.date, column_number[d.column], d.year, length]
                 for d, length in zip(docs, state.lengths)],
    }
    return [(f"{INDEX_DIR}/meta.json", _dumps(meta)), *shard_files, *texts]
