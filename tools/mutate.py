"""A small, deterministic mutation run: does a test fail when the code is wrong?

Each mutant changes one spot of one module (a comparison flipped, ``+`` made ``-``, a number
changed, ``min`` made ``max``, ``and`` made ``or``, a condition negated, a statement made a
no-op), then runs the given tests against a scratch copy of ``src/``. A mutant the tests do not
notice "survives": either a test is missing or the mutant is equivalent (say which in the note).

Usage (from the checkout)::

    .venv/bin/python tools/mutate.py src/access15/travel.py -- tests/test_travel.py
    .venv/bin/python tools/mutate.py src/access15/siting/heuristics.py --max 60 --seed 1 \
        --functions greedy_sum swap_sum -- tests/siting

mutmut 3 was tried first: its trampolines need every module copied into ``mutants/`` and an
import path that wins over the editable install's finder, which this layout does not give it.
"""

from __future__ import annotations

import argparse
import ast
import copy
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

_CMP = {ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt, ast.Eq: ast.NotEq,
        ast.NotEq: ast.Eq, ast.Is: ast.IsNot, ast.IsNot: ast.Is, ast.In: ast.NotIn,
        ast.NotIn: ast.In}  # fmt: skip
_BIN = {ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult,
        ast.FloorDiv: ast.Mult, ast.Mod: ast.FloorDiv}  # fmt: skip
_CALLS = {"min": "max", "max": "min", "argmin": "argmax", "argmax": "argmin",
          "minimum": "maximum", "maximum": "minimum", "any": "all", "all": "any"}  # fmt: skip


@dataclass(frozen=True)
class Mutant:
    """One change: where (line), what (description) and the mutated source."""

    index: int
    line: int
    what: str
    source: str


def _functions(tree: ast.Module, names: set[str] | None) -> list[ast.AST]:
    out: list[ast.AST] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and (
            names is None or node.name in names
        ):
            out.append(node)
    return out


def _docstring_ids(tree: ast.Module) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        first = body[0] if isinstance(body, list) and body else None
        value = first.value if isinstance(first, ast.Expr) else None
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            ids.add(id(first))
    return ids


def _spots(fn: ast.AST, skip: set[int]) -> list[tuple[ast.AST, str, str]]:
    """(node, kind, description) for every mutable spot inside one function."""
    spots: list[tuple[ast.AST, str, str]] = []
    for node in ast.walk(fn):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Compare):
            for i, op in enumerate(node.ops):
                if type(op) in _CMP:
                    spots.append((node, f"cmp{i}", f"{type(op).__name__}->"
                                  f"{_CMP[type(op)].__name__}"))  # fmt: skip
        elif isinstance(node, ast.BinOp | ast.AugAssign) and type(node.op) in _BIN:
            spots.append((node, "bin", f"{type(node.op).__name__}->{_BIN[type(node.op)].__name__}"))
        elif isinstance(node, ast.BoolOp):
            spots.append((node, "bool", "and<->or"))
        elif isinstance(node, ast.Constant) and type(node.value) in (int, float):
            spots.append((node, "num", f"{node.value!r}->{node.value + 1!r}"))
        elif isinstance(node, ast.Constant) and isinstance(node.value, bool):
            spots.append((node, "num", f"{node.value}->{not node.value}"))
        elif isinstance(node, ast.Call):
            f = node.func
            name = f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", None)
            if name in _CALLS:
                spots.append((node, "call", f"{name}->{_CALLS[name]}"))
        elif isinstance(node, ast.If | ast.While):
            spots.append((node, "negate", "condition negated"))
        elif isinstance(node, ast.AugAssign | ast.Expr) and not (
            isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
        ):
            spots.append((node, "noop", "statement made a no-op"))
    return spots


def _apply(node: ast.AST, kind: str) -> None:
    if kind.startswith("cmp"):
        assert isinstance(node, ast.Compare)
        i = int(kind[3:])
        node.ops[i] = _CMP[type(node.ops[i])]()
    elif kind == "bin":
        assert isinstance(node, ast.BinOp | ast.AugAssign)
        node.op = _BIN[type(node.op)]()
    elif kind == "bool":
        assert isinstance(node, ast.BoolOp)
        node.op = ast.Or() if isinstance(node.op, ast.And) else ast.And()
    elif kind == "num":
        assert isinstance(node, ast.Constant)
        node.value = (not node.value) if isinstance(node.value, bool) else node.value + 1
    elif kind == "call":
        assert isinstance(node, ast.Call)
        f = node.func
        if isinstance(f, ast.Attribute):
            f.attr = _CALLS[f.attr]
        elif isinstance(f, ast.Name):
            f.id = _CALLS[f.id]
    elif kind == "negate":
        assert isinstance(node, ast.If | ast.While)
        node.test = ast.UnaryOp(op=ast.Not(), operand=node.test)
    elif kind == "noop":
        node.__class__ = ast.Pass
        for field in list(node._fields):
            if hasattr(node, field):
                delattr(node, field)


