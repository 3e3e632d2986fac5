"""The top-level API: lazy exports, and the Jupyter reprs of the result objects."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys

import numpy as np
import pytest
from affine import Affine

import access15 as ax
from conftest import POP, write_tiny_county


def _python(code: str) -> str:
    """Run ``code`` in a fresh interpreter (import state of its own) and return its stdout."""
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    return done.stdout.strip()


# --------------------------------------------------------------------------- lazy exports
def test_import_loads_no_heavy_dependency():
    heavy = ["numpy", "pandas", "scipy", "geopandas", "shapely", "numba", "osmnx", "folium"]
    code = (
        "import json, sys; import access15 as ax; "
        f"print(json.dumps([m for m in {heavy!r} if m in sys.modules]))"
    )
    assert json.loads(_python(code)) == []


def test_every_public_name_resolves_to_its_module():
    assert ax.__all__[0] == "__version__"
    assert len(ax.__all__) == len(set(ax.__all__))
    for name, module in ax._EXPORTS.items():
        mod = importlib.import_module(f"access15.{module}")
        assert name in mod.__all__, f"{name} is not in access15.{module}.__all__"
        assert getattr(ax, name) is getattr(mod, name)
    assert set(ax.__all__) <= set(dir(ax))


def test_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="has no attribute 'nope'"):
        _ = ax.nope
    assert not hasattr(ax, "nope")


def test_no_public_name_clashes_with_a_submodule():
    # a public function named like its module (the old ``coverage``/``isochrones``) is shadowed
    # by the submodule once imported; the layout keeps the two sets of names apart
    import pkgutil

    import access15

    modules = {m.name for m in pkgutil.iter_modules(access15.__path__)}
    assert modules.isdisjoint(access15.__all__), modules & set(access15.__all__)
    code = (
        "import access15 as ax\n"
        "import access15.pipeline, access15.access, access15.bands\n"
        "print(ax.coverage.__module__, ax.isochrones.__module__, callable(ax.coverage))\n"
    )
    assert _python(code).split() == ["access15.access", "access15.bands", "True"]


def test_submodules_not_exported_still_import():
    code = "from access15 import pipeline, cli; print(pipeline.__name__, cli.__name__)"
    assert _python(code) == "access15.pipeline access15.cli"


# --------------------------------------------------------------------------- reprs
HOSTILE_ZONE = '<b onmouseover="alert(2)">West</b>'
HOSTILE_CENTRE = "<img src=x onerror=alert(1)>"


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory):
    """The tiny county, with HTML in a zone name and in the township centre's name."""
    d = tmp_path_factory.mktemp("hostile")
    facilities = [
        {
            "id": 201,
            "lat": 0.0001,
            "lon": 100.0,
            "amenity": "hospital",
            "tier": 4,
            "name": "&lt;script&gt;alert(3)&lt;/script&gt;",
            "name_en": "County Hospital",
        },
        {
            "id": 202,
            "lat": 0.0101,
            "lon": 100.03,
            "amenity": "clinic",
            "tier": 2,
            "name": "&lt;img src=x onerror=alert(1)&gt;",
            "name_en": "East",
        },
    ]
    f = write_tiny_county(d, facilities, county_name="Tiny", zone_names=(HOSTILE_ZONE, "East"))
    with pytest.warns(UserWarning, match="clipped extract"):  # tiny.osm's way 103 is cut
        return ax.run_county(
            ax.Study(f["osm"], f["population"], f["county"], f["zones"]),
            siting=ax.SitingOptions(k=1),
            outputs=ax.OutputOptions(basemap=None),
        )


def _assert_escaped(html: str) -> None:
    # as text, quotes and "onerror=" are harmless; only a raw "<" would open an element
    for raw in ("<script", "<img", "<b "):
        assert raw not in html, raw


def test_coverage_html_shows_the_figures_and_escapes_names(hostile_run):
    cov = hostile_run.coverage
    html = cov._repr_html_()
    _assert_escaped(html)
    assert html.startswith('<div class="access15-repr"')
    s = cov.summary
    assert f"{100 * s['covered_share']:.1f} %" in html
    assert f"{s['population_total']:,.0f}" in html
    for lv in cov.levels:
        assert f"tier ≥ {lv.min_tier} within {lv.minutes:g} min" in html
    assert "&lt;b onmouseover=" in html  # the zone's name in the worst-zones table, escaped
    for d in cov.diagnostics:
        assert d.split(";")[0].replace("<", "&lt;")[:20] in html


def test_recommendation_and_sensitivity_html(hostile_run):
    rec = hostile_run.recommendation
    html = rec._repr_html_()
    _assert_escaped(html)
    assert "&lt;img src=x onerror=alert(1)&gt;" in html  # the site's name, escaped
    assert f"{rec.ranking['added_population'].iloc[0]:,.0f}" in html
    assert ("proven optimal" in html) == rec.proven
    sens = hostile_run.sensitivity
    assert sens is not None
    html = sens._repr_html_()
    _assert_escaped(html)
    assert f"{len(sens.scenarios)} scenarios" in html
    assert all(sid in html for sid in sens.stability["site_id"])


def test_county_run_html_combines_the_cards(hostile_run):
    html = hostile_run._repr_html_()
    _assert_escaped(html)
    assert html.count('class="access15-repr"') == 4  # run, coverage, recommendation, sensitivity
    assert "none written" in html


def test_network_and_demand_html(hostile_run):
    net = hostile_run.network
    html = net._repr_html_()
    assert f"{net.n_nodes:,}" in html
    assert f"{net.n_edges:,}" in html
    assert net.crs in html
    grid = hostile_run.population._repr_html_()
    assert f"{np.count_nonzero(POP)} populated cells" in grid  # one cell of the 2 x 4 is empty
    assert "2 x 4 cells" in grid
    pts = ax.DemandCells(
        row=np.array([-1]),
        col=np.array([-1]),
        lon=np.array([100.0]),
        lat=np.array([0.0]),
        pop=np.array([12.0]),
        shape=(0, 0),
        transform=None,
        crs="EPSG:4326",
        area_mask=None,
        source="<villages>.csv",
    )
    html = pts._repr_html_()
    assert "1 points, 12 people" in html
    assert "&lt;villages&gt;.csv" in html


def test_solution_html():
    from access15.siting import SitingProblem

    prob = SitingProblem.from_coverage(
        np.array([[1, 1, 0, 0], [0, 1, 1, 1], [1, 0, 0, 0]]), [5.0, 1.0, 1.0, 1.0]
    )
    sol = ax.solve(prob, k=2)
    html = sol._repr_html_()
    assert sol.objective == 8.0
    assert "proven optimal" in html
    assert "objective</th>" in html
    assert "8<" in html


def test_demand_from_grid_html_says_cell_size():
    d = ax.DemandCells.from_grid(np.ones((3, 2)), Affine(0.5, 0, 0, 0, -0.5, 1), "EPSG:4326")
    html = d._repr_html_()
    assert "6 populated cells, 6 people" in html
    assert "0.5 x 0.5" in html
