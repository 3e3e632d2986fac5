"""The roll-up of a batch (access15.batch.rollup): the table agrees with each county's own
files, recomputed independently; GeoParquet outlines; the map is offline and escapes names."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from access15.batch import CountySpec, batch_map
from access15.batch.rollup import empty_record, summary_frame
from access15.outputs.maps import escape_text
from conftest import BATCH_HOSTILE


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


def test_map_is_offline_and_escapes_names(first_batch):
    html = (first_batch.out / "map.html").read_text(encoding="utf-8")
    assert "<img src=x" not in html
    assert "${1}" not in html
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
