"""Render dependency tracker (the render memo): skip rendering a page when nothing it read has changed.

While a page renders, every read a template makes from the site model is logged: each
`x.attr` / `x[key]` on a model object (site, report, column, taxonomy, page), and each
call of a model method or of a context function that reads the model. What a read
returned is kept as a digest, keyed by a stable name of the read (`report r0001 .title`).
Each template a render loads (the page's own, what it extends, includes or imports) is
logged too, by name, with the digest of the source that name resolves to (`template_source`):
a template edit re-renders the pages that loaded it, and no other. Everything else a page
depends on (config, package versions, page identity, build date) forms the page's base key.

On the next build each logged read is evaluated again on the new model (once per build,
shared by all pages); a page whose base key and reads all give the same digests would
render the same bytes, so its previous output file is reused as it is. This is exact, not
a heuristic: a template can only observe the model through the logged reads, and a read
this module cannot describe (an unknown callable, a value it cannot digest) marks the
page volatile, and a volatile page is always rendered.

Values reached from a logged read are digested deeply (front matter, outline, attachment
lists), so reads below them need no logging; model objects inside them are named by
reference, and their own attributes are logged when the template reads them.
"""

from __future__ import annotations

import array
import dataclasses
import datetime as dt
import hashlib
import inspect
import marshal
import operator
import os
import pickle
import sys
import types
from pathlib import PurePath

import jinja2
from jinja2 import runtime

from congressgen.model.datasources import SiteData
from congressgen.model.types import Column, Page, Report, Site, Taxonomy

_REFS = {
    Report: lambda o: ("report", o.id),
    Column: lambda o: ("column", o.key),
    Taxonomy: lambda o: ("taxonomy", o.key),
    Page: lambda o: ("page", o.path),
    Site: lambda o: ("site",),
    SiteData: lambda o: ("data",),     # site.data.NAME is logged per data source
}


class Volatile(Exception):
    """A value or call the memo cannot describe; the page must always be rendered."""


_VOLATILE = ("volatile",)
_MISSING = object()      # Digests.seen: a read whose value cannot be digested


def model_ref(obj) -> tuple | None:
    make = _REFS.get(type(obj))
    return make(obj) if make else None


def _plain_dataclasses() -> frozenset[type]:
    """Our value types that hold only plain data: their repr (every field shown) is their shape."""
    from congressgen.config import ColumnConfig, FooterConfig, SiteQr
    from congressgen.content import Attachment, FrontMatter
    from congressgen.outline import Outline, OutlineEntry
    from congressgen.model.types import AttachmentFile, FileCopy, Pager

    types_ = (FrontMatter, Attachment, Outline, OutlineEntry, AttachmentFile, FileCopy, Pager,
              ColumnConfig, FooterConfig, SiteQr)
    return frozenset(t for t in types_ if all(f.repr for f in dataclasses.fields(t)))


_PLAIN = _plain_dataclasses()
_LEAVES = (str, bool, int, float, bytes, type(None))


_ONLY_REPORTS = {Report}
_OUTLINE = ("O",)     # report_state: a field that is the compiled outline's own (no `shape` gives it)


def shape(value):
    """A hashable, repr-stable description of a value; model objects become references."""
    kind = type(value)
    if kind in _LEAVES:
        return value
    if kind in _PLAIN:
        return ("R", repr(value))
    make = _REFS.get(type(value))
    if make is not None:
        return ("@",) + make(value)
    if isinstance(value, list):
        if value and type(value[0]) is Report and set(map(type, value)) == _ONLY_REPORTS:
            # a list of reports (a term's, a month's …), the commonest nested value: their ids,
            # without a shape (and a repr of it) per report
            return ("I",) + tuple([r.id for r in value])
        return ("L",) + tuple(map(shape, value))
    if isinstance(value, tuple):
        return ("T",) + tuple(map(shape, value))
    if isinstance(value, dict):
        return ("D",) + tuple((shape(k), shape(v)) for k, v in value.items())
    if isinstance(value, (set, frozenset)):
        return ("S",) + tuple(sorted(repr(shape(v)) for v in value))
    if isinstance(value, (dt.datetime, dt.date, dt.time, dt.timedelta)):
        return ("t", repr(value))
    if isinstance(value, PurePath):
        return ("P", str(value))
    if isinstance(value, jinja2.Undefined):
        return ("U",)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return ("C", type(value).__qualname__) + tuple(shape(getattr(value, f.name)) for f in dataclasses.fields(value))
    raise Volatile(type(value).__name__)


def _report_ids(value) -> bytes | None:
    """A list of reports (a list page's items, a column's reports …) as their ids, tagged:
    the commonest big value a read gives, described without a shape per report. None for
    any other value."""
    if type(value) is not list or not value or type(value[0]) is not Report:
        return None
    try:
        return b"\x01" + "\x00".join([r.id if type(r) is Report else None for r in value]).encode(
            "utf-8", "surrogatepass")
    except TypeError:             # not all reports
        return None


def digest(value) -> bytes:
    """16 bytes that only an equal value gives (model objects by reference; see `shape`)."""
    if isinstance(value, str):
        data = b"s" + value.encode("utf-8", "surrogatepass")
    else:
        data = _report_ids(value) or _encoded(shape(value))
    return hashlib.sha256(data).digest()[:16]


