"""The output folder: written atomically from given results, nothing computed on the way."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import given
from hypothesis import strategies as st
from shapely.geometry import box

import access15 as ax
from access15.outputs import files as files_module
from access15.outputs.files import (
    WriteKeywords,
    WriteOptions,
    csv_cell,
    csv_safe,
    csv_uncell,
    file_sha256,
    json_safe,
    write_outputs,
)
from conftest import DEFAULT_FACILITIES, write_tiny_county


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


# --------------------------------------------------------------------------- formula injection
FORMULA_ZONE = '=HYPERLINK("http://x","y")'
FORMULA_ZONE_2 = "@SUM(1)"
FORMULA_NAMES = ("+cmd|' /C calc'!A0", "-2+3", "\t=1+1")  # hospital, centre, village clinic
FORMULA_ZONE_ID = "-E"  # not a number: a spreadsheet would compute -E


@pytest.fixture(scope="module")
def formula(tmp_path_factory):
    """The tiny county whose township and facility names a spreadsheet would run (K=1,
    robustness on, no files written)."""
    import warnings
    from xml.sax.saxutils import escape as xml_escape

    facs = [dict(f) for f in DEFAULT_FACILITIES]
    for f, name in zip(facs, FORMULA_NAMES, strict=True):
        # character references: an XML parser turns a raw tab in an attribute into a space
        f["name"] = xml_escape(name, {'"': "&quot;", "\t": "&#9;", "\r": "&#13;"})
    files = write_tiny_county(
        tmp_path_factory.mktemp("formula"),
        facs,
        zone_names=(FORMULA_ZONE, FORMULA_ZONE_2),
        zone_ids=("W", FORMULA_ZONE_ID),
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # the tiny county's off-network parts
        return ax.run_county(
            ax.Study(files["osm"], files["population"], files["county"], files["zones"]),
            siting=ax.SitingOptions(k=1),
            outputs=ax.OutputOptions(basemap=None, lang="en"),
        )


def test_csv_outputs_guard_formula_like_names(formula, tmp_path, monkeypatch):
    run = formula
    csvs = {
        "coverage_by_zone.csv",
        "recommendations.csv",
        "coverage_curve.csv",
        "sensitivity.csv",
        "sensitivity_scenarios.csv",
        "zones_before_after.csv",
    }
    kw = {
        "cov": run.coverage,
        "rec": run.recommendation,
        "sens": run.sensitivity,
        "zones": run.zones,
        "only": csvs,
    }
    guarded = tmp_path / "guarded"
    write_outputs(guarded, **kw)
    monkeypatch.setattr(files_module, "csv_safe", lambda frame: frame)  # without the guard
    raw = tmp_path / "raw"
    write_outputs(raw, **kw)
    assert {p.name for p in guarded.glob("*.csv")} == csvs
    for name in sorted(csvs):
        g = pd.read_csv(guarded / name, keep_default_na=False)
        r = pd.read_csv(raw / name, keep_default_na=False)
        assert g.columns.tolist() == r.columns.tolist(), name
        numbers = r.select_dtypes("number").columns
        assert g.select_dtypes("number").columns.tolist() == numbers.tolist(), name
        pd.testing.assert_frame_equal(g[numbers], r[numbers])  # numbers unchanged
        for col in r.columns.difference(numbers):
            assert g[col].tolist() == [csv_cell(v) for v in r[col]], (name, col)
    by_zone = pd.read_csv(guarded / "coverage_by_zone.csv", keep_default_na=False)
    assert set(by_zone["name"]) == {"'" + FORMULA_ZONE, "'" + FORMULA_ZONE_2}
    assert "'" + FORMULA_ZONE_ID in set(by_zone["zone_id"])
    ranked = pd.read_csv(guarded / "recommendations.csv", keep_default_na=False)
    assert set(ranked["name"]) <= {"'" + n for n in FORMULA_NAMES}
    assert len(ranked) >= 1
    for name in ("zones_before_after.csv",):
        text = (guarded / name).read_text(encoding="utf-8")
        assert "'=HYPERLINK(" in text
        assert "'@SUM(1)" in text
    for p in guarded.glob("*.csv"):  # no cell of any CSV starts a formula
        for cell in pd.read_csv(p, keep_default_na=False, dtype=str).to_numpy().ravel():
            if cell[:1] in ("=", "+", "-", "@", "\t", "\r"):
                float(cell)  # only a number may start so (a spreadsheet reads it as a number)


def test_csv_cell_known_answers():
    assert csv_cell('=HYPERLINK("http://x","y")') == '\'=HYPERLINK("http://x","y")'
    assert csv_cell("@SUM(1)") == "'@SUM(1)"
    assert csv_cell("+1+2") == "'+1+2"
    assert csv_cell("-2+3") == "'-2+3"
    assert csv_cell("\t=1") == "'\t=1"
    assert csv_cell("\r=1") == "'\r=1"
    assert csv_cell("'=1") == "''=1"  # so that reading back gives the text exactly
    for same in ("-12.5", "+3", "1e-3", "-.5", "鹤田镇", "", "a=b", "'plain", -3.0, 7, None):
        assert csv_cell(same) is same
    frame = pd.DataFrame({"name": ["=1", "ok"], "value": [-1.5, 2.0]})
    out = csv_safe(frame)
    assert out["name"].tolist() == ["'=1", "ok"]
    assert out["value"].tolist() == [-1.5, 2.0]
    assert frame["name"].tolist() == ["=1", "ok"]  # the caller's frame is left alone
    clean = pd.DataFrame({"name": ["a", "-1"], "n": [1, -1]})
    assert csv_safe(clean) is clean  # nothing to guard: the very same frame


@given(st.text())
def test_csv_cell_round_trips_and_never_starts_a_formula(s):
    out = csv_cell(s)
    assert csv_uncell(out) == s
    if out[:1] in ("=", "+", "-", "@", "\t", "\r"):
        float(out)  # only a plain number may start so (a spreadsheet reads it as a number)


def test_carriage_return_in_a_name_keeps_the_csv_rows(tmp_path):
    frame = pd.DataFrame({"name": ["a\rb", "c\r\nd", "=x\ry", "plain"], "n": [1, 2, 3, 4]})
    path = tmp_path / "t.csv"
    csv_safe(frame).to_csv(path, index=False)
    back = pd.read_csv(path, keep_default_na=False)
    assert back["n"].tolist() == [1, 2, 3, 4]  # one row per row: no row split by a "\r"
    assert back["name"].tolist() == ["a\nb", "c\nd", "'=x\ny", "plain"]
    import csv

    with path.open(newline="", encoding="utf-8") as f:
        assert len(list(csv.reader(f))) == 5
