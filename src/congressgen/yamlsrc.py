"""YAML with source positions: the one place that knows PyYAML's loaders and marks.

Rejects duplicate keys (PyYAML silently keeps the last one) and records the line and
column of each top-level key, so that a bad value can be reported where it was written.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import yaml

from congressgen.errors import CongressError, Location

try:  # the C loader is several times faster when libyaml is present
    from yaml import CSafeLoader as _BaseLoader
except ImportError:  # pragma: no cover - depends on the PyYAML build
    from yaml import SafeLoader as _BaseLoader


class _Loader(_BaseLoader):
    """Dates stay text: we parse them ourselves, so `2024-13-45` is reported where it was
    written instead of crashing PyYAML's timestamp constructor."""

    yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in _BaseLoader.yaml_implicit_resolvers.items()
    }


@dataclass
class YamlMapping:
    data: dict
    key_positions: dict = field(default_factory=dict)  # key -> (line, col), 1-based
    nested_positions: dict = field(default_factory=dict)  # (key, subkey) -> (line, col) of a mapping value's keys

    def nested_location(self, path: str, key: str, sub: str) -> Location:
        """Where `sub` is written inside the mapping `key:` (else where `key` is)."""
        line, col = self.nested_positions.get((key, sub)) or self.key_positions.get(key, (0, 0))
        return Location(path, line, col)

    def location(self, path: str, key: str | None = None) -> Location:
        line, col = self.key_positions.get(key, (0, 0)) if key else (0, 0)
        return Location(path, line, col)


def _mark_location(path: str, mark, line_offset: int) -> Location:
    if mark is None:
        return Location(path, line_offset + 1, 1)
    return Location(path, mark.line + 1 + line_offset, mark.column + 1)


def _check_duplicates(node, path: str, line_offset: int) -> None:
    if isinstance(node, yaml.MappingNode):
        seen: dict = {}
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode):
                if key_node.value in seen:
                    first = seen[key_node.value]
                    raise CongressError(
                        _mark_location(path, key_node.start_mark, line_offset),
                        f"重复的键 “{key_node.value}”（第 {first} 行已写过一次）",
                    )
                seen[key_node.value] = key_node.start_mark.line + 1 + line_offset
            _check_duplicates(value_node, path, line_offset)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            _check_duplicates(item, path, line_offset)


def load_mapping(text: str, path: str, line_offset: int = 0, what: str = "YAML") -> YamlMapping:
    """Parse a YAML mapping; errors carry `path:line:col` of the original file.

    `line_offset` is the number of file lines before `text` (the front matter's `---`).
    """
    loader = _Loader(text)
    try:
        try:
            node = loader.get_single_node()
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            problem = exc.problem or exc.context or "无法解析"
            raise CongressError(
                _mark_location(path, mark, line_offset), f"{what} 格式错误：{problem}"
            ) from None
        except yaml.YAMLError as exc:
            raise CongressError(Location(path, line_offset + 1, 1), f"{what} 格式错误：{exc}") from None
        if node is None:
            return YamlMapping({}, {})
        if not isinstance(node, yaml.MappingNode):
            raise CongressError(
                _mark_location(path, node.start_mark, line_offset),
                f"{what} 应当是“键: 值”的映射，而不是单个值或列表",
            )
        _check_duplicates(node, path, line_offset)
        positions, nested = {}, {}
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode):
                m = key_node.start_mark
                positions[key_node.value] = (m.line + 1 + line_offset, m.column + 1)
                if isinstance(value_node, yaml.MappingNode):
                    for sub_node, _ in value_node.value:
                        if isinstance(sub_node, yaml.ScalarNode):
                            s = sub_node.start_mark
                            nested[(key_node.value, sub_node.value)] = (s.line + 1 + line_offset, s.column + 1)
        try:
            data = loader.construct_document(node)
        except (yaml.YAMLError, ValueError) as exc:
            mark = getattr(exc, "problem_mark", None)
            raise CongressError(_mark_location(path, mark, line_offset), f"{what} 值无法解析：{exc}") from None
    finally:
        loader.dispose()
    data = {str(k): v for k, v in data.items()}
    return YamlMapping(data, {str(k): v for k, v in positions.items()}, nested)


def nested_key_position(text: str, keys: tuple[str, ...]) -> tuple[int, int] | None:
    """(line, col), 1-based, of a key inside nested mappings (`("publish", "production", "keep")`),
    or None when it is not there; for stages that validate a raw config section themselves."""
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.YAMLError:
        return None
    found = None
    for key in keys:
        if not isinstance(node, yaml.MappingNode):
            return None
        match = next(((k, v) for k, v in node.value if isinstance(k, yaml.ScalarNode) and k.value == key), None)
        if match is None:
            return None
        found, node = match
    return (found.start_mark.line + 1, found.start_mark.column + 1) if found is not None else None