def unshape(value, index: "ModelIndex"):
    """Call arguments back from their shape, with references resolved in `index`'s model."""
    if not isinstance(value, tuple):
        return value
    tag, items = value[0], value[1:]
    if tag == "@":
        return index.resolve(items)
    if tag == "I":
        return [index.resolve(("report", ident)) for ident in items]
    if tag == "L":
        return [unshape(v, index) for v in items]
    if tag == "T":
        return tuple(unshape(v, index) for v in items)
    if tag == "D":
        return {unshape(k, index): unshape(v, index) for k, v in items}
    raise Volatile(tag)


class ModelIndex:
    """Finds a model object of this build by the reference a previous build logged."""

    def __init__(self, site: Site):
        self.site = site
        self.reports = {r.id: r for r in site.reports}
        self.columns = {c.key: c for c in site.columns}
        self.taxonomies = {t.key: t for t in site.taxonomies.values()}
        self.pages = {p.path: p for p in site.pages}

    def resolve(self, ref: tuple):
        kind = ref[0]
        if kind == "site":
            return self.site
        if kind == "data":
            return self.site.data
        table = {"report": self.reports, "column": self.columns, "taxonomy": self.taxonomies,
                 "page": self.pages}[kind]
        return table[ref[1]]


def template_source(env: jinja2.Environment, name: str) -> str | None:
    """The source a template name resolves to in `env` now (None: there is no such template)."""
    try:
        return env.loader.get_source(env, name)[0]
    except jinja2.TemplateNotFound:
        return None


_BASE_GETATTR = jinja2.Environment.getattr
_BASE_GETITEM = jinja2.Environment.getitem


class Digests:
    """Digest of each logged read as evaluated on this build's model (computed once)."""

    def __init__(self, env: jinja2.Environment, index: ModelIndex, functions: dict):
        self.env = env
        self.index = index
        self.functions = functions         # name -> context function that reads the model
        self.current: dict[tuple, bytes | None] = {}
        # (id(obj), kind, name) -> (stable key, None or _VOLATILE; the object, keeping its id its own)
        self.seen: dict[tuple, tuple] = {}

    def evaluate(self, key: tuple) -> bytes | None:
        """None when the read no longer works (object gone, error): always a change."""
        if key in self.current:
            return self.current[key]
        try:
            value = self._value(key)
            result = digest(value)
        except Exception:  # noqa: BLE001 - any failure means "changed": the page re-renders
            result = None
        self.current[key] = result
        return result

    def _value(self, key: tuple):
        kind = key[0]
        if kind == "t":
            return template_source(self.env, key[1])
        if kind == "a":
            obj = self.index.resolve(key[1])
            if type(obj) is Site and key[2] in _SITE_PROPERTIES and isinstance(self.env, TrackingEnvironment):
                return self.env.site_property(obj, key[2])      # computed once: the pages rendered reuse it
            return _BASE_GETATTR(self.env, obj, key[2])
        if kind == "i":
            return _BASE_GETITEM(self.env, self.index.resolve(key[1]), key[2])
        # ("call", target, args, kwargs)
        target, args, kwargs = key[1], key[2], key[3]
        if target[0] == "m":
            fn = getattr(self.index.resolve(target[1]), target[2])
        else:
            fn = self.functions[target[1]]
        return fn(*unshape(args, self.index), **dict(unshape(kwargs, self.index)))


class ReadLog:
    """The reads of one page render. A read is first recognised by (id of the model object,
    kind, name): its stable key and digest are worked out once per build (`Digests.seen`,
    which holds the object so that its id stays its own), so a page's log is a flat set."""

    def __init__(self, digests: Digests):
        self.digests = digests
        self.pure: set = set()             # set by the renderer: callables covered by the base key
        self.functions: dict = {}          # set by the renderer: id(fn) -> name of a model-reading function
        self.reads: set[tuple] = set()     # (id(obj), kind, name) of each attribute / item read
        self.calls: set[tuple] = set()     # stable keys of logged calls
        self.volatile = False

    @property
    def keys(self) -> set[tuple]:
        """The stable keys of every logged read."""
        seen = self.digests.seen
        keys = set(self.calls)
        for fast in self.reads:
            key = seen[fast][0]
            if key is not None:
                keys.add(key)
        return keys

    def note_read(self, kind: str, obj, name, value) -> None:
        make = _REFS.get(type(obj))
        if make is None:
            return       # not a model object: plain data already digested where it was read
        try:
            fast = (id(obj), kind, name)
            if fast in self.reads:
                return
            known = self.digests.seen.get(fast)
        except TypeError:        # an unhashable item key: the page cannot be described
            self.volatile = True
            return
        if known is None:
            known = self.digests.seen[fast] = (self._describe(kind, make(obj), obj, name, value), obj)
        self.reads.add(fast)
        if known[0] is _VOLATILE:
            self.volatile = True

    def _describe(self, kind: str, ref: tuple, obj, name, value):
        """The stable key of a new read (None: a method, whose call is logged instead)."""
        if isinstance(value, types.MethodType) and value.__self__ is obj:
            return None
        key = ("a" if kind == "a" else "i", ref, name)
        current = self.digests.current
        if key not in current:
            try:
                current[key] = digest(value)
            except Volatile:
                return _VOLATILE
        return key

    def note_template(self, name: str) -> None:
        """A template loaded by name (found or not: `select_template` tries several)."""
        key = ("t", name)
        if key not in self.calls:
            self.calls.add(key)
            self.digests.evaluate(key)

    def _record(self, key: tuple, value) -> None:
        """Log one call (key) with the digest of what it gave, once per page."""
        if key in self.calls:
            return
        self.calls.add(key)
        current = self.digests.current
        if key not in current:
            try:
                current[key] = digest(value)
            except Volatile:
                self.volatile = True

    def note_call(self, fn, args: tuple, kwargs: dict, result) -> None:
        if fn in self.pure or isinstance(fn, (runtime.Macro, types.BuiltinFunctionType, type)):
            return
        if isinstance(fn, types.MethodType) or inspect.isbuiltin(fn):
            owner = getattr(fn, "__self__", None)
            ref = model_ref(owner)
            if ref is None:
                return   # a method of plain data the log already covers (str.join, dict.get …)
            target = ("m", ref, fn.__name__)
        elif id(fn) in self.functions:
            target = ("f", self.functions[id(fn)])
        else:
            self.volatile = True   # an unknown function may read anything
            return
        try:
            key = ("call", target, shape(args), shape(tuple(sorted(kwargs.items()))))
        except Volatile:
            self.volatile = True
            return
        self._record(key, result)


