"""Page render memo: skip rendering a page when nothing it read has changed.

While a page renders, every read a template makes from the site model is logged: each
`x.attr` / `x[key]` on a model object (site, report, column, taxonomy, page), and each
call of a model method or of a context function that reads the model. What a read
returned is kept as a digest, keyed by a stable name of the read (`report r0001 .title`).
Everything else a page depends on (theme templates, config, package version, page
identity, build date) forms the page's base key.

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
import types
from pathlib import PurePath

import jinja2
from jinja2 import runtime

from congressgen.site import Column, Page, Report, Site, Taxonomy

_REFS = {
    Report: lambda o: ("report", o.id),
    Column: lambda o: ("column", o.key),
    Taxonomy: lambda o: ("taxonomy", o.key),
    Page: lambda o: ("page", o.path),
    Site: lambda o: ("site",),
}


class Volatile(Exception):
    """A value or call the memo cannot describe; the page must always be rendered."""


def model_ref(obj) -> tuple | None:
    make = _REFS.get(type(obj))
    return make(obj) if make else None


def _plain_dataclasses() -> frozenset[type]:
    """Our value types that hold only plain data: their repr (every field shown) is their shape."""
    from congressgen.config import ColumnConfig, FooterConfig, SiteQr
    from congressgen.content import Attachment, FrontMatter
    from congressgen.outline import Outline, OutlineEntry
    from congressgen.site import AttachmentFile, FileCopy, Pager

    types_ = (FrontMatter, Attachment, Outline, OutlineEntry, AttachmentFile, FileCopy, Pager,
              ColumnConfig, FooterConfig, SiteQr)
    return frozenset(t for t in types_ if all(f.repr for f in dataclasses.fields(t)))


_PLAIN = _plain_dataclasses()
_LEAVES = (str, bool, int, float, bytes, type(None))


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


def digest(value) -> bytes:
    if isinstance(value, str):
        data = b"s" + value.encode("utf-8", "surrogatepass")
    else:
        data = repr(shape(value)).encode("utf-8", "surrogatepass")
    return hashlib.blake2b(data, digest_size=16).digest()


def unshape(value, index: "ModelIndex"):
    """Call arguments back from their shape, with references resolved in `index`'s model."""
    if not isinstance(value, tuple):
        return value
    tag, items = value[0], value[1:]
    if tag == "@":
        return index.resolve(items)
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
        table = {"report": self.reports, "column": self.columns, "taxonomy": self.taxonomies,
                 "page": self.pages}[kind]
        return table[ref[1]]


_BASE_GETATTR = jinja2.Environment.getattr
_BASE_GETITEM = jinja2.Environment.getitem


class Digests:
    """Digest of each logged read as evaluated on this build's model (computed once)."""

    def __init__(self, env: jinja2.Environment, index: ModelIndex, functions: dict):
        self.env = env
        self.index = index
        self.functions = functions         # name -> context function that reads the model
        self.current: dict[tuple, bytes | None] = {}

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
        if kind == "a":
            return _BASE_GETATTR(self.env, self.index.resolve(key[1]), key[2])
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
    """The reads of one page render."""

    def __init__(self, digests: Digests):
        self.digests = digests
        self.pure: set = set()             # set by the renderer: callables covered by the base key
        self.functions: dict = {}          # set by the renderer: id(fn) -> name of a model-reading function
        self.keys: set[tuple] = set()
        self.volatile = False

    def note_read(self, kind: str, obj, name, value) -> None:
        ref = model_ref(obj)
        if ref is None:
            return       # not a model object: plain data already digested where it was read
        if isinstance(value, types.MethodType) and value.__self__ is obj:
            return       # a method: its call is logged instead
        key = ("a" if kind == "a" else "i", ref, name)
        if key in self.keys:
            return
        self.keys.add(key)
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
        if key in self.keys:
            return
        self.keys.add(key)
        current = self.digests.current
        if key not in current:
            try:
                current[key] = digest(result)
            except Volatile:
                self.volatile = True


class TrackingContext(runtime.Context):
    def call(__self, __obj, *args, **kwargs):  # noqa: N805 - Jinja's own signature
        result = super().call(__obj, *args, **kwargs)
        log = __self.environment.read_log
        if log is not None:
            kwargs.pop("_block_vars", None)
            kwargs.pop("_loop_vars", None)
            log.note_call(__obj, args, kwargs, result)
        return result


class TrackingEnvironment(jinja2.Environment):
    """A Jinja environment that logs model reads into `read_log` while it is set."""

    context_class = TrackingContext
    read_log: ReadLog | None = None

    def getattr(self, obj, attribute):
        value = _BASE_GETATTR(self, obj, attribute)
        if self.read_log is not None:
            self.read_log.note_read("a", obj, attribute, value)
        return value

    def getitem(self, obj, argument):
        value = _BASE_GETITEM(self, obj, argument)
        if self.read_log is not None:
            self.read_log.note_read("i", obj, argument, value)
        return value


# ---------------------------------------------------------------------------------------
# The memo of one output folder, kept in the build cache between builds


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

    def changed_keys(self, digests: Digests) -> set[int]:
        return {i for i, (key, old) in enumerate(zip(self.keys, self.digests))
                if old is None or digests.evaluate(key) != old}


class MemoWriter:
    """Collects this build's entries; keys are shared by all pages through one table."""

    def __init__(self):
        self.memo = PageMemo()
        self._index: dict[tuple, int] = {}

    def add(self, path: str, base: bytes, stat: tuple, reads) -> None:
        """`reads`: (key, digest) pairs."""
        ids = array.array("I")
        index = self._index
        for key, value in reads:
            i = index.get(key)
            if i is None:
                i = index[key] = len(self.memo.keys)
                self.memo.keys.append(key)
                self.memo.digests.append(value)
            ids.append(i)
        self.memo.pages[path] = PageEntry(base, stat, ids)

    def keep(self, path: str, old: PageMemo, entry: PageEntry, stat: tuple) -> None:
        """Carry a reused page's entry over from the previous memo."""
        self.add(path, entry.base, stat, ((old.keys[i], old.digests[i]) for i in entry.reads))
