"""The import graph of the package: one way, no cycle, and no stage importing the orchestrator
or the command line. The graph is read with `ast` from every module under src/congressgen,
counting imports made inside functions too (a lazy import is still an arrow)."""

from __future__ import annotations

import ast
from pathlib import Path

import congressgen

PACKAGE = Path(congressgen.__file__).parent
# The orchestrators and the command line: they wire stages and may import each other.
WIRING = ("congressgen.build", "congressgen.cli", "congressgen.commands", "congressgen.serve",
          "congressgen.__main__")
UPWARD = ("congressgen.build", "congressgen.cli", "congressgen.commands")


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph() -> dict[str, set[str]]:
    modules = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        edges = graph.setdefault(name, set())
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    base = ".".join(package.split(".")[:len(package.split(".")) - node.level + 1] + ([base] if base else []))
                # `from pkg import sub` is an arrow to the submodule when it is one
                targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names]
            else:
                continue
            edges.update(t for t in targets if t in modules and t != name)
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def _is(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def test_the_graph_is_read():
    graph = import_graph()
    assert "congressgen.compile" in graph["congressgen.build"]
    assert "congressgen.model.assemble" in graph["congressgen.loading"]
    assert "congressgen.check.formulations" in graph["congressgen.check.engine"]   # from pkg import sub


def test_no_import_cycle():
    assert find_cycle(import_graph()) is None


def test_cycle_finder_finds_one():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]


def test_no_stage_imports_the_orchestrator_or_the_cli():
    upward = sorted((name, target) for name, targets in import_graph().items() if not _is(name, WIRING)
                    for target in targets if _is(target, UPWARD))
    assert upward == []