class TrackingContext(runtime.Context):
    def call(__self, __obj, *args, **kwargs):  # noqa: N805 - Jinja's own signature
        result = super().call(__obj, *args, **kwargs)
        log = __self.environment.read_log
        if log is not None:
            kwargs.pop("_block_vars", None)
            kwargs.pop("_loop_vars", None)
            log.note_call(__obj, args, kwargs, result)
        return result


def _site_properties() -> frozenset[str]:
    return frozenset(name for name, value in vars(Site).items() if isinstance(value, property))


_SITE_PROPERTIES = _site_properties()


class TrackingEnvironment(jinja2.Environment):
    """A Jinja environment that logs model reads into `read_log` while it is set.

    A property of the site (`site.top_viewed`, `site.rankings` …) is computed once per site
    model, not once per page: the model does not change while its pages render."""

    context_class = TrackingContext
    read_log: ReadLog | None = None
    _site_values: tuple = (None, {})       # (the site, its property values computed so far)

    def site_property(self, site: Site, attribute: str):
        """`site.attribute` for a property of Site, computed once per site model."""
        held, values = self._site_values
        if held is not site:
            values = {}
            self._site_values = (site, values)
        value = values.get(attribute, _MISSING)
        if value is _MISSING:
            value = values[attribute] = _BASE_GETATTR(self, site, attribute)
        return value

    def getattr(self, obj, attribute):
        kind = type(obj)
        if kind is Site and attribute in _SITE_PROPERTIES:
            value = self.site_property(obj, attribute)
        else:
            try:                       # jinja2.Environment.getattr, inline: the commonest call
                value = getattr(obj, attribute)
            except AttributeError:
                value = _BASE_GETATTR(self, obj, attribute)
        log = self.read_log
        if log is not None and kind in _REFS:
            try:
                if (id(obj), "a", attribute) in log.reads:
                    return value       # read before by this page
            except TypeError:
                pass
            log.note_read("a", obj, attribute, value)
        return value

    def _load_template(self, name, globals):
        # every template load goes through here: get_template, select_template, extends, include, import
        log = self.read_log
        if log is not None:
            log.note_template(name)
        return super()._load_template(name, globals)

    def getitem(self, obj, argument):
        value = _BASE_GETITEM(self, obj, argument)
        log = self.read_log
        if log is not None and type(obj) in _REFS:
            log.note_read("i", obj, argument, value)
        return value


# ---------------------------------------------------------------------------------------
# The memo of one output folder, kept in the build cache between builds


