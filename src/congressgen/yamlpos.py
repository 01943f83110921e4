"""YAML with source positions: the one place that knows PyYAML's loaders and marks.

Rejects duplicate keys (PyYAML silently keeps the last one), keeps every mapping key as
the text written (`1:`, `~:` and `true:` are the keys "1", "~" and "true", so keys never
mix types), keeps dates as text (the stages parse them and report bad ones where written),
and records the line and column of every key and list item, so that a bad value can be
reported where it was written. A document whose aliases expand past `MAX_NODES` values
or that nests deeper than `MAX_DEPTH` is refused (see docs/limits.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import yaml

from congressgen.errors import CongressError, Location

try:  # the C loader is several times faster when libyaml is present
    from yaml import CSafeLoader as _BaseLoader
except ImportError:  # pragma: no cover - depends on the PyYAML build
    from yaml import SafeLoader as _BaseLoader

MAX_NODES = 100_000     # values in one document, counting every alias use at its full size
MAX_DEPTH = 64          # mappings and lists inside each other

_STR = "tag:yaml.org,2002:str"
_MERGE = "tag:yaml.org,2002:merge"
_TIMESTAMP = "tag:yaml.org,2002:timestamp"


class _Loader(_BaseLoader):
    """Dates stay text: we parse them ourselves, so `2024-13-45` is reported where it was
    written instead of crashing PyYAML's timestamp constructor."""

    yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag != _TIMESTAMP]
        for first, resolvers in _BaseLoader.yaml_implicit_resolvers.items()
    }


# `!!timestamp 去年` written explicitly is text too.
_Loader.add_constructor(_TIMESTAMP, lambda loader, node: loader.construct_scalar(node))

# Every error PyYAML's safe constructors may raise on a well-formed but odd document
# (`!!bool maybe` is a KeyError, `!!int x` a ValueError, a huge integer an OverflowError).
_CONSTRUCT_ERRORS = (yaml.YAMLError, ValueError, KeyError, TypeError, AttributeError, OverflowError,
                     IndexError, RecursionError)

Path_ = tuple  # a key path: ("publish", "production", "keep") or ("attachments", 2)


@dataclass
class YamlMapping:
    data: dict
    key_positions: dict = field(default_factory=dict)  # top-level key -> (line, col), 1-based
    positions: dict = field(default_factory=dict)      # key path tuple -> (line, col), every level

    def position(self, *keys) -> tuple[int, int] | None:
        """(line, col) of the deepest written prefix of a key path (a key's parent when the
        key itself is not written), or None when not even the first key is there."""
        for end in range(len(keys), 0, -1):
            found = self.positions.get(tuple(keys[:end]))
            if found is not None:
                return found
        return None

    def location(self, path: str, *keys) -> Location:
        keys = tuple(k for k in keys if k is not None)
        line, col = self.position(*keys) or (0, 0) if keys else (0, 0)
        return Location(path, line, col)


def _mark_location(path: str, mark, line_offset: int) -> Location:
    if mark is None:
        return Location(path, line_offset + 1, 1)
    return Location(path, mark.line + 1 + line_offset, mark.column + 1)


