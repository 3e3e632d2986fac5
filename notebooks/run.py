"""Execute the tutorial notebooks, check or strip their outputs.

The notebooks are committed without outputs. Executing them never rewrites the committed files:
the executed copies (with outputs) go to ``--out``.

    python notebooks/run.py                     # execute all into out/notebooks/
    python notebooks/run.py 01_quickstart.ipynb --out /tmp/nb
    python notebooks/run.py --check             # committed notebooks carry no outputs
    python notebooks/run.py --clear             # strip outputs in place (after editing in Jupyter)

Run it with the project's Python (``.venv/bin/python``): the kernel is the ``python3`` kernel of
that same interpreter, and each run checks that it is. Files the notebooks write go under the
working directory (``--workdir``, default the current directory), e.g. ``out/quickstart/``.
"""

# ruff: noqa: T201 - a command-line script: it reports on stdout
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
CELL_TIMEOUT_S = 600

# first cell run in every kernel (and removed from the executed copy): same interpreter as us
_KERNEL_CHECK = (
    "import sys as _sys\n"
    "assert _sys.prefix == {prefix!r}, "
    "f'notebook kernel runs {{_sys.executable}}, not the Python that runs the notebooks'\n"
    "del _sys"
)


def notebook_paths() -> list[Path]:
    """Return the tutorial notebooks, in reading order."""
    return sorted(HERE.glob("[0-9][0-9]_*.ipynb"))


def problems(nb: Any) -> list[str]:
    """Return what makes a notebook unfit to commit: outputs, execution counts, metadata."""
    out = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        if cell.get("outputs"):
            out.append(f"cell {i} has outputs")
        if cell.get("execution_count") is not None:
            out.append(f"cell {i} has an execution count")
        if cell.get("metadata", {}).get("execution"):
            out.append(f"cell {i} has execution timing metadata")
    return out


def clear(nb: Any) -> Any:
    """Strip outputs, execution counts and timing metadata, in place; return ``nb``."""
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
            cell.metadata.pop("execution", None)
    return nb


def execute(path: Path, *, workdir: Path, timeout: int = CELL_TIMEOUT_S) -> Any:
    """Execute one notebook with the ``python3`` kernel of this interpreter.

    Parameters
    ----------
    path : Path
        The notebook (read, never written).
    workdir : Path
        Working directory of the kernel: where the notebook's relative paths point.
    timeout : int
        Seconds allowed per cell.

    Returns
    -------
    nbformat.NotebookNode
        The executed notebook, with outputs.
    """
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    check = nbformat.v4.new_code_cell(_KERNEL_CHECK.format(prefix=sys.prefix))
    nb.cells.insert(0, check)
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(workdir)}},
    )
    client.execute()
    nb.cells.pop(0)
    return nb


def _write_atomic(nb: Any, dest: Path) -> None:
    import nbformat

    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".tmp")
    os.close(fd)
    try:
        nbformat.write(nb, tmp)
        os.replace(tmp, dest)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def main(argv: list[str] | None = None) -> int:
    """Command line: execute (default), ``--check`` or ``--clear`` the notebooks."""
    import nbformat

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("notebooks", nargs="*", type=Path, help="default: every NN_*.ipynb here")
    ap.add_argument("--out", type=Path, default=Path("out/notebooks"), help="executed copies")
    ap.add_argument("--workdir", type=Path, default=Path(), help="kernel working directory")
    ap.add_argument("--check", action="store_true", help="fail if a notebook has outputs")
    ap.add_argument("--clear", action="store_true", help="strip outputs in place")
    args = ap.parse_args(argv)
    paths = [p if p.exists() else HERE / p for p in args.notebooks] or notebook_paths()
    if args.check or args.clear:
        bad = 0
        for p in paths:
            nb = nbformat.read(p, as_version=4)
            found = problems(nb)
            if found and args.clear:
                _write_atomic(clear(nb), p)
                print(f"cleared {p.name}")
            elif found:
                bad += 1
                print(f"{p.name}: {'; '.join(found)} (run: python notebooks/run.py --clear)")
        return 1 if bad else 0
    workdir = args.workdir.resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    for p in paths:
        t0 = time.perf_counter()
        nb = execute(p, workdir=workdir)
        dest = args.out / p.name
        _write_atomic(nb, dest)
        print(f"{p.name}: executed in {time.perf_counter() - t0:.0f} s -> {dest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