class KeyTable:
    """The memo's read keys (`PageMemo.keys`) as a build loads them from the cache: each key
    stays in its stored bytes until it is read. An edit's build reads the keys of the reports
    whose state changed and of no one report (`PageMemo.changed_keys`), a few hundred of the
    37,000 at 1,000 reports, whose unpickling as one list took 25 ms. Indexing, `len`,
    iteration and `append` work as on the list it stands for. The stored bytes are one blob
    with an offset per key (`packed`), as the cache holds them: loading them is no work per key."""

    def __init__(self, stored=(), blob: bytes = b"", offsets=None):
        # a key's stored bytes (`pack_key`) until it is read, then the key; None: its bytes are in
        # `blob`, from offsets[i] to offsets[i + 1] (the first len(offsets) - 1 keys)
        self._blob = blob
        self._offsets = offsets if offsets is not None else array.array("Q", [0])
        self._items = [None] * (len(self._offsets) - 1) + list(stored)

    def __len__(self) -> int:
        return len(self._items)

    def __getitem__(self, index: int):
        item = self._items[index]
        if type(item) is not tuple:        # a key is never bytes or None itself: a tuple (see ReadLog)
            if item is None:
                offsets = self._offsets
                item = self._blob[offsets[index]:offsets[index + 1]]
            item = self._items[index] = unpack_key(item)
        return item

    def __iter__(self):
        return (self[i] for i in range(len(self._items)))

    def append(self, key) -> None:
        self._items.append(key)

    def copy(self) -> "KeyTable":
        table = KeyTable(blob=self._blob, offsets=self._offsets)
        table._items = list(self._items)
        return table

    def stored(self) -> list[bytes]:
        """Every key as bytes, for the cache (the keys never read are their stored bytes)."""
        return [self._stored(i) for i in range(len(self._items))]

    def _stored(self, i: int) -> bytes:
        item = self._items[i]
        if i < len(self._offsets) - 1:             # in the blob, read or not (a key never changes)
            return self._blob[self._offsets[i]:self._offsets[i + 1]]
        return item if type(item) is bytes else pack_key(item)

    def packed(self) -> tuple[bytes, array.array]:
        """(blob, offsets) of every key's stored bytes: the blob loaded, and the keys added since."""
        base = len(self._offsets) - 1
        added = [self._stored(i) for i in range(base, len(self._items))]
        if not added:
            return self._blob, self._offsets
        offsets = array.array("Q", self._offsets)
        end = offsets[-1]
        for data in added:
            end += len(data)
            offsets.append(end)
        return self._blob + b"".join(added), offsets


def pack_key(key) -> bytes:
    """A read key as bytes: marshal (a key is tuples of plain values), or pickle for a key
    holding something marshal refuses (a str subclass such as Markup as an item name)."""
    try:
        return b"m" + marshal.dumps(key, 4)
    except ValueError:
        return b"p" + pickle.dumps(key, pickle.HIGHEST_PROTOCOL)


def unpack_key(data: bytes):
    return marshal.loads(data[1:]) if data[:1] == b"m" else pickle.loads(data[1:])


class DigestList:
    """The memo's digests (`PageMemo.digests`): each a 16-byte digest (`digest`) or None (a read
    that failed), held in one bytearray, which the cache stores and loads as it is (a list of
    hundreds of thousands of bytes objects took a tenth of a second each way at 10,000 reports).
    Indexing, assignment, `len`, iteration, `append` and `None in` work as on a list."""

    SIZE = 16

    def __init__(self, values=(), blob: bytes = b"", missing=()):
        self._blob = bytearray(blob)
        self._missing = set(missing)          # indexes whose digest is None
        for value in values:
            self.append(value)

    def __len__(self) -> int:
        return len(self._blob) // self.SIZE

    def _at(self, index: int) -> int:
        size = len(self)
        if index < 0:
            index += size
        if not 0 <= index < size:
            raise IndexError("digest index out of range")
        return index

    def __getitem__(self, index: int):
        index = self._at(index)
        if index in self._missing:
            return None
        return bytes(self._blob[index * self.SIZE:(index + 1) * self.SIZE])

    def __setitem__(self, index: int, value) -> None:
        index = self._at(index)
        if value is None:
            self._missing.add(index)
            return
        if type(value) is not bytes or len(value) != self.SIZE:
            raise ValueError("a digest is 16 bytes")
        self._blob[index * self.SIZE:(index + 1) * self.SIZE] = value
        self._missing.discard(index)

    def append(self, value) -> None:
        if value is None:
            self._missing.add(len(self))
            self._blob += bytes(self.SIZE)
            return
        if type(value) is not bytes or len(value) != self.SIZE:
            raise ValueError("a digest is 16 bytes")
        self._blob += value

    def __iter__(self):
        return (self[i] for i in range(len(self)))

    def __contains__(self, value) -> bool:
        if value is None:
            return bool(self._missing)
        return any(d == value for d in self)

    def missing(self) -> set[int]:
        """The indexes whose digest is None."""
        return set(self._missing)

    def copy(self) -> "DigestList":
        return DigestList(blob=self._blob, missing=self._missing)

    def packed(self) -> tuple[bytes, tuple]:
        return bytes(self._blob), tuple(sorted(self._missing))

    @classmethod
    def of(cls, values) -> "DigestList | None":
        """`values` (a list) as a DigestList, or None when one is not a digest (a test's memo)."""
        if isinstance(values, DigestList):
            return values
        try:
            return cls(values)
        except ValueError:
            return None


# The memo's other big parts, stored packed (`PageMemo.__getstate__`): a page table of 25,000
# entries, their reads (over a million key indexes) and the reports' groups, as a few arrays.
_PACKED = "packed-1"


def _pack_pages(pages: dict):
    """{path: PageEntry} as (paths, bases, stamps, reads, offsets), or the dict itself when an
    entry is not of the usual form (16-byte base, stamp of two ints, reads of key indexes)."""
    entries = list(pages.values())
    try:
        bases = b"".join(e.base for e in entries)
        stamps = array.array("q")
        for e in entries:
            if len(e.stat) != 2:
                return pages
            stamps.extend(e.stat)
        reads, offsets = array.array("I"), array.array("Q", [0])
        for e in entries:
            ids = e.reads
            reads.extend(ids if isinstance(ids, array.array) and ids.typecode == "I" else array.array("I", ids))
            offsets.append(len(reads))
    except (TypeError, OverflowError, ValueError):
        return pages
    if len(bases) != DigestList.SIZE * len(entries):
        return pages
    return (_PACKED, list(pages), bases, stamps, reads, offsets)