def mutants(path: Path, functions: set[str] | None) -> list[Mutant]:
    """Every single-spot mutant of the functions of ``path`` (all functions by default)."""
    text = path.read_text(encoding="utf-8")
    tree = ast.parse(text)
    skip = _docstring_ids(tree)
    out: list[Mutant] = []
    count = 0
    for fi, fn in enumerate(_functions(tree, functions)):
        for si, (node, kind, what) in enumerate(_spots(fn, skip)):
            new = copy.deepcopy(tree)
            target_fn = _functions(new, functions)[fi]
            target, _, _ = _spots(target_fn, _docstring_ids(new))[si]
            _apply(target, kind)
            name = getattr(fn, "name", "?")
            src = ast.unparse(ast.fix_missing_locations(new))
            out.append(Mutant(count, getattr(node, "lineno", 0), f"{name}: {what}", src))
            count += 1
    return out


def main(argv: list[str] | None = None) -> int:
    """Run the mutants of one module against the given tests; print survivors."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("module", type=Path, help="file under src/ to mutate")
    ap.add_argument("--functions", nargs="*", help="only these functions (default: all)")
    ap.add_argument("--max", type=int, default=0, help="sample at most this many mutants")
    ap.add_argument("--seed", type=int, default=0, help="seed of the sample")
    ap.add_argument("--only", type=int, nargs="*", help="run only these mutant numbers (#N)")
    ap.add_argument("--timeout", type=float, default=300.0, help="seconds per mutant run")
    ap.add_argument("tests", nargs="+", help="pytest arguments (after --)")
    args = ap.parse_args(argv)
    module = args.module.resolve()
    rel = module.relative_to(ROOT / "src")
    found = mutants(module, set(args.functions) if args.functions else None)
    if args.only:
        found = [m for m in found if m.index in set(args.only)]
    elif args.max and len(found) > args.max:
        found = sorted(random.Random(args.seed).sample(found, args.max), key=lambda m: m.index)
    scratch = Path(tempfile.mkdtemp(prefix="access15-mutate-"))
    shutil.copytree(ROOT / "src", scratch / "src")
    (scratch / "data").symlink_to(ROOT / "data")  # the sample county, found beside src/
    # the scratch src must come first on the import path, ahead of the editable install
    env = dict(os.environ, PYTHONPATH=str(scratch / "src"))
    runner = str(Path(__file__).with_name("_mutate_pytest.py"))
    opts = ["-x", "-q", "-p", "no:cacheprovider", "--no-header"]
    cmd = [sys.executable, runner, str(scratch / "src"), *opts,
           "-o", "addopts=--import-mode=importlib", *args.tests]  # fmt: skip
    target = scratch / "src" / rel
    original = target.read_text(encoding="utf-8")
    base = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    if base.returncode != 0:
        print(base.stdout[-2000:], base.stderr[-2000:])
        print("the tests fail without any mutant: fix them first")
        return 2
    survived: list[Mutant] = []
    t0 = time.perf_counter()
    for m in found:
        target.write_text(m.source, encoding="utf-8")
        try:
            r = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True,
                               timeout=args.timeout, check=False)  # fmt: skip
            killed = r.returncode != 0
        except subprocess.TimeoutExpired:
            killed = True  # a hang is noticed
        finally:
            target.write_text(original, encoding="utf-8")
        verdict = "killed  " if killed else "SURVIVED"
        print(f"{verdict} #{m.index} {rel}:{m.line} {m.what}", flush=True)
        if not killed:
            survived.append(m)
    n = len(found)
    print(f"\n{n - len(survived)} of {n} mutants killed, {len(survived)} survived "
          f"({time.perf_counter() - t0:.0f} s)")  # fmt: skip
    shutil.rmtree(scratch, ignore_errors=True)
    return 1 if survived else 0


if __name__ == "__main__":
    sys.exit(main())