class _Walk:
    """One pass over the composed node graph, each node once (aliases share nodes, so a
    naive walk is exponential): duplicate keys, depth, expanded size, key positions."""

    def __init__(self, path: str, line_offset: int, what: str):
        self.path, self.line_offset, self.what = path, line_offset, what
        self.sizes: dict[int, int] = {}
        self.active: set[int] = set()
        self.positions: dict = {}

    def error(self, node, message: str) -> CongressError:
        return CongressError(_mark_location(self.path, node.start_mark, self.line_offset), message)

    def _pos(self, node) -> tuple[int, int]:
        return node.start_mark.line + 1 + self.line_offset, node.start_mark.column + 1

    def size(self, node, keys: tuple, depth: int) -> int:
        ident = id(node)
        if ident in self.sizes:
            return self.sizes[ident]
        if ident in self.active:
            raise self.error(node, f"{self.what} 中的别名（*）指向了包含它自己的值，无法读取")
        if depth > MAX_DEPTH:
            raise self.error(node, f"{self.what} 嵌套超过 {MAX_DEPTH} 层，拒绝读取（见 docs/limits.md）")
        self.active.add(ident)
        total = 1
        if isinstance(node, yaml.MappingNode):
            seen: dict = {}
            for key_node, value_node in node.value:
                if isinstance(key_node, yaml.ScalarNode) and key_node.tag != _MERGE:
                    key_node.tag = _STR       # keys are text, as written
                    if key_node.value in seen:
                        raise self.error(key_node, f"重复的键 “{key_node.value}”（第 {seen[key_node.value]} 行已写过一次）")
                    seen[key_node.value] = self._pos(key_node)[0]
                    here = keys + (key_node.value,)
                    self.positions.setdefault(here, self._pos(key_node))
                else:
                    here = keys
                    total += self.size(key_node, keys, depth + 1)
                total += self.size(value_node, here, depth + 1)
                self._check(total, node)
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                here = keys + (index,)
                self.positions.setdefault(here, self._pos(item))
                total += self.size(item, here, depth + 1)
                self._check(total, node)
        self.active.discard(ident)
        self.sizes[ident] = total
        return total

    def _check(self, total: int, node) -> None:
        if total > MAX_NODES:
            raise self.error(node, f"{self.what} 展开后超过 {MAX_NODES:,} 个值（别名 * 层层引用？），拒绝读取（见 docs/limits.md）")


def load_mapping(text: str, path: str, line_offset: int = 0, what: str = "YAML",
                 error: type[CongressError] = CongressError) -> YamlMapping:
    """Parse a YAML mapping; errors (of class `error`) carry `path:line:col` of the original file.

    `line_offset` is the number of file lines before `text` (the front matter's `---`).
    """
    try:
        return _load_mapping(text, path, line_offset, what)
    except CongressError as exc:
        if isinstance(exc, error):
            raise
        raise error(exc.location, exc.message) from None


def _failing_value(loader, node):
    """The first top-level value node that cannot be constructed (for the error's line)."""
    for _key, value in node.value:
        loader.constructed_objects, loader.recursive_objects, loader.state_generators = {}, {}, []
        try:
            loader.construct_object(value, deep=True)
        except _CONSTRUCT_ERRORS:
            return value
    return None


def _load_mapping(text: str, path: str, line_offset: int, what: str) -> YamlMapping:
    loader = _Loader(text)
    try:
        try:
            node = loader.get_single_node()
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            problem = exc.problem or exc.context or "无法解析"
            if "nesting depth" in problem:     # libyaml's own limit (1,000 levels)
                problem = f"嵌套过深（上限 {MAX_DEPTH} 层，见 docs/limits.md）"
            raise CongressError(
                _mark_location(path, mark, line_offset), f"{what} 格式错误：{problem}"
            ) from None
        except yaml.YAMLError as exc:
            raise CongressError(Location(path, line_offset + 1, 1), f"{what} 格式错误：{exc}") from None
        except RecursionError:
            raise CongressError(Location(path, line_offset + 1, 1),
                                f"{what} 嵌套过深，拒绝读取（见 docs/limits.md）") from None
        if node is None:
            return YamlMapping({}, {})
        if not isinstance(node, yaml.MappingNode):
            raise CongressError(
                _mark_location(path, node.start_mark, line_offset),
                f"{what} 应当是“键: 值”的映射，而不是单个值或列表",
            )
        walk = _Walk(path, line_offset, what)
        walk.size(node, (), 0)
        try:
            data = loader.construct_document(node)
        except _CONSTRUCT_ERRORS as exc:
            mark = getattr(exc, "problem_mark", None)
            if mark is None:
                failing = _failing_value(loader, node)
                mark = failing.start_mark if failing is not None else None
            problem = getattr(exc, "problem", None) or exc
            raise CongressError(_mark_location(path, mark, line_offset), f"{what} 值无法解析：{problem}") from None
    finally:
        loader.dispose()
    positions = walk.positions
    top = {key[0]: value for key, value in positions.items() if len(key) == 1}
    return YamlMapping(data, top, positions)


def key_path_text(keys: tuple) -> str:
    """`("publish", "production", "keep")` → "publish.production.keep" for messages."""
    return ".".join(str(k) for k in keys)