def _unpack_pages(state) -> dict:
    if not (isinstance(state, tuple) and state[:1] == (_PACKED,)):
        return state
    _tag, paths, bases, stamps, reads, offsets = state
    size = DigestList.SIZE
    if len(bases) != size * len(paths) or len(stamps) != 2 * len(paths) or len(offsets) != len(paths) + 1:
        raise ValueError("a damaged page table")
    it = iter(stamps)
    return {path: PageEntry(bases[i * size:(i + 1) * size], stamp, reads[offsets[i]:offsets[i + 1]])
            for i, (path, stamp) in enumerate(zip(paths, zip(it, it)))}


def _pack_states(states: dict):
    """{ref: 16-byte digest or None} as (refs, blob, indexes of None), or the dict as it is."""
    values = DigestList.of(list(states.values()))
    if values is None:
        return states
    return (_PACKED, list(states)) + values.packed()


def _unpack_states(state) -> dict:
    if not (isinstance(state, tuple) and state[:1] == (_PACKED,)):
        return state
    _tag, refs, blob, missing = state
    size = DigestList.SIZE
    if len(blob) != size * len(refs):
        raise ValueError("a damaged state table")
    values = [blob[i:i + size] for i in range(0, len(blob), size)]
    for i in missing:
        values[i] = None
    return dict(zip(refs, values))


def _pack_groups(groups: dict):
    """{report id: [key index, ...]} as (ids, indexes, offsets); loaded as arrays of key indexes."""
    flat, offsets = array.array("I"), array.array("Q", [0])
    try:
        for indexes in groups.values():
            flat.extend(indexes)
            offsets.append(len(flat))
    except (TypeError, OverflowError):
        return groups
    return (_PACKED, list(groups), flat, offsets)


def _unpack_groups(state) -> dict:
    if not (isinstance(state, tuple) and state[:1] == (_PACKED,)):
        return state
    _tag, rids, flat, offsets = state
    if len(offsets) != len(rids) + 1:
        raise ValueError("a damaged group table")
    return {rid: flat[offsets[i]:offsets[i + 1]] for i, rid in enumerate(rids)}   # arrays, not lists: cheaper


@dataclasses.dataclass
class PageEntry:
    base: bytes                  # digest of the page's base key
    stat: tuple                  # (size, mtime_ns, inode) of the output file written
    reads: array.array           # indexes into PageMemo.keys


@dataclasses.dataclass
class PageMemo:
    keys: list = dataclasses.field(default_factory=list)        # logged read keys
    digests: list = dataclasses.field(default_factory=list)     # their digests when logged
    pages: dict = dataclasses.field(default_factory=dict)       # site path -> PageEntry
    report_states: dict = dataclasses.field(default_factory=dict)   # report id -> report_state()
    compacted: int = 0                                          # len(keys) after the last compaction
    # keys[:grouped] by the one report they read (see _report_of), kept with the memo so that a
    # build checks only the keys of the reports whose state changed, and the others
    groups: dict = dataclasses.field(default_factory=dict)     # report id -> key indexes
    others: list = dataclasses.field(default_factory=list)     # indexes of keys of no one report
    grouped: int = 0
    grouping: int = 0          # GROUPING when grouped by it (a memo pickled before: 0, regrouped)
    # Names the key table's own cache entry (`store_memo`), "" once it changed since: the table
    # is most of the memo and an edit seldom adds a key, so it is written only when it changed.
    keys_token: str = ""

    GROUPING = 2               # 2: a page's attribute and item reads are grouped by page too

    def __getstate__(self):
        state = dict(self.__dict__)
        if state.get("unreadable"):
            return state
        if state.get("keys_token"):
            state["keys"] = None   # in the entry the token names (load_memo)
        digests = DigestList.of(self.digests)
        state["digests"] = (_PACKED,) + digests.packed() if digests is not None else self.digests
        state["pages"] = _pack_pages(self.pages)
        state["report_states"] = _pack_states(self.report_states)
        state["groups"] = _pack_groups(self.groups)
        state["packing"] = _PACKED
        return state

    def __setstate__(self, state) -> None:
        """A memo pickled packed (`__getstate__`); any other (an older version's) is unreadable:
        `load_memo` gives None for it."""
        try:
            if state.get("packing") != _PACKED:
                raise ValueError("another memo format")
            digests = state["digests"]
            if isinstance(digests, tuple) and digests[:1] == (_PACKED,):
                if len(digests[1]) % DigestList.SIZE:
                    raise ValueError("damaged digests")
                digests = DigestList(blob=digests[1], missing=digests[2])
            state = dict(state, digests=digests, pages=_unpack_pages(state["pages"]),
                         report_states=_unpack_states(state["report_states"]),
                         groups=_unpack_groups(state["groups"]))
        except (ValueError, TypeError, KeyError, AttributeError):
            state = {"unreadable": True}
        self.__dict__.update(state)

    def _classify(self) -> None:
        if self.grouped == 0 or vars(self).get("grouping") != self.GROUPING:
            self.groups, self.others, self.grouped = {}, [], 0     # also a memo pickled before these fields
            self.grouping = self.GROUPING
        # new lists for the groups that grow, never an append to a list: a memo made from this
        # one (`MemoWriter`) shares the lists of the groups it did not change
        groups, others = self.groups, self.others
        added: dict = {}
        for i in range(self.grouped, len(self.keys)):
            rid = _report_of(self.keys[i])
            added.setdefault(rid, []).append(i)
        for rid, indexes in added.items():
            if rid is None:
                self.others = others = others + indexes
            else:
                groups[rid] = list(groups.get(rid, ())) + indexes
        self.grouped = len(self.keys)

    def changed_keys(self, digests: Digests, states: dict[str, bytes], needed: set[int] | None = None) -> set[int]:
        """Indexes of the keys whose value differs on this build's model. Reads of a report
        whose whole state is unchanged are unchanged without evaluating them. `needed`: only
        these keys matter (the reads of the pages that may be kept); None: every key. A key
        neither needed nor found changed keeps its old digest: no page of the new memo reads
        it unless rendered now, which logs it afresh."""
        self._classify()
        old_states = self.report_states
        candidates = list(self.others)
        for rid, indexes in self.groups.items():
            state = states.get(rid)
            if state is None or old_states.get(rid) != state:
                candidates += indexes
        if needed is not None:
            candidates = [i for i in candidates if i in needed]
        keys, olds = self.keys, self.digests
        if isinstance(olds, DigestList):           # a failed read: always
            changed = olds.missing()
        else:
            changed = {i for i, old in enumerate(olds) if old is None} if None in olds else set()
        for i in candidates:
            old = olds[i]
            if old is not None and digests.evaluate(keys[i]) != old:
                changed.add(i)
        return changed


