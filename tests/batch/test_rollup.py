"""The roll-up of a batch (access15.batch.rollup): the table agrees with each county's own
files, recomputed independently; GeoParquet outlines; the map is offline and escapes names."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from access15.batch import CountySpec, batch_map, rollup
from access15.batch.rollup import empty_record, record_from_folder, summary_frame, write_rollup
from access15.outputs.files import csv_cell, csv_safe
from access15.outputs.maps import escape_text
from conftest import BATCH_HOSTILE, HOSTILE_JINJA, JINJA_EVALUATED


def test_rollup_agrees_with_each_county_files(first_batch):
    specs, out, res = first_batch.specs, first_batch.out, first_batch.result
    good = specs[:-1]
    table = pd.read_csv(out / "summary.csv", dtype={"id": str}).set_index("id")
    for s in good:
        folder = out / s.folder
        summ = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
        cells = pd.read_parquet(folder / "cells.parquet")
        r = table.loc[s.id]
        assert r["population"] == pytest.approx(cells["pop"].sum(), rel=1e-6)
        covered = cells.loc[cells["minutes_basic"] <= 15.0, "pop"].sum()
        assert r["share_basic"] == pytest.approx(covered / cells["pop"].sum(), abs=1e-6)
        assert r["covered_share"] == pytest.approx(summ["covered_share"], abs=1e-6)
        recs = pd.read_csv(folder / "recommendations.csv", dtype={"site_id": str})
        assert r["recommended_sites"] == ";".join(recs["site_id"])
        assert r["share_after"] == pytest.approx(recs["cumulative_share"].iloc[-1], abs=1e-6)
        assert r["network_nodes"] == summ["network"]["nodes"]
    assert table.loc["990011", "name"] == BATCH_HOSTILE
    assert table["covered_share"].dropna().nunique() == 6  # the counties differ
    assert len(res.failed) == 1
    assert set(res.outputs) == {"summary.csv", "summary.parquet", "map.html", "batch.json"}
    run_doc = json.loads((out / "batch.json").read_text(encoding="utf-8"))
    assert run_doc["run_id"] == res.run_id
    assert run_doc["counts"] == res.counts
    assert [s["id"] for s in run_doc["specs"]] == [s.id for s in specs]


def test_summary_parquet_has_the_county_outlines(first_batch, counties):
    gdf = gpd.read_parquet(first_batch.out / "summary.parquet")
    assert gdf.crs.to_epsg() == 4326
    assert len(gdf) == 7
    outline = gpd.read_file(counties / "c12" / "county.geojson").geometry.iloc[0]
    got = gdf.set_index("id").geometry.loc["990012"]
    assert got.symmetric_difference(outline).area < 1e-9


def test_map_is_offline_and_escapes_names(first_batch, pwned):
    html = (first_batch.out / "map.html").read_text(encoding="utf-8")
    assert "<img src=x" not in html
    assert "${1}" not in html
    # the county name (from its boundary file) ran as a template in neither map
    assert not pwned.exists()
    county_map = first_batch.out / first_batch.specs[0].folder / "map.html"
    for page in (html, county_map.read_text(encoding="utf-8")):  # the county's: in its title
        assert JINJA_EVALUATED not in page
        assert "{{" not in page
    assert escape_text(BATCH_HOSTILE) in county_map.read_text(encoding="utf-8")
    escaped = escape_text(BATCH_HOSTILE)  # as written into the GeoJSON of the map (JSON-encoded)
    assert json.dumps(escaped)[1:-1].replace("&", "\\u0026") in html
    assert 'src="http' not in html
    assert 'href="http' not in html


def test_summary_frame_of_failed_counties_without_outlines():
    spec = CountySpec(id="x", osm="o", population="p", boundary="b", k=2)
    rec = {**empty_record(spec, "X", "failed", error="boom"), "attempts": 1, "seconds": np.nan}
    frame = summary_frame([{**rec, "geometry": None}])
    assert frame.columns[:6].tolist() == ["id", "name", "status", "error", "attempts", "seconds"]
    assert frame.crs.to_epsg() == 4326
    assert frame.geometry.isna().all()
    assert frame["k"].dtype == "Int64"
    m = batch_map(frame, title="<b>title</b>")  # nothing to draw: the frame of China, escaped
    html = m.get_root().render()
    assert "&lt;b&gt;title&lt;/b&gt;" in html
    assert "failed / no data" in html


def _hostile_records(make) -> list[dict]:
    """Two county records whose every text field is ``make(tag)``: one ok, one failed."""
    outline = shapely.box(110.0, 25.0, 110.1, 25.1)
    ok = empty_record(CountySpec(id=make("id0"), osm="o", population="p", boundary="b", k=1),
                      make("name0"), "ok")  # fmt: skip
    ok |= {
        "population": 1234.5,
        "covered_share": 0.75,
        "share_basic": 0.75,
        "headline_level": "basic",
        "headline_label": make("label"),
        "recommended_sites": make("site0") + ";" + make("site1"),
        "recommended_names": make("sname0") + ";" + make("sname1"),
        "diagnostics": make("diag"),
        "n_diagnostics": 1,
    }
    failed = empty_record(
        CountySpec(id=make("id1"), osm="o", population="p", boundary="b", k=1),
        make("name1"),
        "failed",
        error=make("error"),
    )
    return [
        {**ok, "attempts": 1, "seconds": 1.5, "geometry": shapely.to_wkb(outline)},
        {**failed, "attempts": 2, "seconds": np.nan, "geometry": shapely.to_wkb(outline)},
    ]


def test_batch_map_names_never_run_as_templates(pwned):
    """The probe in every text of the batch map: county names and ids, errors, the recommended
    names, the headline label and the title."""

    def probe(tag: str) -> str:
        return f"{tag}:{HOSTILE_JINJA}"

    frame = summary_frame(_hostile_records(probe))
    page = batch_map(frame, title=probe("title")).get_root().render()
    assert not pwned.exists(), "a name ran Python code while the batch map was rendered"
    assert JINJA_EVALUATED not in page
    assert "{{" not in page
    for tag in ("id0", "id1", "name0", "name1", "error", "sname0", "sname1", "label", "title"):
        shown = escape_text(probe(tag))
        assert shown in page or json.dumps(shown)[1:-1].replace("&", "\\u0026") in page, tag


def test_summary_csv_guards_formula_like_names(tmp_path, monkeypatch):
    formulas = {
        "id0": "=1+1",
        "id1": "+1+1",
        "name0": '=HYPERLINK("http://x","y")',
        "name1": "@SUM(1)",
        "error": "-2+3 failed",
        "site0": "=A1",
        "site1": "b",
        "sname0": "\t=1",
        "sname1": "b",
        "label": "@x",
        "diag": "=d",
    }
    frame = summary_frame(_hostile_records(formulas.__getitem__))
    guarded, raw = tmp_path / "guarded", tmp_path / "raw"
    for out in (guarded, raw):
        out.mkdir()
    write_rollup(guarded, frame, {"run_id": "r"}, basemap=None)
    monkeypatch.setattr(rollup, "csv_safe", lambda f: f)  # without the guard
    write_rollup(raw, frame, {"run_id": "r"}, basemap=None)
    g = pd.read_csv(guarded / "summary.csv", keep_default_na=False, dtype=str)
    r = pd.read_csv(raw / "summary.csv", keep_default_na=False, dtype=str)
    assert g["name"].tolist() == ['\'=HYPERLINK("http://x","y")', "'@SUM(1)"]
    assert g["id"].tolist() == ["'=1+1", "'+1+1"]
    assert g.loc[1, "error"] == "'-2+3 failed"
    assert g.loc[0, "recommended_names"] == "'\t=1;b"
    assert g.loc[0, "diagnostics"] == "'=d"
    for col in r.columns:  # every other cell, numbers included, written as before
        assert g[col].tolist() == [csv_cell(v) for v in r[col]], col
    nums = ["population", "covered_share", "share_basic", "attempts", "seconds"]
    pd.testing.assert_frame_equal(
        pd.read_csv(guarded / "summary.csv")[nums], pd.read_csv(raw / "summary.csv")[nums]
    )


def test_recommended_names_read_back_as_written(tmp_path):
    """A county's recommendations.csv guards its names; the roll-up reads the names back."""
    names = ["=HYPERLINK(1)", "'=quoted", "plain", "-3"]
    pd.DataFrame({"site_id": ["a", "b", "c", "d"], "name": names}).pipe(csv_safe).to_csv(
        tmp_path / "recommendations.csv", index=False
    )
    (tmp_path / "summary.json").write_text('{"recommendation": {"sites": ["a"]}}', "utf-8")
    spec = CountySpec(id="x", osm="o", population="p", boundary="b", k=4)
    rec = record_from_folder(spec, tmp_path, "X", "ok")
    assert rec["recommended_names"] == ";".join(names)
