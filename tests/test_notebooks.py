"""The tutorial notebooks: committed clean, and each one executes offline without error.

Execution goes through ``notebooks/run.py`` (the same code ``make notebooks`` runs): the kernel
is the ``python3`` kernel of this interpreter (checked inside the kernel), its working directory
is a temporary folder, and the committed notebooks are never written. The notebooks carry their
own ``assert`` checks (shares in [0, 1], networkx equals the kernels to 1e-6 s, brute force
equals the exact optimum, ...), so a wrong figure fails the run.
"""

from __future__ import annotations

import hashlib
import types
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

ROOT = Path(__file__).resolve().parents[1]
NB_DIR = ROOT / "notebooks"
EXPECTED = [
    "01_quickstart.ipynb",
    "02_upgrade_planning.ipynb",
    "03_your_own_county.ipynb",
    "04_methods_network_vs_straight_line.ipynb",
]


def _runner() -> types.ModuleType:
    """notebooks/run.py as a module, compiled in memory (no __pycache__ in the repository)."""
    path = NB_DIR / "run.py"
    mod = types.ModuleType("access15_notebooks_run")
    mod.__file__ = str(path)
    exec(compile(path.read_text(encoding="utf-8"), str(path), "exec"), mod.__dict__)
    return mod


run = _runner()


def _digest(folder: Path) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.iterdir())
        if p.is_file()
    }


def test_the_four_tutorials_are_there():
    assert [p.name for p in run.notebook_paths()] == EXPECTED


@pytest.mark.parametrize("name", EXPECTED)
def test_committed_without_outputs(name):
    nb = nbformat.read(NB_DIR / name, as_version=4)
    nbformat.validate(nb)
    assert run.problems(nb) == [], f"{name}: strip outputs with: python notebooks/run.py --clear"
    assert nb.metadata["kernelspec"]["name"] == "python3"
    assert nb.cells[0].cell_type == "markdown"
    assert nb.cells[0].source.startswith("# ")  # a title


def test_problems_and_clear_find_and_strip_outputs():
    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_markdown_cell("# t"),
            nbformat.v4.new_code_cell(
                "1 + 1",
                execution_count=3,
                outputs=[
                    nbformat.v4.new_output(
                        "execute_result", data={"text/plain": "2"}, execution_count=3
                    )
                ],
                metadata={"execution": {"iopub.execute_input": "2024-01-01T00:00:00"}},
            ),
        ]
    )
    assert run.problems(nb) == [
        "cell 1 has outputs",
        "cell 1 has an execution count",
        "cell 1 has execution timing metadata",
    ]
    assert run.problems(run.clear(nb)) == []
    nbformat.validate(nb)


def _html_outputs(nb) -> list[str]:
    return [
        o["data"]["text/html"]
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.outputs
        if "data" in o and "text/html" in o["data"]
    ]


@pytest.mark.slow
@pytest.mark.parametrize("name", EXPECTED)
def test_notebook_executes_offline(name, tmp_path):
    before = _digest(NB_DIR)
    nb = run.execute(NB_DIR / name, workdir=tmp_path, timeout=600)

    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.execution_count is not None for c in code)
    errors = [o for c in code for o in c.outputs if o.output_type == "error"]
    assert errors == []
    html = _html_outputs(nb)
    assert any('class="access15-repr"' in h for h in html)  # a result displayed as a card
    if "quickstart" in name or "upgrade" in name:
        # ax.make_map's folium map, shown inline with Leaflet vendored (works offline)
        maps = [h for h in html if "<iframe" in h and "L.map(" in h and "base64," in h]
        assert maps, "the map of ax.make_map is not displayed inline"
    # files went to the kernel's working directory, nothing into the repository
    assert any((tmp_path / "out").iterdir())
    assert _digest(NB_DIR) == before
    assert run.problems(nbformat.read(NB_DIR / name, as_version=4)) == []