def _report_of(key: tuple):
    """The report a read key reads alone (its attribute, item, or a method call whose arguments
    name no other model object), or the page whose attribute or item it reads (`page_state`),
    or None."""
    if key[0] == "t":
        return None
    if key[0] == "call":
        target = key[1]
        if target[0] == "m" and target[1][0] == "report" and "'@'" not in repr(key[2:]):
            return target[1][1]
        return None
    ref = key[1]
    if ref[0] == "page":
        return ref
    return ref[1] if ref[0] == "report" else None


def report_state(report, compiled_key: str | None, shared: dict | None = None) -> bytes | None:
    """Digest of everything a Report's attributes, properties and methods are computed from:
    its fields (other model objects by reference), its compiled report (by cache key, which
    hashes all of its inputs) and its column's own fields. Reads of a report whose state is
    unchanged return what they returned (tests/test_cache_speedups.py keeps the list of
    Report properties under watch, so a new one that reads further gets reviewed here).
    `shared`: one dict for the calls of one build, so each column (and the list of fields) is
    described once."""
    if not compiled_key:
        return None
    plan = shared.get(type(report)) if shared is not None else None
    if plan is None:
        names = tuple(f.name for f in dataclasses.fields(report) if f.name != "compiled")
        plan = (names, operator.itemgetter(*names))
        if shared is not None:
            shared[type(report)] = plan
    names, fields = plan
    try:
        row = fields(report.__dict__)          # a dataclass's fields are its instance's own
    except KeyError:
        row = tuple(getattr(report, name) for name in names)
    outline = report.compiled.outline
    # the fields as one tuple of shapes (see `shape`), written out by one marshal: str, int and
    # None are their own shape, an empty list is shape([]); the others are `_field_shape`'s
    values = tuple([value if type(value) in _STATE_LEAVES else
                    _EMPTY_LIST if type(value) is list and not value else _field_shape(name, value, outline)
                    for name, value in zip(names, row)])
    return _state_digest(compiled_key, values, report.column, {} if shared is None else shared)


def _state_digest(compiled_key: str, values: tuple, column, shared: dict) -> bytes:
    """A report's state from its compiled key, its fields' shapes and its column's own fields
    (described once per column in `shared`)."""
    parts = shared.get(id(column))
    if parts is None:
        parts = shared[id(column)] = repr(shape((column.key, column.title, column.config))).encode(
            "utf-8", "surrogatepass")
    return hashlib.sha256(b"".join((compiled_key.encode(), _encoded(values), b"c", parts))).digest()[:16]


_STATE_LEAVES = frozenset({str, int, type(None)})
_EMPTY_LIST = shape([])


def _field_shape(name: str, value, outline):
    """A report field's shape in its state (`report_state`), for a value that is not a leaf."""
    if type(value) is tuple and ((name == "sections" and value is outline.sections)
                                 or (name == "tasks" and value is outline.tasks)):
        return _OUTLINE                   # the compiled outline's own: covered by the compiled key
    if type(value) is Report:             # previous, next: a reference
        return ("@", "report", value.id)
    ids = _report_ids(value)              # related, originals …: their ids
    return shape(value) if ids is None else ids


