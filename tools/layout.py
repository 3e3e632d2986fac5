"""Show the package layout: modules with line counts, and the import graph between them.

Run ``python tools/layout.py`` from the checkout. ``tests/test_layout.py`` uses the same
functions to keep the layering: a module imports only modules of its own layer or below
(``LAYERS``), and never a private (``_``-prefixed) name of another module.
"""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = "access15"

# lowest first; a module may import its own layer and the layers before it
LAYERS: tuple[tuple[str, ...], ...] = (
    ("_version", "errors", "_repr"),
    ("config", "crs"),
    ("io",),
    ("_kernels", "network", "network_cache", "travel"),
    ("surface", "access", "bands", "gaps", "catchment", "fca", "capacity", "supply"),
    ("siting",),
    ("outputs",),
    ("pipeline",),
    ("batch", "datasets"),
    ("cli", "__init__"),
)


@dataclass(frozen=True)
class Edge:
    """One import of a package module by another (``names``: the names imported)."""

    src: str
    dst: str
    names: tuple[str, ...]
    line: int
    type_only: bool


def modules() -> dict[str, Path]:
    """Dotted name -> file, for every module of the package."""
    out = {}
    for path in sorted((SRC / PACKAGE).rglob("*.py")):
        parts = list(path.relative_to(SRC).with_suffix("").parts)
        if parts[-1] == "__init__" and len(parts) > 1:
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def _is_type_checking(node: ast.If) -> bool:
    t = node.test
    return (isinstance(t, ast.Name) and t.id == "TYPE_CHECKING") or (
        isinstance(t, ast.Attribute) and t.attr == "TYPE_CHECKING"
    )


def edges() -> list[Edge]:
    """Every import between package modules (relative imports resolved)."""
    mods = modules()
    out: list[Edge] = []
    for name, path in mods.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        is_pkg = path.name == "__init__.py"
        type_lines: set[int] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.If) and _is_type_checking(node):
                for sub in node.body:
                    type_lines.update(range(sub.lineno, (sub.end_lineno or sub.lineno) + 1))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    here = name.split(".") if is_pkg else name.split(".")[:-1]
                    here = here[: len(here) - (node.level - 1)]
                    base = ".".join([*here, base]) if base else ".".join(here)
                if not base.startswith(PACKAGE):
                    continue
                for alias in node.names:
                    target = f"{base}.{alias.name}"
                    if target in mods:  # `from access15 import _kernels`
                        out.append(Edge(name, target, (), node.lineno, node.lineno in type_lines))
                    else:
                        out.append(
                            Edge(name, base, (alias.name,), node.lineno, node.lineno in type_lines)
                        )
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.startswith(PACKAGE + "."):
                        out.append(
                            Edge(name, alias.name, (), node.lineno, node.lineno in type_lines)
                        )
    return out


def layer(module: str) -> int:
    """Layer index of a dotted module name (see ``LAYERS``)."""
    parts = module.split(".")
    top = parts[1] if len(parts) > 1 else "__init__"
    for i, names in enumerate(LAYERS):
        if top in names:
            return i
    msg = f"{module}: not in tools/layout.py LAYERS; add it to the layer it belongs to"
    raise KeyError(msg)


def upward(all_edges: list[Edge]) -> list[Edge]:
    """Imports from a lower layer into a higher one (type-only imports included)."""
    return [e for e in all_edges if layer(e.src) < layer(e.dst)]


def private_crossings(all_edges: list[Edge]) -> list[str]:
    """Private names imported from elsewhere, and private modules used outside their package."""
    bad = []
    for e in all_edges:
        if e.src == e.dst:
            continue
        for n in e.names:
            if n.startswith("_") and n != "__version__":
                bad.append(f"{e.src}:{e.line} imports {e.dst}.{n}")
        parts = e.dst.split(".")
        for i, part in enumerate(parts):
            if part.startswith("_") and part != "__init__":
                owner = ".".join(parts[:i])
                if not (e.src == owner or e.src.startswith(owner + ".")):
                    bad.append(f"{e.src}:{e.line} imports private module {e.dst}")
                break
    return bad


def main() -> int:
    """Print the tree with line counts, then the module-level import graph."""
    mods = modules()
    print(f"src/{PACKAGE}  (layer: module  lines)")
    for name, path in mods.items():
        n = len(path.read_text(encoding="utf-8").splitlines())
        print(f"  {layer(name)}  {path.relative_to(SRC / PACKAGE)!s:<34} {n:>5}")
    print("\nimports (module -> modules it imports; [t] = only under TYPE_CHECKING)")
    graph: dict[str, dict[str, bool]] = {}
    es = edges()
    for e in es:
        if e.src != e.dst:
            graph.setdefault(e.src, {})
            graph[e.src][e.dst] = graph[e.src].get(e.dst, True) and e.type_only
    for src in sorted(graph):
        deps = ", ".join(f"{d}{' [t]' if t else ''}" for d, t in sorted(graph[src].items()))
        print(f"  {src} -> {deps}")
    up, priv = upward(es), private_crossings(es)
    print(f"\nupward imports: {len(up)}")
    for e in up:
        print(f"  {e.src}:{e.line} -> {e.dst} (layer {layer(e.src)} -> {layer(e.dst)})")
    print(f"private names or modules crossing a module: {len(priv)}")
    for line in priv:
        print(f"  {line}")
    return 1 if up or priv else 0


if __name__ == "__main__":
    sys.exit(main())
