"""The output folder: written atomically from given results, nothing computed on the way."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pytest
import shapely
from shapely.geometry import box

import access15 as ax
from access15.outputs.files import (
    WriteKeywords,
    WriteOptions,
    file_sha256,
    json_safe,
    write_outputs,
)


def test_write_outputs_hashes_report_and_figures(hostile, tmp_path):
    run, _ = hostile
    out = tmp_path / "o"
    written = write_outputs(
        out,
        cov=run.coverage,
        rec=run.recommendation,
        boundary=run.boundary,
        zones=run.zones,
        lang="en",
    )
    man = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    for name in ("report.html", "coverage_map.png", "travel_time_distribution.png",
                 "coverage_curve.png"):  # fmt: skip
        assert name in written
        assert man["outputs"][name] == file_sha256(out / name)
    assert "map.html" not in (out / "report.html").read_text(encoding="utf-8")  # no map: no link
    # `only` (e.g. the map command) writes no report and no figures
    only = tmp_path / "only"
    write_outputs(only, cov=run.coverage, rec=run.recommendation, only={"coverage_by_zone.csv"})
    assert sorted(p.name for p in only.iterdir()) == [
        "coverage_by_zone.csv",
        "manifest.json",
        "summary.json",
    ]


def test_isochrones_geojson_is_the_bands_of_the_run(sample):
    run, out = sample
    # one set of band parameters: the default edges, the headline level, exact cell edges
    want = ax.isochrones(run.coverage)
    assert run.bands is not None
    assert run.bands.attrs["level"] == run.coverage.levels[0].name
    for col in ("band", "min_minutes", "max_minutes", "population", "area_km2"):
        np.testing.assert_array_equal(run.bands[col].to_numpy(), want[col].to_numpy())
    assert shapely.equals(run.bands.geometry.to_numpy(), want.geometry.to_numpy()).all()
    written = gpd.read_file(out / "isochrones.geojson")
    assert written["band"].tolist() == want["band"].tolist()
    np.testing.assert_allclose(written["population"], want["population"])
    for a, b in zip(written.geometry, want.geometry, strict=True):
        assert a.symmetric_difference(b).area < 1e-9 * b.area


def _fake_bands() -> gpd.GeoDataFrame:
    """One made-up band that no computation would give: the files must show exactly this."""
    return gpd.GeoDataFrame(
        {
            "band": ["0-7 min"],
            "min_minutes": [0.0],
            "max_minutes": [7.0],
            "population": [12345.0],
            "area_km2": [1.5],
        },
        geometry=[box(100.0, 0.0, 100.01, 0.01)],
        crs="EPSG:4326",
    )


def test_outputs_compute_nothing(hostile, tmp_path, monkeypatch):
    """Map and files are drawn from the bands given; any compute call fails the test."""
    run, _ = hostile

    def boom(*_a, **_k):
        raise AssertionError("outputs must not compute")

    compute = {
        "access15.bands": ("isochrones", "band_table", "band_index"),
        "access15.access": ("coverage", "time_bands", "uncovered_clusters", "snap_facilities"),
        "access15.travel": ("nearest_facility", "pair_times", "times_from_each"),
    }
    import sys

    for module, names in compute.items():
        for name in names:
            monkeypatch.setattr(f"{module}.{name}", boom)
            for mod_name, mod in list(sys.modules.items()):
                if mod_name.startswith("access15.outputs") and hasattr(mod, name):
                    monkeypatch.setattr(mod, name, boom)
    fake = _fake_bands()
    fmap = ax.make_map(run.coverage, run.recommendation, bands=fake, basemap=None, lang="en")
    out = tmp_path / "o"
    write_outputs(
        out,
        cov=run.coverage,
        bands=fake,
        rec=run.recommendation,
        fmap=fmap,
        boundary=run.boundary,
        zones=run.zones,
        lang="en",
    )
    iso = gpd.read_file(out / "isochrones.geojson")
    assert iso["band"].tolist() == ["0-7 min"]
    assert iso["population"].tolist() == [12345.0]
    assert iso.geometry.iloc[0].equals(fake.geometry.iloc[0])
    page = (out / "map.html").read_text(encoding="utf-8")
    assert "0-7 min: 12,345 people" in page


def test_no_bands_no_isochrones_file(hostile, tmp_path):
    run, _ = hostile
    out = tmp_path / "o"
    written = write_outputs(out, cov=run.coverage, only={"isochrones.geojson", "summary.json"})
    assert "isochrones.geojson" not in written
    assert sorted(p.name for p in out.iterdir()) == ["manifest.json", "summary.json"]


def test_options_and_keywords(hostile, tmp_path):
    run, _ = hostile
    opts = WriteOptions(only={"coverage_by_zone.csv"}, extra_summary={"synthetic": True})
    assert opts.only == frozenset({"coverage_by_zone.csv"})
    with pytest.raises(ax.InputError, match="zh or en"):
        WriteOptions(lang="fr")
    a, b = tmp_path / "a", tmp_path / "b"
    write_outputs(a, cov=run.coverage, options=opts)
    write_outputs(b, cov=run.coverage, only={"coverage_by_zone.csv"}, extra_summary={"x": 1})
    sa = json.loads((a / "summary.json").read_text(encoding="utf-8"))
    sb = json.loads((b / "summary.json").read_text(encoding="utf-8"))
    assert sa["synthetic"] is True
    assert "synthetic" not in sb
    assert sb["x"] == 1
    # keywords override the options
    c = tmp_path / "c"
    write_outputs(c, cov=run.coverage, options=opts, only={"facilities.geojson"})
    assert sorted(p.name for p in c.iterdir()) == [
        "facilities.geojson",
        "manifest.json",
        "summary.json",
    ]
    assert set(WriteKeywords.__annotations__) == set(WriteOptions.__dataclass_fields__)


def test_out_dir_that_is_a_file_is_refused(hostile, tmp_path):
    run, _ = hostile
    f = tmp_path / "taken"
    f.write_text("x", encoding="utf-8")
    with pytest.raises(ax.InputError, match="exists and is not a folder"):
        write_outputs(f, cov=run.coverage)


def test_json_safe_known_answers():
    got = json_safe({"a": float("nan"), 2: (np.float32(0.5), np.int64(3)), "c": [float("inf")]})
    assert got == {"a": None, "2": [0.5, 3], "c": [None]}
    assert json.loads(json.dumps(got)) == got