def _encoded(values: tuple) -> bytes:
    """A tuple of shapes as bytes that only an equal tuple gives: marshal's format 2 (no
    references, so no object identity in it; a shape holds only plain values), or the repr
    for anything marshal refuses."""
    try:
        return b"m" + marshal.dumps(values, 2)
    except ValueError:
        return b"r" + repr(values).encode("utf-8", "surrogatepass")


def page_state(page, states: dict) -> bytes | None:
    """Digest of everything a page's attributes and items are computed from, for a page of one
    report that holds nothing else (an article page: no items, pager or extra, the report's
    own column): its template, path, title and kind, and its report's state (`report_state`,
    which covers the column's fields that `Page.crumbs` reads). None for any other page: its
    reads are evaluated on every build. tests/test_edit_memo.py keeps Page's fields and
    properties under watch."""
    report = page.report
    if type(page) is not Page or type(report) is not Report or page.items or page.pager is not None \
            or page.extra or page.column is not report.column:
        return None
    state = states.get(report.id)
    if state is None:
        return None
    fields = (page.template, page.path, page.title, page.kind, report.id)
    return hashlib.sha256(state + _encoded(fields)).digest()[:16]


def report_states(reports, compiled_keys: dict, pages=()) -> dict:
    """report_state() of every report by id, and page_state() of each of `pages` by its
    reference ("page", path): the render memo's per-build bookkeeping."""
    states = _report_states(list(reports), compiled_keys)
    for page in pages:
        states[("page", page.path)] = page_state(page, states)
    return states


def _report_states(reports: list, compiled_keys: dict) -> dict:
    """report_state() of every report by id, worked out field by field over all the reports
    (a field's values of every report at once, most of them strings and numbers that need no
    conversion) instead of report by report: the same digests (tests/test_edit_memo.py)."""
    shared: dict = {}
    if any(type(r) is not Report for r in reports):
        return {r.id: report_state(r, compiled_keys.get(r.source), shared) for r in reports}
    names = tuple(f.name for f in dataclasses.fields(Report) if f.name != "compiled")
    compiled = [r.compiled for r in reports]
    outlines = [c.outline for c in compiled]
    columns = []
    for name in names:
        values = list(map(operator.attrgetter(name), reports))
        kinds = set(map(type, values))
        if kinds <= _STATE_LEAVES:
            pass                                   # their own shape
        elif kinds <= {Report, type(None)}:       # previous, next
            values = [None if v is None else ("@", "report", v.id) for v in values]
        elif kinds == {Column}:
            values = [("@", "column", v.key) for v in values]
        elif name in ("sections", "tasks"):       # mostly the compiled outline's own
            own = map(operator.attrgetter(name), outlines)
            values = [_OUTLINE if v is o else _field_shape(name, v, outline)
                      for v, o, outline in zip(values, own, outlines)]
        else:
            values = [v if type(v) in _STATE_LEAVES else
                      _EMPTY_LIST if type(v) is list and not v else _field_shape(name, v, outline)
                      for v, outline in zip(values, outlines)]
        columns.append(values)
    states = {}
    for report, row, made in zip(reports, zip(*columns), compiled):
        key = compiled_keys.get(made.source)
        if not key:
            states[report.id] = None
            continue
        states[report.id] = _state_digest(key, row, report.column, shared)
    return states


class MemoWriter:
    """This build's memo, grown from the previous one: reused pages keep their entries and
    the shared key table as they are, rendered pages add theirs. The digests are collected
    as changes to the previous ones and applied once (`finish`): the previous memo's
    `DigestList` is copied once, never per read."""

    def __init__(self, old: PageMemo | None, changed: set[int], digests: Digests, states: dict):
        self.memo = PageMemo(report_states=states)
        self._index: dict[tuple, int] | None = None
        self._old_pages = old.pages if old is not None else {}
        self._base_digests = old.digests if old is not None else DigestList()
        self._updates: dict[int, bytes | None] = {}      # key index -> its digest now
        if old is not None:
            # copies: a memo kept in memory (`serve`) stays intact if this build fails
            keys = old.keys.copy() if isinstance(old.keys, KeyTable) else list(old.keys)
            self.memo.keys, self.memo.compacted = keys, old.compacted
            # the group lists are shared: `PageMemo._classify` replaces a list, never appends to it
            self.memo.groups = dict(old.groups)
            self.memo.others, self.memo.grouped = old.others, old.grouped
            self.memo.grouping = vars(old).get("grouping", 0)
            self.memo.keys_token = old.keys_token
            for i in changed:        # every page reading a changed key is rendered again now
                self._updates[i] = digests.evaluate(self.memo.keys[i])

    def add(self, path: str, base: bytes, stat: tuple, reads) -> None:
        """`reads`: (key, digest) pairs."""
        keys, values = self.memo.keys, self._updates
        # A page rendered again mostly reads what it read before: its keys are looked up among
        # its previous reads first, and in an index of the whole table (hundreds of thousands of
        # keys at 10,000 reports) only when one is not among them.
        before = self._old_pages.get(path)
        local = {keys[i]: i for i in before.reads} if before is not None and self._index is None else {}
        ids = array.array("I")
        for key, value in reads:
            i = local.get(key)
            if i is None:
                if self._index is None:
                    self._index = {key: i for i, key in enumerate(keys)}
                index = self._index
                i = index.get(key)
                if i is None:
                    i = index[key] = len(keys)
                    keys.append(key)
                    self.memo.keys_token = ""
            values[i] = value
            ids.append(i)
        self.memo.pages[path] = PageEntry(base, stat, ids)

    def keep(self, path: str, entry: PageEntry) -> None:
        self.memo.pages[path] = entry

    def finish(self) -> PageMemo:
        """The memo with its digests; keys no page reads any more are dropped once they are as
        many as the live ones."""
        memo = self.memo
        memo.digests = _updated_digests(self._base_digests, len(memo.keys), self._updates)
        if len(memo.keys) > 2 * memo.compacted + 1000:
            live = sorted({i for entry in memo.pages.values() for i in entry.reads})
            if len(live) == len(memo.keys):    # every key is read (a cold build): nothing to drop
                memo.compacted = len(live)
            else:
                memo = self._compacted(live)
        # grouped now, while the new keys are at hand: the next build (an edit after a cold one)
        # would unpack every key of the table to group them
        memo._classify()
        return memo

    def _compacted(self, live: list[int]) -> PageMemo:
        memo = self.memo
        renumber = {old: new for new, old in enumerate(live)}
        pages = {path: PageEntry(e.base, e.stat, array.array("I", (renumber[i] for i in e.reads)))
                 for path, e in memo.pages.items()}
        values = memo.digests
        digests = _updated_digests(DigestList(), len(live), {new: values[old] for new, old in enumerate(live)})
        return PageMemo([memo.keys[i] for i in live], digests, pages, memo.report_states, len(live))


def _updated_digests(base, size: int, updates: dict):
    """`base` (a DigestList or a list, left as it is) grown to `size` digests with `updates`
    ({index: digest}) applied: a new DigestList, or a list when a value is not a digest (a
    test's memo). An index neither in `base` nor in `updates` is None."""
    width = DigestList.SIZE
    if isinstance(base, DigestList):
        if not updates and len(base) == size:
            return base                        # shared: a DigestList is never changed once made
        blob, missing = bytearray(base._blob[:width * size]), {i for i in base._missing if i < size}
        start = len(blob) // width
        try:
            if not start:                      # a cold build: every digest at once
                zero = bytes(width)
                values = [updates.get(i) for i in range(size)]
                missing = {i for i, v in enumerate(values) if v is None}
                present = [v for v in values if v is not None]
                if not set(map(type, present)) <= {bytes} or not set(map(len, present)) <= {width}:
                    raise ValueError("not digests")
                blob = bytearray(b"".join([v if v is not None else zero for v in values]))
            else:
                blob += bytes(width * (size - start))
                missing.update(range(start, size))
                for i, value in updates.items():
                    if value is None:
                        missing.add(i)
                    elif type(value) is bytes and len(value) == width:
                        blob[i * width:(i + 1) * width] = value
                        missing.discard(i)
                    else:
                        raise ValueError("not a digest")
            return DigestList(blob=blob, missing=missing)
        except ValueError:
            pass
    values = list(base)[:size]
    values += [None] * (size - len(values))
    for i, value in updates.items():
        values[i] = value
    return values


# ---------------------------------------------------------------------------------------
# The memo in the build cache: its key table in an entry of its own, written when it changed

KEYS_SUFFIX = ".keys"


# The key table's entry: (token, _KEYS_FORMAT, blob, offsets): the pack_key() bytes of every key
# in one blob (`KeyTable.packed`); marshal's bytes are those of this Python (and its format 4)
_KEYS_FORMAT = ("marshal", 4, sys.version_info[:2], "blob")


def load_memo(cache, name: str) -> PageMemo | None:
    """The memo stored by `store_memo` under `name`, or None (missing, damaged, or its key
    table is not the one it was stored with: then every page renders)."""
    memo = cache.load(name)
    if not isinstance(memo, PageMemo) or vars(memo).get("unreadable"):
        return None
    if memo.keys is None:
        held = cache.load(name + KEYS_SUFFIX)
        if not (isinstance(held, tuple) and len(held) == 4 and held[0] == memo.keys_token
                and held[1] == _KEYS_FORMAT and isinstance(held[2], bytes) and isinstance(held[3], array.array)
                and held[3].typecode == "Q" and len(held[3]) == len(memo.digests) + 1 and held[3][0] == 0
                and held[3][-1] == len(held[2])):
            return None
        memo.keys = KeyTable(blob=held[2], offsets=held[3])
    return memo


def store_memo(cache, name: str, memo: PageMemo) -> None:
    """Store the memo; its key table only when it changed since it was loaded (then under a
    new token, written before the memo that names it: a build stopped in between leaves a
    memo whose token does not match, which is a miss). A cache kept in memory (`serve`)
    holds the memo as it is."""
    if cache.memory is None and not memo.keys_token:
        token = os.urandom(8).hex()
        keys = memo.keys if isinstance(memo.keys, KeyTable) else KeyTable(memo.keys)
        if cache.store(name + KEYS_SUFFIX, (token, _KEYS_FORMAT) + keys.packed()):
            memo.keys_token = token
    cache.store(name, memo)
